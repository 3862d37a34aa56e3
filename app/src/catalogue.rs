//! What the marketplace lists right now: the home page's summary.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server_context::with_status;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CatalogueSummary {
    pub listed_products: i64,
}

#[server(prefix = "/api", endpoint = "catalogue_summary", input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn load_catalogue_summary() -> Result<CatalogueSummary, AppError> {
    server::summary().await.map_err(with_status)
}

#[cfg(feature = "ssr")]
mod server {
    use super::{store, CatalogueSummary};
    use crate::{error::AppError, server_context::server_context};

    pub async fn summary() -> Result<CatalogueSummary, AppError> {
        Ok(store::catalogue_summary(&server_context().pool).await?)
    }
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
