//! The testers' console (issue 16, point 3) over HTTP: only where the pseudo-locales are served,
//! every key of `locales/en.json` listed, the filters by text, page and failing check, the
//! screenshots it crops (and no other file), and the problem report's script.

use crate::helpers::TestApp;
use app::i18n::{EN_KEYED, FI_KEYED};
use reqwest::{header, StatusCode};
use std::{collections::BTreeSet, fs, path::PathBuf};

/// A 1×1 PNG, the smallest picture a screenshot can be.
const ONE_PIXEL_PNG: [u8; 70] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
    0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f, 0x0f, 0x00, 0x02, 0x87, 0x01, 0x80, 0xeb, 0x47, 0xba,
    0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

async fn get(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The keys the page lists, by their articles' ids.
fn listed(html: &str) -> BTreeSet<String> {
    html.split("<article ")
        .skip(1)
        .filter_map(|article| {
            let tag = &article[..article.find('>')?];
            let id = tag.split_once("id=\"key-")?.1;
            Some(id[..id.find('"')?].to_owned())
        })
        .collect()
}

/// The start tag that holds `needle` (an attribute), whatever the attributes' order.
fn tag_with<'a>(html: &'a str, needle: &str) -> &'a str {
    let at = html.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    let start = html[..at].rfind('<').unwrap();
    &html[start..at + html[at..].find('>').unwrap()]
}

/// Every key of `locales/en.json`, a plural's forms one by one, read from the file itself.
fn every_key() -> BTreeSet<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../locales/en.json");
    let english: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    english
        .iter()
        .flat_map(|(key, value)| match value.as_object() {
            Some(forms) => forms.keys().map(|form| format!("{key}.{form}")).collect(),
            None => vec![key.clone()],
        })
        .collect()
}

/// A screenshots directory as a test run leaves it: one picture of the home page, where the
/// brand shows.
fn screenshots() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("l10n-console-{}", uuid::Uuid::new_v4()));
    fs::create_dir_all(dir.join("keys")).unwrap();
    fs::create_dir_all(dir.join("1280/en")).unwrap();
    fs::write(dir.join("1280/en/home.png"), ONE_PIXEL_PNG).unwrap();
    let boxes = serde_json::json!([
        {"key": "brand", "picture": "1280/en/home.png", "box": {"x": 0, "y": 0, "width": 1, "height": 1}}
    ]);
    fs::write(dir.join("keys/1280-en.json"), boxes.to_string()).unwrap();
    fs::write(dir.join("secret.txt"), "not a picture").unwrap();
    dir
}

