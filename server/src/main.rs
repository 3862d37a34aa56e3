use server::{config::Config, database, startup::Application};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();

    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match arguments.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => run().await,
        ["migrate"] => migrate().await,
        _ => Err(format!("unknown arguments {arguments:?} — usage: `server` (serve) or `server migrate` (bring the schema up to date and stop)")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
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
