//! `cargo xtask test`: every check and test suite, then a table per runner and, last, the line
//! CI reads: `N passed, M failed[, K skipped]`. A failed check (fmt, clippy, the wasm build)
//! counts as one failure; a passed one as one pass. Skipped tests are listed with their
//! reasons; in CI (`CI=true`, set by `.ci/run`) any skip adds a failure.

use crate::net;
use crate::pg::TestServer;
use crate::process;
use crate::run::{build_release, server_command};
use crate::secret::random_hex;
use crate::summary::{in_ci, skips_in, Counts, Report};
use crate::tools::{self, Purpose};
use crate::workspace::{cargo, Workspace};
use anyhow::{anyhow, Result};
use std::fs;
use std::net::SocketAddr;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Where end2end/playwright.config.ts has the JSON reporter write.
const PLAYWRIGHT_REPORT: &str = "end2end/test-results/results.json";
const SERVER_LOG: &str = "target/e2e-server.log";
const READY_TIMEOUT: Duration = Duration::from_secs(60);

pub fn test() -> Result<ExitCode> {
    let mut report = Report::default();
    match run_all(&mut report) {
        Err(err) if process::interrupted() => return Err(err),
        Err(err) => {
            crate::print_error(&err);
            report.add("aborted", Counts::ONE_FAILED);
        }
        Ok(()) => {}
    }
    report.fail_skips_in_ci(in_ci());
    println!("{}", report.render());
    Ok(if report.total().failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn run_all(report: &mut Report) -> Result<()> {
    let ws = Workspace::load()?;
    tools::prepare(&ws, Purpose::Test)?;

    report.add("fmt", check(cargo().args(["fmt", "--all", "--check"]), &ws)?);
    let mut clippy = Counts::default();
    for packages in [&["-p", "server", "-p", "xtask"][..], &["-p", "app", "--features", "ssr"]] {
        let mut cmd = cargo();
        cmd.arg("clippy").args(packages).args(["--all-targets", "--", "-D", "warnings"]);
        clippy += check(&mut cmd, &ws)?;
    }
    report.add("clippy", clippy);

    // Dropped at the end of this function: a throwaway cluster is stopped and deleted.
    let database = TestServer::start()?;
    let (counts, skips) = rust_tests(&ws, &database)?;
    report.add("rust tests", counts);
    report.skipped(skips);

    announce("cargo leptos build --release");
    let built = build_release(&ws)?;
    report.add("wasm build", Counts::of_check(built));
    if built {
        report.add("playwright", playwright(&ws, &database)?);
    } else {
        report.not_run("playwright", "the wasm build failed");
    }
    Ok(())
}

fn announce(what: &str) {
    println!("\n==> {what}");
}

/// A check passes or fails as a whole.
fn check(cmd: &mut Command, ws: &Workspace) -> Result<Counts> {
    announce(&process::display(cmd));
    Ok(Counts::of_check(process::succeeds(cmd.current_dir(&ws.root))?))
}

/// Unit and integration tests; the integration tests make their own databases on the server
/// in TEST_DATABASE_URL. `--no-fail-fast` runs every test binary even after a failure. Also
/// the tests that printed a skip line, with their reasons.
fn rust_tests(ws: &Workspace, database: &TestServer) -> Result<(Counts, Vec<String>)> {
    let (mut counts, mut skips) = (Counts::default(), Vec::new());
    for packages in [&["-p", "app", "--features", "ssr"][..], &["-p", "server", "-p", "xtask"]] {
        let mut cmd = cargo();
        cmd.arg("test")
            .args(packages)
            .arg("--no-fail-fast")
            .current_dir(&ws.root)
            .env("TEST_DATABASE_URL", &database.admin_url);
        announce(&process::display(&cmd));
        let (succeeded, output) = process::tee(&mut cmd)?;
        counts += Counts::of_cargo_test(&output, succeeded);
        skips.extend(skips_in(&output));
    }
    Ok((counts, skips))
}

/// Playwright against the release server, with test fixtures on, on a fresh database.
fn playwright(ws: &Workspace, database: &TestServer) -> Result<Counts> {
    let name = format!("e2e_{}", random_hex(6)?);
    let url = database.create_database(&name)?;
    let counts = playwright_against_server(ws, &url);
    database.drop_database(&name)?;
    counts
}

fn playwright_against_server(ws: &Workspace, database_url: &str) -> Result<Counts> {
    let addr = SocketAddr::from(([127, 0, 0, 1], net::free_port()?));
    let log_path = ws.root.join(SERVER_LOG);
    let log = fs::create_dir_all(ws.root.join("target"))
        .and_then(|()| fs::File::create(&log_path))
        .map_err(|e| anyhow!("cannot create {SERVER_LOG}: {e} — check the permissions of target/"))?;
    let mut cmd = server_command(ws, database_url, addr, &random_hex(32)?);
    cmd.env("APP_TEST_FIXTURES", "1").stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log);
    announce(&format!("starting the server on http://{addr} for Playwright (log: {SERVER_LOG})"));
    let mut server = StopOnDrop(process::spawn(&mut cmd)?);
    if !wait_until_ready(&mut server.0, addr)? {
        eprintln!("the end of {SERVER_LOG}:\n{}", process::log_tail(&log_path, 40));
        return Ok(Counts::ONE_FAILED);
    }

    let report_path = ws.root.join(PLAYWRIGHT_REPORT);
    // A report left by an earlier run must not be counted.
    let _ = fs::remove_file(&report_path);
    let mut cmd = Command::new("npx");
    cmd.args(["playwright", "test"])
        .current_dir(ws.root.join("end2end"))
        .env("BASE_URL", format!("http://{addr}"))
        .stdin(Stdio::null());
    announce(&format!("BASE_URL=http://{addr} npx playwright test (in end2end/)"));
    let succeeded = process::succeeds(&mut cmd)?;
    let report = fs::read_to_string(&report_path).ok();
    if report.is_none() {
        eprintln!("Playwright wrote no {PLAYWRIGHT_REPORT} (check the json reporter in end2end/playwright.config.ts): counted as one failure");
    }
    if !succeeded {
        eprintln!("the server's log is in {SERVER_LOG}");
    }
    Ok(Counts::of_playwright(report.as_deref(), succeeded))
}

/// Polls `GET /readyz` until it answers 200; false (with the reason printed) if the server
/// exits or the time runs out.
pub fn wait_until_ready(server: &mut Child, addr: SocketAddr) -> Result<bool> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if process::interrupted() {
            anyhow::bail!("interrupted");
        }
        if let Some(status) = server.try_wait()? {
            eprintln!("the server exited ({status}) before it was ready");
            return Ok(false);
        }
        if net::http_status(addr, "/readyz") == Some(200) {
            return Ok(true);
        }
        if Instant::now() > deadline {
            eprintln!("GET http://{addr}/readyz did not answer 200 within {} s", READY_TIMEOUT.as_secs());
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The e2e server stops however the tests end.
pub struct StopOnDrop(pub Child);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        process::stop(&mut self.0);
    }
}
