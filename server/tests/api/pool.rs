//! The request pool (`server::database::connect`): no ping on a busy connection, a ping on one
//! that sat idle, so a connection the database dropped meanwhile is replaced, not handed out.

use crate::helpers::fresh_database;
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
