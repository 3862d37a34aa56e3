//! Cross-site request refusal and the security headers of every response.

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::sync::Arc;

/// The origin browsers use for this site (`APP_PUBLIC_ORIGIN`), e.g. `https://shop.example`.
#[derive(Clone)]
pub struct PublicOrigin(pub Arc<str>);

/// Refuses every state-changing request that a browser did not send from this site itself.
/// Leptos checks nothing for server functions; this covers them, the fixtures API and any
/// other POST, including "simple" cross-site requests such as a `text/plain` form post.
pub async fn refuse_cross_site(State(origin): State<PublicOrigin>, request: Request, next: Next) -> Response {
    if is_safe_method(request.method()) || sent_by_this_site(request.headers(), &origin) {
        next.run(request).await
    } else {
        tracing::warn!(method = %request.method(), path = request.uri().path(), "refused a cross-site request");
        (StatusCode::FORBIDDEN, "Cross-site requests are not allowed.").into_response()
    }
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// `Sec-Fetch-Site` (every current browser sends it) decides; without it, `Origin` must be ours.
/// A request with neither is refused: it did not come from a page of this site.
fn sent_by_this_site(headers: &HeaderMap, origin: &PublicOrigin) -> bool {
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) == Some(&*origin.0),
    }
}

/// The Content-Security-Policy of a page whose inline scripts carry `nonce`. `'wasm-unsafe-eval'`
/// lets the page compile its WebAssembly; nothing else may run.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let scripts = match nonce {
        Some(nonce) => format!("'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        None => "'self' 'wasm-unsafe-eval'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Headers every response gets. Pages are personal (the header shows who is signed in), so no
/// HTML is ever stored by a cache; a page that set no policy of its own gets the strict one.
/// Over https, browsers are told to use nothing else for two years.
pub async fn security_headers(State(origin): State<PublicOrigin>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if origin.0.starts_with("https://") {
        headers
            .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let is_html =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            let policy = content_security_policy(None);
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&policy).expect("ASCII policy"));
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().unwrap(), HeaderValue::from_static(v))).collect()
    }

    #[test]
    fn only_requests_from_this_site_may_change_state() {
        let origin = PublicOrigin("http://127.0.0.1:3000".into());
        assert!(sent_by_this_site(&headers(&[("sec-fetch-site", "same-origin")]), &origin));
        assert!(sent_by_this_site(&headers(&[("sec-fetch-site", "none")]), &origin));
        assert!(!sent_by_this_site(
            &headers(&[("sec-fetch-site", "cross-site"), ("origin", "http://127.0.0.1:3000")]),
            &origin
        ));
        assert!(!sent_by_this_site(&headers(&[("sec-fetch-site", "same-site")]), &origin));
        assert!(sent_by_this_site(&headers(&[("origin", "http://127.0.0.1:3000")]), &origin));
        assert!(!sent_by_this_site(&headers(&[("origin", "http://evil.example")]), &origin));
        assert!(!sent_by_this_site(&headers(&[]), &origin));
    }

    #[test]
    fn the_policy_allows_wasm_and_the_nonce_but_no_inline_or_eval() {
        let policy = content_security_policy(Some("abc"));
        assert!(policy.contains("'nonce-abc'") && policy.contains("'wasm-unsafe-eval'"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("'unsafe-inline'") && !policy.contains("'unsafe-eval'"));
    }
}
