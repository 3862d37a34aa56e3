//! HTTP load with oha, and nginx serving fixed bytes as the baseline of the server.
//!
//! Server (and its database) and nginx run on core 0, oha on core 1 (`taskset`), so the load
//! generator never takes the measured side's processor.

use crate::process;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;
use std::fs;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The core of the measured side; oha gets [`LOAD_CORE`].
pub const SERVED_CORE: &str = "0";
const LOAD_CORE: &str = "1";

/// One oha run's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Load {
    pub requests_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub requests: u64,
}

/// What oha sends.
pub struct Request<'a> {
    pub url: String,
    pub cookie: Option<&'a str>,
    /// A form POST (`application/x-www-form-urlencoded`) with this body; a GET without.
    pub form: Option<&'a str>,
    /// Each connection sends request after request (as browsers do); otherwise every request
    /// opens a new connection.
    pub keep_alive: bool,
}

/// How oha paces the requests.
#[derive(Debug, Clone, Copy)]
pub enum Pace {
    /// As fast as `connections` connections allow: the throughput.
    Closed { connections: u32 },
    /// `rate` requests per second whatever the answers' speed, latency counted from when each
    /// request was due (oha's `--latency-correction`): no coordinated omission.
    Open { rate: u32 },
}

/// Runs oha for `duration`; every answer must be a success (2xx/3xx), else the run is an error.
pub fn oha(request: &Request, pace: Pace, duration: Duration) -> Result<Load> {
    let mut cmd = Command::new("taskset");
    cmd.args(["-c", LOAD_CORE, "oha", "--no-tui", "--output-format", "json"]);
    if !request.keep_alive {
        cmd.arg("--disable-keepalive");
    }
    cmd.args(["-z", &format!("{}ms", duration.as_millis())]);
    match pace {
        Pace::Closed { connections } => cmd.args(["-c", &connections.to_string()]),
        Pace::Open { rate } => cmd.args(["-c", "16", "-q", &rate.to_string(), "--latency-correction"]),
    };
    if let Some(cookie) = request.cookie {
        cmd.args(["-H", &format!("Cookie: session={cookie}")]);
    }
    if let Some(body) = request.form {
        let origin = request.url.split('/').take(3).collect::<Vec<_>>().join("/");
        cmd.args(["-m", "POST", "-T", "application/x-www-form-urlencoded", "-d", body]);
        cmd.args(["-H", &format!("Origin: {origin}")]);
    }
    cmd.arg(&request.url).stdin(Stdio::null());
    let out = process::output(&mut cmd, "install oha with `cargo install oha --locked`")?;
    parse_oha(&out).with_context(|| format!("oha on {}", request.url))
}

fn parse_oha(json: &str) -> Result<Load> {
    let report: Value = serde_json::from_str(json).map_err(|e| anyhow!("oha printed no JSON ({e}): {json}"))?;
    let number = |pointer: &str| report.pointer(pointer).and_then(Value::as_f64);
    let codes = report.get("statusCodeDistribution").and_then(Value::as_object);
    let mut requests = 0;
    for (code, count) in codes.into_iter().flatten() {
        let count = count.as_u64().unwrap_or(0);
        if !(code.starts_with('2') || code.starts_with('3')) {
            bail!("{count} answers were {code}: the measured requests must succeed");
        }
        requests += count;
    }
    if requests == 0 {
        bail!("no request was answered: {}", report.get("errorDistribution").unwrap_or(&Value::Null));
    }
    let seconds = |p: &str| number(&format!("/latencyPercentiles/{p}")).map(|s| s * 1000.0);
    Ok(Load {
        requests_per_s: number("/summary/requestsPerSec").ok_or_else(|| anyhow!("oha gave no requestsPerSec"))?,
        p50_ms: seconds("p50").ok_or_else(|| anyhow!("oha gave no p50"))?,
        p99_ms: seconds("p99").ok_or_else(|| anyhow!("oha gave no p99"))?,
        p999_ms: seconds("p99.9").ok_or_else(|| anyhow!("oha gave no p99.9"))?,
        requests,
    })
}

/// nginx serving a folder on 127.0.0.1:`port`, one worker on the served core; stopped on drop.
pub struct Nginx {
    child: Child,
}

impl Nginx {
    /// `files` go into a fresh folder (readable by nginx's unprivileged workers) as its root.
    pub fn start(port: u16, files: &[(&str, &[u8])], dir: &Path) -> Result<Nginx> {
        let _ = fs::remove_dir_all(dir);
        let root = dir.join("root");
        fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
        for (name, bytes) in files {
            let path = root.join(name);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(&path, bytes)?;
        }
        open_to_all(dir)?;
        let config = dir.join("nginx.conf");
        fs::write(&config, nginx_config(dir, &root, port))?;
        let mut cmd = Command::new("taskset");
        cmd.args(["-c", SERVED_CORE, "nginx", "-c"]).arg(&config).stdin(Stdio::null());
        let child = process::spawn(&mut cmd)?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        for _ in 0..100 {
            if crate::net::http_status(addr, "/").is_some() {
                return Ok(Nginx { child });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("nginx did not answer on {addr} — see {}", dir.join("error.log").display())
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        process::stop(&mut self.child);
    }
}

fn nginx_config(dir: &Path, root: &Path, port: u16) -> String {
    format!(
        "daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {dir}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
",
        dir = dir.display(),
        root = root.display()
    )
}

/// nginx's workers run as an unprivileged user: they must be able to read the folder.
fn open_to_all(dir: &Path) -> Result<()> {
    for entry in walk(dir)? {
        let mode = if entry.is_dir() { 0o755 } else { 0o644 };
        fs::set_permissions(&entry, fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = vec![dir.to_owned()];
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            found.extend(walk(&path)?);
        } else {
            found.push(path);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oha_json_gives_rate_and_percentiles() {
        let json = r#"{"summary":{"requestsPerSec":812.5},"latencyPercentiles":{"p50":0.002,"p99":0.0125,"p99.9":0.03},
                       "statusCodeDistribution":{"200":1000},"errorDistribution":{}}"#;
        let load = parse_oha(json).unwrap();
        assert_eq!(load.requests_per_s, 812.5);
        assert_eq!((load.p50_ms, load.p99_ms, load.p999_ms), (2.0, 12.5, 30.0));
        assert_eq!(load.requests, 1000);
    }

    #[test]
    fn failed_answers_fail_the_run() {
        let json = r#"{"summary":{"requestsPerSec":1.0},"latencyPercentiles":{"p50":0.1,"p99":0.1,"p99.9":0.1},
                       "statusCodeDistribution":{"200":5,"403":1}}"#;
        assert!(parse_oha(json).unwrap_err().to_string().contains("403"));
        assert!(parse_oha("not json").is_err());
    }
}
