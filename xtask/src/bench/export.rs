//! Figure 8: "Download your data" of the huge account (server/src/export). One download with
//! curl, to the end, while a thread samples the server's resident memory (`VmRSS` of
//! /proc/<pid>/status) every 20 ms; the baseline is the same process idle just before.
//! `cargo xtask bench --only export` measures this figure alone and rewrites only its section
//! of BENCHMARKS.md.

use crate::huge::{self, show_progress, Psql, Size};
use crate::process;
use anyhow::{anyhow, bail, Context, Result};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The budgets of issue 18: memory within 50 MiB of idle, the first byte within a second.
pub const RSS_BUDGET_BYTES: u64 = 50 * 1024 * 1024;
pub const FIRST_BYTE_BUDGET_MS: f64 = 1000.0;

const SAMPLE_EVERY: Duration = Duration::from_millis(20);
const HEADING: &str = "## 8. Download your data: the huge account's export";

#[derive(Debug, Clone)]
pub struct ExportFigure {
    pub size: Size,
    /// The ZIP's bytes, and the whole download's seconds.
    pub bytes: u64,
    pub seconds: f64,
    /// From the request to the first byte of the answer.
    pub first_byte_ms: f64,
    /// The largest sample in the second before the download, and during it.
    pub idle_rss: u64,
    pub peak_rss: u64,
    /// Files in the ZIP, checked whole by `unzip -t`.
    pub files: usize,
}

impl ExportFigure {
    pub fn bytes_per_second(&self) -> f64 {
        self.bytes as f64 / self.seconds.max(1e-9)
    }

    pub fn rss_growth(&self) -> u64 {
        self.peak_rss.saturating_sub(self.idle_rss)
    }

    pub fn summary(&self) -> String {
        format!(
            "{:.1} MiB in {:.1} s ({:.1} MiB/s), first byte {:.0} ms, RSS idle {:.1} MiB, peak {:.1} MiB (+{:.1} MiB)",
            mb(self.bytes),
            self.seconds,
            mb(self.bytes_per_second() as u64),
            self.first_byte_ms,
            mb(self.idle_rss),
            mb(self.peak_rss),
            mb(self.rss_growth())
        )
    }
}

/// Mebibytes, as /proc counts memory.
fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Downloads `/en/account/data.zip` of the account whose session is `cookie` from the server at
/// `addr` (process `pid`), into `scratch` (removed afterwards).
pub fn measure(addr: SocketAddr, cookie: &str, pid: u32, size: Size, scratch: &Path) -> Result<ExportFigure> {
    let idle_rss = {
        let mut samples = Vec::new();
        let until = Instant::now() + Duration::from_secs(1);
        while Instant::now() < until {
            samples.push(rss(pid)?);
            std::thread::sleep(SAMPLE_EVERY);
        }
        samples.into_iter().max().unwrap_or_default()
    };
    let downloading = AtomicBool::new(true);
    let (curl, peak_rss) = std::thread::scope(|scope| {
        let sampler = scope.spawn(|| {
            let mut peak = 0;
            while downloading.load(Ordering::Relaxed) {
                peak = peak.max(rss(pid).unwrap_or(0));
                std::thread::sleep(SAMPLE_EVERY);
            }
            peak
        });
        let curl = process::output(
            Command::new("curl")
                .args(["--silent", "--show-error", "--fail", "--output"])
                .arg(scratch)
                .args(["--write-out", "%{size_download} %{time_starttransfer} %{time_total}"])
                .args(["--header", &format!("Cookie: session={cookie}")])
                .arg(format!("http://{addr}/en/account/data.zip")),
            "install curl",
        );
        downloading.store(false, Ordering::Relaxed);
        (curl, sampler.join().unwrap_or(0))
    });
    let curl = curl?;
    let [bytes, first_byte_s, total_s] = curl.split_whitespace().collect::<Vec<_>>()[..] else {
        bail!("curl wrote `{curl}` instead of three figures");
    };
    let listing = process::output(Command::new("unzip").arg("-t").arg(scratch), "install unzip");
    let _ = std::fs::remove_file(scratch);
    let listing = listing.context("the export is not a whole ZIP")?;
    let files = listing.lines().filter(|line| line.trim_start().starts_with("testing:")).count();
    let figure = ExportFigure {
        size,
        bytes: bytes.parse()?,
        seconds: total_s.parse()?,
        first_byte_ms: first_byte_s.parse::<f64>()? * 1000.0,
        idle_rss,
        peak_rss: peak_rss.max(idle_rss),
        files,
    };
    println!("  {}", figure.summary());
    Ok(figure)
}

/// `VmRSS` of process `pid`, in bytes.
fn rss(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .ok_or_else(|| anyhow!("no VmRSS in /proc/{pid}/status"))?;
    Ok(kb * 1024)
}

