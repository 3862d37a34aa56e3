//! The staff's side of the server: `server staff grant|revoke EMAIL` (the only way to change
//! the role: there is no web form for it) and the CSV download of the reason statistics.

use app::{
    auth::session::SignedIn,
    error::AppError,
    i18n::Locale,
    server_context::ServerContext,
    staff::{csv, report, require_staff, store, ReasonsFilter},
};
use axum::{
    extract::{Query, Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use sqlx::PgPool;
use std::collections::HashMap;

/// Grants or revokes the staff role of the live account with `email`; the sentence to print.
pub async fn change_role(pool: &PgPool, email: &str, grant: bool) -> Result<String, String> {
    let change = store::set_staff(pool, email, grant).await.map_err(|e| format!("the database failed: {e}"))?;
    Ok(match (change, grant) {
        (store::RoleChange::NoSuchAccount, _) => {
            return Err(format!(
                "no account can sign in with {email} — check the address (deleted accounts do not count)"
            ))
        }
        (store::RoleChange::Done, true) => format!("{email} is now staff: the staff pages show after a sign-in."),
        (store::RoleChange::Unchanged, true) => format!("{email} was staff already; nothing changed."),
        (store::RoleChange::Done, false) => format!("{email} is no longer staff."),
        (store::RoleChange::Unchanged, false) => format!("{email} was not staff; nothing changed."),
    })
}

/// `/{en,fi}/staff/reasons.csv?weeks=…&locale=…&role=…`: the page's table as CSV, for staff with
/// a recent password. For anyone else the request goes on to the pages, which answer it as
/// they answer any unknown address (404); a staff member whose password entry is too old is
/// sent to the page, which asks for it.
pub async fn reasons_csv(State(ctx): State<ServerContext>, request: Request, next: Next) -> Response {
    let Some(locale) = csv_locale(request.uri().path()) else { return next.run(request).await };
    let me = request.extensions().get::<SignedIn>().cloned();
    // Nothing borrowed from the request may live across an await: its body is not `Sync`.
    let page = format!("{}?{}", locale.href("/staff/reasons"), request.uri().query().unwrap_or_default());
    let query: HashMap<String, String> = Query::try_from_uri(request.uri()).map(|Query(q)| q).unwrap_or_default();
    match require_staff(&ctx.pool, me).await {
        Ok(_) => {}
        Err(AppError::NotFound) => return next.run(request).await,
        Err(AppError::PasswordTooOld) => return Redirect::to(&page).into_response(),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
    let value = |name: &str| query.get(name).map_or("", String::as_str);
    let (weeks, locales, role) = (value("weeks"), value("locale"), value("role"));
    let Ok(filter) = ReasonsFilter::parse(weeks, locales, role) else {
        let message = locale.messages().staff_problem_choice_unknown.text;
        return (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message)
            .into_response();
    };
    match report::table(&ctx.pool, filter).await {
        Ok(weeks) => {
            let disposition = format!("attachment; filename=\"reasons-{}-weeks.csv\"", filter.weeks);
            let mut response = csv::table(&weeks, locale).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The locale of `/{en,fi}/staff/reasons.csv`, or `None` for any other path.
fn csv_locale(path: &str) -> Option<Locale> {
    let tag = path.strip_prefix('/')?.strip_suffix("/staff/reasons.csv")?;
    Locale::from_tag(tag).filter(|l| l.tag() == tag)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_csv_of_a_product_language_is_answered_here() {
        use super::{csv_locale, Locale};
        assert_eq!(csv_locale("/fi/staff/reasons.csv"), Some(Locale::Fi));
        assert_eq!(csv_locale("/en/staff/reasons.csv"), Some(Locale::En));
        for other in ["/en/staff/reasons", "/EN/staff/reasons.csv", "/en-XA/staff/reasons.csv", "/staff/reasons.csv"] {
            assert_eq!(csv_locale(other), None, "{other}");
        }
    }
}
