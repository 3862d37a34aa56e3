//! The one error type every server function returns. What the user sees is chosen here and
//! localized by the page; what went wrong inside stays in the server log.

use crate::i18n::Messages;
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
}

impl AppError {
    /// The message to show, in the page's language.
    pub fn message(&self, t: &'static Messages) -> &'static str {
        match self {
            AppError::Internal => t.error_internal,
            AppError::Unreachable => t.error_unreachable,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
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