/// Makes a huge account of `size` and signs it in over HTTP: its session cookie.
pub fn huge_account_session(psql: &Psql, addr: SocketAddr, size: Size) -> Result<String> {
    let made = huge::make_account(psql, size, "export", &mut show_progress)?;
    psql.run("VACUUM ANALYZE;", &[])?;
    let head = process::output(
        Command::new("curl")
            .args(["--silent", "--show-error", "--output", "/dev/null", "--dump-header", "-"])
            .args(["--header", &format!("Origin: http://{addr}")])
            .args(["--data-urlencode", "locale=en", "--data-urlencode"])
            .arg(format!("email={}", made.email))
            .args(["--data-urlencode", &format!("password={}", huge::PASSWORD)])
            .arg(format!("http://{addr}/api/sign_in")),
        "install curl",
    )?;
    head.lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            let value = value.trim().strip_prefix("session=")?;
            name.eq_ignore_ascii_case("set-cookie").then(|| value.split(';').next().unwrap_or_default().to_owned())
        })
        .ok_or_else(|| anyhow!("signing in the huge account set no session cookie:\n{head}"))
}

/// The figure's section of BENCHMARKS.md.
pub fn section(figure: &ExportFigure, command: &str) -> String {
    let mut s = String::new();
    let verdict = |ok: bool| if ok { "within budget" } else { "OVER BUDGET" };
    let _ = writeln!(s, "{HEADING}\n");
    let _ = writeln!(
        s,
        "Measured by `{command}`. `GET /en/account/data.zip` of an account with {} messages and {} orders (and a store \
         with 100 products and {} sales), downloaded to the end with curl while the server's `VmRSS` is sampled every \
         20 ms; the baseline is the same process idle in the second before. The ZIP ({} files) was checked whole \
         with `unzip -t`. Budgets (issue 18): memory within 50 MiB of idle, the first byte within 1 s.\n",
        figure.size.messages,
        figure.size.orders,
        figure.size.sales(),
        figure.files
    );
    let _ = writeln!(s, "| figure | measured | budget | |\n| --- | ---: | ---: | --- |");
    let _ = writeln!(s, "| ZIP size | {:.1} MiB | | |", mb(figure.bytes));
    let _ = writeln!(s, "| whole download | {:.1} s | | |", figure.seconds);
    let _ = writeln!(s, "| rate | {:.2} MiB/s | | |", mb(figure.bytes_per_second() as u64));
    let _ = writeln!(
        s,
        "| time to first byte | {:.0} ms | {:.0} ms | {} |",
        figure.first_byte_ms,
        FIRST_BYTE_BUDGET_MS,
        verdict(figure.first_byte_ms < FIRST_BYTE_BUDGET_MS)
    );
    let _ = writeln!(s, "| server RSS idle | {:.1} MiB | | |", mb(figure.idle_rss));
    let _ = writeln!(s, "| server RSS peak during the download | {:.1} MiB | | |", mb(figure.peak_rss));
    let _ = writeln!(
        s,
        "| growth over idle | {:.1} MiB | {:.0} MiB | {} |",
        mb(figure.rss_growth()),
        mb(RSS_BUDGET_BYTES),
        verdict(figure.rss_growth() <= RSS_BUDGET_BYTES)
    );
    s
}

/// BENCHMARKS.md with this figure's section put in place of the old one (or added at the end).
pub fn replace_section(markdown: &str, section: &str) -> String {
    let Some(start) = markdown.find(HEADING) else {
        return format!("{}\n\n{section}", markdown.trim_end());
    };
    let (before, rest) = markdown.split_at(start);
    let after_heading = &rest[HEADING.len()..];
    match after_heading.find("\n## ") {
        Some(next) => format!("{before}{section}\n{}", &after_heading[next + 1..]),
        None => format!("{before}{section}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_replaces_only_its_own() {
        let figure = ExportFigure {
            size: Size { messages: 10, orders: 20 },
            bytes: 2 << 20,
            seconds: 2.0,
            first_byte_ms: 12.0,
            idle_rss: 30 << 20,
            peak_rss: 40 << 20,
            files: 11,
        };
        let section = section(&figure, "cargo xtask bench --only export");
        assert!(
            section.contains("| rate | 1.00 MiB/s |") && section.contains("| 10.0 MiB | 50 MiB | within budget |"),
            "{section}"
        );
        let before = "# Benchmarks\n\n## 7. Pages\n\ntext\n";
        let added = replace_section(before, &section);
        assert!(added.starts_with(before.trim_end()) && added.ends_with(&section), "{added}");
        let old = added.replace("12 ms", "999 ms");
        let with_next = format!("{old}\n## 9. Next\n\nmore\n");
        let replaced = replace_section(&with_next, &section);
        assert_eq!(replaced, format!("{}\n## 9. Next\n\nmore\n", added));
    }
}
