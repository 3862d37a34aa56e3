//! The background eraser (`server::eraser`): bounded batches with recorded progress, a queue
//! shared safely between processes, and no half-erased account whatever is killed when. One
//! module per idea.

mod batches;
mod kills;
mod pacing;
mod queue;

use sqlx::PgPool;
use std::time::{Duration, Instant};

/// Waits until the erasure queue is empty; fails after `limit`.
async fn wait_for_empty_queue(pool: &PgPool, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM erasure_queue").fetch_one(pool).await.unwrap();
        if queued == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the erasure did not finish within {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
