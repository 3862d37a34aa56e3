//! Sends a page request without a locale (`/`, `/account`, ...) to the same page under the
//! visitor's locale, so every page has exactly one address per language.

use app::i18n::{negotiate, Locale, LOCALE_COOKIE};
use axum::{
    extract::Request,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use cookie::Cookie;

/// First path segments that are not pages and never get a locale.
const UNLOCALIZED: [&str; 8] =
    ["api", "pkg", "healthz", "readyz", "metrics", "favicon.svg", "test-fixtures", "l10n-report.js"];

pub async fn redirect_to_locale(request: Request, next: Next) -> Response {
    let first_segment = request.uri().path().trim_start_matches('/').split('/').next().unwrap_or("");
    let is_page = matches!(*request.method(), Method::GET | Method::HEAD)
        && Locale::from_path_segment(first_segment).is_none()
        && !UNLOCALIZED.contains(&first_segment);
    if !is_page {
        return next.run(request).await;
    }
    let locale = negotiate(
        cookie(request.headers(), LOCALE_COOKIE).as_deref(),
        request.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
    );
    let mut target = locale.href(request.uri().path());
    if let Some(query) = request.uri().query() {
        target.push('?');
        target.push_str(query);
    }
    let Ok(location) = HeaderValue::from_str(&target) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    (
        StatusCode::FOUND,
        [(header::LOCATION, location), (header::VARY, HeaderValue::from_static("Accept-Language, Cookie"))],
    )
        .into_response()
}

/// The value of the cookie `name`, if the request has it (the first, if it has several).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_others_in_any_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; broken; locale=fi"));
        headers.append(header::COOKIE, HeaderValue::from_static("session=abc;locale=en"));
        assert_eq!(cookie(&headers, "locale").as_deref(), Some("fi"));
        assert_eq!(cookie(&headers, "session").as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
    }
}
