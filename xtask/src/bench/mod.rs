//! `cargo xtask bench [--quick]` (docs/design.md, "Performance budgets"): every figure against a baseline
//! measured in the same run, on a throwaway cluster, against the release build.
//!
//! 1. bytes of a first visit to `/en/account/deactivate` (the browser's own list, `browser.rs`);
//! 2. the signed-in page served by the server against the same bytes served by nginx (oha,
//!    `load.rs`), interleaved rounds, closed loop for the rate and open loop for the latency;
//! 3. the deletion call for tiny accounts and a 1.2-million-row one (`deletion.rs`);
//! 4. that account's erasure by the eraser's batches against one transaction of the same work;
//! 5. other users' p99 (a page view and a write, over HTTP) during an erasure against idle;
//! 6. the time to hydration against a static page (`browser.rs`);
//! 7. every account page for the huge seller against a tiny one (`pages.rs`);
//! 8. the huge account's data export: bytes per second, first byte, server memory (`export.rs`);
//! 9. the staff's reason statistics with three years of them against none (`staff_reasons.rs`).
//!
//! Writes BENCHMARKS.md and benchmarks/*.svg (`report.rs`); `--only export` or
//! `--only staff-reasons` measures figure 8 or 9 alone and rewrites only its part of BENCHMARKS.md.

mod browser;
mod deletion;
mod export;
mod load;
mod pages;
mod report;
mod staff_reasons;
mod stats;

use crate::huge::{self, show_progress, Psql, Size};
use crate::net;
use crate::pg::TestServer;
use crate::process;
use crate::run::{build_release, server_command};
use crate::secret::random_hex;
use crate::test::{wait_until_ready, StopOnDrop};
use crate::tools::{self, Purpose};
use crate::workspace::Workspace;
use anyhow::{anyhow, bail, Result};
use deletion::Driver;
use load::{Load, Nginx, Pace, Request};
use std::net::SocketAddr;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

pub use report::Figures;

const USAGE: &str = "usage: cargo xtask bench [--quick] [--only export|staff-reasons]";
const DATABASE: &str = "bench";
const PAGE: &str = "/en/account/deactivate";
const TINY_SQL: &str = include_str!("tiny.sql");
/// The eraser's default batch size (`server/src/eraser.rs` DEFAULT_BATCH_SIZE).
pub const BATCH_SIZE: i64 = 5_000;

/// How much of everything a run does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    pub quick: bool,
    pub huge: Size,
    pub tiny_accounts: usize,
    /// Deletions of the huge account rolled back before the one that commits.
    pub huge_rollbacks: usize,
    /// Interleaved server/nginx rounds, each of `load_time` per side and pace; and as many
    /// rounds of the account pages, `page_time` per page and account.
    pub rounds: usize,
    pub load_time: Duration,
    pub page_time: Duration,
    /// Open-loop requests per second of each other user (a page view, a write).
    pub other_users_rate: u32,
    pub hydration_runs: usize,
}

impl Plan {
    pub fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                quick,
                huge: Size { messages: 100_000, orders: 10_000 },
                tiny_accounts: 5,
                huge_rollbacks: 4,
                rounds: 1,
                load_time: Duration::from_secs(3),
                page_time: Duration::from_secs(1),
                other_users_rate: 50,
                hydration_runs: 5,
            }
        } else {
            Plan {
                quick,
                huge: Size::default(),
                tiny_accounts: 20,
                huge_rollbacks: 9,
                rounds: 3,
                load_time: Duration::from_secs(10),
                page_time: Duration::from_secs(3),
                other_users_rate: 50,
                hydration_runs: 20,
            }
        }
    }
}

/// A figure measured on its own (`--only NAME`), its section of BENCHMARKS.md rewritten and
/// the rest left as the last full run wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Only {
    /// Section 8 (`export`).
    Export,
    /// Section 9 (`staff-reasons`).
    StaffReasons,
}

/// What a run measured: everything, or one figure.
enum Measured {
    All(Box<Figures>),
    StaffReasons(staff_reasons::StaffReasons),
}

