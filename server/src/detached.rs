//! Pages and server functions run to their end in a task of their own, even when the visitor
//! leaves before the answer arrives.
//!
//! Why: when a client closes its connection, hyper drops the handler's future. For a page, that
//! disposes the request's reactive owner while the router's async view (spawned by Leptos on
//! the executor) is still rendering; it then reads disposed signals and missing contexts and
//! panics the worker (`server/tests/api/load.rs`: impatient visitors under load, several panics
//! a run). A server function dropped half-way rolls back, which is safe, but is better finished
//! or refused cleanly than cut at an arbitrary await. Finishing costs the rest of one render for
//! someone who left; the body limit and the rate limits bound what a request can ask for.

use axum::{
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use tracing::Instrument;

/// Middleware: runs the rest of the stack for `request` in a spawned task and waits for it. The
/// task outlives this future when the client leaves.
pub async fn run_to_the_end(request: Request, next: Next) -> Response {
    // In the request's span, so that its log lines keep the request's id.
    match tokio::spawn(next.run(request).in_current_span()).await {
        Ok(response) => response,
        Err(error) => {
            tracing::error!(%error, "a request's task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
