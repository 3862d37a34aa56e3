//! Runs the browser half of the benchmark (`end2end/bench/browser.bench.ts`, Playwright in
//! Debian's Chromium): the bytes of a first visit and the time to hydration.

use crate::process;
use crate::workspace::Workspace;
use anyhow::{bail, Context, Result};
use std::process::{Command, Stdio};

/// One response the browser loaded.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Resource {
    pub url: String,
    /// Playwright's resource type: document, script, stylesheet, fetch...
    #[serde(rename = "type")]
    pub kind: String,
    /// The Content-Encoding the server chose for the browser.
    pub sent_as: String,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

impl Resource {
    /// JS, WASM and CSS: what the budget counts (the HTML document is the SSR figure's).
    pub fn is_code(&self) -> bool {
        [".js", ".wasm", ".css"].iter().any(|ext| self.url.ends_with(ext))
    }
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct BrowserFigures {
    pub resources: Vec<Resource>,
    pub hydrated_ms: Vec<f64>,
    pub static_ms: Vec<f64>,
}

pub fn measure(ws: &Workspace, base_url: &str, static_url: &str, session: &str, runs: usize) -> Result<BrowserFigures> {
    let out = ws.root.join("target/bench-browser.json");
    let _ = std::fs::remove_file(&out);
    let mut cmd = Command::new("npx");
    cmd.args(["playwright", "test", "-c", "bench.config.ts"])
        .current_dir(ws.root.join("end2end"))
        .env("BASE_URL", base_url)
        .env("BENCH_STATIC_URL", static_url)
        .env("BENCH_SESSION", session)
        .env("BENCH_RUNS", runs.to_string())
        .env("BENCH_OUT", &out)
        .stdin(Stdio::null());
    if !process::succeeds(&mut cmd)? {
        bail!("the browser benchmark failed (Playwright's report is above)");
    }
    let json =
        std::fs::read_to_string(&out).with_context(|| format!("the browser benchmark wrote no {}", out.display()))?;
    serde_json::from_str(&json).with_context(|| format!("{} is not the expected JSON", out.display()))
}