#[tokio::test]
async fn the_console_is_not_found_without_the_pseudo_locales() {
    let dir = screenshots();
    let off = TestApp::spawn_with(|config| config.l10n_screenshots = Some(dir.clone())).await;
    let on = TestApp::spawn_with(|config| {
        config.pseudo_locales = true;
        config.l10n_screenshots = Some(dir.clone());
    })
    .await;

    for path in [
        "/en/_l10n",
        "/fi/_l10n?q=brand",
        "/en/_l10n/shots/1280/en/home.png",
        "/en/_l10n/shots.json?key=brand",
        "/l10n-report.js",
    ] {
        let (status, body) = get(&off, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path} without APP_PSEUDO_LOCALES");
        assert!(!body.contains("l10n-key"), "{path}: nothing of the console when off");
        let (status, _) = get(&on, path).await;
        assert_eq!(status, StatusCode::OK, "{path} with APP_PSEUDO_LOCALES=1");
    }
    let (_, login) = get(&off, "/en/login").await;
    assert!(!login.contains("l10n-report.js"), "no report script when off");
    let (_, login) = get(&on, "/en/login").await;
    assert!(login.contains("<script src=\"/l10n-report.js\" defer"), "{login}");

    let response = on.client.get(on.url("/_l10n")).header(header::ACCEPT_LANGUAGE, "fi").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()[header::LOCATION], "/fi/_l10n", "routed per locale as every page");
    fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn the_console_lists_every_key_in_both_languages_and_filters_them() {
    let dir = screenshots();
    let app = TestApp::spawn_with(|config| {
        config.pseudo_locales = true;
        config.l10n_screenshots = Some(dir.clone());
    })
    .await;

    let (status, english) = get(&app, "/en/_l10n").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed(&english), every_key(), "every key, each plural form on its own");
    assert!(english.contains("<html lang=\"en\"") && english.contains(EN_KEYED.l10n_console_title.text));
    assert!(english.contains("data-l10n-key=\"l10n_console_title\""), "the console's own texts carry keys");
    // Each key's texts, description and every check's result (all passed in a built server).
    let total = every_key().len();
    assert_eq!(english.matches("data-check=\"length\"").count(), total);
    assert_eq!(english.matches("l10n-check-passed").count(), total * 6);
    assert!(english.contains("brand name; never translated."), "the description of `brand`");
    let (_, finnish) = get(&app, "/fi/_l10n").await;
    assert_eq!(listed(&finnish), every_key());
    assert!(finnish.contains("<html lang=\"fi\"") && finnish.contains(FI_KEYED.l10n_console_title.text));

    // By text: a part of a key, or of its English or Finnish text, in any case.
    let (_, by_key) = get(&app, "/en/_l10n?q=ORDERS_COUNT").await;
    assert_eq!(listed(&by_key), BTreeSet::from(["orders_count.one".to_owned(), "orders_count.other".to_owned()]));
    let (_, by_finnish) = get(&app, "/en/_l10n?q=poista%20tilini").await;
    assert!(!listed(&by_finnish).is_empty());
    for key in listed(&by_finnish) {
        assert!(by_finnish.contains(&format!("id=\"key-{key}\"")));
    }
    let (_, nothing) = get(&app, "/fi/_l10n?q=no%20such%20text%20anywhere").await;
    assert!(listed(&nothing).is_empty() && nothing.contains(FI_KEYED.l10n_console_none.text));
    // By page: the keys the picture of that page shows, and the page is a choice of the form.
    let (_, home) = get(&app, "/en/_l10n?page=home").await;
    assert_eq!(listed(&home), BTreeSet::from(["brand".to_owned()]));
    assert!(tag_with(&home, "value=\"home\"").contains(" selected"), "the page stays chosen");
    // By failing check: none fails in a built server (the build refuses a failing one).
    let (_, failing) = get(&app, "/en/_l10n?check=length").await;
    assert!(listed(&failing).is_empty() && failing.contains(EN_KEYED.l10n_console_none.text));
    assert!(tag_with(&failing, "value=\"length\"").contains(" selected"));
    // An unknown check or page is no limit and no error.
    let (status, unknown) = get(&app, "/en/_l10n?check=nonsense&q=brand").await;
    assert_eq!(status, StatusCode::OK);
    assert!(listed(&unknown).contains("brand"));

    // The brand's screenshot, cropped to its box by the SVG's viewBox, and the picture itself.
    let brand = english.split("id=\"key-brand\"").nth(1).unwrap().split("</article>").next().unwrap();
    assert!(brand.contains("viewBox=\"0 0 1 1\""), "{brand}");
    assert!(brand.contains("href=\"/en/_l10n/shots/1280/en/home.png\""), "{brand}");
    let picture = app.client.get(app.url("/en/_l10n/shots/1280/en/home.png")).send().await.unwrap();
    assert_eq!(picture.status(), StatusCode::OK);
    assert_eq!(picture.headers()[header::CONTENT_TYPE], "image/png");
    assert_eq!(picture.bytes().await.unwrap().as_ref(), ONE_PIXEL_PNG);
    for path in [
        "/en/_l10n/shots/secret.txt",
        "/en/_l10n/shots/1280/en/../../secret.txt",
        "/en/_l10n/shots/1280/fi/home.png",
        "/en/_l10n/shots/keys/1280-en.json",
    ] {
        assert_eq!(get(&app, path).await.0, StatusCode::NOT_FOUND, "{path}: only the pictures the index names");
    }
    let (_, shots) = get(&app, "/fi/_l10n/shots.json?key=brand").await;
    let shots: serde_json::Value = serde_json::from_str(&shots).unwrap();
    assert_eq!(shots["shots"][0]["url"], "/fi/_l10n/shots/1280/en/home.png");
    assert_eq!(shots["shots"][0]["box"], serde_json::json!({"x": 0, "y": 0, "width": 1, "height": 1}));
    // A key no picture shows says why, from its description.
    let email = english.split("id=\"key-email_greeting\"").nth(1).unwrap().split("</article>").next().unwrap();
    assert!(email.contains("data-l10n-key=\"l10n_console_not_on_a_page\""), "{email}");
    fs::remove_dir_all(dir).unwrap();
}
