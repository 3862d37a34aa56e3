//! The connection pools of the server (and of the benchmark, which measures the same thing).

use sqlx::{
    migrate::{MigrateError, Migrator},
    postgres::{PgConnectOptions, PgPoolOptions},
    Connection, PgPool,
};
use std::{collections::HashMap, str::FromStr, time::Duration};

/// A pool on `database_url`, with JIT compilation off in every session: each statement here is
/// keyed by one account and takes milliseconds, but PostgreSQL compiles with LLVM any statement
/// whose *estimated* cost passes `jit_above_cost`, and statistics taken while an account still
/// had a million messages put the estimate of its last foreign key checks there: the eraser's
/// last batch paid 50 to 100 ms of compilation for 10 ms of work.
///
/// A connection that sat idle for [`PING_AFTER_IDLE`] is pinged before use, as sqlx does on
/// every acquire by default: a busy server would pay a round trip for nothing on each of the
/// signed-in page's two acquires (issue 14), while one after a quiet spell, when a database
/// restart or a dropped connection would show, still finds a dead connection before a query does.
///
/// The first connection may take longer than a request would wait for one ([`STARTUP_PATIENCE`]).
pub async fn connect(database_url: &str) -> sqlx::Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(20)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_lazy_with(options(database_url)?);
    first_connection(&pool).await?;
    Ok(pool)
}

/// How long a starting server waits for its first database connection: a database that is still
/// starting, or a machine busy enough that one connection takes longer than a request's
/// [`ACQUIRE_TIMEOUT`] (seen in CI at load average 13), is no reason to give up.
pub const STARTUP_PATIENCE: Duration = Duration::from_secs(30);

/// Tries for a first connection, one acquire timeout after another, until [`STARTUP_PATIENCE`]
/// has passed; any other error (a wrong password, an unknown database) ends it at once.
async fn first_connection(pool: &PgPool) -> sqlx::Result<()> {
    let deadline = tokio::time::Instant::now() + STARTUP_PATIENCE;
    loop {
        match pool.acquire().await {
            // Back in the pool before the first query, which then uses it rather than open another.
            Ok(mut connection) => {
                connection.return_to_pool().await;
                return Ok(());
            }
            Err(sqlx::Error::PoolTimedOut) if tokio::time::Instant::now() < deadline => {
                tracing::warn!("no connection to the database yet; still trying");
            }
            Err(error) => return Err(error),
        }
    }
}

/// See [`connect`].
pub const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// The name the eraser's sessions go by in `pg_stat_activity`, so that it can tell its own
/// work from everyone else's ([`crate::eraser::rest_after`]).
pub const ERASER_APPLICATION_NAME: &str = "deactivate-eraser";

/// The name of the email sender's session ([`crate::mailer`]): it looks at the outbox every
/// second, so the eraser does not count it as someone using the database either.
pub const MAILER_APPLICATION_NAME: &str = "deactivate-mailer";

/// The sessions the eraser does not rest for: the server's own background work.
pub const BACKGROUND_APPLICATION_NAMES: [&str; 2] = [ERASER_APPLICATION_NAME, MAILER_APPLICATION_NAME];

/// The eraser's own pool ([`connect_background`]).
pub fn connect_eraser(database_url: &str) -> sqlx::Result<PgPool> {
    connect_background(database_url, ERASER_APPLICATION_NAME)
}

/// A background task's own pool: one session, named `application_name`, opened on first use.
/// Its own, too, so that it never holds a connection a request is waiting for.
pub fn connect_background(database_url: &str, application_name: &str) -> sqlx::Result<PgPool> {
    let options = options(database_url)?.application_name(application_name);
    Ok(PgPoolOptions::new().max_connections(1).acquire_timeout(ACQUIRE_TIMEOUT).connect_lazy_with(options))
}

const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

fn options(database_url: &str) -> sqlx::Result<PgConnectOptions> {
    Ok(PgConnectOptions::from_str(database_url)?.options([("jit", "off")]))
}

/// The schema's migrations, compiled into the binary.
static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Brings the schema up to date, if it is not: as the schema's owner (`owner_url`) when given,
/// otherwise as the role of `app`, which must then own the schema. Run at every start of the
/// server, and by `server migrate` (for operators who keep the owner's URL out of the serving
/// process: docs/operations.md). Returns how many migrations it applied.
pub async fn migrate(app: &PgPool, owner_url: Option<&str>) -> Result<usize, MigrateError> {
    let pending = pending_migrations(app).await?;
    if pending == 0 {
        return Ok(0);
    }
    match owner_url {
        Some(owner_url) => migrate_as_owner(owner_url, app).await?,
        None => MIGRATOR.run(app).await?,
    }
    Ok(pending)
}

/// How many of [`MIGRATOR`]'s migrations the database lacks. Reads `_sqlx_migrations` only, which
/// the least-privileged role may (it may not create it or write it). An applied migration whose
/// file changed since is an error, as `MIGRATOR.run` would say.
async fn pending_migrations(pool: &PgPool) -> Result<usize, MigrateError> {
    let tracked: bool =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(pool).await?;
    let applied: HashMap<i64, Vec<u8>> = if tracked {
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    let mut pending = 0;
    for migration in MIGRATOR.iter().filter(|migration| migration.migration_type.is_up_migration()) {
        match applied.get(&migration.version) {
            None => pending += 1,
            Some(checksum) if **checksum != *migration.checksum => {
                return Err(MigrateError::VersionMismatch(migration.version))
            }
            Some(_) => {}
        }
    }
    Ok(pending)
}

/// Applies the migrations as the schema's owner (`owner_url`), then grants the role the server
/// runs as (`app`, the user of `DATABASE_URL`) what it needs and nothing more: reading and
/// writing rows of the schema's tables, using its sequences, and reading which migrations ran.
/// No DDL, no other database: an injection or a compromised server cannot change or drop the
/// schema.
async fn migrate_as_owner(owner_url: &str, app: &PgPool) -> Result<(), MigrateError> {
    let owner = PgPoolOptions::new().max_connections(1).connect_with(options(owner_url)?).await?;
    MIGRATOR.run(&owner).await?;
    let app_role: String = sqlx::query_scalar("SELECT current_user::text").fetch_one(app).await?;
    let grants = format!(
        "GRANT USAGE ON SCHEMA public TO {role};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
         REVOKE ALL ON TABLE _sqlx_migrations FROM {role};
         GRANT SELECT ON TABLE _sqlx_migrations TO {role};",
        role = quote_identifier(&app_role)
    );
    sqlx::raw_sql(&grants).execute(&owner).await?;
    owner.close().await;
    Ok(())
}

/// `name` as a quoted SQL identifier.
fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
