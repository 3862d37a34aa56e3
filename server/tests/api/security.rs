use crate::helpers::TestApp;
use reqwest::{header, StatusCode};

const SIGN_UP: &str = "locale=en&name=Mallory&email=victim%40example.com&password=long+enough+password&country=FI";

/// Posts a sign-up form with exactly these headers, as a page somewhere on the web could.
async fn post_sign_up(app: &TestApp, headers: &[(&str, &str)]) -> reqwest::Response {
    headers
        .iter()
        .fold(app.client.post(app.url("/api/sign_up")), |request, (name, value)| request.header(*name, *value))
        .body(SIGN_UP)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_cross_site_post_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;

    let response = post_sign_up(
        &app,
        &[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
    )
    .await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 0);
}

#[tokio::test]
async fn a_post_without_origin_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;

    let response = post_sign_up(&app, &[("content-type", "application/x-www-form-urlencoded")]).await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 0);
}

#[tokio::test]
async fn a_cross_site_text_plain_simple_request_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;

    // What an attacker's page can send without a CORS preflight.
    let response = post_sign_up(&app, &[("origin", "null"), ("content-type", "text/plain")]).await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 0);
}

#[tokio::test]
async fn a_same_origin_post_is_accepted() {
    let app = TestApp::spawn().await;

    let response =
        post_sign_up(&app, &[("sec-fetch-site", "same-origin"), ("content-type", "application/x-www-form-urlencoded")])
            .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 1);
}

#[tokio::test]
async fn pages_carry_a_strict_policy_with_a_fresh_nonce_each_time() {
    let app = TestApp::spawn().await;

    let first = app.client.get(app.url("/en/login")).send().await.unwrap();
    let second = app.client.get(app.url("/en/login")).send().await.unwrap();

    let policy = |r: &reqwest::Response| r.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    let nonce =
        |policy: &str| policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).map(str::to_owned);
    let (p1, p2) = (policy(&first), policy(&second));
    let (n1, n2) = (nonce(&p1).expect("a nonce"), nonce(&p2).expect("a nonce"));
    assert_ne!(n1, n2);
    assert!(p1.contains("'wasm-unsafe-eval'") && p1.contains("frame-ancestors 'none'"), "{p1}");
    assert!(!p1.contains("unsafe-inline") && !p1.contains("'unsafe-eval'"), "{p1}");
    assert_eq!(first.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(first.headers().contains_key(header::REFERRER_POLICY));
    assert_eq!(first.headers()[header::CACHE_CONTROL], "no-store");
    let html = first.text().await.unwrap();
    assert!(html.contains(&format!(r#"nonce="{n1}""#)), "the inline scripts must carry the header's nonce");
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let app = TestApp::spawn().await;
    let huge = "x".repeat(200 * 1024);

    let response = app.post_form("sign_in", &[("locale", "en"), ("email", &huge), ("password", "x")]).await;

    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
