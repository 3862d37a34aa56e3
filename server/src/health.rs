//! Liveness and readiness probes for load balancers and the test harness.

use axum::{extract::State, http::StatusCode};
use sqlx::PgPool;
use std::time::Duration;

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