/// `--quick` and `--only NAME`, in any order.
pub fn parse_args(args: &[String]) -> Result<(bool, Option<Only>)> {
    let (mut quick, mut only) = (false, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" if !quick => quick = true,
            "--only" if only.is_none() => match args.next().map(String::as_str) {
                Some("export") => only = Some(Only::Export),
                Some("staff-reasons") => only = Some(Only::StaffReasons),
                other => {
                    bail!("`--only {}` names no figure (export, staff-reasons) — {USAGE}", other.unwrap_or_default())
                }
            },
            _ => bail!("`{arg}` is not understood — {USAGE}"),
        }
    }
    Ok((quick, only))
}

pub fn bench(args: &[String]) -> Result<ExitCode> {
    let (quick, only) = parse_args(args)?;
    let plan = Plan::new(quick);
    let staff_reasons_only = match only {
        Some(Only::Export) => return export_alone(&plan),
        Some(Only::StaffReasons) => true,
        None => false,
    };
    let started = Instant::now();
    let ws = Workspace::load()?;
    let (database, url) = release_and_database(&ws)?;
    println!("\n==> building the deletion bench (server/benches/deletion.rs)");
    let driver = Driver::build(&ws, &url)?;
    let measured = if staff_reasons_only {
        Psql::new(&url)
            .and_then(|psql| pin_database(&psql))
            .and_then(|()| staff_reasons::measure(&ws, &plan, &database, &driver))
            .map(Measured::StaffReasons)
    } else {
        measure(&ws, &plan, &database, &url, &driver).map(|f| Measured::All(Box::new(f)))
    };
    let _ = database.drop_database(DATABASE);
    drop(database);
    let written = match measured? {
        Measured::All(figures) => {
            println!("\n{}", report::summary_table(&figures));
            report::write(&ws.root, &figures)?
        }
        Measured::StaffReasons(figure) => {
            println!("\n{}", report::staff_reasons_summary(&figure));
            report::write_staff_reasons_only(&ws.root, &plan, &figure)?
        }
    };
    println!("written: {} ({:.0} s in all)", written.join(", "), started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

/// Accounts made for the run.
struct Accounts {
    /// Signed in on the deactivation page (a seller with an open purchase: a full impact summary).
    page_user: String,
    /// The other users: one views My orders, one saves its profile.
    viewer: String,
    writer: String,
    tiny: Vec<String>,
    /// Timed and erased by batches; erased in one transaction; erased while others use the site,
    /// one per round.
    huge_batches: String,
    huge_one_transaction: String,
    huge_during_load: Vec<String>,
}

/// A release server on `url` (it migrates the database), pinned to the served core, without its
/// eraser (the bench's own process erases, timed); its log in `target/<log>`.
fn start_server(ws: &Workspace, url: &str, log: &str) -> Result<(StopOnDrop, SocketAddr)> {
    let addr = SocketAddr::from(([127, 0, 0, 1], net::free_port()?));
    let log_path = ws.root.join("target").join(log);
    let log_file = std::fs::File::create(&log_path)
        .map_err(|e| anyhow!("cannot create {}: {e} — check target/", log_path.display()))?;
    let mut cmd = pinned(server_command(ws, url, addr, &random_hex(32)?));
    cmd.env("APP_ERASER", "0")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    println!("\n==> starting the server on http://{addr}, core {} (log: target/{log})", load::SERVED_CORE);
    let mut server = StopOnDrop(process::spawn(&mut cmd)?);
    if !wait_until_ready(&mut server.0, addr)? {
        bail!("the server did not start: {}", process::log_tail(&log_path, 20));
    }
    Ok((server, addr))
}

/// What every run needs first: the tools, the release build, and a fresh `bench` database on a
/// throwaway cluster (stopped when the returned server is dropped).
fn release_and_database(ws: &Workspace) -> Result<(TestServer, String)> {
    tools::prepare(ws, Purpose::Bench)?;
    println!("\n==> cargo leptos build --release");
    if !build_release(ws)? {
        bail!("`cargo leptos build --release` failed — fix the errors above");
    }
    let database = TestServer::start()?;
    let _ = database.drop_database(DATABASE);
    let url = database.create_database(DATABASE)?;
    Ok((database, url))
}

/// `--only export`: figure 8 on a fresh huge account, written into BENCHMARKS.md in place of
/// its old section.
fn export_alone(plan: &Plan) -> Result<ExitCode> {
    let ws = Workspace::load()?;
    let (database, url) = release_and_database(&ws)?;
    let figure = (|| {
        let (server, addr) = start_server(&ws, &url, "bench-server.log")?;
        let psql = Psql::new(&url)?;
        pin_database(&psql)?;
        println!(
            "\n==> 8. the data export of a huge account ({} messages, {} orders)",
            plan.huge.messages, plan.huge.orders
        );
        let cookie = export::huge_account_session(&psql, addr, plan.huge)?;
        export::measure(addr, &cookie, server.0.id(), plan.huge, &ws.root.join("target/bench-export.zip"))
    })();
    let _ = database.drop_database(DATABASE);
    drop(database);
    let figure = figure?;
    let command =
        if plan.quick { "cargo xtask bench --only export --quick" } else { "cargo xtask bench --only export" };
    let path = ws.root.join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, export::replace_section(&old, &export::section(&figure, command)))
        .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
    println!("written: BENCHMARKS.md, section 8");
    Ok(ExitCode::SUCCESS)
}

fn measure(ws: &Workspace, plan: &Plan, database: &TestServer, url: &str, driver: &Driver) -> Result<Figures> {
    let (server, addr) = start_server(ws, url, "bench-server.log")?;
    let psql = Psql::new(url)?;
    pin_database(&psql)?;
    let accounts = make_accounts(&psql, plan)?;
    let session = |account: &str| driver.session(account);

    println!("\n==> 2. the signed-in deactivation page: server against nginx, {} rounds", plan.rounds);
    let page_cookie = session(&accounts.page_user)?;
    let (status, html) = net::http_get(addr, PAGE, &[("Cookie", &format!("session={page_cookie}"))])?;
    if status != 200 || !String::from_utf8_lossy(&html).contains("impact-title") {
        bail!("GET {PAGE} signed in answered {status} without the impact summary — see target/bench-server.log");
    }
    let pkg = ws.leptos.site_root.join(&ws.leptos.site_pkg_dir);
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("deactivate.html".to_owned(), html.clone()),
        ("static.html".to_owned(), report::without_scripts(&String::from_utf8_lossy(&html)).into_bytes()),
    ];
    for entry in std::fs::read_dir(&pkg).map_err(|e| anyhow!("cannot read {}: {e}", pkg.display()))? {
        let path = entry?.path();
        let name = format!("{}/{}", ws.leptos.site_pkg_dir, path.file_name().unwrap_or_default().to_string_lossy());
        files.push((name, std::fs::read(&path)?));
    }
    let nginx_port = net::free_port()?;
    let borrowed: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let _nginx = Nginx::start(nginx_port, &borrowed, &ws.root.join("target/bench-nginx"))?;
    let page = |keep_alive| {
        let server =
            Request { url: format!("http://{addr}{PAGE}"), cookie: Some(&page_cookie), form: None, keep_alive };
        let nginx = Request {
            url: format!("http://127.0.0.1:{nginx_port}/deactivate.html"),
            cookie: None,
            form: None,
            keep_alive,
        };
        (server, nginx)
    };
    println!("  every request on a new connection");
    let (server_page, nginx_page) = page(false);
    let ssr = serve_rounds(plan, &server_page, &nginx_page)?;
    println!("  keep-alive connections");
    let (server_page, nginx_page) = page(true);
    let ssr_keep_alive = serve_rounds(plan, &server_page, &nginx_page)?;
    let stylesheet = format!("/{}/{}.css", ws.leptos.site_pkg_dir, ws.leptos.output_name);
    let asset =
        |base: String| Request { url: format!("{base}{stylesheet}"), cookie: None, form: None, keep_alive: true };
    let static_asset =
        static_asset_rounds(plan, &asset(format!("http://{addr}")), &asset(format!("http://127.0.0.1:{nginx_port}")))?;

    println!("\n==> 1 and 6. first-visit bytes and hydration in Chromium ({} runs)", plan.hydration_runs);
    let browser = browser::measure(
        ws,
        &format!("http://{addr}"),
        &format!("http://127.0.0.1:{nginx_port}/static.html"),
        &session(&accounts.page_user)?,
        plan.hydration_runs,
    )?;

    println!("\n==> 7. every account page: the huge seller against a tiny one, {} rounds", plan.rounds);
    let account_pages = pages::measure(plan, addr, &session(&accounts.huge_batches)?, &session(&accounts.tiny[0])?)?;

    println!("\n==> 8. the huge seller's data export");
    let scratch = ws.root.join("target/bench-export.zip");
    let export = export::measure(addr, &session(&accounts.huge_batches)?, server.0.id(), plan.huge, &scratch)?;

    println!("\n==> 3. the deletion call: {} tiny accounts, then the huge one", accounts.tiny.len());
    let tiny = driver.deactivate(0, &accounts.tiny)?;
    let huge = driver.deactivate(plan.huge_rollbacks, std::slice::from_ref(&accounts.huge_batches))?;
    // Only the huge account's erasure is measured.
    psql.run("DELETE FROM erasure_queue WHERE account_id <> :'a';", &[("a", accounts.huge_batches.clone())])?;
    settle(&psql)?;

    println!("\n==> 4. erasing it by batches of {BATCH_SIZE}, then the same data in one transaction");
    let batches = driver.start_erasure(BATCH_SIZE)?.finish()?;
    driver.deactivate(0, std::slice::from_ref(&accounts.huge_one_transaction))?;
    settle(&psql)?;
    let one_transaction_ms = driver.one_transaction(&accounts.huge_one_transaction)?;
    let left = psql.run(
        "SELECT (SELECT count(*) FROM accounts WHERE id IN (:'a', :'b'))
              + (SELECT count(*) FROM messages WHERE author_id IN (:'a', :'b'));",
        &[("a", accounts.huge_batches.clone()), ("b", accounts.huge_one_transaction.clone())],
    )?;
    if left.trim() != "0" {
        bail!("{left} rows of the erased accounts are left — the erasure is incomplete");
    }

    println!(
        "\n==> 5. other users: a page view and a write at {} requests/s each, idle then during an erasure, {} rounds",
        plan.other_users_rate, plan.rounds
    );
    let viewer = session(&accounts.viewer)?;
    let writer = session(&accounts.writer)?;
    let view = Request {
        url: format!("http://{addr}/en/account/orders"),
        cookie: Some(&viewer),
        form: None,
        keep_alive: false,
    };
    let write = Request {
        url: format!("http://{addr}/api/update_profile"),
        cookie: Some(&writer),
        form: Some("name=Other+Writer&country=GB&phone="),
        keep_alive: false,
    };
    let erasure_time = Duration::from_secs_f64(batches.last().map_or(1.0, |b| b.at_ms / 1000.0));
    // The load must end before the erasure does. Alone, an account half the size took
    // `erasure_time`; this one has twice the rows, and while others use the database the eraser
    // works a quarter of the time (APP_ERASER_DUTY's default), so it lasts about 8 times as long.
    // The load runs for at most 3.2 times (the more requests, the steadier a p99); the report
    // says if the erasure ended first all the same.
    let during_time = plan.load_time.min(erasure_time.mul_f64(3.2)).max(Duration::from_secs(1));
    let mut other_users_rounds = Vec::new();
    for account in &accounts.huge_during_load {
        let idle = other_users(plan, &view, &write, during_time)?;
        driver.deactivate(0, std::slice::from_ref(account))?;
        settle(&psql)?;
        let erasure = driver.start_erasure(BATCH_SIZE)?;
        let load_started = Instant::now();
        let during = other_users(plan, &view, &write, during_time)?;
        let load_ended_ms = load_started.elapsed().as_secs_f64() * 1000.0;
        let during_batches = erasure.finish()?;
        let erasure_outlasted_load = during_batches.last().is_some_and(|b| b.at_ms >= load_ended_ms);
        let round = report::OtherUsersRound { idle, during, erasure: during_batches, erasure_outlasted_load };
        println!("  round {}: {}", other_users_rounds.len() + 1, round.summary());
        other_users_rounds.push(round);
    }

    println!("\n==> 9. the staff's reason statistics: three years of them against none");
    let staff_reasons = staff_reasons::measure(ws, plan, database, driver)?;

    Ok(Figures {
        plan: *plan,
        staff_reasons,
        machine: report::machine(),
        resources: browser.resources,
        ssr,
        ssr_keep_alive,
        static_asset,
        tiny,
        huge,
        batches,
        one_transaction_ms,
        other_users: other_users_rounds,
        hydrated_ms: browser.hydrated_ms,
        static_ms: browser.static_ms,
        account_pages,
        export,
        breakdown: std::fs::read_to_string(ws.root.join(report::BREAKDOWN)).ok(),
        wasm_breakdown: std::fs::read_to_string(ws.root.join(report::WASM_BREAKDOWN)).ok(),
    })
}

