//! Other users' latency while a huge account is erased (DESIGN.md section 8: p99 during an
//! erasure vs idle <= 1.5x). `pgbench` from the cluster's own bin directory runs two custom
//! scripts open loop (`--rate`) for a fixed time, with per-transaction logs: a page view
//! (`page_view.pgbench`) and a write (`write.pgbench`) of ~50 seeded normal accounts
//! (`other_users.sql`). First with the database idle, then while the erasure runs; the
//! percentiles come from the logs, the second run's cut to the erasure's time window.

use crate::huge::{Psql, Size};
use anyhow::{anyhow, bail, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const SEED_SQL: &str = include_str!("other_users.sql");
const PAGE_VIEW: &str = include_str!("page_view.pgbench");
const WRITE: &str = include_str!("write.pgbench");

/// Seeded other accounts; the scripts' `random(1, 50)` picks one.
pub const OTHER_USERS: u32 = 50;
pub const CLIENTS: u32 = 2;
/// Transactions per second over both scripts (open loop: scheduled, not back to back).
pub const RATE: u32 = 100;
pub const BUDGET: f64 = 1.5;

/// How long each pgbench run is measured (it runs [`WARM_UP`] longer).
pub fn duration_for(quick: bool) -> Duration {
    Duration::from_secs(if quick { 5 } else { 10 })
}

/// The start of each pgbench run left out: its clients sign in (scram-sha-256) while the
/// first transactions are already scheduled, so these would count the sign-in as lag.
pub const WARM_UP: Duration = Duration::from_secs(1);

/// The account erased while pgbench runs: for `--quick` three times the others, so that its
/// erasure outlasts the measured run (about 2 s for the quick size alone).
pub fn erased_size(quick: bool, size: Size) -> Size {
    if quick {
        Size { messages: size.messages * 3, orders: size.orders * 3 }
    } else {
        size
    }
}

/// Script numbers as pgbench logs them (the order of the `-f` options).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    PageView = 0,
    Write = 1,
}

/// One logged transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub script: u32,
    /// From its scheduled start (with `--rate`) to its end, so queueing counts.
    pub latency_us: u64,
    /// When it ended, microseconds since the Unix epoch.
    pub end_us: u64,
}

/// The transactions of pgbench's `-l` log lines: `client_id transaction_no time script_no
/// time_epoch time_us [schedule_lag]`, `time` in microseconds (or `failed`/`skipped`).
/// Returns them and the number of failed or skipped ones.
pub fn parse_log(text: &str) -> Result<(Vec<Entry>, usize)> {
    let mut entries = Vec::new();
    let mut failed = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 6 {
            bail!("a pgbench log line has {} fields, not 6 or more: `{line}`", fields.len());
        }
        let number = |i: usize| -> Result<u64> {
            fields[i].parse().map_err(|_| anyhow!("field {} of a pgbench log line is not a number: `{line}`", i + 1))
        };
        if fields[2] == "failed" || fields[2] == "skipped" {
            failed += 1;
            continue;
        }
        entries.push(Entry {
            latency_us: number(2)?,
            script: number(3)? as u32,
            end_us: number(4)? * 1_000_000 + number(5)?,
        });
    }
    Ok((entries, failed))
}

/// The nearest-rank percentile (`p` in 0..=100) of `values`; 0 for none.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Latencies in milliseconds of `script`'s transactions that ended within `[from_us, to_us]`.
pub fn latencies_ms(entries: &[Entry], script: Script, from_us: u64, to_us: u64) -> Vec<f64> {
    entries
        .iter()
        .filter(|e| e.script == script as u32 && e.end_us >= from_us && e.end_us <= to_us)
        .map(|e| e.latency_us as f64 / 1000.0)
        .collect()
}

/// p50 and p99 of one script in one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Latency {
    pub fn of(ms: &[f64]) -> Latency {
        Latency { count: ms.len(), p50_ms: percentile(ms, 50.0), p99_ms: percentile(ms, 99.0) }
    }
}

/// Both scripts in one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Run {
    pub page_view: Latency,
    pub write: Latency,
    /// Seconds of the window measured.
    pub seconds: f64,
    pub failed: usize,
    /// The machine's 1-minute load average when the run ended (other work shares the cores).
    pub load: Option<f64>,
}

