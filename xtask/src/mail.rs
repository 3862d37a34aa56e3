//! The local SMTP server with a web inbox that `cargo xtask run` and `test` start beside
//! PostgreSQL: maildev, pinned in xtask/tools and installed into .tools/node with sass. The
//! server's outbox (server/src/mailer.rs) really sends to it, and people and tests read what
//! arrived at its web address (`GET /email` is its JSON API). Stopped when dropped.

use crate::net;
use crate::process;
use crate::workspace::Workspace;
use anyhow::{anyhow, Result};
use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const START_TIMEOUT: Duration = Duration::from_secs(30);

pub struct MailCatcher {
    child: Child,
    smtp_port: u16,
    web_port: u16,
}

impl MailCatcher {
    /// Starts maildev on 127.0.0.1, SMTP on a free port and the inbox on `web_port` (a free
    /// one if `None`), its output in `log`; waits until both answer.
    pub fn start(ws: &Workspace, web_port: Option<u16>, log: &Path) -> Result<MailCatcher> {
        let smtp_port = net::free_port()?;
        let web_port = match web_port {
            Some(port) => port,
            None => net::free_port()?,
        };
        let log_file = File::create(log).map_err(|e| anyhow!("cannot create {}: {e}", log.display()))?;
        let mut cmd = Command::new(ws.root.join(".tools/node/node_modules/.bin/maildev"));
        cmd.args(["--ip", "127.0.0.1", "--smtp", &smtp_port.to_string(), "--web", &web_port.to_string()])
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        let mut catcher = MailCatcher { child: process::spawn(&mut cmd)?, smtp_port, web_port };
        let deadline = Instant::now() + START_TIMEOUT;
        while !(net::answers(smtp_port) && net::answers(web_port)) {
            if let Some(status) = catcher.child.try_wait()? {
                anyhow::bail!(
                    "maildev stopped ({status}) before it listened — read {}:\n{}",
                    log.display(),
                    process::log_tail(log, 20)
                );
            }
            if Instant::now() > deadline {
                anyhow::bail!("maildev did not listen within {} s — read {}", START_TIMEOUT.as_secs(), log.display());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(catcher)
    }

    /// What the server's `APP_SMTP_URL` is set to.
    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    /// The web inbox (and its JSON API at `/email`).
    pub fn inbox_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.web_port)
    }
}

impl Drop for MailCatcher {
    fn drop(&mut self) {
        process::stop(&mut self.child);
    }
}
