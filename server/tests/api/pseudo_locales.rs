//! The testers' pseudo-locales (issue 15, point 1) are pages only where `APP_PSEUDO_LOCALES=1`
//! switches them on; elsewhere they are a 404 and no page mentions them.

use crate::helpers::TestApp;
use app::i18n::{AR_XB, EN_KEYED, EN_XA, FI_KEYED};
use app::message::{ARGS_ATTRIBUTE, KEY_ATTRIBUTE};
use reqwest::{header, StatusCode};

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn pseudo_locales_are_served_only_when_switched_on() {
    let off = TestApp::spawn().await;
    let on = TestApp::spawn_with(|config| config.pseudo_locales = true).await;

    for path in ["/en-XA", "/en-XA/login", "/ar-XB/register", "/en/l10n/plurals"] {
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
    assert!(accented.contains(EN_XA.sign_in_title.text), "{}", EN_XA.sign_in_title.text);
    let (_, mirrored) = page(&on, "/ar-XB/login").await;
    assert!(mirrored.contains("lang=\"ar-XB\"") && mirrored.contains("dir=\"rtl\""));
    assert!(mirrored.contains(AR_XB.sign_in_title.text));
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

/// `?l10n=keys` shows keys and arguments instead of texts and keeps itself in a session cookie
/// until `?l10n=off`; where the pseudo-locales are not served it does nothing.
#[tokio::test]
async fn show_keys_renders_keys_kept_by_a_cookie_until_switched_off() {
    let on = TestApp::spawn_with(|config| config.pseudo_locales = true).await;
    let get = |app: &TestApp, path: &str, cookie: Option<&str>| {
        let mut request = app.client.get(app.url(path));
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.send()
    };

    let asked = get(&on, "/fi/login?l10n=keys", None).await.unwrap();
    let set_cookie = asked.headers().get(header::SET_COOKIE).map(|v| v.to_str().unwrap().to_owned());
    let keys = asked.text().await.unwrap();
    assert_eq!(set_cookie.as_deref(), Some("l10n=keys; Path=/; SameSite=Lax"));
    assert!(keys.contains("<h1><span data-l10n-key=\"sign_in_title\">sign_in_title<"), "{keys}");
    // The language switcher too, which otherwise names each language in itself.
    assert!(keys.contains("<span data-l10n-key=\"language_fi\">language_fi<"), "{keys}");
    assert!(!keys.contains(app::i18n::FI.sign_in_title.text), "no Finnish text left");

    let kept = get(&on, "/en/register", Some("l10n=keys")).await.unwrap().text().await.unwrap();
    assert!(kept.contains("<h1><span data-l10n-key=\"sign_up_title\">sign_up_title<"), "{kept}");

    let off = get(&on, "/en/register?l10n=off", Some("l10n=keys")).await.unwrap();
    assert_eq!(off.headers()[header::SET_COOKIE], "l10n=; Path=/; Max-Age=0; SameSite=Lax");
    let text = off.text().await.unwrap();
    assert!(text.contains(app::i18n::EN.sign_up_title.text) && !text.contains(">sign_up_title<"));

    let production = TestApp::spawn().await;
    let ignored = get(&production, "/en/login?l10n=keys", Some("l10n=keys")).await.unwrap();
    assert!(ignored.headers().get(header::SET_COOKIE).is_none());
    assert!(!ignored.text().await.unwrap().contains(">sign_in_title<"));
}

/// Where testers are served, every message in the server's HTML names its key (and a filled one
/// its arguments), in every locale; in production no page has the attributes. The browser's side
/// (after hydration, JavaScript off, every message) is `end2end/tests/pseudo-locales.spec.ts`.
#[tokio::test]
async fn message_keys_are_in_the_html_only_where_testers_are_served() {
    let on = TestApp::spawn_with(|config| config.pseudo_locales = true).await;
    let production = TestApp::spawn().await;
    for app in [&on, &production] {
        assert!(app.sign_up("keys@example.com", "correct horse battery").await.status().is_success());
    }
    let pages = ["/en", "/fi/login", "/en/register", "/en/account", "/fi/account/settings/profile", "/en/no-such-page"];

    for path in pages {
        let (_, html) = page(&production, path).await;
        assert!(!html.contains("data-l10n-"), "{path}: no key attributes in production:\n{html}");
    }

    let (_, sign_in) = page(&on, "/en-XA/login").await;
    let title = format!("<span {KEY_ATTRIBUTE}=\"sign_in_title\">{}<", EN_XA.sign_in_title.text);
    assert!(sign_in.contains(&title), "{title} in\n{sign_in}");
    let (_, register) = page(&on, "/fi/register").await;
    let choose = format!("<option value=\"\" {KEY_ATTRIBUTE}=\"choose\">{}<", FI_KEYED.choose.text);
    assert!(register.contains(&choose), "an option names its key itself: {choose} in\n{register}");
    let (_, overview) = page(&on, "/en/account").await;
    let greeting = app::i18n::fill(EN_KEYED.hello_name, &[("name", &"Test Person")]);
    let keyed = format!(
        "<span {KEY_ATTRIBUTE}=\"hello_name\" {ARGS_ATTRIBUTE}=\"{{&quot;name&quot;:&quot;Test Person&quot;}}\">{}<",
        greeting.text
    );
    assert!(overview.contains(&keyed), "{keyed} in\n{overview}");
    for path in pages {
        let (_, html) = page(&on, path).await;
        assert!(html.contains(KEY_ATTRIBUTE), "{path}: keys where testers are served");
    }
}

/// A tester's deletion in a pseudo-locale ends on the goodbye page in that pseudo-locale (the
/// journey of `pseudo-locales.spec.ts` found it ending on `/en/goodbye`); where they are not
/// served, the form's `en-XA` is English.
#[tokio::test]
async fn a_deletion_in_a_pseudo_locale_answers_its_goodbye_page_only_where_they_are_served() {
    for (served, expected) in [(true, "/en-XA/goodbye?receipt="), (false, "/en/goodbye?receipt=")] {
        let app = TestApp::spawn_with(|config| config.pseudo_locales = served).await;
        assert!(app.sign_up("leaving@example.com", "correct horse battery").await.status().is_success());
        let form = [
            ("locale", "en-XA"),
            ("email", "leaving@example.com"),
            ("phrase", app::i18n::EN.deactivate_phrase.text),
            ("reason", "cheated"),
            ("other_text", ""),
        ];
        let response = app.post_form("deactivate_account", &form).await;
        assert_eq!(response.status(), StatusCode::OK);
        let target: String = response.json().await.unwrap();
        assert!(target.starts_with(expected), "served {served}: {target}");
    }
}
