//! The request pool (`server::database::connect`): no ping on a busy connection, a ping on one
//! that sat idle, so a connection the database dropped meanwhile is replaced, not handed out.
//! And a database that does not answer a session's lookup, or has just dropped a connection:
//! busy, not signed out and not a server error.

use crate::helpers::{fresh_database, TestApp};
use reqwest::{header, StatusCode};
use server::database::{connect, PING_AFTER_IDLE};
use sqlx::{Connection, PgConnection};
use std::time::Duration;

#[tokio::test]
async fn a_connection_the_database_dropped_while_it_sat_idle_is_replaced_before_a_query_uses_it() {
    // Arrange: the pool's one connection, ended by the database
    let (_, url) = fresh_database().await;
    let pool = connect(&url).await.unwrap();
    let first: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&pool).await.unwrap();
    assert_eq!(pool.size(), 1, "one connection, idle in the pool");
    let mut admin = PgConnection::connect(&url).await.unwrap();
    let ended: bool =
        sqlx::query_scalar("SELECT pg_terminate_backend($1)").bind(first).fetch_one(&mut admin).await.unwrap();
    assert!(ended);
    tokio::time::sleep(PING_AFTER_IDLE + Duration::from_millis(200)).await;

    // Act
    let next = tokio::time::timeout(
        Duration::from_secs(10),
        sqlx::query_scalar::<_, i32>("SELECT pg_backend_pid()").fetch_one(&pool),
    )
    .await;

    // Assert
    let next = next.expect("the query is answered in time").expect("the dead connection was replaced, not used");
    assert_ne!(next, first);
}

#[tokio::test]
async fn a_session_the_database_cannot_look_up_is_busy_and_stays_signed_in() {
    // Arrange: a signed-in browser, and the sessions table out of the server's reach
    let app = TestApp::spawn().await;
    assert_eq!(app.sign_up("busy@example.com", "correct horse battery").await.status(), StatusCode::OK);
    sqlx::query("ALTER TABLE sessions RENAME TO sessions_away").execute(&app.pool).await.unwrap();

    // Act
    let page = app.client.get(app.url("/fi/account")).send().await.unwrap();

    // Assert: busy, in the page's language, with the session cookie left alone
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.headers()[header::RETRY_AFTER], "1");
    assert!(page.headers().get(header::SET_COOKIE).is_none(), "{:?}", page.headers());
    assert_eq!(page.text().await.unwrap(), app::i18n::Locale::Fi.messages().error_busy.text);

    // Act: the database answers again
    sqlx::query("ALTER TABLE sessions_away RENAME TO sessions").execute(&app.pool).await.unwrap();

    // Assert: the same browser is still signed in
    assert_eq!(app.viewer_name().await.as_deref(), Some("Test Person"));
}

#[tokio::test]
async fn a_connection_the_database_dropped_a_moment_ago_answers_busy_and_the_next_try_succeeds() {
    // Arrange: a person, then every connection of the server ended by the database before the
    // pool's idle ping would look at them (a restart or a crash under a busy server)
    let app = TestApp::spawn().await;
    let (email, password) = ("dropped@example.com", "correct horse battery");
    assert_eq!(app.sign_up(email, password).await.status(), StatusCode::OK);
    let mut admin = PgConnection::connect_with(&app.pool.connect_options()).await.unwrap();
    let others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() \
                  AND backend_type = 'client backend'";
    let ended: i64 = sqlx::query_scalar(&format!("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) {others}"))
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert!(ended > 0, "the server had connections to end");
    while sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) {others}")).fetch_one(&mut admin).await.unwrap() > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let sign_in = || {
        reqwest::Client::new()
            .post(app.url("/api/sign_in"))
            .header(header::ORIGIN, &app.address)
            .form(&[("locale", "en"), ("email", email), ("password", password)])
            .send()
    };

    // Act: at once, on a connection the pool still holds
    let first = sign_in().await.unwrap();

    // Assert: busy, with when to retry and no internals
    assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(first.headers()[header::RETRY_AFTER], "1");
    assert_eq!(first.text().await.unwrap(), r#"{"Busy":{"retry_after_secs":1}}"#);

    // Act and assert: the pool drops what failed, so trying again soon signs in
    let mut tries = 1;
    loop {
        let next = sign_in().await.unwrap();
        if next.status() == StatusCode::OK {
            break;
        }
        assert_eq!(next.status(), StatusCode::SERVICE_UNAVAILABLE, "try {tries}: {}", next.text().await.unwrap());
        tries += 1;
        assert!(tries <= 20, "still busy after {tries} tries: the pool keeps handing out dead connections");
    }
}
