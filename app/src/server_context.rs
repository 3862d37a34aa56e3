//! What the server gives every server function and page render (server only).

use crate::{auth::digest::EmailDigester, error::AppError};
use axum::extract::ConnectInfo;
use http::{header, HeaderValue, StatusCode};
use ipnet::{IpNet, Ipv6Net};
use leptos::prelude::{expect_context, use_context};
use leptos_axum::ResponseOptions;
use sqlx::PgPool;
use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

#[derive(Clone)]
pub struct ServerContext {
    pub pool: PgPool,
    pub digester: EmailDigester,
    /// Cookies get `Secure` when the public origin is https.
    pub secure_cookies: bool,
    /// The load balancers whose `X-Forwarded-For` is believed (`APP_TRUSTED_PROXIES`).
    pub trusted_proxies: Arc<[IpNet]>,
}

pub fn server_context() -> ServerContext {
    expect_context::<ServerContext>()
}

/// The address the request came from: the socket's peer, unless that is a trusted proxy; then
/// the nearest address in `X-Forwarded-For` that is not one (see [`forwarded_client`]).
pub fn client_ip() -> Option<IpAddr> {
    let parts = use_context::<http::request::Parts>()?;
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())?;
    let forwarded_for: Vec<&str> =
        parts.headers.get_all("x-forwarded-for").iter().filter_map(|value| value.to_str().ok()).collect();
    Some(forwarded_client(peer, &forwarded_for.join(","), &server_context().trusted_proxies))
}

/// The key rate limits count the request's address under (see [`address_key`]).
pub fn client_key() -> String {
    client_ip().map(address_key).unwrap_or_default()
}

/// Walks `X-Forwarded-For` from the right (each proxy appends the address it saw) while the
/// hop is a trusted proxy: the first address not trusted is the client. Anything a client
/// wrote further left is ignored, and so is the header of a peer that is not trusted.
fn forwarded_client(peer: IpAddr, forwarded_for: &str, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer;
    for hop in forwarded_for.rsplit(',').map(str::trim).filter(|hop| !hop.is_empty()) {
        if !is_trusted(&client) {
            break;
        }
        match hop.parse() {
            Ok(ip) => client = ip,
            Err(_) => break,
        }
    }
    client
}

/// An IPv4 address counts alone; an IPv6 address by its /64, the network one subscriber gets
/// (a client can take any of its 2^64 addresses).
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => Ipv6Net::new(v6, 64).map(|net| net.trunc().to_string()).unwrap_or_else(|_| v6.to_string()),
        },
    }
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
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // Behind the trusted balancer: the address it saw.
        assert_eq!(forwarded_client(ip("10.0.0.7"), "203.0.113.9", &trusted), ip("203.0.113.9"));
        // What the client wrote itself further left is not believed.
        assert_eq!(forwarded_client(ip("10.0.0.7"), "1.2.3.4, 203.0.113.9", &trusted), ip("203.0.113.9"));
        // Two trusted hops.
        assert_eq!(forwarded_client(ip("10.0.0.7"), "203.0.113.9, 10.1.1.1", &trusted), ip("203.0.113.9"));
        // A peer that is not trusted: its header means nothing.
        assert_eq!(forwarded_client(ip("198.51.100.1"), "203.0.113.9", &trusted), ip("198.51.100.1"));
        // Garbage or nothing: the last trusted hop.
        assert_eq!(forwarded_client(ip("10.0.0.7"), "not-an-ip", &trusted), ip("10.0.0.7"));
        assert_eq!(forwarded_client(ip("10.0.0.7"), "", &trusted), ip("10.0.0.7"));
        assert_eq!(forwarded_client(ip("10.0.0.7"), "203.0.113.9", &[]), ip("10.0.0.7"));
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_bit_network() {
        assert_eq!(address_key(ip("2001:db8:1:2::1")), "2001:db8:1:2::/64");
        assert_eq!(address_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")), "2001:db8:1:2::/64");
        assert_ne!(address_key(ip("2001:db8:1:3::1")), address_key(ip("2001:db8:1:2::1")));
        assert_eq!(address_key(ip("203.0.113.9")), "203.0.113.9");
        assert_eq!(address_key(ip("::ffff:203.0.113.9")), "203.0.113.9");
    }
}
