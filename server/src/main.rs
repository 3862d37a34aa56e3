use app::auth::digest::EmailDigester;
use server::{config::Config, database, restore, startup::Application};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        // Colours for a terminal only: a log file (the Playwright server's) is read and searched.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();

    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        // Before the configuration: migrating needs the database URLs only.
        ["migrate"] => migrate().await,
        ["staff", action @ ("grant" | "revoke"), email] => staff(*action == "grant", email).await,
        [] => serve(Config::from_env().map_err(|e| e.to_string())?).await,
        ["restore-deletions", tombstones, blocked] => {
            restore_deletions(Config::from_env().map_err(|e| e.to_string())?, tombstones, blocked).await
        }
        _ => Err(USAGE.to_owned()),
    }
}

const USAGE: &str = "usage: server                    serve the site
       server migrate            apply the migrations as DATABASE_MIGRATION_URL's role (the
                                 schema's owner), grant DATABASE_URL's role row access, and stop
                                 (docs/operations.md, \"Least privilege in PostgreSQL\")
       server staff grant|revoke EMAIL
                                 give the live account with this address the staff role (the
                                 reason statistics, /en/staff/reasons), or take it away
       server restore-deletions TOMBSTONES BLOCKED
                                 after restoring a backup, with every server stopped: load the
                                 exported tombstones and blocked digests (COPY text files) and
                                 delete again every account deleted since the backup
                                 (docs/operations.md, \"Backups and restores\")";

async fn serve(config: Config) -> Result<(), String> {
    let app = Application::build(config).await.map_err(|e| e.to_string())?;
    println!("Deactivate is listening on http://{}", app.local_addr());
    app.serve_until(shutdown_signal()).await.map_err(|e| format!("the server stopped: {e}"))?;
    println!("Deactivate stopped.");
    Ok(())
}

/// `server migrate`: applies the migrations as DATABASE_MIGRATION_URL's role (the schema's
/// owner) and grants DATABASE_URL's role row access, then stops; the server can then run with
/// DATABASE_URL alone, never holding the owner's credentials (docs/operations.md).
async fn migrate() -> Result<(), String> {
    let url = |name: &str| std::env::var(name).ok().filter(|url| !url.is_empty());
    let app_url = url("DATABASE_URL").ok_or("DATABASE_URL is not set — the role the server runs as")?;
    let owner_url = url("DATABASE_MIGRATION_URL");
    let app = database::connect(&app_url)
        .await
        .map_err(|e| format!("cannot connect to DATABASE_URL ({e}) — check that PostgreSQL is running"))?;
    let applied = database::migrate(&app, owner_url.as_deref())
        .await
        .map_err(|e| format!("cannot apply the database migrations: {e}"))?;
    println!("The database schema is up to date ({applied} migrations applied now).");
    Ok(())
}

/// `server staff grant|revoke EMAIL`: the only way to change who is staff (no web form can).
async fn staff(grant: bool, email: &str) -> Result<(), String> {
    let url = std::env::var("DATABASE_URL").ok().filter(|url| !url.is_empty());
    let url = url.ok_or("DATABASE_URL is not set — the database whose account gets the role")?;
    let pool = database::connect(&url)
        .await
        .map_err(|e| format!("cannot connect to DATABASE_URL ({e}) — check that PostgreSQL is running"))?;
    let owner_url = std::env::var("DATABASE_MIGRATION_URL").ok().filter(|url| !url.is_empty());
    database::migrate(&pool, owner_url.as_deref())
        .await
        .map_err(|e| format!("cannot apply the database migrations: {e}"))?;
    println!("{}", server::staff::change_role(&pool, email, grant).await?);
    Ok(())
}

async fn restore_deletions(config: Config, tombstones: &str, blocked: &str) -> Result<(), String> {
    let read = |path: &str| std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"));
    let (tombstones, blocked) = (read(tombstones)?, read(blocked)?);
    let pool =
        database::connect(&config.database_url).await.map_err(|e| format!("cannot connect to the database: {e}"))?;
    database::migrate(&pool, config.migration_url.as_deref())
        .await
        .map_err(|e| format!("cannot apply the database migrations: {e}"))?;
    let digester = EmailDigester::with_previous(&config.secret, &config.previous_secrets);
    let restored =
        restore::restore_deletions(&pool, &digester, &tombstones, &blocked).await.map_err(|e| e.to_string())?;
    println!(
        "{} tombstones and {} blocked addresses added, {} accounts deleted again, {} queued for the eraser",
        restored.tombstones_added, restored.digests_added, restored.deleted_again, restored.queued
    );
    Ok(())
}

/// Ctrl-C or SIGTERM (what `cargo xtask run` and process managers send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
