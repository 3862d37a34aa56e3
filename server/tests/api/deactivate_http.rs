//! The deletion server function (`POST /api/deactivate_account`) and its companions
//! (`/api/confirm_password`, `/api/deactivation_state`) over real HTTP: status codes, the JSON
//! error shape, cookies and headers, the no-JavaScript form path, the rate limit, concurrency and
//! the cross-site refusal. What the store does inside PostgreSQL is proven in `deletion.rs`.

use crate::helpers::TestApp;
use app::deactivation::store::Receipt;
use reqwest::{header, Response, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";
const EMAIL: &str = "Leaving.Person@example.com";
const PHRASE: &str = "deactivate my account";

/// A fresh app with one signed-up account whose client holds its session.
struct Signed {
    app: TestApp,
    id: Uuid,
    /// The value of the `session` cookie the sign-up set.
    token: String,
}

async fn signed_up() -> Signed {
    let app = TestApp::spawn().await;
    let response = app.sign_up(EMAIL, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK, "sign-up works");
    let token = set_cookies(&response)
        .iter()
        .find_map(|c| c.strip_prefix("session=").and_then(|rest| rest.split(';').next()).map(str::to_owned))
        .expect("sign-up sets the session cookie");
    let id = sqlx::query_scalar("SELECT id FROM accounts WHERE lower(email) = lower($1)")
        .bind(EMAIL)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    Signed { app, id, token }
}

fn set_cookies(response: &Response) -> Vec<String> {
    response.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

/// The fields of a form post.
type Fields<'a> = Vec<(&'a str, &'a str)>;

/// The form fields of a deletion request.
fn form<'a>(locale: &'a str, email: &'a str, phrase: &'a str, reason: &'a str, other: &'a str) -> Fields<'a> {
    vec![("locale", locale), ("email", email), ("phrase", phrase), ("reason", reason), ("other_text", other)]
}

fn valid_form() -> Fields<'static> {
    form("en", EMAIL, PHRASE, "cheated", "")
}

async fn deactivate(app: &TestApp, fields: &[(&str, &str)]) -> Response {
    app.post_form("deactivate_account", fields).await
}