/// Runs `cmd` on the served core.
fn pinned(cmd: Command) -> Command {
    let mut pinned = Command::new("taskset");
    pinned.args(["-c", load::SERVED_CORE]).arg(cmd.get_program()).args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        pinned.current_dir(dir);
    }
    for (name, value) in cmd.get_envs() {
        match value {
            Some(value) => pinned.env(name, value),
            None => pinned.env_remove(name),
        };
    }
    pinned
}

/// Puts PostgreSQL (the postmaster, so every backend it starts from now on, and the running
/// ones) on the served core beside the server.
fn pin_database(psql: &Psql) -> Result<()> {
    let data_dir = psql.run("SHOW data_directory;", &[])?;
    let pid_file = std::path::Path::new(data_dir.trim()).join("postmaster.pid");
    let postmaster = std::fs::read_to_string(&pid_file)
        .map_err(|e| anyhow!("cannot read {}: {e} — the benchmark needs a local PostgreSQL", pid_file.display()))?;
    let postmaster = postmaster.lines().next().unwrap_or_default().trim().to_owned();
    process::run(
        Command::new("taskset").args(["-a", "-p", "-c", load::SERVED_CORE, &postmaster]).stdout(Stdio::null()),
        "install util-linux (taskset)",
    )?;
    let children = process::output(Command::new("pgrep").args(["-P", &postmaster]), "install procps (pgrep)")?;
    for child in children.split_whitespace() {
        let _ = process::captured(Command::new("taskset").args(["-a", "-p", "-c", load::SERVED_CORE, child]));
    }
    Ok(())
}

