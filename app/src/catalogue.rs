//! What the marketplace lists right now: the home page's summary.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueSummary {
    pub listed_products: i64,
}

#[server(prefix = "/api")]
pub async fn load_catalogue_summary() -> Result<CatalogueSummary, AppError> {
    let pool = crate::server_context::server_context().pool;
    Ok(store::catalogue_summary(&pool).await?)
}

#[cfg(feature = "ssr")]
pub mod store {
    use super::CatalogueSummary;
    use sqlx::PgPool;

    pub async fn catalogue_summary(pool: &PgPool) -> sqlx::Result<CatalogueSummary> {
        let listed_products = sqlx::query_scalar(
            "SELECT count(*) FROM products p JOIN stores s ON s.id = p.store_id
              WHERE p.listed AND s.closed_at IS NULL",
        )
        .fetch_one(pool)
        .await?;
        Ok(CatalogueSummary { listed_products })
    }
}
