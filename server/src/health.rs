//! Liveness and readiness probes for load balancers and the test harness, and the eraser's
//! figures for monitoring.

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use sqlx::PgPool;
use std::{fmt::Write, time::Duration};

/// The process is up and serving.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers too: only then should traffic be sent here.
pub async fn readyz(State(pool): State<PgPool>) -> (StatusCode, &'static str) {
    let probe = tokio::time::timeout(Duration::from_secs(2), sqlx::query("SELECT 1").execute(&pool));
    match probe.await {
        Ok(Ok(_)) => (StatusCode::OK, "ready"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness probe: database error");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database timed out"),
    }
}

/// The erasure queue in the Prometheus text format, for a scraper or a glance with curl. `503`
/// while the database does not answer within 2 s. Readiness stays with `/readyz`: a failing
/// erasure is no reason to send users elsewhere, but `eraser_failing_accounts` above 0 is one
/// to look at the log (the eraser's warnings name the account, the SQLSTATE and the count).
pub async fn metrics(State(pool): State<PgPool>) -> Response {
    let status = match tokio::time::timeout(Duration::from_secs(2), crate::eraser::queue_status(&pool)).await {
        Ok(Ok(status)) => status,
        Ok(Err(error)) => {
            tracing::warn!(%error, "metrics: database error");
            return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response();
        }
        Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, "database timed out").into_response(),
    };
    let gauges = [
        ("eraser_queued_accounts", "Deleted accounts whose erasure has not finished.", status.queued as f64),
        (
            "eraser_failing_accounts",
            "Queued accounts whose last erasure batch failed; each waits 1 s doubling to 5 min between tries.",
            status.failing as f64,
        ),
        (
            "eraser_oldest_queued_seconds",
            "How long the oldest queued account has waited for its erasure to finish (0 with none queued).",
            status.oldest_queued_seconds,
        ),
    ];
    let mut body = String::new();
    for (name, help, value) in gauges {
        let _ = write!(body, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}