fn make_accounts(psql: &Psql, plan: &Plan) -> Result<Accounts> {
    println!(
        "\n==> making the accounts: {} tiny, two huge of {} messages and {} orders, {} twice that",
        plan.tiny_accounts, plan.huge.messages, plan.huge.orders, plan.rounds
    );
    let shop = psql.run(
        "INSERT INTO accounts (email, password_hash, name, country) VALUES ('shop@bench.example.test', '!', 'Shop', 'GB') RETURNING id AS shop \\gset
         INSERT INTO stores (owner_id, name) VALUES (:'shop', 'The shop') RETURNING id AS store \\gset
         INSERT INTO products (store_id, title, price_minor, currency) VALUES (:'store', 'A thing', 1200, 'EUR');
         SELECT :'store';",
        &[],
    )?;
    let mut tiny = Vec::new();
    for i in 0..plan.tiny_accounts + 3 {
        tiny.push(psql.run(TINY_SQL, &[("tag", format!("t{i}")), ("other_store", shop.clone())])?);
    }
    let (named, tiny) = tiny.split_at(3);
    let mut huge = Vec::new();
    // Those erased under load are twice as big: each erasure lasts long enough for a few hundred
    // requests of each other user, so their p99 is not just the slowest of a handful.
    let twice = Size { messages: plan.huge.messages * 2, orders: plan.huge.orders * 2 };
    let during_load = (1..=plan.rounds).map(|round| (format!("during-load-{round}"), twice));
    for (tag, size) in
        [("batches".to_owned(), plan.huge), ("one-transaction".to_owned(), plan.huge)].into_iter().chain(during_load)
    {
        huge.push(huge::make_account(psql, size, &tag, &mut show_progress)?.account_id);
    }
    settle(psql)?;
    Ok(Accounts {
        page_user: named[0].clone(),
        viewer: named[1].clone(),
        writer: named[2].clone(),
        tiny: tiny.to_vec(),
        huge_batches: huge[0].clone(),
        huge_one_transaction: huge[1].clone(),
        huge_during_load: huge[2..].to_vec(),
    })
}