impl Run {
    pub fn of(entries: &[Entry], failed: usize, from_us: u64, to_us: u64) -> Run {
        Run {
            page_view: Latency::of(&latencies_ms(entries, Script::PageView, from_us, to_us)),
            write: Latency::of(&latencies_ms(entries, Script::Write, from_us, to_us)),
            seconds: to_us.saturating_sub(from_us) as f64 / 1e6,
            failed,
            load: None,
        }
    }
}

pub struct Figures {
    /// The account erased during the second run.
    pub erased: Size,
    pub idle: Run,
    pub during: Run,
    /// How long the erasure took, and whether pgbench's run ended before it.
    pub erasure_s: f64,
    pub cut_short: bool,
}

/// pgbench in the same folder as the cluster's psql.
fn pgbench_of(psql: &Psql) -> Result<PathBuf> {
    let pgbench = psql.bin.with_file_name("pgbench");
    if !pgbench.is_file() {
        bail!("{} is missing — it ships with the PostgreSQL server binaries (postgresql-15)", pgbench.display());
    }
    Ok(pgbench)
}

/// The first field of /proc/loadavg.
pub fn parse_load(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

fn load_average() -> Option<f64> {
    parse_load(&std::fs::read_to_string("/proc/loadavg").ok()?)
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

/// A pgbench run in the background, logging into its own folder.
pub struct Pgbench {
    child: Child,
    dir: PathBuf,
    started_us: u64,
}

impl Pgbench {
    pub fn start(psql: &Psql, dir: &Path, duration: Duration) -> Result<Pgbench> {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).map_err(|e| anyhow!("cannot make {}: {e}", dir.display()))?;
        let page_view = dir.join("page_view.pgbench");
        let write = dir.join("write.pgbench");
        std::fs::write(&page_view, PAGE_VIEW.replace("random(1, 50)", &format!("random(1, {OTHER_USERS})")))?;
        std::fs::write(&write, WRITE.replace("random(1, 50)", &format!("random(1, {OTHER_USERS})")))?;
        let mut cmd = Command::new(pgbench_of(psql)?);
        cmd.args(["-n", "-c", &CLIENTS.to_string(), "-j", "1", "--rate", &RATE.to_string()])
            .args(["-T", &duration.as_secs().max(1).to_string(), "-l"])
            .arg(format!("--log-prefix={}", dir.join("log").display()))
            .arg("-f")
            .arg(format!("{}@1", page_view.display()))
            .arg("-f")
            .arg(format!("{}@1", write.display()))
            .arg(&psql.url)
            .env("PGCONNECT_TIMEOUT", "10")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("stdout"))?)
            .stderr(std::fs::File::create(dir.join("stderr"))?);
        let started_us = now_us();
        let child = crate::process::spawn(&mut cmd)?;
        Ok(Pgbench { child, dir: dir.to_owned(), started_us })
    }

    /// Waits for the run to end and reads its log: the transactions, the failed count, and
    /// when it started and when its last transaction ended (microseconds since the epoch).
    pub fn finish(mut self) -> Result<(Vec<Entry>, usize, u64, u64)> {
        let status = crate::process::wait(&mut self.child)?;
        if crate::process::interrupted() {
            bail!("interrupted");
        }
        if !status.success() {
            let err = std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default();
            let tail: Vec<&str> = err.lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect();
            bail!("pgbench failed ({status}): {}", tail.join(" / "));
        }
        let mut entries = Vec::new();
        let mut failed = 0;
        for file in std::fs::read_dir(&self.dir)?.flatten() {
            if file.file_name().to_string_lossy().starts_with("log.") {
                let (mut more, more_failed) = parse_log(&std::fs::read_to_string(file.path())?)?;
                entries.append(&mut more);
                failed += more_failed;
            }
        }
        if entries.is_empty() {
            bail!("pgbench logged no transactions in {}", self.dir.display());
        }
        // pgbench ends some time before we see it exit: its last transaction marks the end.
        let ended_us = entries.iter().map(|e| e.end_us).max().unwrap_or(self.started_us);
        Ok((entries, failed, self.started_us, ended_us))
    }
}

/// The end of the window measured during the erasure: the erasure's end, or pgbench's when
/// that came first (then the window is cut short).
pub fn window_end(erase_to_us: u64, bench_to_us: u64) -> (u64, bool) {
    (erase_to_us.min(bench_to_us), bench_to_us < erase_to_us)
}

