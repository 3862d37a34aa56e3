//! Counting failed attempts in PostgreSQL, so every server process sees the same counts.

use crate::error::AppError;
use http::{header, HeaderValue};
use leptos::prelude::expect_context;
use leptos_axum::ResponseOptions;
use sqlx::PgPool;
use std::time::Duration;

/// At most `max` failures per `window` for one key of a bucket.
pub struct Limit {
    pub bucket: &'static str,
    pub max: i64,
    pub window: Duration,
}

const FIFTEEN_MINUTES: Duration = Duration::from_secs(15 * 60);

/// Guessing one account's password.
pub const SIGN_IN_PER_ACCOUNT: Limit = Limit { bucket: "sign_in_account", max: 5, window: FIFTEEN_MINUTES };
/// Guessing across many accounts from one address.
pub const SIGN_IN_PER_IP: Limit = Limit { bucket: "sign_in_ip", max: 100, window: FIFTEEN_MINUTES };
/// Wrong passwords typed by a signed-in account (changing the password, confirming a deletion).
pub const PASSWORD_RECHECK_PER_ACCOUNT: Limit = Limit { bucket: "password_recheck", max: 5, window: FIFTEEN_MINUTES };
/// Failed deletion attempts of one account.
pub const DELETION_PER_ACCOUNT: Limit = Limit { bucket: "deletion", max: 5, window: FIFTEEN_MINUTES };

impl Limit {
    /// How long `key` must wait, if it has used up its attempts.
    pub async fn retry_after(&self, pool: &PgPool, key: &str) -> sqlx::Result<Option<Duration>> {
        let wait: Option<f64> = sqlx::query_scalar(
            "SELECT CASE WHEN count(*) >= $3
                    THEN extract(epoch FROM min(hit_at) + $4 * interval '1 second' - now())::float8 END
               FROM rate_limit_hits
              WHERE bucket = $1 AND key = $2 AND hit_at > now() - $4 * interval '1 second'",
        )
        .bind(self.bucket)
        .bind(key)
        .bind(self.max)
        .bind(self.window.as_secs_f64())
        .fetch_one(pool)
        .await?;
        Ok(wait.map(|seconds| Duration::from_secs(seconds.max(1.0).ceil() as u64)))
    }

    /// Answers 429 with `Retry-After` when `key` has used up its attempts.
    pub async fn enforce(&self, pool: &PgPool, key: &str) -> Result<(), AppError> {
        let Some(wait) = self.retry_after(pool, key).await? else {
            return Ok(());
        };
        expect_context::<ResponseOptions>().insert_header(header::RETRY_AFTER, HeaderValue::from(wait.as_secs()));
        Err(AppError::RateLimited { retry_after_secs: wait.as_secs() })
    }

    /// Counts one failure for `key`, and forgets the key's failures that have aged out.
    pub async fn record_failure(&self, pool: &PgPool, key: &str) -> sqlx::Result<()> {
        sqlx::query(
            "WITH expired AS (
                DELETE FROM rate_limit_hits
                 WHERE bucket = $1 AND key = $2 AND hit_at <= now() - $3 * interval '1 second')
             INSERT INTO rate_limit_hits (bucket, key) VALUES ($1, $2)",
        )
        .bind(self.bucket)
        .bind(key)
        .bind(self.window.as_secs_f64())
        .execute(pool)
        .await?;
        Ok(())
    }
}