/// Fresh statistics and no dirty pages left over, so a timing does not pay for earlier work.
fn settle(psql: &Psql) -> Result<()> {
    psql.run("VACUUM ANALYZE;", &[])?;
    psql.run("CHECKPOINT;", &[]).map(drop)
}

/// The page served by the server and by nginx, interleaved round by round.
fn serve_rounds(plan: &Plan, server: &Request, nginx: &Request) -> Result<report::Serving> {
    let mut serving = report::Serving::default();
    // Warm both (connections, caches) before anything counts.
    load::oha(server, Pace::Closed { connections: 4 }, Duration::from_secs(1))?;
    load::oha(nginx, Pace::Closed { connections: 4 }, Duration::from_secs(1))?;
    for round in 1..=plan.rounds {
        let server_closed = load::oha(server, Pace::Closed { connections: 8 }, plan.load_time)?;
        let nginx_closed = load::oha(nginx, Pace::Closed { connections: 8 }, plan.load_time)?;
        // Open loop at half the server's own throughput this round: both sides get the same rate.
        let rate = ((server_closed.requests_per_s / 2.0) as u32).max(1);
        let server_open = load::oha(server, Pace::Open { rate }, plan.load_time)?;
        let nginx_open = load::oha(nginx, Pace::Open { rate }, plan.load_time)?;
        println!(
            "  round {round}: server {:.0}/s, nginx {:.0}/s; at {rate}/s p99 server {:.2} ms, nginx {:.2} ms",
            server_closed.requests_per_s, nginx_closed.requests_per_s, server_open.p99_ms, nginx_open.p99_ms
        );
        serving.rounds.push(report::Round { server_closed, nginx_closed, rate, server_open, nginx_open });
    }
    Ok(serving)
}

