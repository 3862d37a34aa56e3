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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The server is saturated (password hashing): try again after this many seconds.
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
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}
