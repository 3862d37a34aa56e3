//! The testers' pseudo-locales (issue 15, point 1) are pages only where `APP_PSEUDO_LOCALES=1`
//! switches them on; elsewhere they are a 404 and no page mentions them.

use crate::helpers::TestApp;
use app::i18n::{AR_XB, EN_XA};
use reqwest::{header, StatusCode};

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn pseudo_locales_are_served_only_when_switched_on() {
    let off = TestApp::spawn().await;
    let on = TestApp::spawn_with(|config| config.pseudo_locales = true).await;

    for path in ["/en-XA", "/en-XA/login", "/ar-XB/register"] {
        let (status, body) = page(&off, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path} without APP_PSEUDO_LOCALES");
        assert!(!body.contains('⟦'), "{path}: no pseudo text when off");
        let (status, _) = page(&on, path).await;
        assert_eq!(status, StatusCode::OK, "{path} with APP_PSEUDO_LOCALES=1");
    }

    let (_, english_off) = page(&off, "/en/login").await;
    assert!(!english_off.contains("pseudo-locales"), "no mention of them when off");
    assert!(!english_off.contains("hreflang=\"en-XA\""), "the switcher lists no pseudo-locale when off");
    let (_, english_on) = page(&on, "/en/login").await;
    assert!(english_on.contains("<meta name=\"pseudo-locales\" content=\"on\">"), "{english_on}");
    assert!(english_on.contains("hreflang=\"en-XA\"") && english_on.contains("hreflang=\"ar-XB\""));

    let (_, accented) = page(&on, "/en-XA/login").await;
    assert!(accented.contains("lang=\"en-XA\"") && accented.contains("dir=\"ltr\""));
    assert!(accented.contains(EN_XA.sign_in_title), "{}", EN_XA.sign_in_title);
    let (_, mirrored) = page(&on, "/ar-XB/login").await;
    assert!(mirrored.contains("lang=\"ar-XB\"") && mirrored.contains("dir=\"rtl\""));
    assert!(mirrored.contains(AR_XB.sign_in_title));
}

#[tokio::test]
async fn a_pseudo_locale_is_never_chosen_for_a_bare_path() {
    let on = TestApp::spawn_with(|config| config.pseudo_locales = true).await;

    let response = on
        .client
        .get(on.url("/account"))
        .header(header::COOKIE, "locale=en-XA")
        .header(header::ACCEPT_LANGUAGE, "ar-XB, en-XA")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()[header::LOCATION], "/en/account");
}
