//! How long a fixture account lives, and how it goes (issue 20, point 5; decision 0036). Only in
//! a server built with the `test-fixtures` feature, beside `fixtures.rs`, which creates them.
//!
//! - **It expires.** Every account `POST /test-fixtures/accounts` makes has a row in
//!   `test_fixtures` (migration 0018) with its expiry: `ttl_seconds` after its creation, 1 to
//!   [`MAX_TTL_SECONDS`], [`DEFAULT_TTL_SECONDS`] when the request says nothing. A job in every
//!   server process ([`spawn`]) deletes the expired ones every [`CLEANUP_EVERY`].
//! - **Its maker may delete it first.** The creation's answer holds a `deletion_token`, 43
//!   random characters given to that caller only (the table keeps its SHA-256);
//!   `DELETE /test-fixtures/accounts/{id}` with `Fixture-Deletion-Token: <token>` deletes the
//!   account. Every suite shares the fixtures API's bearer token, so the bearer token proves
//!   nothing about who made a fixture: the deletion token does. A wrong or missing one is a
//!   `403` that changes nothing; an id that is no fixture account (never was, already deleted,
//!   or a real account) is a `404`.
//! - **It goes the way a real deletion goes.** Both deletions run the statements every deletion
//!   runs ([`delete_locked`]: the scrub, the sessions, the rate limits, the open orders, the
//!   store) and queue the account for the eraser, which removes the rest as for anyone
//!   (docs/deletion.md). What a fixture's deletion leaves out is what only a person's deletion
//!   has: no goodbye email, no reason for the statistics, no tombstone and no blocked address
//!   (a fixture's address is never used again), so a suite's fixtures neither mail anyone nor
//!   count in the staff's figures.