/// Idle run; then a run while `erase` runs, cut to the erasure's window (or pgbench's end).
pub fn measure(psql: &Psql, quick: bool, erased: Size, erase: impl FnOnce() -> Result<()>) -> Result<Figures> {
    let duration = duration_for(quick);
    let dir = std::env::temp_dir().join(format!("xtask-bench-other-users-{}", std::process::id()));
    let result = (|| {
        let run_for = duration + WARM_UP;
        eprintln!("other users, idle: pgbench {} s at {RATE} tx/s", run_for.as_secs());
        let (entries, failed, from, to) = Pgbench::start(psql, &dir.join("idle"), run_for)?.finish()?;
        let idle = Run { load: load_average(), ..Run::of(&entries, failed, from + WARM_UP.as_micros() as u64, to) };

        eprintln!("other users, during the erasure of a third huge account: pgbench {} s", run_for.as_secs());
        let bench = Pgbench::start(psql, &dir.join("during"), run_for)?;
        std::thread::sleep(WARM_UP);
        let erase_from = now_us();
        let outcome = erase();
        let erase_to = now_us();
        let (entries, failed, _, bench_to) = bench.finish()?;
        outcome?;
        let (to, cut_short) = window_end(erase_to, bench_to);
        let during = Run { load: load_average(), ..Run::of(&entries, failed, erase_from, to) };
        Ok(Figures { erased, idle, during, erasure_s: (erase_to - erase_from) as f64 / 1e6, cut_short })
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "**over budget**"
    }
}

/// The report's section.
pub fn render(f: &Figures) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n## Other users during an erasure\n\n\
         pgbench from the cluster's bin directory, {CLIENTS} clients, open loop at {RATE} tx/s (latency counted \
         from each transaction's scheduled start; each run's first {} s left out), two scripts at equal weight on {OTHER_USERS} seeded normal \
         accounts: a **page view** (the header's session lookup by token hash, then the My orders page, LIMIT 11) \
         and a **write** (a message into the account's own conversation, then its profile saved). First \
         {:.1} s idle, then during the batched erasure of a third huge account ({} messages, {} purchases; {:.1} s{}), transactions that \
         ended within it ({:.1} s). pgbench, psql and the server share the machine's 2 cores with the erasure, \
         so the ratio includes CPU contention, not only locks and I/O.\n",
        WARM_UP.as_secs(),
        f.idle.seconds,
        f.erased.messages,
        f.erased.orders,
        f.erasure_s,
        if f.cut_short { ", longer than pgbench's run, so cut to it" } else { "" },
        f.during.seconds,
    );
    let _ = writeln!(
        s,
        "| other users | idle p50 | idle p99 | during p50 | during p99 | p99 during / idle | budget | verdict |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for (name, idle, during) in
        [("page view", f.idle.page_view, f.during.page_view), ("write", f.idle.write, f.during.write)]
    {
        let r = super::ratio(during.p99_ms, idle.p99_ms);
        let _ = writeln!(
            s,
            "| {name} (n = {} idle, {} during) | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {r:.2}x | <= {BUDGET}x | {} |",
            idle.count,
            during.count,
            idle.p50_ms,
            idle.p99_ms,
            during.p50_ms,
            during.p99_ms,
            verdict(r <= BUDGET && during.count > 0)
        );
    }
    if let (Some(idle), Some(during)) = (f.idle.load, f.during.load) {
        let _ = writeln!(
            s,
            "\nThe machine's 1-minute load average at the end of each run: {idle:.2} idle, {during:.2} during \
             (above 2, other work competed for the 2 cores too, and the p99s are noisy)."
        );
    }
    if f.idle.failed + f.during.failed > 0 {
        let _ = writeln!(s, "\n{} idle and {} during failed or were skipped.", f.idle.failed, f.during.failed);
    }
    if f.during.page_view.count < 100 || f.during.write.count < 100 {
        let _ =
            writeln!(s, "\nFewer than 100 transactions of a script during the erasure: its p99 is about its maximum.");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "0 0 1520 0 1700000000 100000 12\n\
                       1 0 2480 1 1700000000 200000 30\n\
                       0 1 failed 1 1700000001 5 0\n\
                       \n\
                       1 1 990 0 1700000001 999999 8\n";

    #[test]
    fn log_lines_give_script_latency_and_end() {
        let (entries, failed) = parse_log(LOG).unwrap();
        assert_eq!(failed, 1);
        assert_eq!(
            entries,
            vec![
                Entry { script: 0, latency_us: 1520, end_us: 1_700_000_000_100_000 },
                Entry { script: 1, latency_us: 2480, end_us: 1_700_000_000_200_000 },
                Entry { script: 0, latency_us: 990, end_us: 1_700_000_001_999_999 },
            ]
        );
        assert_eq!(parse_log("0 0 1520 0 1700000000 100000").unwrap().0.len(), 1, "no schedule lag without --rate");
        assert!(parse_log("0 0 1520 0").is_err());
        assert!(parse_log("0 0 abc 0 1700000000 100000").is_err());
    }

    #[test]
    fn latencies_are_per_script_within_the_window() {
        let (entries, _) = parse_log(LOG).unwrap();
        let all = (0, u64::MAX);
        assert_eq!(latencies_ms(&entries, Script::PageView, all.0, all.1), vec![1.52, 0.99]);
        assert_eq!(latencies_ms(&entries, Script::Write, all.0, all.1), vec![2.48]);
        assert_eq!(latencies_ms(&entries, Script::PageView, 1_700_000_001_000_000, u64::MAX), vec![0.99]);
        let run = Run::of(&entries, 1, 1_700_000_000_000_000, 1_700_000_002_000_000);
        assert_eq!(run.page_view.count, 2);
        assert_eq!(run.write.p99_ms, 2.48);
        assert_eq!(run.seconds, 2.0);
    }

    #[test]
    fn the_window_ends_with_the_erasure_or_with_pgbench() {
        assert_eq!(window_end(10, 20), (10, false));
        assert_eq!(window_end(30, 20), (20, true));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        assert_eq!(percentile(&[], 99.0), 0.0);
        assert_eq!(percentile(&[7.0], 99.0), 7.0);
        let hundred: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(percentile(&hundred, 50.0), 50.0);
        assert_eq!(percentile(&hundred, 99.0), 99.0);
        assert_eq!(percentile(&hundred, 100.0), 100.0);
        assert_eq!(percentile(&hundred, 0.0), 1.0);
        let thousand: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(percentile(&thousand, 99.0), 990.0);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), 2.0);
    }

    #[test]
    fn the_section_shows_p99_ratios_and_verdicts() {
        let lat = |p50_ms, p99_ms| Latency { count: 500, p50_ms, p99_ms };
        let report = render(&Figures {
            erased: Size { messages: 30, orders: 3 },
            idle: Run { page_view: lat(1.0, 2.0), write: lat(1.5, 4.0), seconds: 10.0, failed: 0, load: Some(0.5) },
            during: Run { page_view: lat(1.2, 2.5), write: lat(2.0, 8.0), seconds: 3.0, failed: 0, load: Some(3.25) },
            erasure_s: 3.0,
            cut_short: false,
        });
        assert!(
            report.contains("| page view (n = 500 idle, 500 during) | 1.00 ms | 2.00 ms | 1.20 ms | 2.50 ms | 1.25x | <= 1.5x | ok |"),
            "{report}"
        );
        assert!(report.contains("| 2.00x | <= 1.5x | **over budget** |"), "{report}");
        assert!(report.contains("2 cores"), "{report}");
        assert!(report.contains("0.50 idle, 3.25 during"), "{report}");
        assert_eq!(parse_load("11.45 8.48 5.65 3/512 22304\n"), Some(11.45));
        assert_eq!(parse_load(""), None);
        assert!(report.contains("(30 messages, 3 purchases; 3.0 s)"), "{report}");
        assert_eq!(
            erased_size(true, Size { messages: 10, orders: 2 }),
            Size { messages: 30, orders: 6 },
            "the quick erasure outlasts the run"
        );
        assert_eq!(erased_size(false, Size::default()), Size::default());
    }

    #[test]
    fn the_scripts_pick_one_of_the_seeded_accounts() {
        for script in [PAGE_VIEW, WRITE] {
            assert!(script.contains("\\set aid random(1, 50)"), "{script}");
            assert!(script.contains("FROM bench_other_users WHERE aid = :aid"), "{script}");
        }
        assert_eq!(OTHER_USERS, 50);
        assert!(SEED_SQL.contains("CREATE TABLE bench_other_users"));
        assert!(PAGE_VIEW.contains("LIMIT 11"));
    }
}
