//! The connection pool of the server (and of the benchmark, which measures the same thing).

use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};
use std::{str::FromStr, time::Duration};

/// A pool on `database_url`, with JIT compilation off in every session: each statement here is
/// keyed by one account and takes milliseconds, but PostgreSQL compiles with LLVM any statement
/// whose *estimated* cost passes `jit_above_cost`, and statistics taken while an account still
/// had a million messages put the estimate of its last foreign key checks there: the eraser's
/// last batch paid 50 to 100 ms of compilation for 10 ms of work.
pub async fn connect(database_url: &str) -> sqlx::Result<PgPool> {
    let options = PgConnectOptions::from_str(database_url)?.options([("jit", "off")]);
    PgPoolOptions::new().max_connections(20).acquire_timeout(Duration::from_secs(5)).connect_with(options).await
}
