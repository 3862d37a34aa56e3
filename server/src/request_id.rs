//! Every response carries an `x-request-id`, and every log line written while answering it
//! carries the same id, so a failing end-to-end test can be tied to the server's log.
//!
//! The id is the request's own `x-request-id` when a client (a Playwright suite) sends a
//! usable one, otherwise a new UUID. tower-http's layers do the work; [`acceptable`] is ours.

use axum::{
    http::{HeaderName, HeaderValue, Request},
    Router,
};
use tower_http::{
    request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Longer ids are replaced: an id is a key to search a log by, not a place for data.
const MAX_ID_LENGTH: usize = 100;

/// Adds the id to `router`'s requests, responses and log lines.
pub fn layer<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let id = request.headers().get(X_REQUEST_ID).and_then(|id| id.to_str().ok()).unwrap_or_default();
                    tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path())
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(X_REQUEST_ID, NewUuid))
        .layer(axum::middleware::map_request(drop_unacceptable_id))
}

/// Makes an id for a request that came without one.
#[derive(Clone, Copy)]
struct NewUuid;

impl MakeRequestId for NewUuid {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).ok().map(RequestId::new)
    }
}

/// Whether a client's id may stand: visible ASCII without spaces, at most [`MAX_ID_LENGTH`].
fn acceptable(id: &HeaderValue) -> bool {
    id.len() <= MAX_ID_LENGTH && !id.is_empty() && id.as_bytes().iter().all(u8::is_ascii_graphic)
}

/// Removes a client's id that is not [`acceptable`], so that a new one is made.
async fn drop_unacceptable_id<B>(mut request: Request<B>) -> Request<B> {
    if request.headers().get(X_REQUEST_ID).is_some_and(|id| !acceptable(id)) {
        request.headers_mut().remove(X_REQUEST_ID);
    }
    request
}
