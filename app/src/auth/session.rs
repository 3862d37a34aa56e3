//! Sign-in sessions. The cookie carries a random token; PostgreSQL keeps only its SHA-256 and
//! the account it belongs to, so a deletion can end every session of an account in the same
//! transaction, and a copy of the table cannot be replayed.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub const SESSION_COOKIE: &str = "session";
const SESSION_DAYS: i64 = 14;

/// The secret a browser holds: 256 random bits.
#[derive(Clone)]
pub struct SessionToken(String);

impl SessionToken {
    fn generate() -> SessionToken {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        SessionToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn from_cookie(value: &str) -> Option<SessionToken> {
        // Anything else cannot be one of ours: skip the database round trip.
        (value.len() == 43 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
            .then(|| SessionToken(value.to_owned()))
    }

    fn hash(&self) -> Vec<u8> {
        Sha256::digest(self.0.as_bytes()).to_vec()
    }

    /// `Set-Cookie` for this session: HttpOnly, SameSite=Lax, Secure over https.
    pub fn set_cookie(&self, secure: bool) -> String {
        let secure = if secure { "; Secure" } else { "" };
        format!(
            "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            self.0,
            SESSION_DAYS * 24 * 60 * 60
        )
    }
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(..)")
    }
}

/// The account behind a request's valid session, put in the request by the server.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub account_id: Uuid,
    pub name: String,
    pub email: String,
    pub password_entered_at: DateTime<Utc>,
    pub token: SessionToken,
}

/// The signed-in account of the request being handled, if any.
pub fn signed_in() -> Option<SignedIn> {
    leptos::prelude::use_context::<http::request::Parts>()?.extensions.get::<SignedIn>().cloned()
}

/// Starts a session for `account_id`.
pub async fn create(conn: &mut PgConnection, account_id: Uuid) -> sqlx::Result<SessionToken> {
    let token = SessionToken::generate();
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, expires_at)
         VALUES ($1, $2, now() + $3 * interval '1 day')",
    )
    .bind(token.hash())
    .bind(account_id)
    .bind(SESSION_DAYS as f64)
    .execute(conn)
    .await?;
    Ok(token)
}

/// The account a token signs in, unless the session expired or the account was deleted.
pub async fn resolve(pool: &PgPool, token: SessionToken) -> sqlx::Result<Option<SignedIn>> {
    let row: Option<(Uuid, String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT a.id, a.name, a.email, a.password_entered_at
           FROM sessions s JOIN accounts a ON a.id = s.account_id
          WHERE s.token_hash = $1 AND s.expires_at > now() AND a.deleted_at IS NULL",
    )
    .bind(token.hash())
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(account_id, name, email, password_entered_at)| SignedIn {
        account_id,
        name,
        email,
        password_entered_at,
        token,
    }))
}

/// Ends one session (signing out).
pub async fn delete(conn: &mut PgConnection, token: &SessionToken) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token.hash()).execute(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_parse_back_from_the_cookie() {
        let a = SessionToken::generate();
        let b = SessionToken::generate();
        assert_ne!(a.0, b.0);
        assert!(SessionToken::from_cookie(&a.0).is_some());
        assert!(SessionToken::from_cookie("forged").is_none());
        assert!(SessionToken::from_cookie(&format!("{}%", &a.0[..42])).is_none());
    }

    #[test]
    fn the_cookie_is_http_only_lax_and_secure_only_over_https() {
        let token = SessionToken::generate();
        let plain = token.set_cookie(false);
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax") && !plain.contains("Secure"));
        assert!(token.set_cookie(true).ends_with("; Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
    }
}
