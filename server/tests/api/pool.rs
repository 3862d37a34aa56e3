//! The request pool (`server::database::connect`): no ping on a busy connection, a ping on one
//! that sat idle, so a connection the database dropped meanwhile is replaced, not handed out.
//! And a database that does not answer a session's lookup: busy, not signed out.

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