/// The stylesheet on one keep-alive connection, request after request, from the server and from
/// nginx, interleaved round by round: a response that waits for the client's delayed ACK (no
/// TCP_NODELAY) shows as a 40 ms p50.
fn static_asset_rounds(plan: &Plan, server: &Request, nginx: &Request) -> Result<Vec<report::AssetRound>> {
    let mut rounds = Vec::new();
    for round in 1..=plan.rounds {
        let one = Pace::Closed { connections: 1 };
        let (server, nginx) = (load::oha(server, one, plan.page_time)?, load::oha(nginx, one, plan.page_time)?);
        println!(
            "  round {round}, the stylesheet on one keep-alive connection: p50 / p99 server {:.2} / {:.2} ms, nginx {:.2} / {:.2} ms",
            server.p50_ms, server.p99_ms, nginx.p50_ms, nginx.p99_ms
        );
        rounds.push(report::AssetRound { server, nginx });
    }
    Ok(rounds)
}

/// Both other users at once, open loop, for `duration`.
fn other_users(plan: &Plan, view: &Request, write: &Request, duration: Duration) -> Result<report::OtherUsers> {
    let pace = Pace::Open { rate: plan.other_users_rate };
    let (page_view, write) = std::thread::scope(|scope| {
        let viewing = scope.spawn(|| load::oha(view, pace, duration));
        let writing = scope.spawn(|| load::oha(write, pace, duration));
        (viewing.join(), writing.join())
    });
    let joined = |r: std::thread::Result<Result<Load>>| r.map_err(|_| anyhow!("an oha thread panicked"))?;
    Ok(report::OtherUsers { page_view: joined(page_view)?, write: joined(write)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_and_plans() {
        let args = |list: &[&str]| parse_args(&list.iter().map(|a| a.to_string()).collect::<Vec<_>>());
        assert_eq!(args(&[]).unwrap(), (false, None));
        assert_eq!(args(&["--quick"]).unwrap(), (true, None));
        assert_eq!(args(&["--only", "staff-reasons", "--quick"]).unwrap(), (true, Some(Only::StaffReasons)));
        assert_eq!(args(&["--only", "export"]).unwrap(), (false, Some(Only::Export)));
        for wrong in [&["--slow"][..], &["--only"], &["--only", "hydration"], &["--quick", "--quick"]] {
            assert!(args(wrong).is_err(), "{wrong:?}");
        }
        let full = Plan::new(false);
        assert_eq!(full.huge, Size { messages: 1_000_000, orders: 100_000 }, "the 1.2-million-row account");
        assert_eq!((full.tiny_accounts, full.hydration_runs), (20, 20));
        assert!(Plan::new(true).huge.messages < full.huge.messages);
    }
}