use crate::fixtures::{ErrorBody, FixtureError, FixturesState};
use app::{auth::digest::EmailDigester, deactivation::store::delete_locked, domain::account::EmailAddress};
use axum::{
    extract::{rejection::PathRejection, Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use rand::{distributions::Alphanumeric, Rng};
use sqlx::{PgConnection, PgPool};
use std::{future::Future, time::Duration};
use tokio::task::JoinHandle;
use uuid::Uuid;

/// A fixture lives this long unless its request asks otherwise: longer than any suite's run.
pub const DEFAULT_TTL_SECONDS: i64 = 60 * 60;
/// At most a day: a test database is not a place to keep accounts.
pub const MAX_TTL_SECONDS: i64 = 24 * 60 * 60;
/// How often the cleanup job looks for expired fixtures.
pub const CLEANUP_EVERY: Duration = Duration::from_secs(10);
/// Expired fixtures deleted per look, each in a transaction of its own.
const CLEANUP_BATCH: i64 = 100;
/// The header that carries a fixture's deletion token.
pub const DELETION_TOKEN_HEADER: &str = "fixture-deletion-token";

/// What the creation's answer tells its caller about the fixture's end.
pub struct Lifetime {
    pub expires_at: DateTime<Utc>,
    pub deletion_token: String,
}

/// Records the new account `account_id` as a fixture expiring in `ttl_seconds`, in the
/// creation's transaction; answers its deletion token, which nothing else ever sees.
pub async fn record(conn: &mut PgConnection, account_id: Uuid, ttl_seconds: i32) -> sqlx::Result<Lifetime> {
    let deletion_token: String = rand::thread_rng().sample_iter(&Alphanumeric).take(43).map(char::from).collect();
    let expires_at = sqlx::query_scalar(
        "INSERT INTO test_fixtures (account_id, deletion_token_hash, expires_at)
         VALUES ($1, sha256(convert_to($2, 'UTF8')), now() + make_interval(secs => $3))
         RETURNING expires_at",
    )
    .bind(account_id)
    .bind(&deletion_token)
    .bind(f64::from(ttl_seconds))
    .fetch_one(conn)
    .await?;
    Ok(Lifetime { expires_at, deletion_token })
}

/// Why a fixture is deleted, and so what proves the caller may.
enum Proof<'a> {
    /// `DELETE /test-fixtures/accounts/{id}`: the token its creation answered.
    DeletionToken(&'a str),
    /// The cleanup job: its time is up.
    Expired,
}

enum Outcome {
    Deleted,
    /// No fixture account has this id (or, for the job, it is not expired).
    NotFound,
    WrongToken,
}

/// `DELETE /test-fixtures/accounts/{id}`.
pub async fn delete_account(
    State(state): State<FixturesState>,
    id: Result<Path<Uuid>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, FixtureError> {
    let Path(id) = id.map_err(|rejection| FixtureError::BadRequest(rejection.body_text()))?;
    let Some(token) = headers.get(DELETION_TOKEN_HEADER).and_then(|value| value.to_str().ok()) else {
        return Ok(wrong_token());
    };
    Ok(match erase(&state.pool, &state.digester, id, Proof::DeletionToken(token.trim())).await? {
        Outcome::Deleted => StatusCode::NO_CONTENT.into_response(),
        Outcome::WrongToken => wrong_token(),
        Outcome::NotFound => (
            StatusCode::NOT_FOUND,
            ErrorBody::json(format!(
                "{id} is not a fixture account: never made by this API, already deleted, or expired and cleaned up"
            )),
        )
            .into_response(),
    })
}

fn wrong_token() -> Response {
    let error = format!(
        "only the suite that made a fixture can delete it: send the deletion_token its creation answered, \
         in the header {DELETION_TOKEN_HEADER}"
    );
    (StatusCode::FORBIDDEN, ErrorBody::json(error)).into_response()
}

/// Deletes the fixture account `id` if `proof` holds, in one transaction: its `test_fixtures`
/// row, and, unless the journey deleted it already, the account the way every deletion does,
/// queued for the eraser. Concurrent calls for one fixture wait for each other's lock; the
/// later ones find no row.
async fn erase(pool: &PgPool, digester: &EmailDigester, id: Uuid, proof: Proof<'_>) -> Result<Outcome, FixtureError> {
    let mut tx = pool.begin().await?;
    let found: Option<(bool, bool, String, bool)> = sqlx::query_as(
        "SELECT f.deletion_token_hash = sha256(convert_to($2, 'UTF8')), f.expires_at <= now(), a.email,
                a.deleted_at IS NULL
           FROM test_fixtures f JOIN accounts a ON a.id = f.account_id
          WHERE f.account_id = $1
            FOR UPDATE OF f, a",
    )
    .bind(id)
    .bind(match proof {
        Proof::DeletionToken(token) => token,
        Proof::Expired => "",
    })
    .fetch_optional(&mut *tx)
    .await?;
    let Some((token_matches, expired, email, live)) = found else {
        return Ok(Outcome::NotFound);
    };
    match proof {
        Proof::DeletionToken(_) if !token_matches => return Ok(Outcome::WrongToken),
        Proof::Expired if !expired => return Ok(Outcome::NotFound),
        _ => {}
    }
    sqlx::query("DELETE FROM test_fixtures WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
    if live {
        let email = EmailAddress::parse(&email)
            .map_err(|_| FixtureError::Internal(format!("the fixture account {id} has no valid address")))?;
        delete_locked(&mut tx, id, &digester.digests(&email)).await?;
        sqlx::query("INSERT INTO erasure_queue (account_id) VALUES ($1) ON CONFLICT (account_id) DO NOTHING")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Outcome::Deleted)
}

/// Deletes every fixture expired by now, [`CLEANUP_BATCH`] a look; answers how many.
pub async fn delete_expired(pool: &PgPool, digester: &EmailDigester) -> Result<u64, FixtureError> {
    let mut deleted = 0;
    loop {
        let expired: Vec<Uuid> = sqlx::query_scalar(
            "SELECT account_id FROM test_fixtures WHERE expires_at <= now() ORDER BY expires_at LIMIT $1",
        )
        .bind(CLEANUP_BATCH)
        .fetch_all(pool)
        .await?;
        for &id in &expired {
            if let Outcome::Deleted = erase(pool, digester, id, Proof::Expired).await? {
                deleted += 1;
            }
        }
        if (expired.len() as i64) < CLEANUP_BATCH {
            return Ok(deleted);
        }
    }
}

/// Runs [`delete_expired`] every [`CLEANUP_EVERY`] until `shutdown` completes.
pub fn spawn(pool: PgPool, digester: EmailDigester, shutdown: impl Future + Send + 'static) -> JoinHandle<()> {
    tokio::spawn(async move {
        tokio::pin!(shutdown);
        loop {
            match delete_expired(&pool, &digester).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "fixtures: deleted the expired fixture accounts"),
                Err(error) => tracing::warn!(?error, "fixtures: the cleanup of expired fixtures failed; it runs again"),
            }
            tokio::select! {
                _ = &mut shutdown => break,
                () = tokio::time::sleep(CLEANUP_EVERY) => {}
            }
        }
    })
}
