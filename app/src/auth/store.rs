//! Account rows: looking up credentials, creating accounts, the blocked-email list.

use crate::auth::{canonical::canonical, rate_limit::PASSWORD_RECHECK_PER_ACCOUNT};
use crate::domain::account::{Country, EmailAddress, NewPassword, PersonName};
use crate::domain::{FieldProblem, Problem};
use crate::error::AppError;
use crate::i18n::Locale;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub struct Credentials {
    pub account_id: Uuid,
    pub password_hash: String,
}

/// The password hash of the live account with this address (in its canonical form).
pub async fn find_credentials(pool: &PgPool, email: &EmailAddress) -> sqlx::Result<Option<Credentials>> {
    let row: Option<(Uuid, String)> = sqlx::query_as(
        "SELECT id, password_hash FROM accounts
          WHERE coalesce(email_canonical, lower(email)) = $1 AND deleted_at IS NULL",
    )
    .bind(canonical(email))
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(account_id, password_hash)| Credentials { account_id, password_hash }))
}

/// Whether the address belonged to a deleted account: `digests` are its block-list digests
/// under every key ([`crate::auth::digest::EmailDigester::block_digests`]).
pub async fn is_blocked(conn: &mut PgConnection, digests: &[Vec<u8>]) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM blocked_email_digests WHERE digest = ANY($1))")
        .bind(digests)
        .fetch_one(conn)
        .await
}

pub struct NewAccount {
    pub name: PersonName,
    pub email: EmailAddress,
    pub password: NewPassword,
    pub country: Country,
    pub locale: Locale,
}

pub enum InsertAccountError {
    EmailTaken,
    Database(sqlx::Error),
}

/// Creates the account.
pub async fn insert_account(
    conn: &mut PgConnection,
    account: &NewAccount,
    password_hash: &str,
) -> Result<Uuid, InsertAccountError> {
    sqlx::query_scalar(
        "INSERT INTO accounts (email, email_canonical, password_hash, name, country, preferred_locale)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(account.email.as_str())
    .bind(canonical(&account.email))
    .bind(password_hash)
    .bind(account.name.as_str())
    .bind(account.country.code())
    .bind(account.locale.tag())
    .fetch_one(conn)
    .await
    .map_err(|error| match &error {
        sqlx::Error::Database(db) if db.constraint() == Some("accounts_email_key") => InsertAccountError::EmailTaken,
        _ => InsertAccountError::Database(error),
    })
}

/// Argon2 is slow and takes about 19 MiB on purpose: hash and verify off the async workers, on
/// all cores but one (which stays with the requests that need no hash, so the site keeps
/// answering), with a bounded queue. Over it the request is refused ([`AppError::Busy`])
/// instead of piling up memory and blocking threads.
struct HashingSlots {
    queue: tokio::sync::Semaphore,
    workers: tokio::sync::Semaphore,
}

/// Requests that may wait for a core, per core.
const QUEUED_PER_CORE: usize = 8;
/// What a refused request is told to wait.
const BUSY_RETRY_AFTER_SECS: u64 = 2;

static HASHING: std::sync::LazyLock<HashingSlots> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.saturating_sub(1).max(1);
    HashingSlots {
        queue: tokio::sync::Semaphore::new(workers * (QUEUED_PER_CORE + 1)),
        workers: tokio::sync::Semaphore::new(workers),
    }
});

/// Runs `work` (a hash or a verification) in a hashing slot.
async fn in_hashing_slot<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    let Ok(_queued) = HASHING.queue.try_acquire() else {
        tracing::warn!("password hashing is saturated: refused a request");
        return Err(AppError::Busy { retry_after_secs: BUSY_RETRY_AFTER_SECS });
    };
    let _worker = HASHING.workers.acquire().await.expect("the semaphore is never closed");
    tokio::task::spawn_blocking(work).await.map_err(|error| {
        tracing::error!(%error, "a password hash panicked");
        AppError::Internal
    })
}

pub async fn hash_password(password: &NewPassword) -> Result<String, AppError> {
    let password = password.expose().to_owned();
    in_hashing_slot(move || password_auth::generate_hash(password)).await
}

/// Checks `password` against `hash`, or against a dummy hash when there is no account, so an
/// unknown address and a wrong password take the same time.
pub async fn verify_password(password: &str, hash: Option<String>) -> Result<bool, AppError> {
    let password = password.to_owned();
    in_hashing_slot(move || {
        let real = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        password_auth::verify_password(password, &hash).is_ok() && real
    })
    .await
}

/// Checks a password typed by a signed-in person (to confirm a deletion, to change it) against
/// their account, counted by [`PASSWORD_RECHECK_PER_ACCOUNT`] before the hash runs. A wrong one
/// is a problem at `field`.
pub async fn recheck_password(pool: &PgPool, account_id: Uuid, password: &str, field: &str) -> Result<(), AppError> {
    let key = account_id.to_string();
    PASSWORD_RECHECK_PER_ACCOUNT.attempt(pool, &key).await?;
    let hash: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1 AND deleted_at IS NULL")
            .bind(account_id)
            .fetch_optional(pool)
            .await?;
    let Some(hash) = hash else {
        return Err(AppError::NotSignedIn);
    };
    if !verify_password(password, Some(hash)).await? {
        return Err(AppError::Invalid(vec![FieldProblem::new(field, Problem::PasswordWrong)]));
    }
    PASSWORD_RECHECK_PER_ACCOUNT.forgive(pool, &key).await?;
    Ok(())
}

/// Serializes the transactions about one address (its keyed digest): a sign-up waits for a
/// deletion of the same address under way, and then finds it blocked.
pub async fn lock_address(conn: &mut PgConnection, digest: &[u8]) -> sqlx::Result<()> {
    let key = i64::from_be_bytes(digest[..8].try_into().expect("a digest has at least 8 bytes"));
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(key).execute(conn).await?;
    Ok(())
}

/// A hash with the same parameters as real ones, of a password nobody types.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| password_auth::generate_hash("no account has this password"));

/// Computes the dummy hash now, so the first sign-in with an unknown address is not the slow one.
pub fn prepare_dummy_hash() {
    std::sync::LazyLock::force(&DUMMY_HASH);
}
