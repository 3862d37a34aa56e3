//! PostgreSQL crashing and coming back under a running server: readiness says so, nothing
//! answers with internals, the server recovers by itself, and the erasure resumes and ends clean.

use crate::deletion::{delete_account, seed, traces_of, Shape};
use crate::helpers::{PrivateCluster, ServerProcess};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

async fn status_of(client: &reqwest::Client, url: &str) -> StatusCode {
    client.get(url).timeout(Duration::from_secs(5)).send().await.map(|r| r.status()).unwrap_or(StatusCode::BAD_GATEWAY)
}

#[tokio::test]
async fn the_server_and_the_eraser_ride_out_a_database_crash() {
    // Arrange: a cluster of this test's own, a person being erased slowly (small batches)
    let cluster = PrivateCluster::start();
    let url = cluster.url("postgres");
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(&url).await.unwrap();
    sqlx::migrate!("../migrations").run(&pool).await.unwrap();
    let (person, _) = seed(&pool, None, Shape { messages: 3000, history: 20, store: true }).await;
    let server = ServerProcess::start(&url, &[("APP_ERASER_BATCH_SIZE", "50"), ("APP_ERASER_DUTY", "100")]).await;
    delete_account(&pool, &person).await.unwrap();
    let client = reqwest::Client::new();
    let ready = format!("{}/readyz", server.address);
    assert_eq!(status_of(&client, &ready).await, StatusCode::OK);
    let erased_before_crash = wait_for_progress(&pool).await;
    pool.close().await;

    // Act: the database crashes under the server and the eraser
    cluster.ctl("crash");

    // Assert: not ready while it is gone; a request that needs it answers without internals
    let deadline = Instant::now() + Duration::from_secs(5);
    while status_of(&client, &ready).await != StatusCode::SERVICE_UNAVAILABLE {
        assert!(Instant::now() < deadline, "/readyz still says ready with the database gone");
    }
    let sign_in = client
        .post(format!("{}/api/sign_in", server.address))
        .header(reqwest::header::ORIGIN, &server.address)
        .form(&[("locale", "en"), ("email", "someone@example.com"), ("password", "whatever password")])
        .send()
        .await
        .unwrap();
    // No connection comes within the pool's timeout: busy, try again; and no internals
    let (status, retry_after) = (sign_in.status(), sign_in.headers().get(reqwest::header::RETRY_AFTER).cloned());
    let body = sign_in.text().await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(retry_after.is_some(), "a busy answer says when to retry");
    assert_eq!(body, r#"{"Busy":{"retry_after_secs":1}}"#, "no internals in the answer");

    // Act: the database comes back
    cluster.ctl("start");
    let back = Instant::now();

    // Assert: ready again within a second, without restarting the server
    while status_of(&client, &ready).await != StatusCode::OK {
        assert!(back.elapsed() < Duration::from_secs(1), "not ready {:?} after the database came back", back.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "ready again {:?} after the database came back; {erased_before_crash} batches before the crash",
        back.elapsed()
    );

    // Assert: the erasure resumed where it stopped and finished clean
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM erasure_queue").fetch_one(&pool).await.unwrap();
        if queued == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the erasure did not finish after the crash");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(traces_of(&pool, &person).await.is_empty());
    drop(server);
}

/// Waits until the eraser has done a few batches (and not all of them); returns how many.
async fn wait_for_progress(pool: &sqlx::PgPool) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let batches: Option<i64> =
            sqlx::query_scalar("SELECT batches FROM erasure_queue").fetch_optional(pool).await.unwrap();
        match batches {
            Some(batches) if batches >= 3 => return batches,
            Some(_) => {}
            None => panic!("the erasure finished before the crash: make the person bigger"),
        }
        assert!(Instant::now() < deadline, "the eraser made no progress");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
