//! "Download your data": `GET /{en,fi}/account/data.zip`, a ZIP of everything the account holds
//! (docs/export.md), written as it streams from one snapshot of the database (decision 0034).
//!
//! Before any work: a session (else sign-in, then the Download your data page), a request from
//! the site itself (a link elsewhere lands on that page, and costs no download), a password
//! entered in this session within ten minutes (else that page, which asks for it), a free place
//! among the exports under way (else 503), and one of the day's downloads
//! ([`EXPORT_PER_ACCOUNT`], else 429). Then one `REPEATABLE READ, READ ONLY` transaction reads the
//! account in batches by key while the ZIP is sent. It takes no lock a deletion waits for, so a
//! deletion commits while a download is under way (the download goes on with the data as it was
//! when it started); after it, the session is gone and the first check sends the browser to sign in.

mod archive;
mod readme;
mod sets;

pub use archive::{BATCH_ROWS, SCHEMA_VERSION};

use app::{
    auth::{rate_limit::EXPORT_PER_ACCOUNT, session::SignedIn},
    error::AppError,
    export::page_href,
    i18n::{fill, Locale, PseudoLocales},
    server_context::ServerContext,
};
use axum::{
    body::Body,
    extract::{Path, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use futures_util::StreamExt;
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::{oneshot, Semaphore};
use tokio_util::io::ReaderStream;
use tracing::Instrument;
use uuid::Uuid;

/// The name of an export's database session while it reads, in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "deactivate-export";

/// Exports under way at once in one server process: each holds a connection of the request
/// pool for as long as the download lasts.
const AT_ONCE: usize = 4;

/// Bytes between the ZIP writer and the response: the writer waits while the client is slower.
const PIPE_BYTES: usize = 64 * 1024;

/// A download that the client stops reading is given up (and its transaction ended) after this.
const CLIENT_STALL_LIMIT: &str = "5min";

/// The places for exports under way in this process.
#[derive(Clone)]
pub struct Exports(Arc<Semaphore>);

impl Default for Exports {
    fn default() -> Self {
        Exports(Arc::new(Semaphore::new(AT_ONCE)))
    }
}

/// `GET /{lang}/account/data.zip`.
pub async fn download(
    State(ctx): State<ServerContext>,
    State(exports): State<Exports>,
    State(pseudo_locales): State<PseudoLocales>,
    Path(tag): Path<String>,
    request: Request,
) -> Response {
    let served = |l: &Locale| l.tag() == tag && (!l.is_pseudo() || pseudo_locales.0);
    let Some(locale) = Locale::from_path_segment(&tag).filter(served) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(me) = request.extensions().get::<SignedIn>().cloned() else {
        return Redirect::to(&format!("{}?next={}", locale.href("/login"), page_href(locale))).into_response();
    };
    // A download started by another site (a link or an image there) is no reason to spend one of
    // the person's downloads: it lands on the page, from which the link is same-origin.
    let from_elsewhere = request
        .headers()
        .get("sec-fetch-site")
        .is_some_and(|site| !matches!(site.as_bytes(), b"same-origin" | b"none"));
    if from_elsewhere || !me.password_is_recent() {
        return Redirect::to(&page_href(locale)).into_response();
    }
    let Ok(place) = exports.0.clone().try_acquire_owned() else {
        return plain(StatusCode::SERVICE_UNAVAILABLE, locale.messages().error_busy.text.to_owned(), Some(5));
    };
    let key = me.account_id.to_string();
    let counted = EXPORT_PER_ACCOUNT.attempt(&ctx.pool, &key).await;
    match counted {
        Ok(()) => {}
        Err(AppError::RateLimited { retry_after_secs }) => {
            let hours = retry_after_secs.div_ceil(3600).max(1);
            let message = fill(locale.messages().export_limit_reached.select(hours as i64), &[("hours", &hours)]);
            return plain(StatusCode::TOO_MANY_REQUESTS, message.text, Some(retry_after_secs));
        }
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
    match start(ctx.pool.clone(), me.account_id).await {
        Ok(Some((snapshot, header))) => stream(snapshot, header, place),
        // Deleted between the session's check and the snapshot.
        Ok(None) => Redirect::to(&locale.href("/login")).into_response(),
        Err(error) => {
            tracing::error!(%error, "a data export could not start");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

type Snapshot = sqlx::Transaction<'static, sqlx::Postgres>;

/// Opens the snapshot and reads what the README needs; `None` when the account is deleted in it.
async fn start(pool: PgPool, account_id: Uuid) -> sqlx::Result<Option<(Snapshot, archive::Header)>> {
    let mut snapshot = pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
    // For this transaction only (`true`): times in UTC, a name that shows in `pg_stat_activity`.
    sqlx::query(
        "SELECT set_config('TimeZone', 'UTC', true), set_config('application_name', $1, true),
                set_config('idle_in_transaction_session_timeout', $2, true)",
    )
    .bind(APPLICATION_NAME)
    .bind(CLIENT_STALL_LIMIT)
    .execute(&mut *snapshot)
    .await?;
    let found: Option<(String, String, String)> = sqlx::query_as(
        "SELECT email, preferred_locale, to_char(now(), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
           FROM accounts WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(account_id)
    .fetch_optional(&mut *snapshot)
    .await?;
    let Some((email, locale, exported_at)) = found else { return Ok(None) };
    let locale = Locale::from_tag(&locale).unwrap_or_default();
    Ok(Some((snapshot, archive::Header { account_id, email, locale, exported_at })))
}

/// The response: the ZIP as the writer makes it. A writer that fails cuts the body short with an
/// error, so the browser reports a failed download rather than saving half a file.
fn stream(mut snapshot: Snapshot, header: archive::Header, place: tokio::sync::OwnedSemaphorePermit) -> Response {
    let (sink, source) = tokio::io::duplex(PIPE_BYTES);
    let (finished, outcome) = oneshot::channel::<bool>();
    let filename = format!("attachment; filename=\"aliexpress-data-{}.zip\"", &header.exported_at[..10]);
    tokio::spawn(
        async move {
            let written = archive::write(&mut snapshot, &header, sink).await;
            if let Err(error) = &written {
                tracing::warn!(%error, "a data export stopped before its end");
            }
            // Read only: ending it either way changes nothing.
            let _ = snapshot.rollback().await;
            drop(place);
            let _ = finished.send(written.is_ok());
        }
        .in_current_span(),
    );
    let failure = futures_util::stream::once(async move {
        match outcome.await {
            Ok(true) => None,
            _ => Some(Err(std::io::Error::other("the data export stopped before its end"))),
        }
    })
    .filter_map(std::future::ready);
    let mut response = Body::from_stream(ReaderStream::new(source).chain(failure)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// A short answer in the person's language, for a download that cannot start.
fn plain(status: StatusCode, message: String, retry_after_secs: Option<u64>) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message).into_response();
    if let Some(value) = retry_after_secs.and_then(|secs| HeaderValue::from_str(&secs.to_string()).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
