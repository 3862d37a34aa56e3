//! `cargo xtask run`: build the release app and serve it with its database and demo accounts.

use crate::mail::MailCatcher;
use crate::net;
use crate::pg;
use crate::process;
use crate::secret::stored_secret;
use crate::tools::{self, Purpose};
use crate::workspace::{cargo, Workspace};
use anyhow::{anyhow, bail, Result};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, ExitCode};

const DEFAULT_SITE_ADDR: &str = "127.0.0.1:3000";
/// maildev's own default port for its inbox, if free.
const DEFAULT_INBOX_PORT: u16 = 1080;

pub fn run() -> Result<ExitCode> {
    let ws = Workspace::load()?;
    let addr = site_addr()?;
    // Fail before a long build, and again before starting (the build may take minutes).
    check_free(addr)?;
    tools::prepare(&ws, Purpose::Run)?;
    let (database, cluster) = pg::database_for_run(&ws.data_dir())?;
    if !build_release(&ws)? {
        bail!("`cargo leptos build --release` failed — fix the errors above");
    }
    std::fs::create_dir_all(ws.data_dir())
        .map_err(|e| anyhow!("cannot create {}: {e} — check the workspace's permissions", ws.data_dir().display()))?;
    let secret = stored_secret(&ws.data_dir().join("app-secret"), 32)?;
    check_free(addr)?;

    if let Some(owner_url) = &database.owner_url {
        migrate(&ws.leptos.server_binary, &database.app_url, owner_url)?;
    }
    let mut server = server_command(&ws, &database.app_url, addr, &secret);
    // The testers' pseudo-locales and console, with the screenshots of the last `cargo xtask test`.
    server
        .env("APP_DEMO_DATA", "1")
        .env("APP_PSEUDO_LOCALES", "1")
        .env("APP_L10N_SCREENSHOTS", ws.root.join(crate::l10n::SCREENSHOTS));
    // The app's emails go to APP_SMTP_URL if set, else to a local inbox started here.
    let mail = match std::env::var("APP_SMTP_URL").ok().filter(|url| !url.is_empty()) {
        Some(url) => {
            server.env("APP_SMTP_URL", url);
            None
        }
        None => {
            let inbox_port =
                Some(DEFAULT_INBOX_PORT).filter(|port| net::is_free(SocketAddr::from(([127, 0, 0, 1], *port))));
            let mail = MailCatcher::start(&ws, inbox_port, &ws.data_dir().join("maildev.log"))?;
            server.env("APP_SMTP_URL", mail.smtp_url());
            println!("The emails the app sends arrive in the inbox at {} (maildev)", mail.inbox_url());
            Some(mail)
        }
    };
    let status = process::wait(&mut process::spawn(&mut server)?)?;
    // Stops the inbox and the cluster if this run started them.
    drop((mail, cluster));
    if process::interrupted() || status.success() {
        Ok(ExitCode::SUCCESS)
    } else {
        bail!("the server stopped ({status}) — read its messages above")
    }
}

/// `server migrate` as the schema's owner, as in production: the server then runs with the
/// app role's URL alone (docs/operations.md, least privilege).
pub fn migrate(binary: &Path, app_url: &str, owner_url: &str) -> Result<()> {
    let mut cmd = Command::new(binary);
    cmd.arg("migrate").env("DATABASE_URL", app_url).env("DATABASE_MIGRATION_URL", owner_url);
    if !process::succeeds(&mut cmd)? {
        bail!("`{} migrate` failed — read its message above", binary.display());
    }
    Ok(())
}

/// LEPTOS_SITE_ADDR if set, else 127.0.0.1:3000.
fn site_addr() -> Result<SocketAddr> {
    let addr = std::env::var("LEPTOS_SITE_ADDR").unwrap_or_else(|_| DEFAULT_SITE_ADDR.to_owned());
    addr.parse()
        .map_err(|_| anyhow!("LEPTOS_SITE_ADDR={addr} is not an address — use IP:port, such as {DEFAULT_SITE_ADDR}"))
}

fn check_free(addr: SocketAddr) -> Result<()> {
    if !net::is_free(addr) {
        bail!("{addr} is already in use — stop the other process or set LEPTOS_SITE_ADDR={}:<port>", addr.ip());
    }
    Ok(())
}

/// Builds the server binary and the wasm site, both optimised; false if the build failed.
/// `--precompress` writes the `.br` and `.gz` copies that the server's `/pkg` service sends to
/// browsers that accept them: without them the wasm goes over the wire uncompressed. The server
/// is built as released: without the `test-fixtures` feature (`bin-features` in the root
/// Cargo.toml stays unset), so this binary has no fixtures API.
pub fn build_release(ws: &Workspace) -> Result<bool> {
    let built =
        process::succeeds(cargo().args(["leptos", "build", "--release", "--precompress"]).current_dir(&ws.root))?;
    if built && !ws.leptos.server_binary.exists() {
        bail!("cargo leptos built no {} — check bin-package in the root Cargo.toml", ws.leptos.server_binary.display());
    }
    Ok(built)
}

/// The built server with everything it needs to know; the caller adds the demo or test switch.
pub fn server_command(ws: &Workspace, database_url: &str, addr: SocketAddr, app_secret: &str) -> Command {
    server_command_for(&ws.leptos.server_binary, ws, database_url, addr, app_secret)
}

/// Like `server_command`, for another build of the server (the one with the fixtures API).
pub fn server_command_for(
    binary: &Path,
    ws: &Workspace,
    database_url: &str,
    addr: SocketAddr,
    app_secret: &str,
) -> Command {
    let site = &ws.leptos;
    let mut cmd = Command::new(binary);
    cmd.current_dir(&ws.root)
        .env("DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", addr.to_string())
        .env("LEPTOS_SITE_ROOT", &site.site_root)
        .env("LEPTOS_OUTPUT_NAME", &site.output_name)
        .env("LEPTOS_SITE_PKG_DIR", &site.site_pkg_dir)
        .env("APP_SECRET", app_secret)
        .env_remove("DATABASE_MIGRATION_URL")
        .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned()))
        .env_remove("APP_DEMO_DATA")
        .env_remove("APP_PSEUDO_LOCALES")
        .env_remove("APP_L10N_SCREENSHOTS")
        .env_remove("APP_SMTP_URL")
        .env_remove("APP_TEST_FIXTURES")
        .env_remove("APP_TEST_FIXTURES_TOKEN");
    cmd
}
