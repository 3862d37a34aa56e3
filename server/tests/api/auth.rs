use crate::helpers::TestApp;
use reqwest::{header, StatusCode};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn sign_up_signs_in_and_sign_out_ends_the_session() {
    let app = TestApp::spawn().await;

    let signed_up = app.sign_up("new.person@example.com", PASSWORD).await;

    assert_eq!(signed_up.status(), StatusCode::OK);
    assert_eq!(app.viewer_name().await.as_deref(), Some("Test Person"));
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, 1);

    let signed_out = app.post_form("sign_out", &[("locale", "fi")]).await;

    assert_eq!(signed_out.status(), StatusCode::OK);
    assert_eq!(signed_out.json::<String>().await.unwrap(), "/fi");
    assert_eq!(app.viewer_name().await, None);
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn sign_in_starts_a_new_session_and_records_the_password_entry() {
    let app = TestApp::spawn().await;
    app.sign_up("Returning@Example.com", PASSWORD).await;
    let planted = app.client.get(app.url("/en")).send().await.unwrap();
    assert_eq!(planted.status(), StatusCode::OK);
    sqlx::query("UPDATE sessions SET password_entered_at = now() - interval '1 hour'")
        .execute(&app.pool)
        .await
        .unwrap();
    let old_hash: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM sessions").fetch_one(&app.pool).await.unwrap();

    let response = app.sign_in("  returning@example.COM ", PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
    let new_hash: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM sessions").fetch_one(&app.pool).await.unwrap();
    assert_ne!(old_hash, new_hash, "sign-in must replace the session id");
    let recent: bool = sqlx::query_scalar("SELECT password_entered_at > now() - interval '1 minute' FROM sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(recent);
    assert_eq!(app.viewer_name().await.as_deref(), Some("Test Person"));
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = TestApp::spawn().await;

    let response = app.sign_up("cookie@example.com", PASSWORD).await;

    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http must not get Secure cookies: {cookie}");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.sign_up("someone@example.com", PASSWORD).await;
    app.post_form("sign_out", &[("locale", "en")]).await;

    let wrong_password = app.sign_in("someone@example.com", "not the password").await;
    let unknown_email = app.sign_in("nobody@example.com", PASSWORD).await;

    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_email.status(), StatusCode::UNAUTHORIZED);
    let (a, b) = (wrong_password.text().await.unwrap(), unknown_email.text().await.unwrap());
    assert_eq!(a, b);
    assert!(a.contains("SignInFailed"), "{a}");
}

#[tokio::test]
async fn a_duplicate_email_is_refused_whatever_its_case() {
    let app = TestApp::spawn().await;
    app.sign_up("taken@example.com", PASSWORD).await;

    let response = app.sign_up("  TAKEN@example.com", PASSWORD).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["Invalid"][0]["field"], "email");
    assert_eq!(body["Invalid"][0]["problem"], "EmailTaken");
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 1);
}

#[tokio::test]
async fn a_blocked_email_cannot_register() {
    let app = TestApp::spawn().await;
    let digester = app::auth::digest::EmailDigester::new(crate::helpers::TEST_SECRET);
    let email = app::domain::account::EmailAddress::parse("gone@example.com").unwrap();
    sqlx::query("INSERT INTO blocked_email_digests (digest) VALUES ($1)")
        .bind(digester.digests(&email).block)
        .execute(&app.pool)
        .await
        .unwrap();

    let response = app.sign_up(" Gone@Example.com ", PASSWORD).await;

    let body: Value = response.json().await.unwrap();
    assert_eq!(body["Invalid"][0]["problem"], "EmailBlocked");
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 0);
}

#[tokio::test]
async fn invalid_sign_up_input_names_every_field_and_creates_nothing() {
    let app = TestApp::spawn().await;

    let response = app
        .post_form(
            "sign_up",
            &[("locale", "en"), ("name", " "), ("email", "nope"), ("password", "short"), ("country", "XX")],
        )
        .await;

    let body: Value = response.json().await.unwrap();
    let fields: Vec<&str> = body["Invalid"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "email", "password", "country"]);
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 0);
}

#[tokio::test]
async fn too_many_failed_sign_ins_get_429_with_retry_after() {
    let app = TestApp::spawn().await;
    app.sign_up("target@example.com", PASSWORD).await;
    for _ in 0..5 {
        let failed = app.sign_in("target@example.com", "guess").await;
        assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    }

    let limited = app.sign_in("target@example.com", PASSWORD).await;

    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    let body: Value = limited.json().await.unwrap();
    assert!(body["RateLimited"]["retry_after_secs"].as_u64().is_some(), "{body}");
}

#[tokio::test]
async fn the_sign_in_page_renders_and_a_plain_form_post_is_redirected() {
    let app = TestApp::spawn().await;
    app.sign_up("plain@example.com", PASSWORD).await;

    let page = app.client.get(app.url("/fi/login")).send().await.unwrap();
    let plain_post = app
        .client
        .post(app.url("/api/sign_in"))
        .header(header::ORIGIN, &app.address)
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, app.url("/fi/login"))
        .form(&[("locale", "fi"), ("email", "plain@example.com"), ("password", PASSWORD), ("next", "/fi/login?x=1")])
        .send()
        .await
        .unwrap();

    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<label for="field-email""#), "{html}");
    assert!(html.contains("Sähköpostiosoite"));
    assert_eq!(plain_post.status(), StatusCode::SEE_OTHER);
    assert_eq!(plain_post.headers()[header::LOCATION], "/fi/login?x=1");
}
