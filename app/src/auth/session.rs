//! Sign-in sessions. The cookie carries a random token; PostgreSQL keeps only its SHA-256 and
//! the account it belongs to, so a deletion can end every session of an account in the same
//! transaction, and a copy of the table cannot be replayed.

use crate::error::AppError;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use chrono::{DateTime, Utc};
use cookie::{Cookie, SameSite};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// The session cookie's name. Over https it carries the `__Host-` prefix: browsers then accept
/// it only with `Secure`, `Path=/` and no `Domain`, so no other host (a sibling subdomain, a
/// plain-http man in the middle) can plant or shadow it.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-session"
    } else {
        "session"
    }
}
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

    /// The token itself, as the cookie carries it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the `sessions` table keys the session by.
    pub(crate) fn hash(&self) -> Vec<u8> {
        Sha256::digest(self.0.as_bytes()).to_vec()
    }

    /// `Set-Cookie` for this session: HttpOnly, SameSite=Lax; over https Secure and `__Host-`.
    pub fn set_cookie(&self, secure: bool) -> String {
        session_cookie(secure, &self.0, SESSION_DAYS * 24 * 60 * 60)
    }
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    session_cookie(secure, "", 0)
}

fn session_cookie(secure: bool, value: &str, max_age_secs: i64) -> String {
    Cookie::build((cookie_name(secure), value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .secure(secure)
        .build()
        .to_string()
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
    /// When the password was last entered in this session (not in any other).
    pub password_entered_at: DateTime<Utc>,
    pub token: SessionToken,
}

impl SignedIn {
    /// Whether the password was entered in this session recently enough for a deletion or a
    /// staff page (decision 0010).
    pub fn password_is_recent(&self) -> bool {
        Utc::now() - self.password_entered_at < chrono::Duration::minutes(crate::deactivation::RECENT_PASSWORD_MINUTES)
    }
}

/// The signed-in account of the request being handled, if any.
pub fn signed_in() -> Option<SignedIn> {
    leptos::prelude::use_context::<http::request::Parts>()?.extensions.get::<SignedIn>().cloned()
}

/// The signed-in account of the request, or [`AppError::NotSignedIn`].
pub fn require_signed_in() -> Result<SignedIn, AppError> {
    signed_in().ok_or(AppError::NotSignedIn)
}

/// Starts a session for `account_id`; the password counts as entered in it just now (every
/// session starts at a sign-in or a sign-up).
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
        "SELECT a.id, a.name, a.email, s.password_entered_at
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

/// Remembers that the person just proved, in this session only, that they know the password.
pub async fn record_password_entry(conn: &mut PgConnection, token: &SessionToken) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET password_entered_at = now() WHERE token_hash = $1")
        .bind(token.hash())
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of the account but `keep` (after a password change).
pub async fn end_others(conn: &mut PgConnection, account_id: Uuid, keep: &SessionToken) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
        .bind(account_id)
        .bind(keep.hash())
        .execute(conn)
        .await?;
    Ok(())
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
        let plain = Cookie::parse(token.set_cookie(false)).unwrap();
        assert_eq!((plain.name(), plain.value()), ("session", token.as_str()));
        assert_eq!((plain.http_only(), plain.same_site(), plain.secure()), (Some(true), Some(SameSite::Lax), None));
        assert_eq!((plain.path(), plain.max_age()), (Some("/"), Some(cookie::time::Duration::days(SESSION_DAYS))));
        let secure = Cookie::parse(token.set_cookie(true)).unwrap();
        assert_eq!((secure.name(), secure.secure(), secure.path()), ("__Host-session", Some(true), Some("/")));
        assert_eq!(secure.domain(), None, "{secure}");
        let cleared = Cookie::parse(clear_cookie(false)).unwrap();
        assert_eq!((cleared.value(), cleared.max_age()), ("", Some(cookie::time::Duration::ZERO)));
    }
}
