//! Requests racing a deletion of the same account or address, over real HTTP. In every round
//! both requests are provably inside their transactions at once: the deletion is held inside
//! its transaction (a test transaction holds a lock its last statement needs) until the other
//! request is seen waiting on a lock in `pg_stat_activity`; then the deletion goes on.

use crate::helpers::TestApp;
use app::auth::session;
use reqwest::{header, StatusCode};
use sqlx::{PgPool, Postgres, Transaction};
use std::time::Duration;
use uuid::Uuid;

/// Rounds per race; `RACE_ROUNDS` sets more (or fewer).
fn rounds() -> usize {
    std::env::var("RACE_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(50)
}

/// A live account with a session whose password was just entered; its email and cookie.
async fn account_with_session(pool: &PgPool) -> (Uuid, String, String) {
    let email = format!("racer-{}@example.com", Uuid::new_v4().simple());
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO accounts (email, password_hash, name, country, phone)
         VALUES ($1, '!test', 'Ray Racer', 'FI', '+358 40 1234567') RETURNING id",
    )
    .bind(&email)
    .fetch_one(pool)
    .await
    .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let token = session::create(&mut conn, id).await.unwrap();
    (id, email, format!("session={}", token.as_str()))
}

/// Holds the deletion inside its transaction: its last statement queues the erasure, which
/// needs a lock that SHARE mode on the queue withholds until this transaction ends.
async fn hold_deletions(pool: &PgPool) -> Transaction<'static, Postgres> {
    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE erasure_queue IN SHARE MODE").execute(&mut *blocker).await.unwrap();
    blocker
}

/// Waits until a backend whose statement matches `pattern` (a regular expression) waits on a
/// lock inside an open transaction.
async fn wait_until_waiting(pool: &PgPool, what: &str, pattern: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let waiting: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                             WHERE datname = current_database() AND wait_event_type = 'Lock'
                               AND xact_start IS NOT NULL AND query ~ $1)",
        )
        .bind(pattern)
        .fetch_one(pool)
        .await
        .unwrap();
        if waiting {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what} never waited inside its transaction");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Starts `fields` posted to the server function `endpoint` with `cookie` (may be empty).
fn post(
    app: &TestApp,
    endpoint: &str,
    cookie: &str,
    fields: Vec<(&'static str, String)>,
) -> tokio::task::JoinHandle<(StatusCode, String)> {
    let request = reqwest::Client::new()
        .post(app.url(&format!("/api/{endpoint}")))
        .header(header::ORIGIN, &app.address)
        .header(header::COOKIE, cookie)
        .form(&fields);
    tokio::spawn(async move {
        let response = request.send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    })
}

fn deletion_form(email: &str) -> Vec<(&'static str, String)> {
    [("locale", "en"), ("email", email), ("phrase", "deactivate my account"), ("reason", "cheated")]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect()
}

/// The deletion's statement that the held lock stops.
const DELETION_WAITING: &str = "INSERT INTO erasure_queue";

#[tokio::test]
async fn a_profile_save_racing_the_deletion_never_writes_personal_data_back() {
    let app = TestApp::spawn().await;
    for round in 0..rounds() {
        // Arrange
        let (id, email, cookie) = account_with_session(&app.pool).await;
        let blocker = hold_deletions(&app.pool).await;

        // Act: the deletion inside its transaction (the account row scrubbed and locked), then
        // the save, which waits for the row
        let deletion = post(&app, "deactivate_account", &cookie, deletion_form(&email));
        wait_until_waiting(&app.pool, "the deletion", DELETION_WAITING).await;
        let save = post(
            &app,
            "update_profile",
            &cookie,
            vec![("name", "Ray Racer".into()), ("country", "FI".into()), ("phone", "+358 40 7654321".into())],
        );
        wait_until_waiting(&app.pool, "the profile save", "^UPDATE accounts SET name").await;
        blocker.commit().await.unwrap();
        let (deletion, save) = (deletion.await.unwrap(), save.await.unwrap());

        // Assert: the scrub wins
        assert_eq!(deletion.0, StatusCode::OK, "round {round}: {deletion:?}");
        assert_eq!(save, (StatusCode::UNAUTHORIZED, "\"NotSignedIn\"".to_owned()), "round {round}");
        let written_back: i64 =
            sqlx::query_scalar("SELECT count(*) FROM accounts WHERE id = $1 AND (name <> '' OR phone IS NOT NULL)")
                .bind(id)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(written_back, 0, "round {round}: the save wrote personal data back into the deleted account");
    }
}

#[tokio::test]
async fn a_sign_up_racing_the_deletion_of_its_address_is_refused() {
    let app = TestApp::spawn().await;
    for round in 0..rounds() {
        // Arrange (sign-ups are rate limited per address: this test is one address many times)
        sqlx::query("DELETE FROM rate_limits").execute(&app.pool).await.unwrap();
        let (_, email, cookie) = account_with_session(&app.pool).await;
        let blocker = hold_deletions(&app.pool).await;

        // Act: the deletion inside its transaction, then a sign-up with the same address
        let deletion = post(&app, "deactivate_account", &cookie, deletion_form(&email));
        wait_until_waiting(&app.pool, "the deletion", DELETION_WAITING).await;
        let sign_up = post(
            &app,
            "sign_up",
            "",
            vec![
                ("locale", "en".into()),
                ("name", "Ray Again".into()),
                ("email", email.to_uppercase()),
                ("password", "a long enough password".into()),
                ("country", "FI".into()),
            ],
        );
        // (on the address's lock, or, were there none, on the unique index of the address)
        wait_until_waiting(&app.pool, "the sign-up", "^(SELECT pg_advisory_xact_lock|INSERT INTO accounts)").await;
        blocker.commit().await.unwrap();
        let (deletion, sign_up) = (deletion.await.unwrap(), sign_up.await.unwrap());

        // Assert: the address is blocked, never registered
        assert_eq!(deletion.0, StatusCode::OK, "round {round}: {deletion:?}");
        assert_eq!(sign_up.0, StatusCode::UNPROCESSABLE_ENTITY, "round {round}: {sign_up:?}");
        assert!(sign_up.1.contains("EmailBlocked"), "round {round}: {sign_up:?}");
        let registered: i64 =
            sqlx::query_scalar("SELECT count(*) FROM accounts WHERE lower(email) = lower($1) AND deleted_at IS NULL")
                .bind(&email)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(registered, 0, "round {round}");
    }
}
