//! Rate limits kept in PostgreSQL, so every server process sees the same counts.
//!
//! An attempt is counted *before* the work it guards (a password hash, a deletion), in one
//! atomic statement: of any number of parallel attempts, at most `max` per window get through.

use crate::error::AppError;
use sqlx::PgPool;
use std::time::Duration;

/// At most `max` attempts per `window` for one key of a bucket. The window starts at the
/// key's first attempt.
pub struct Limit {
    pub bucket: &'static str,
    pub max: i32,
    pub window: Duration,
}

const FIFTEEN_MINUTES: Duration = Duration::from_secs(15 * 60);

/// Guessing one account's password.
pub const SIGN_IN_PER_ACCOUNT: Limit = Limit { bucket: "sign_in_account", max: 5, window: FIFTEEN_MINUTES };
/// Guessing across many accounts from one address.
pub const SIGN_IN_PER_IP: Limit = Limit { bucket: "sign_in_ip", max: 100, window: FIFTEEN_MINUTES };
/// Passwords typed by a signed-in account (changing the password, confirming a deletion).
pub const PASSWORD_RECHECK_PER_ACCOUNT: Limit = Limit { bucket: "password_recheck", max: 5, window: FIFTEEN_MINUTES };
/// Invalid deletion forms of one account. The form's checks cost nothing, so only the failures
/// count (see [`Limit::refuse_if_exhausted`]); a valid form sent twice at once is "already deleted".
pub const DELETION_PER_ACCOUNT: Limit = Limit { bucket: "deletion", max: 5, window: FIFTEEN_MINUTES };
/// Data downloads of one account ("Download your data"): each reads the whole account.
pub const EXPORT_PER_ACCOUNT: Limit =
    Limit { bucket: "export", max: crate::export::DOWNLOADS_PER_DAY, window: Duration::from_secs(24 * 60 * 60) };
/// New accounts from one address (each costs a password hash).
pub const SIGN_UP_PER_IP: Limit = Limit { bucket: "sign_up_ip", max: 20, window: FIFTEEN_MINUTES };

impl Limit {
    /// Counts one attempt for `key`; [`AppError::RateLimited`] once the window holds more than
    /// `max`, with the seconds until the window ends.
    pub async fn attempt(&self, pool: &PgPool, key: &str) -> Result<(), AppError> {
        let (attempts, seconds_left): (i32, f64) = sqlx::query_as(
            "INSERT INTO rate_limits AS r (bucket, key) VALUES ($1, $2)
             ON CONFLICT (bucket, key) DO UPDATE SET
                 attempts = CASE WHEN r.window_started_at > now() - $3 * interval '1 second'
                                 THEN r.attempts + 1 ELSE 1 END,
                 window_started_at = CASE WHEN r.window_started_at > now() - $3 * interval '1 second'
                                          THEN r.window_started_at ELSE now() END
             RETURNING attempts,
                       extract(epoch FROM window_started_at + $3 * interval '1 second' - now())::float8",
        )
        .bind(self.bucket)
        .bind(key)
        .bind(self.window.as_secs_f64())
        .fetch_one(pool)
        .await?;
        if attempts > self.max {
            Err(AppError::RateLimited { retry_after_secs: seconds_left.max(1.0).ceil() as u64 })
        } else {
            Ok(())
        }
    }

    /// Refuses, without counting, when `key` has used up the window's attempts: for checks that
    /// cost nothing, whose failures alone are counted (with [`Limit::attempt`]).
    pub async fn refuse_if_exhausted(&self, pool: &PgPool, key: &str) -> Result<(), AppError> {
        let seconds_left: Option<f64> = sqlx::query_scalar(
            "SELECT extract(epoch FROM window_started_at + $4 * interval '1 second' - now())::float8
               FROM rate_limits
              WHERE bucket = $1 AND key = $2 AND attempts >= $3
                AND window_started_at > now() - $4 * interval '1 second'",
        )
        .bind(self.bucket)
        .bind(key)
        .bind(self.max)
        .bind(self.window.as_secs_f64())
        .fetch_optional(pool)
        .await?;
        match seconds_left {
            Some(seconds) => Err(AppError::RateLimited { retry_after_secs: seconds.max(1.0).ceil() as u64 }),
            None => Ok(()),
        }
    }

    /// Gives back an attempt that succeeded (the right password), so that people who get it
    /// right do not use up their attempts; wrong ones stay counted.
    pub async fn forgive(&self, pool: &PgPool, key: &str) -> sqlx::Result<()> {
        sqlx::query("UPDATE rate_limits SET attempts = greatest(attempts - 1, 0) WHERE bucket = $1 AND key = $2")
            .bind(self.bucket)
            .bind(key)
            .execute(pool)
            .await?;
        Ok(())
    }
}
