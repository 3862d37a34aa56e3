//! Drives `server/benches/deletion.rs`, which times the app's own deletion and the server's own
//! eraser on the benchmark's database (xtask has no database driver).

use crate::process;
use crate::workspace::{cargo, Workspace};
use anyhow::{anyhow, bail, Context, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// One timed deletion call.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Deletion {
    pub ms: f64,
    pub committed: bool,
}

/// One batch of the eraser.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Batch {
    /// When the batch ended, from the start of the erasure.
    pub at_ms: f64,
    pub ms: f64,
    pub step: String,
    pub rows: u64,
}

pub struct Driver {
    executable: PathBuf,
    database_url: String,
}

impl Driver {
    /// Builds the bench executable (release profile, beside the server's release build).
    pub fn build(ws: &Workspace, database_url: &str) -> Result<Driver> {
        let mut cmd = cargo();
        cmd.args([
            "bench",
            "-p",
            "server",
            "--bench",
            "deletion",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(&ws.root)
        .stderr(Stdio::inherit());
        let out = process::output(&mut cmd, "fix the build errors above")?;
        let executable = out
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|message| message.pointer("/target/name").and_then(Value::as_str) == Some("deletion"))
            .find_map(|message| message.get("executable").and_then(Value::as_str).map(PathBuf::from))
            .ok_or_else(|| {
                anyhow!("cargo built no `deletion` bench executable — check [[bench]] in server/Cargo.toml")
            })?;
        Ok(Driver { executable, database_url: database_url.to_owned() })
    }

    /// The same bench executable on another database.
    pub fn on(&self, database_url: &str) -> Driver {
        Driver { executable: self.executable.clone(), database_url: database_url.to_owned() }
    }

    fn command(&self, args: &[String]) -> Command {
        let mut cmd = Command::new(&self.executable);
        cmd.args(args).env("DATABASE_URL", &self.database_url).stdout(Stdio::piped()).stderr(Stdio::inherit());
        cmd
    }

    fn json<T: DeserializeOwned>(&self, args: &[String]) -> Result<T> {
        let out = process::output(&mut self.command(args), "see the bench's error above")?;
        serde_json::from_str(&out).with_context(|| format!("the deletion bench printed `{}`", out.trim()))
    }

    /// A new session of the account with its password just entered; the cookie's value.
    pub fn session(&self, account: &str) -> Result<String> {
        let out: Value = self.json(&["session".to_owned(), account.to_owned()])?;
        out.get("cookie").and_then(Value::as_str).map(str::to_owned).ok_or_else(|| anyhow!("no cookie in {out}"))
    }

    /// For each account `rollbacks` deletions rolled back, then one committed.
    pub fn deactivate(&self, rollbacks: usize, accounts: &[String]) -> Result<Vec<Deletion>> {
        let mut args = vec!["deactivate".to_owned(), rollbacks.to_string()];
        args.extend(accounts.iter().cloned());
        self.json(&args)
    }

    /// Starts erasing every queued account; [`Erasure::finish`] waits for the batches.
    pub fn start_erasure(&self, batch_size: i64) -> Result<Erasure> {
        Ok(Erasure(process::spawn(&mut self.command(&["erase".to_owned(), batch_size.to_string()]))?))
    }

    /// The same data removed in one transaction; its milliseconds.
    pub fn one_transaction(&self, account: &str) -> Result<f64> {
        let out: Value = self.json(&["one-transaction".to_owned(), account.to_owned()])?;
        out.get("ms").and_then(Value::as_f64).ok_or_else(|| anyhow!("no ms in {out}"))
    }
}

pub struct Erasure(Child);

impl Erasure {
    pub fn finish(self) -> Result<Vec<Batch>> {
        let output = self.0.wait_with_output()?;
        if !output.status.success() {
            bail!("the erasure failed (its error is above)");
        }
        let out = String::from_utf8_lossy(&output.stdout);
        serde_json::from_str(&out).with_context(|| format!("the erasure printed `{}`", out.trim()))
    }
}