async fn json_of(response: Response) -> Value {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Whether `email`/`password` signs in, from a browser of its own (the test's client keeps its session).
async fn sign_in_status(app: &TestApp, email: &str, password: &str) -> StatusCode {
    reqwest::Client::new()
        .post(app.url("/api/sign_in"))
        .header(header::ORIGIN, &app.address)
        .form(&[("locale", "en"), ("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}

/// The viewer a request with exactly this session cookie gets (no cookie jar involved).
async fn viewer_with_cookie(app: &TestApp, token: &str) -> Value {
    let response = reqwest::Client::new()
        .post(app.url("/api/viewer"))
        .header(header::ORIGIN, &app.address)
        .header(header::COOKIE, format!("session={token}"))
        .form(&[] as &[(&str, &str)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    json_of(response).await
}

async fn count_for(app: &TestApp, sql: &str, id: Uuid) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(&app.pool).await.unwrap()
}

/// Nothing of the deletion happened: the account is live and signs in, its session still works,
/// and no tombstone, feedback, blocked digest or queue row exists.
async fn assert_untouched(s: &Signed) {
    let app = &s.app;
    assert_eq!(count_for(app, "SELECT count(*) FROM accounts WHERE id = $1 AND deleted_at IS NULL", s.id).await, 1);
    let session: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sessions WHERE account_id = $1 AND token_hash = sha256(convert_to($2, 'UTF8'))",
    )
    .bind(s.id)
    .bind(&s.token)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(session, 1, "the session is still there");
    for table in ["tombstones", "deletion_feedback_inbox", "blocked_email_digests", "erasure_queue"] {
        assert_eq!(app.count(&format!("SELECT count(*) FROM {table}")).await, 0, "{table}");
    }
    assert_eq!(viewer_with_cookie(app, &s.token).await["name"], "Test Person", "the session still works");
    assert_eq!(sign_in_status(app, EMAIL, PASSWORD).await, StatusCode::OK, "the account still signs in");
}

/// `(field, problem)` pairs of an `Invalid` answer.
fn problems(body: &Value) -> Vec<(String, Value)> {
    body["Invalid"]
        .as_array()
        .unwrap_or_else(|| panic!("not an Invalid answer: {body}"))
        .iter()
        .map(|p| (p["field"].as_str().unwrap().to_owned(), p["problem"].clone()))
        .collect()
}

/// Asserts `target` is `/{locale}/goodbye?receipt=` and the account's receipt `DA-XXXX-XXXX-XXXX`.
fn assert_goodbye(target: &str, locale: &str, id: Uuid) {
    let receipt = target
        .strip_prefix(&format!("/{locale}/goodbye?receipt="))
        .unwrap_or_else(|| panic!("not the goodbye page: {target}"));
    let groups: Vec<&str> = receipt.split('-').collect();
    assert_eq!(groups.len(), 4, "{receipt}");
    assert_eq!(groups[0], "DA");
    assert!(
        groups[1..].iter().all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())),
        "{receipt}"
    );
    assert_eq!(receipt, Receipt::for_account(id).0);
}

#[tokio::test]
async fn a_valid_deletion_answers_the_goodbye_page_and_ends_everything_at_once() {
    // Arrange
    let s = signed_up().await;
    assert_eq!(s.app.viewer_name().await.as_deref(), Some("Test Person"));

    // Act
    let response =
        deactivate(&s.app, &form("en", "  leaving.PERSON@Example.COM ", "  Deactivate  my ACCOUNT ", "cheated", ""))
            .await;

    // Assert: the answer
    assert_eq!(response.status(), StatusCode::OK);
    let clear_site_data = response.headers()["clear-site-data"].to_str().unwrap().to_owned();
    assert!(clear_site_data.contains("\"cookies\""), "{clear_site_data}");
    let cookies = set_cookies(&response);
    assert!(
        cookies.iter().any(|c| c.starts_with("session=;") && c.contains("Max-Age=0")),
        "the session cookie is cleared: {cookies:?}"
    );
    let target: String = response.json().await.unwrap();
    assert_goodbye(&target, "en", s.id);
    // The browser is signed out, and the old session is dead on the server too.
    assert_eq!(s.app.viewer_name().await, None);
    assert_eq!(viewer_with_cookie(&s.app, &s.token).await, Value::Null);
    assert_eq!(s.app.count("SELECT count(*) FROM sessions").await, 0);
    // The account cannot sign in, and its address cannot register again.
    assert_eq!(sign_in_status(&s.app, EMAIL, PASSWORD).await, StatusCode::UNAUTHORIZED);
    let again = s.app.sign_up(EMAIL, PASSWORD).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problems(&json_of(again).await), [("email".to_owned(), json!("EmailBlocked"))]);
    // What stays: the tombstone and the anonymous reason.
    assert_eq!(count_for(&s.app, "SELECT count(*) FROM tombstones WHERE account_id = $1", s.id).await, 1);
    let feedback: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT reason, other_text FROM deletion_feedback_inbox").fetch_all(&s.app.pool).await.unwrap();
    assert_eq!(feedback, [("cheated".to_owned(), None)]);
}

#[tokio::test]
async fn the_finnish_phrase_counts_on_a_finnish_page_only() {
    // Arrange
    let s = signed_up().await;
    let finnish = "  Poista tilini KÄYTÖSTÄ ";

    // Act
    let on_english_page = deactivate(&s.app, &form("en", EMAIL, finnish, "too_many_emails", "")).await;

    // Assert
    assert_eq!(on_english_page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problems(&json_of(on_english_page).await), [("phrase".to_owned(), json!("PhraseMismatch"))]);
    assert_untouched(&s).await;

    // Act
    let on_finnish_page = deactivate(&s.app, &form("fi", EMAIL, finnish, "too_many_emails", "")).await;

    // Assert
    assert_eq!(on_finnish_page.status(), StatusCode::OK);
    let target: String = on_finnish_page.json().await.unwrap();
    assert_goodbye(&target, "fi", s.id);
    assert_eq!(count_for(&s.app, "SELECT count(*) FROM tombstones WHERE account_id = $1", s.id).await, 1);
}

/// The form posted by a browser with JavaScript off: `Accept: text/html`, a `Referer`.
async fn plain_form_post(app: &TestApp, fields: &[(&str, &str)]) -> Response {
    app.client
        .post(app.url("/api/deactivate_account"))
        .header(header::ORIGIN, &app.address)
        .header(header::ACCEPT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .header(header::REFERER, app.url("/en/account/deactivate"))
        .form(fields)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_plain_html_form_post_that_succeeds_is_sent_to_the_goodbye_page() {
    // Arrange
    let s = signed_up().await;

    // Act
    let response = plain_form_post(&s.app, &valid_form()).await;

    // Assert
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert_goodbye(&location, "en", s.id);
    assert!(set_cookies(&response).iter().any(|c| c.starts_with("session=;") && c.contains("Max-Age=0")));
    assert_eq!(s.app.viewer_name().await, None);
    assert_eq!(count_for(&s.app, "SELECT count(*) FROM tombstones WHERE account_id = $1", s.id).await, 1);
}

#[tokio::test]
async fn a_plain_html_form_post_with_errors_goes_back_to_the_form_with_the_error_and_changes_nothing() {
    // Arrange
    let s = signed_up().await;

    // Act
    let response = plain_form_post(&s.app, &form("en", "someone@else.example", PHRASE, "cheated", "")).await;

    // Assert: a redirect (that a browser follows) back to the page, with the error in the query
    let status = response.status();
    let location = response.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned());
    assert!(
        status.is_redirection(),
        "a browser without JavaScript must be sent back to the form, got {status} with Location {location:?}: {}",
        response.text().await.unwrap_or_default()
    );
    let location = location.expect("a redirect has a Location");
    assert!(location.starts_with(&s.app.url("/en/account/deactivate?")), "{location}");
    assert!(location.contains("__err="), "{location}");
    assert_untouched(&s).await;
}

#[tokio::test]
async fn each_bad_input_is_refused_at_its_field_and_changes_nothing() {
    // Arrange
    let s = signed_up().await;
    let long_email = format!("{}@example.com", "a".repeat(300));
    let long_phrase = "deactivate my account ".repeat(10);
    let long_other = "x".repeat(501);
    let cases: Vec<(Fields, &str, Value)> = vec![
        (form("en", "someone@else.example", PHRASE, "cheated", ""), "email", json!("EmailMismatch")),
        (form("en", EMAIL, "delete my account", "cheated", ""), "phrase", json!("PhraseMismatch")),
        (form("en", EMAIL, PHRASE, "", ""), "reason", json!("ReasonRequired")),
        (form("en", EMAIL, PHRASE, "bored", ""), "reason", json!("ReasonUnknown")),
        (form("en", EMAIL, PHRASE, "other", "   "), "other_text", json!("OtherTextRequired")),
        (form("en", EMAIL, PHRASE, "cheated", "and more"), "other_text", json!("OtherTextNotAllowed")),
        (form("en", &long_email, PHRASE, "cheated", ""), "email", json!({"TooLong": {"max": 254}})),
        (form("en", EMAIL, &long_phrase, "cheated", ""), "phrase", json!({"TooLong": {"max": 100}})),
        (form("en", EMAIL, PHRASE, "other", &long_other), "other_text", json!({"TooLong": {"max": 500}})),
    ];

    for (fields, field, problem) in cases {
        // Arrange: a clean slate of failed attempts (five in a row would be rate limited)
        sqlx::query("DELETE FROM rate_limits").execute(&s.app.pool).await.unwrap();

        // Act
        let response = deactivate(&s.app, &fields).await;

        // Assert
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}: {problem}");
        assert_eq!(problems(&json_of(response).await), [(field.to_owned(), problem.clone())], "{fields:?}");
        let counted = "SELECT attempts::int8 FROM rate_limits WHERE bucket = 'deletion'";
        assert_eq!(s.app.count(counted).await, 1, "the failure is counted");
        assert_untouched(&s).await;
    }
}

#[tokio::test]
async fn a_password_entered_too_long_ago_must_be_confirmed_first() {
    // Arrange
    let s = signed_up().await;
    let age_password = || async {
        sqlx::query("UPDATE sessions SET password_entered_at = now() - interval '11 minutes' WHERE account_id = $1")
            .bind(s.id)
            .execute(&s.app.pool)
            .await
            .unwrap();
    };
    age_password().await;

    // Act
    let refused = deactivate(&s.app, &valid_form()).await;
    let state_before = s.app.post_form("deactivation_state", &[]).await;

    // Assert
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(json_of(refused).await, json!("PasswordTooOld"));
    assert_eq!(state_before.status(), StatusCode::OK);
    assert_eq!(json_of(state_before).await, json!("NeedsPassword"));
    // (that check signed in from another browser: a password entry there does not count here)
    assert_untouched(&s).await;

    // Act: a wrong password
    let wrong = s.app.post_form("confirm_password", &[("password", "not the password")]).await;

    // Assert
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problems(&json_of(wrong).await), [("password".to_owned(), json!("PasswordWrong"))]);
    assert_eq!(json_of(s.app.post_form("deactivation_state", &[]).await).await, json!("NeedsPassword"));

    // Act: the right one
    let confirmed = s.app.post_form("confirm_password", &[("password", PASSWORD)]).await;
    let state_after = s.app.post_form("deactivation_state", &[]).await;

    // Assert
    assert_eq!(confirmed.status(), StatusCode::OK);
    let state = json_of(state_after).await;
    assert!(state["Ready"].is_object(), "{state}");
    assert_eq!(state["Ready"]["email"].as_str().map(str::to_lowercase), Some(EMAIL.to_lowercase()));
    let deleted = deactivate(&s.app, &valid_form()).await;
    assert_eq!(deleted.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_deletion_without_a_session_is_not_signed_in() {
    // Arrange
    let app = TestApp::spawn().await;

    // Act
    let response = deactivate(&app, &valid_form()).await;
    let state = app.post_form("deactivation_state", &[]).await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(response).await, json!("NotSignedIn"));
    assert_eq!(state.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("SELECT count(*) FROM deletion_feedback_inbox").await, 0);
}

#[tokio::test]
async fn five_failed_attempts_then_even_a_valid_one_is_rate_limited() {
    // Arrange
    let s = signed_up().await;
    for _ in 0..5 {
        let failed = deactivate(&s.app, &form("en", EMAIL, "please delete", "cheated", "")).await;
        assert_eq!(failed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    // Act
    let limited = deactivate(&s.app, &valid_form()).await;

    // Assert
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    let body = json_of(limited).await;
    assert!(body["RateLimited"]["retry_after_secs"].as_u64().is_some_and(|s| (1..=900).contains(&s)), "{body}");
    assert_untouched(&s).await;
}

#[tokio::test]
async fn twenty_simultaneous_requests_with_one_session_delete_once() {
    // Arrange
    let s = signed_up().await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));

    // Act: the same session cookie on each (set explicitly: the shared cookie jar is cleared by
    // the first success)
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let (client, url, origin, cookie, barrier) = (
                s.app.client.clone(),
                s.app.url("/api/deactivate_account"),
                s.app.address.clone(),
                format!("session={}", s.token),
                barrier.clone(),
            );
            tokio::spawn(async move {
                barrier.wait().await;
                let response = client
                    .post(url)
                    .header(header::ORIGIN, origin)
                    .header(header::COOKIE, cookie)
                    .form(&valid_form())
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                (status, response.text().await.unwrap())
            })
        })
        .collect();
    let mut answers = Vec::new();
    for call in calls {
        answers.push(call.await.unwrap());
    }

    // Assert
    let ok = answers.iter().filter(|(status, _)| *status == StatusCode::OK).count();
    let refused = answers
        .iter()
        .filter(|(status, body)| {
            (*status == StatusCode::CONFLICT && body == "\"AlreadyDeleted\"")
                || (*status == StatusCode::UNAUTHORIZED && body == "\"NotSignedIn\"")
        })
        .count();
    assert_eq!((ok, refused), (1, 19), "{answers:?}");
    let id = s.id;
    assert_eq!(count_for(&s.app, "SELECT count(*) FROM tombstones WHERE account_id = $1", id).await, 1);
    assert_eq!(s.app.count("SELECT count(*) FROM deletion_feedback_inbox").await, 1);
    assert_eq!(s.app.count("SELECT count(*) FROM blocked_email_digests").await, 1);
    // The queue row: still there, or the test server's eraser already finished with it (it
    // removes the row with the account row, in one transaction).
    // (one statement, one snapshot: the eraser may finish between two)
    let (queued, account_rows): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM erasure_queue WHERE account_id = $1), (SELECT count(*) FROM accounts WHERE id = $1)",
    )
    .bind(id)
    .fetch_one(&s.app.pool)
    .await
    .unwrap();
    assert!(matches!((queued, account_rows), (1, 1) | (0, 0)), "queue {queued}, account rows {account_rows}");
    assert_eq!(s.app.count("SELECT count(*) FROM erasure_queue").await, queued);
}

#[tokio::test]
async fn a_cross_site_deletion_request_is_refused_and_changes_nothing() {
    // Arrange
    let s = signed_up().await;

    // Act: the victim's browser, with the session cookie, on an attacker's page
    let response = s
        .app
        .client
        .post(s.app.url("/api/deactivate_account"))
        .header("sec-fetch-site", "cross-site")
        .header(header::ORIGIN, "https://evil.example")
        .form(&valid_form())
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_untouched(&s).await;
    assert_eq!(s.app.viewer_name().await.as_deref(), Some("Test Person"));
}
