//! Pacing: the eraser runs flat out on a quiet database and rests while others use it.

use crate::helpers::fresh_database;
use server::eraser::{rest_after, Settings, QUIET_FOR};
use sqlx::PgPool;
use std::time::Duration;

/// The eraser runs flat out on a quiet database, and rests after its batches while anyone else
/// (not another eraser) uses it: in a statement now, or within the last `QUIET_FOR`.
#[tokio::test]
async fn the_eraser_rests_only_while_others_use_the_database() {
    // Arrange
    let (others, url) = fresh_database().await;
    let eraser_pool = server::database::connect_eraser(&url).unwrap();
    let another_eraser = server::database::connect_eraser(&url).unwrap();
    let settings = Settings { duty_percent: 25, ..Settings::default() };
    let batch = Duration::from_millis(10);
    let in_statement = |pool: &PgPool| {
        let pool = pool.clone();
        tokio::spawn(async move { sqlx::query("SELECT pg_sleep(0.5)").execute(&pool).await.unwrap() })
    };
    let quiet_for = QUIET_FOR + Duration::from_millis(100);
    // What the others did while the database was made must be older than QUIET_FOR.
    tokio::time::sleep(quiet_for).await;

    // Act
    let quiet = rest_after(&eraser_pool, &settings, batch).await;
    let another_erasing = in_statement(&another_eraser);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let beside_another_eraser = rest_after(&eraser_pool, &settings, batch).await;
    another_erasing.await.unwrap();
    let someone_querying = in_statement(&others);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let beside_a_query = rest_after(&eraser_pool, &settings, batch).await;
    someone_querying.await.unwrap();
    let after_a_query = rest_after(&eraser_pool, &settings, batch).await;
    tokio::time::sleep(quiet_for).await;
    let quiet_again = rest_after(&eraser_pool, &settings, batch).await;

    // Assert
    assert_eq!(quiet, Duration::ZERO);
    assert_eq!(beside_another_eraser, Duration::ZERO, "other erasers are not users");
    assert_eq!(beside_a_query, Duration::from_millis(30), "a 25% duty: three times the batch");
    assert_eq!(after_a_query, Duration::from_millis(30), "the query ended just now");
    assert_eq!(quiet_again, Duration::ZERO);
}
