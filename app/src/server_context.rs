//! What the server gives every server function and page render (server only).

use crate::{auth::digest::EmailDigester, error::AppError};
use axum::extract::ConnectInfo;
use http::{header, HeaderValue, StatusCode};
use leptos::prelude::{expect_context, use_context};
use leptos_axum::ResponseOptions;
use sqlx::PgPool;
use std::net::{IpAddr, SocketAddr};

#[derive(Clone)]
pub struct ServerContext {
    pub pool: PgPool,
    pub digester: EmailDigester,
    /// Cookies get `Secure` when the public origin is https.
    pub secure_cookies: bool,
}

pub fn server_context() -> ServerContext {
    expect_context::<ServerContext>()
}

/// The address the request came from (the server runs behind no proxy it would trust).
pub fn client_ip() -> Option<IpAddr> {
    let parts = use_context::<http::request::Parts>()?;
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())
}

/// Sets the status of the response being built.
pub fn set_status(status: StatusCode) {
    expect_context::<ResponseOptions>().set_status(status);
}

/// Gives the response the status that fits `error`; server functions pass every error through
/// this on the way out. A plain form post keeps the redirect back to its page that Leptos gives
/// it (with the error in the address), so the page can show the error after the reload.
pub fn with_status(error: AppError) -> AppError {
    if let AppError::RateLimited { retry_after_secs } | AppError::Busy { retry_after_secs } = error {
        expect_context::<ResponseOptions>().insert_header(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    }
    if is_plain_form_post() {
        return error;
    }
    let status = match &error {
        AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        AppError::Unreachable => StatusCode::BAD_GATEWAY,
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::SignInFailed | AppError::NotSignedIn => StatusCode::UNAUTHORIZED,
        AppError::PasswordTooOld => StatusCode::FORBIDDEN,
        AppError::AlreadyDeleted => StatusCode::CONFLICT,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
    };
    set_status(status);
    error
}

/// Adds a `Set-Cookie` to the response being built.
pub fn set_cookie(cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        expect_context::<ResponseOptions>().append_header(header::SET_COOKIE, value);
    }
}

/// Whether the request is a browser's own form submission (JavaScript off), not a call from the app.
fn is_plain_form_post() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
    })
}

/// Sends a plain HTML form post (JavaScript off) on to `target` after success. A call from the
/// running app gets the target in its result instead and navigates itself.
pub fn redirect_plain_form_post(target: &str) {
    if is_plain_form_post() {
        if let Ok(location) = HeaderValue::from_str(target) {
            let response = expect_context::<ResponseOptions>();
            response.set_status(StatusCode::SEE_OTHER);
            response.insert_header(header::LOCATION, location);
        }
    }
}
