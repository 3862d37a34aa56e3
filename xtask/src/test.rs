//! `cargo xtask test`: every check and test suite, then a table per runner and, last, the line
//! CI reads: `N passed, M failed[, K skipped]`. A failed check (fmt, clippy, the wasm build)
//! counts as one failure; a passed one as one pass. Skipped tests are listed with their
//! reasons; in CI (`CI=true`, set by `.ci/run`) any skip adds a failure.

use crate::mail::MailCatcher;
use crate::net;
use crate::pg::TestServer;
use crate::process;
use crate::run::{build_release, server_command, server_command_for};
use crate::schemathesis;
use crate::secret::random_hex;
use crate::summary::{in_ci, skips_in, Counts, Report};
use crate::tools::{self, Purpose};
use crate::workspace::{cargo, Workspace};
use anyhow::{anyhow, Result};
use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Where end2end/playwright.config.ts has the JSON reporter write.
const PLAYWRIGHT_REPORT: &str = "end2end/test-results/results.json";
/// The outside team's example suite (issue 20, point 6), and where its config has its report written.
const EXAMPLE_SUITE: &str = "examples/playwright-suite";
const EXAMPLE_SUITE_REPORT: &str = "examples/playwright-suite/test-results/results.json";
const SERVER_LOG: &str = "target/e2e-server.log";
const RELEASE_CHECK_LOG: &str = "target/release-check-server.log";
const MAILDEV_LOG: &str = "target/maildev.log";
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Where the server built with the fixtures API is kept for Playwright, in the target directory.
const FIXTURES_SERVER: &str = "e2e/server-with-fixtures";
/// Appears in a server binary only if the fixtures API is compiled into it: the name of the
/// variable that only server/src/fixtures.rs and the feature's half of server/src/config.rs read.
const FIXTURES_MARKER: &[u8] = b"APP_TEST_FIXTURES_TOKEN";

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
    // The server as released, then with the fixtures API and the app's own tests: two
    // invocations, since one would unify the features and leave `cfg(not(test-fixtures))` unchecked.
    for packages in [
        &["-p", "server", "-p", "xtask"][..],
        &["-p", "server", "-p", "app", "--features", "server/test-fixtures,app/ssr"],
    ] {
        let mut cmd = cargo();
        cmd.arg("clippy").args(packages).args(["--all-targets", "--", "-D", "warnings"]);
        clippy += check(&mut cmd, &ws)?;
    }
    report.add("clippy", clippy);

    // Dropped at the end of this function: a throwaway cluster is stopped and deleted.
    let database = TestServer::start()?;
    // The SMTP server with a web inbox the Rust tests and the Playwright server send to (stopped
    // at the end of this function).
    fs::create_dir_all(ws.root.join("target"))?;
    let mail = MailCatcher::start(&ws, None, &ws.root.join(MAILDEV_LOG))?;
    let (counts, skips) = rust_tests(&ws, &database, &mail)?;
    report.add("rust tests", counts);
    report.skipped(skips);

    // The fixtures tests built the server with the fixtures API (kept as a copy); the production
    // one is built next.
    let fixtures_server = keep_fixtures_server(&ws)?;
    report.add("e2e server", Counts::of_check(fixtures_server.is_some()));
    announce("cargo leptos build --release");
    let built = build_release(&ws)?;
    report.add("wasm build", Counts::of_check(built));
    if built {
        report.add("no fixtures", release_has_no_fixtures_api(&ws, &database)?);
    } else {
        report.not_run("no fixtures", "the release build failed");
    }
    match (built, fixtures_server) {
        (true, Some(server)) => {
            let browsers = playwright(&ws, &database, &server, &mail)?;
            report.add("playwright", browsers.playwright);
            report.add("example suite", browsers.example_suite);
            report.add("schemathesis", browsers.schemathesis);
            report.add("l10n screenshots", crate::l10n::screenshot_coverage(&ws)?);
        }
        (false, _) => {
            for runner in ["playwright", "example suite", "schemathesis"] {
                report.not_run(runner, "the wasm build failed");
            }
        }
        (true, None) => {
            for runner in ["playwright", "example suite", "schemathesis"] {
                report.not_run(runner, "the server with the fixtures API did not build");
            }
        }
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
///
/// The server's tests run as it is released, without the `test-fixtures` feature; then, with
/// the feature, the tests of what it adds: the fixtures API's unit and integration tests (named
/// `fixtures::...`). The rest would only run a second time against the same code.
fn rust_tests(ws: &Workspace, database: &TestServer, mail: &MailCatcher) -> Result<(Counts, Vec<String>)> {
    let (mut counts, mut skips) = (Counts::default(), Vec::new());
    let runs: [(Vec<&str>, &[&str]); 3] = [
        (vec!["-p", "app", "--features", "ssr"], &[]),
        (vec!["-p", "server", "-p", "xtask"], &[]),
        // The same packages as above, so that every dependency resolves to the same features and
        // only the server compiles again; `--tests` leaves out the doctests.
        (vec!["-p", "server", "-p", "xtask", "--features", "server/test-fixtures", "--tests"], &["fixtures::"]),
    ];
    for (packages, filter) in runs {
        let mut cmd = cargo();
        cmd.arg("test")
            .args(&packages)
            .arg("--no-fail-fast")
            .arg("--")
            .args(filter)
            .current_dir(&ws.root)
            .env("TEST_DATABASE_URL", &database.admin_url)
            .env("TEST_SMTP_URL", mail.smtp_url())
            .env("TEST_MAIL_INBOX_URL", mail.inbox_url());
        announce(&process::display(&cmd));
        let (succeeded, output) = process::tee(&mut cmd)?;
        counts += Counts::of_cargo_test(&output, succeeded);
        skips.extend(skips_in(&output));
    }
    Ok((counts, skips))
}

/// Keeps a copy of the server with the fixtures API that the fixtures tests built (debug profile,
/// `--features server/test-fixtures`: the binary their integration tests start), for Playwright.
/// None if it is not there or has no fixtures API (those tests did not build).
///
/// A debug build, not a release one: it costs no build of its own (a release build took 3 to 8
/// minutes of the suite), and with the dependencies at opt-level 1 it serves the journeys fast
/// enough. The release build is still made and checked (`release_has_no_fixtures_api`) and is
/// what `cargo xtask bench` measures.
fn keep_fixtures_server(ws: &Workspace) -> Result<Option<PathBuf>> {
    let built = &ws.target_dir.join("debug/server");
    let kept = ws.target_dir.join(FIXTURES_SERVER);
    announce(&format!("keeping {} (built by the fixtures tests) for Playwright", built.display()));
    if !built.exists() || !contains(built, FIXTURES_MARKER)? {
        eprintln!(
            "{} is missing or has no fixtures API: the fixtures tests (`--features server/test-fixtures`) did not build it",
            built.display()
        );
        return Ok(None);
    }
    // A copy, not a link: the next debug build replaces the file at target/debug/server.
    fs::create_dir_all(kept.parent().expect("a path in the target directory"))
        .and_then(|()| fs::copy(built, &kept))
        .map_err(|e| {
            anyhow!(
                "cannot copy {} to {}: {e} — check the target directory's permissions",
                built.display(),
                kept.display()
            )
        })?;
    println!("kept the server with the fixtures API as {}", kept.display());
    Ok(Some(kept))
}

/// Whether the file at `path` holds `needle` anywhere.
fn contains(path: &Path, needle: &[u8]) -> Result<bool> {
    let bytes = fs::read(path).map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?;
    Ok(bytes.windows(needle.len()).any(|window| window == needle))
}

/// The production server has no fixtures API: the release binary holds none of its code, and,
/// started with every switch the API ever had (`APP_TEST_FIXTURES=1` and a token), it answers
/// a well-formed, same-origin `POST /test-fixtures/accounts` with the token by 404. One check.
fn release_has_no_fixtures_api(ws: &Workspace, database: &TestServer) -> Result<Counts> {
    let binary = &ws.leptos.server_binary;
    announce(&format!("{} has no fixtures API, whatever its environment", binary.display()));
    if contains(binary, FIXTURES_MARKER)? {
        eprintln!(
            "{} holds the fixtures API's code (it has {:?}): the release build must not have the test-fixtures feature",
            binary.display(),
            String::from_utf8_lossy(FIXTURES_MARKER)
        );
        return Ok(Counts::ONE_FAILED);
    }
    let name = format!("release_{}", random_hex(6)?);
    let url = database.create_database(&name)?;
    let status = post_fixture_to_release(ws, &url);
    database.drop_database(&name)?;
    Ok(match status? {
        Some(404) => {
            println!("POST /test-fixtures/accounts answered 404, as it should");
            Counts::of_check(true)
        }
        Some(status) => {
            eprintln!("POST /test-fixtures/accounts answered {status} instead of 404 (log: {RELEASE_CHECK_LOG})");
            Counts::ONE_FAILED
        }
        None => Counts::ONE_FAILED,
    })
}

/// The status of the fixtures request to the release server, or None if it did not start.
fn post_fixture_to_release(ws: &Workspace, database_url: &str) -> Result<Option<u16>> {
    let addr = SocketAddr::from(([127, 0, 0, 1], net::free_port()?));
    let token = random_hex(32)?;
    let (log, log_path) = server_log(ws, RELEASE_CHECK_LOG)?;
    let mut cmd = server_command(ws, database_url, addr, &random_hex(32)?);
    cmd.env("APP_TEST_FIXTURES", "1")
        .env("APP_TEST_FIXTURES_TOKEN", &token)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    let mut server = StopOnDrop(process::spawn(&mut cmd)?);
    if !wait_until_ready(&mut server.0, addr)? {
        eprintln!("the end of {RELEASE_CHECK_LOG}:\n{}", process::log_tail(&log_path, 40));
        return Ok(None);
    }
    let origin = format!("http://{addr}");
    let authorization = format!("Bearer {token}");
    let headers =
        [("Origin", origin.as_str()), ("Authorization", &authorization), ("Content-Type", "application/json")];
    let body = br#"{"orders": ["paid"], "store": true}"#;
    let (status, _) = net::http_request(addr, "POST", "/test-fixtures/accounts", &headers, Some(body))?;
    Ok(Some(status))
}

/// A fresh log file for a server started here (its path relative to the workspace root).
fn server_log(ws: &Workspace, relative: &str) -> Result<(fs::File, PathBuf)> {
    let path = ws.root.join(relative);
    let file = fs::create_dir_all(ws.root.join("target"))
        .and_then(|()| fs::File::create(&path))
        .map_err(|e| anyhow!("cannot create {relative}: {e} — check the permissions of target/"))?;
    Ok((file, path))
}

/// What ran against the server with the fixtures API.
struct AgainstTheServer {
    playwright: Counts,
    example_suite: Counts,
    schemathesis: Counts,
}

impl AgainstTheServer {
    const NOT_STARTED: AgainstTheServer = AgainstTheServer {
        playwright: Counts::ONE_FAILED,
        example_suite: Counts::ONE_FAILED,
        schemathesis: Counts::ONE_FAILED,
    };
}

/// Playwright, the example outside suite, then Schemathesis, against the release build of the
/// server with the fixtures API, on a fresh database.
fn playwright(ws: &Workspace, database: &TestServer, server: &Path, mail: &MailCatcher) -> Result<AgainstTheServer> {
    let name = format!("e2e_{}", random_hex(6)?);
    // The server runs as a role that may only read and write rows, as in production.
    let urls = database.create_least_privilege_database(&name)?;
    let counts = playwright_against_server(ws, &urls, server, mail);
    database.drop_least_privilege_database(&name)?;
    counts
}

/// `database`: the URLs of the server's role and of the schema's owner.
fn playwright_against_server(
    ws: &Workspace,
    database: &(String, String),
    binary: &Path,
    mail: &MailCatcher,
) -> Result<AgainstTheServer> {
    let (database_url, migration_url) = database;
    let addr = SocketAddr::from(([127, 0, 0, 1], net::free_port()?));
    let (log, log_path) = server_log(ws, SERVER_LOG)?;
    // A new token for each run; Playwright sends it to the fixtures API (end2end/tests/support/accounts.ts).
    let token = random_hex(32)?;
    crate::run::migrate(binary, database_url, migration_url)?;
    let mut cmd = server_command_for(binary, ws, database_url, addr, &random_hex(32)?);
    // No eraser: the suite checks what people see between a deletion and its erasure (the
    // erasure itself is proven by the Rust tests), which a fast eraser would make a race.
    cmd.env("APP_TEST_FIXTURES", "1")
        .env("APP_TEST_FIXTURES_TOKEN", &token)
        .env("APP_ERASER", "0")
        // The testers' pseudo-locales, which Playwright walks the journey in.
        .env("APP_PSEUDO_LOCALES", "1")
        // The testers' console shows the screenshots this run takes.
        .env("APP_L10N_SCREENSHOTS", ws.root.join(crate::l10n::SCREENSHOTS))
        .env("APP_SMTP_URL", mail.smtp_url())
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    announce(&format!("starting {} on http://{addr} for Playwright (log: {SERVER_LOG})", binary.display()));
    let mut server = StopOnDrop(process::spawn(&mut cmd)?);
    if !wait_until_ready(&mut server.0, addr)? {
        eprintln!("the end of {SERVER_LOG}:\n{}", process::log_tail(&log_path, 40));
        return Ok(AgainstTheServer::NOT_STARTED);
    }

    let report_path = ws.root.join(PLAYWRIGHT_REPORT);
    // A report left by an earlier run must not be counted.
    let _ = fs::remove_file(&report_path);
    crate::l10n::forget_screenshot_keys(ws);
    let mut cmd = Command::new("npx");
    cmd.args(["playwright", "test"])
        .current_dir(ws.root.join("end2end"))
        .env("BASE_URL", format!("http://{addr}"))
        .env("FIXTURES_TOKEN", &token)
        // The inbox whose emails the journey reads (end2end/tests/support/inbox.ts).
        .env("MAIL_INBOX_URL", mail.inbox_url())
        // The fixtures attach the server's log lines of a failed test (tests/support/fixtures.ts).
        .env("SERVER_LOG", &log_path)
        // The staff journeys grant the role with the binary's own `server staff grant`.
        .env("SERVER_BINARY", binary)
        .env("DATABASE_URL", database_url)
        .stdin(Stdio::null());
    announce(&format!(
        "BASE_URL=http://{addr} FIXTURES_TOKEN=<the server's> MAIL_INBOX_URL={} npx playwright test (in end2end/)",
        mail.inbox_url()
    ));
    let succeeded = process::succeeds(&mut cmd)?;
    let report = fs::read_to_string(&report_path).ok();
    if report.is_none() {
        eprintln!("Playwright wrote no {PLAYWRIGHT_REPORT} (check the json reporter in end2end/playwright.config.ts): counted as one failure");
    }
    if !succeeded {
        eprintln!("the server's log is in {SERVER_LOG}");
    }
    let playwright = Counts::of_playwright(report.as_deref(), succeeded);
    let example_suite = example_suite(ws, addr, &token)?;
    if example_suite.failed > 0 {
        eprintln!("the server's log is in {SERVER_LOG}");
    }
    // The same server, after Playwright: the fuzzer's accounts and rate limits cannot disturb it.
    let target = schemathesis::Target { addr, fixtures_token: &token, owner_url: migration_url };
    let schemathesis = schemathesis::run(ws, &target)?;
    if schemathesis.failed > 0 {
        eprintln!("the server's log is in {SERVER_LOG}");
    }
    Ok(AgainstTheServer { playwright, example_suite, schemathesis })
}

/// The example outside suite (examples/playwright-suite), on the same server after end2end: it
/// gets what any outside suite gets, the server's address and its fixtures token, and nothing
/// of the repository.
fn example_suite(ws: &Workspace, addr: SocketAddr, token: &str) -> Result<Counts> {
    let report_path = ws.root.join(EXAMPLE_SUITE_REPORT);
    let _ = fs::remove_file(&report_path);
    let mut cmd = Command::new("npx");
    cmd.args(["playwright", "test"])
        .current_dir(ws.root.join(EXAMPLE_SUITE))
        .env("BASE_URL", format!("http://{addr}"))
        .env("FIXTURES_TOKEN", token)
        .stdin(Stdio::null());
    announce(&format!(
        "BASE_URL=http://{addr} FIXTURES_TOKEN=<the server's> npx playwright test (in {EXAMPLE_SUITE}/)"
    ));
    let succeeded = process::succeeds(&mut cmd)?;
    let report = fs::read_to_string(&report_path).ok();
    if report.is_none() {
        eprintln!("the example suite wrote no {EXAMPLE_SUITE_REPORT}: counted as one failure");
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
