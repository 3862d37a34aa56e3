//! Resolves the session cookie of each request to the signed-in account, for pages and
//! server functions to find (`app::auth::session::signed_in`).

use crate::locale_redirect::cookie;
use app::{
    auth::session::{self, SessionToken},
    i18n::{negotiate, Locale, LOCALE_COOKIE},
    server_context::ServerContext,
};
use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub async fn resolve_session(State(ctx): State<ServerContext>, mut request: Request, next: Next) -> Response {
    let Some(raw) = cookie(request.headers(), session::cookie_name(ctx.secure_cookies)) else {
        return next.run(request).await;
    };
    let signed_in = match SessionToken::from_cookie(&raw) {
        Some(token) => match session::resolve(&ctx.pool, token).await {
            Ok(signed_in) => signed_in,
            // The database did not answer (saturated, restarting): the session may well be
            // good, so it is neither taken as signed out nor cleared; the person tries again.
            Err(error) => {
                tracing::error!(%error, "could not resolve a session");
                return busy(&request);
            }
        },
        None => None,
    };
    let stale = signed_in.is_none();
    if let Some(signed_in) = signed_in {
        request.extensions_mut().insert(signed_in);
    }
    let mut response = next.run(request).await;
    // An expired, ended or forged session: drop the cookie so the browser stops sending it.
    if stale && !response.headers().contains_key(header::SET_COOKIE) {
        let clear = session::clear_cookie(ctx.secure_cookies);
        response.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&clear).expect("ASCII cookie"));
    }
    response
}

/// `503` with `Retry-After` and the "busy" message in the language of the page asked for (its
/// path's first segment), else the visitor's.
fn busy(request: &Request) -> Response {
    let headers = request.headers();
    let locale = request.uri().path().split('/').nth(1).and_then(Locale::from_path_segment).unwrap_or_else(|| {
        negotiate(
            cookie(headers, LOCALE_COOKIE).as_deref(),
            headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
        )
    });
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::RETRY_AFTER, "1")],
        locale.messages().error_busy.text,
    )
        .into_response()
}
