//! Resolves the session cookie of each request to the signed-in account, for pages and
//! server functions to find (`app::auth::session::signed_in`).

use crate::locale_redirect::cookie;
use app::{
    auth::session::{self, SessionToken},
    server_context::ServerContext,
};
use axum::{
    extract::{Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};
pub async fn resolve_session(State(ctx): State<ServerContext>, mut request: Request, next: Next) -> Response {
    let Some(raw) = cookie(request.headers(), session::cookie_name(ctx.secure_cookies)) else {
        return next.run(request).await;
    };
    let signed_in = match SessionToken::from_cookie(&raw) {
        Some(token) => session::resolve(&ctx.pool, token).await.unwrap_or_else(|error| {
            tracing::error!(%error, "could not resolve a session");
            None
        }),
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
