//! Account rows: looking up credentials, creating accounts, the blocked-email list.

use crate::domain::account::{Country, EmailAddress, NewPassword, PersonName};
use crate::i18n::Locale;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub struct Credentials {
    pub account_id: Uuid,
    pub password_hash: String,
}

/// The password hash of the live account with this address (case-insensitive).
pub async fn find_credentials(pool: &PgPool, email: &EmailAddress) -> sqlx::Result<Option<Credentials>> {
    let row: Option<(Uuid, String)> =
        sqlx::query_as("SELECT id, password_hash FROM accounts WHERE lower(email) = $1 AND deleted_at IS NULL")
            .bind(email.normalized())
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(account_id, password_hash)| Credentials { account_id, password_hash }))
}

/// Whether the address belonged to a deleted account.
pub async fn is_blocked(conn: &mut PgConnection, digest: &[u8]) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM blocked_email_digests WHERE digest = $1)")
        .bind(digest)
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

/// Creates the account; its password counts as just entered.
pub async fn insert_account(
    conn: &mut PgConnection,
    account: &NewAccount,
    password_hash: &str,
) -> Result<Uuid, InsertAccountError> {
    sqlx::query_scalar(
        "INSERT INTO accounts (email, password_hash, name, country, preferred_locale)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(account.email.as_str())
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

/// Remembers that the person just proved they know the password (sign-in, re-authentication).
pub async fn record_password_entry(conn: &mut PgConnection, account_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET password_entered_at = now() WHERE id = $1").bind(account_id).execute(conn).await?;
    Ok(())
}

/// Argon2 is slow on purpose: hash and verify off the async workers.
pub async fn hash_password(password: &NewPassword) -> String {
    let password = password.expose().to_owned();
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password)).await.expect("hashing does not panic")
}

/// Checks `password` against `hash`, or against a dummy hash when there is no account, so an
/// unknown address and a wrong password take the same time.
pub async fn verify_password(password: &str, hash: Option<String>) -> bool {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let real = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        password_auth::verify_password(password, &hash).is_ok() && real
    })
    .await
    .expect("verifying does not panic")
}

/// A hash with the same parameters as real ones, of a password nobody types.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| password_auth::generate_hash("no account has this password"));

/// Computes the dummy hash now, so the first sign-in with an unknown address is not the slow one.
pub fn prepare_dummy_hash() {
    std::sync::LazyLock::force(&DUMMY_HASH);
}
