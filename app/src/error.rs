//! The one error type every server function returns. What the user sees is chosen here and
//! localized by the page; what went wrong inside stays in the server log.

use crate::{
    domain::FieldProblem,
    i18n::{fill, Message, Messages},
};
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum AppError {
    /// The server failed; the details were logged and are never sent.
    Internal,
    /// The browser could not reach the server, or could not read its answer.
    Unreachable,
    /// Form input the server refused, field by field.
    Invalid(Vec<FieldProblem>),
    /// Wrong email or password; deliberately does not say which.
    SignInFailed,
    /// The page needs a signed-in account.
    NotSignedIn,
    /// The password was entered too long ago for a destructive action.
    PasswordTooOld,
    /// The account was deleted already (a second, concurrent deletion request).
    AlreadyDeleted,
    /// Too many attempts: try again after this many seconds.
    RateLimited { retry_after_secs: u64 },
    /// The server is saturated (password hashing, no free database connection) or its database is
    /// out of reach for a moment (a restart): try again after this many seconds.
    Busy { retry_after_secs: u64 },
    /// The request could not be read as the server function's form (a body that is not UTF-8
    /// or not a form, a field missing or not of its type): the app's own pages never send one.
    Malformed,
    /// Nothing here for this visitor: a staff page or function asked by someone who is not
    /// staff (they must not learn that it exists).
    NotFound,
}

impl AppError {
    /// The message to show, in the page's language.
    pub fn message(&self, t: &'static Messages) -> Message {
        match self {
            AppError::Internal => t.error_internal.into(),
            AppError::Unreachable => t.error_unreachable.into(),
            AppError::Invalid(_) => t.error_invalid.into(),
            AppError::SignInFailed => t.error_sign_in_failed.into(),
            AppError::NotSignedIn => t.error_not_signed_in.into(),
            AppError::PasswordTooOld => t.error_password_too_old.into(),
            AppError::AlreadyDeleted => t.error_already_deleted.into(),
            AppError::RateLimited { retry_after_secs } => {
                let minutes = retry_after_secs.div_ceil(60) as i64;
                fill(t.error_rate_limited.select(minutes), &[("minutes", &minutes)])
            }
            AppError::Busy { .. } => t.error_busy.into(),
            AppError::Malformed => t.error_malformed.into(),
            AppError::NotFound => t.not_found_body.into(),
        }
    }

    /// The HTTP status of a server function's answer with this error (a browser's own form post
    /// is answered with a redirect instead).
    pub fn status(&self) -> u16 {
        match self {
            AppError::Internal => 500,
            AppError::Unreachable => 502,
            AppError::Invalid(_) => 422,
            AppError::Malformed => 400,
            AppError::SignInFailed | AppError::NotSignedIn => 401,
            AppError::PasswordTooOld => 403,
            AppError::AlreadyDeleted => 409,
            AppError::RateLimited { .. } => 429,
            AppError::Busy { .. } => 503,
            AppError::NotFound => 404,
        }
    }

    /// The statuses a server function answers with an `AppError` body, and when, for the OpenAPI
    /// description (server/src/openapi.rs). 403 is shared with the refusal of a cross-site
    /// request and described there; 502 is the browser's own (`Unreachable`), never sent.
    pub const STATUSES: [(u16, &'static str); 7] = [
        (400, "`Malformed`: the body is not the function's form (a field missing, repeated or of the wrong type)."),
        (401, "`NotSignedIn`: the function needs a signed-in session; `SignInFailed`: wrong email or password."),
        (409, "`AlreadyDeleted`: the account was deleted already."),
        (422, "`Invalid`: the fields' problems, each with the field's name; nothing changed."),
        (429, "`RateLimited`: too many attempts; `Retry-After` says when to try again."),
        (500, "`Internal`: the server failed; the details are in its log, never in the answer."),
        (503, "`Busy`: the server is saturated or its database out of reach for a moment; `Retry-After` says when to try again."),
    ];

    /// The field problems, if this is a validation error.
    pub fn field_problems(&self) -> &[FieldProblem] {
        match self {
            AppError::Invalid(problems) => problems,
            _ => &[],
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // On the server these come from reading the request into the function's arguments:
        // the client's fault, a 400 (Leptos would answer 500), and nothing to log as an error.
        #[cfg(feature = "ssr")]
        if let ServerFnErrorErr::Deserialization(_) | ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) =
            &value
        {
            tracing::debug!(error = %value, "refused a request that is not the server function's form");
            return crate::server_context::with_status(AppError::Malformed);
        }
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Deserialization(_) => AppError::Unreachable,
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server function failed");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                AppError::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        // The database is out of reach for a moment (no connection came free, or the one in hand
        // was dropped by a restart or a crash), not broken: the honest answer is to try again
        // shortly. The pool replaces a dropped connection, so the retry finds a live one.
        if database_out_of_reach(&error) {
            tracing::warn!(%error, "the database is out of reach for now");
            return AppError::Busy { retry_after_secs: 1 };
        }
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}

/// Errors of reaching the database rather than of the statement: the pool's, the connection's,
/// and PostgreSQL's own ([`connection_lost`]).
#[cfg(feature = "ssr")]
fn database_out_of_reach(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(database) => database.code().is_some_and(|code| connection_lost(&code)),
        _ => false,
    }
}

/// Whether a SQLSTATE says the connection or the database went away, not that a statement was
/// refused: a connection exception (class 08); terminated, shut down, starting up, dropped or
/// idle too long (57P01 to 57P05); or no room for one more connection (53300). Nothing the
/// request or the erased account did (the eraser asks too, `server/src/eraser.rs`).
#[cfg(feature = "ssr")]
pub fn connection_lost(sqlstate: &str) -> bool {
    sqlstate.starts_with("08") || matches!(sqlstate, "57P01" | "57P02" | "57P03" | "57P04" | "57P05" | "53300")
}

#[cfg(test)]
mod tests {
    use super::AppError;

    /// Every error a server function can send is described with its status.
    #[test]
    fn every_status_sent_is_described() {
        let every = [
            AppError::Internal,
            AppError::Unreachable,
            AppError::Invalid(Vec::new()),
            AppError::SignInFailed,
            AppError::NotSignedIn,
            AppError::PasswordTooOld,
            AppError::AlreadyDeleted,
            AppError::RateLimited { retry_after_secs: 1 },
            AppError::Busy { retry_after_secs: 1 },
            AppError::Malformed,
            AppError::NotFound,
        ];
        // A new variant stops this match from compiling until it is added above.
        for error in &every {
            match error {
                AppError::Internal
                | AppError::Unreachable
                | AppError::Invalid(_)
                | AppError::SignInFailed
                | AppError::NotSignedIn
                | AppError::PasswordTooOld
                | AppError::AlreadyDeleted
                | AppError::RateLimited { .. }
                | AppError::Busy { .. }
                | AppError::Malformed
                | AppError::NotFound => {}
            }
        }
        // 403 and the staff function's 404 are described with the functions that send them.
        for error in
            every.iter().filter(|e| !matches!(e, AppError::Unreachable | AppError::PasswordTooOld | AppError::NotFound))
        {
            assert!(
                AppError::STATUSES.iter().any(|(status, _)| *status == error.status()),
                "{error:?} is sent with {}, which AppError::STATUSES does not list",
                error.status()
            );
        }
    }
}
