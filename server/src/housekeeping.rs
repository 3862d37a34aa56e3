//! Periodic upkeep beside the server, every minute, each job in bounded batches so that no
//! statement holds locks for long:
//!
//! - releases the deletion reasons waiting in the inbox into the anonymous statistics, in a
//!   transaction of their own (see migration 0008 for why);
//! - purges expired sessions, and rate-limit windows that ended long ago.
//!
//! It does not vacuum: autovacuum visits the tables an erasure touches at their first dead
//! tuple (migration 0011), whatever role the server runs as.
//!
//! Safe with several server processes: each statement only takes what it deletes, and rows
//! another process took first are skipped.

use sqlx::PgPool;
use std::{future::Future, time::Duration};
use tokio::task::JoinHandle;

const EVERY: Duration = Duration::from_secs(60);
/// Rows per purge statement.
const BATCH: i64 = 1_000;
/// The inbox is released once it holds this many reasons (or one from an earlier day), so
/// that a release never pairs one deletion with its reason by timing.
pub const RELEASE_AT: i64 = 5;

/// Moves the reasons in the inbox into the counters and the "Other" texts (in random order),
/// when there are at least [`RELEASE_AT`] or one from before today; returns how many it moved.
pub async fn release_feedback(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "WITH ready AS (
             SELECT count(*) >= $1 OR bool_or(given_on < current_date) AS go FROM deletion_feedback_inbox
         ), taken AS (
             DELETE FROM deletion_feedback_inbox WHERE (SELECT go FROM ready)
             RETURNING given_on, reason, locale, role, other_text
         ), counted AS (
             INSERT INTO deletion_reason_counts AS c (day, reason, locale, role, deletions)
             SELECT given_on, reason, locale, role, count(*) FROM taken GROUP BY 1, 2, 3, 4
             ON CONFLICT (day, reason, locale, role) DO UPDATE SET deletions = c.deletions + excluded.deletions
         ), texts AS (
             INSERT INTO deletion_other_texts (given_on, text)
             SELECT given_on, other_text FROM taken WHERE other_text IS NOT NULL ORDER BY random()
         )
         SELECT count(*) FROM taken",
    )
    .bind(RELEASE_AT)
    .fetch_one(pool)
    .await
}

/// Deletes up to [`BATCH`] expired sessions; returns how many.
pub async fn purge_expired_sessions(pool: &PgPool) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM sessions WHERE token_hash = ANY(ARRAY(
             SELECT token_hash FROM sessions WHERE expires_at <= now() LIMIT $1))",
    )
    .bind(BATCH)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes up to [`BATCH`] rate-limit windows that started over a day ago (every window is
/// shorter); returns how many.
pub async fn purge_old_rate_limits(pool: &PgPool) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM rate_limits WHERE (bucket, key) IN (
             SELECT bucket, key FROM rate_limits WHERE window_started_at < now() - interval '1 day' LIMIT $1)",
    )
    .bind(BATCH)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// One round of every job; a purge goes on while its batches come back full.
pub async fn run_once(pool: &PgPool) -> sqlx::Result<()> {
    release_feedback(pool).await?;
    while purge_expired_sessions(pool).await? as i64 == BATCH {}
    while purge_old_rate_limits(pool).await? as i64 == BATCH {}
    Ok(())
}

/// Runs [`run_once`] every minute until `shutdown` completes.
pub fn spawn(pool: PgPool, shutdown: impl Future + Send + 'static) -> JoinHandle<()> {
    tokio::spawn(async move {
        tokio::pin!(shutdown);
        loop {
            if let Err(error) = run_once(&pool).await {
                tracing::warn!(%error, "housekeeping failed; it runs again in a minute");
            }
            tokio::select! {
                _ = &mut shutdown => break,
                () = tokio::time::sleep(EVERY) => {}
            }
        }
    })
}
