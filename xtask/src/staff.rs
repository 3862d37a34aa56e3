//! `cargo xtask staff grant|revoke EMAIL`: gives an account of `cargo xtask run`'s database (or
//! DATABASE_URL) the staff role, or takes it away, by running the release server's own
//! `server staff grant|revoke EMAIL` (one implementation of finding the account by its address,
//! the one production uses). There is no web form for it.

use crate::pg;
use crate::process;
use crate::run::build_release;
use crate::tools::{self, Purpose};
use crate::workspace::Workspace;
use anyhow::{bail, Result};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask staff grant|revoke EMAIL";

pub fn staff(args: &[String]) -> Result<ExitCode> {
    let (action, email) = match args {
        [action, email] if action == "grant" || action == "revoke" => (action, email),
        _ => bail!("`{}` is not a staff command — {USAGE}", args.join(" ")),
    };
    let ws = Workspace::load()?;
    tools::prepare(&ws, Purpose::Run)?;
    // Up to date after `cargo xtask run`: then this builds nothing.
    if !build_release(&ws)? {
        bail!("`cargo leptos build --release` failed — fix the errors above");
    }
    let (database, cluster) = pg::database_for_run(&ws.data_dir())?;
    let mut cmd = Command::new(&ws.leptos.server_binary);
    cmd.args(["staff", action, email]).env("DATABASE_URL", &database.app_url).env_remove("DATABASE_MIGRATION_URL");
    if let Some(owner_url) = &database.owner_url {
        cmd.env("DATABASE_MIGRATION_URL", owner_url);
    }
    let changed = process::succeeds(&mut cmd)?;
    // Stops the cluster if this command started it.
    drop(cluster);
    Ok(if changed { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
