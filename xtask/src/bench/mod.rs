//! `cargo xtask bench-deletion [--quick]` (DESIGN.md section 8): on a throwaway cluster,
//!
//! - the deletion call's latency for a huge account against a tiny one (budget <= 1.5x), and
//! - the whole erasure of a huge account by the eraser's batches against one transaction of
//!   plain DELETEs/UPDATEs of the same data (budget <= 2.5x, no batch over 100 ms), and
//! - other users' p99 of a page view and of a write while a third huge account is erased by
//!   batches, against idle (budget <= 1.5x), by pgbench (`other_users.rs`).
//!
//! xtask has no database driver: the app's SQL is mirrored in scripts here (`deactivate.sql`,
//! the batch steps below, `single.sql`) and run through `psql`, timed around each psql call,
//! minus the time of an empty `SELECT 1` psql call (start-up and connection). Tests below fail
//! when the Rust statements these mirror change.

mod other_users;

use crate::huge::{self, show_progress, Psql, Size};
use crate::pg::TestServer;
use crate::workspace::Workspace;
use anyhow::{anyhow, bail, Result};
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

const DEACTIVATE_SQL: &str = include_str!("deactivate.sql");
const SINGLE_SQL: &str = include_str!("single.sql");
const TINY_SQL: &str = include_str!("tiny.sql");

/// The eraser's default batch size (`server/src/eraser.rs` DEFAULT_BATCH_SIZE).
const BATCH_SIZE: i64 = 5_000;
const TINY_RUNS: usize = 20;
/// Deletion calls on the huge account: rolled back ones, then the one that commits.
const HUGE_ROLLED_BACK_RUNS: usize = 9;
const BASELINE_RUNS: usize = 15;
const DATABASE: &str = "bench_deletion";

pub const DELETION_BUDGET: f64 = 1.5;
pub const ERASURE_BUDGET: f64 = 2.5;
pub const BATCH_BUDGET_MS: f64 = 100.0;

const USAGE: &str = "usage: cargo xtask bench-deletion [--quick]";

pub fn parse_args(args: &[String]) -> Result<bool> {
    match args {
        [] => Ok(false),
        [flag] if flag == "--quick" => Ok(true),
        _ => bail!("`{}` is not understood — {USAGE}", args.join(" ")),
    }
}

pub fn size_for(quick: bool) -> Size {
    if quick {
        Size { messages: 100_000, orders: 10_000 }
    } else {
        Size::default()
    }
}

/// The middle value (mean of the two middle ones for an even count); 0 for none.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

pub fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(0.0, f64::max)
}

/// `a / b`, or infinity when `b` is not positive.
pub fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::INFINITY
    }
}

/// Milliseconds of a psql call minus the start-up baseline, never below zero.
pub fn net_ms(took: Duration, baseline_ms: f64) -> f64 {
    (took.as_secs_f64() * 1000.0 - baseline_ms).max(0.0)
}

/// One timed psql call: `session_ms` by the server's clock from before the script's first
/// statement to after its last (each statement's round trip included, psql's start-up and
/// sign-in not), `wall_ms` by `Instant` around the whole psql call minus the baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub session_ms: f64,
    pub wall_ms: f64,
}

const CLOCK_START: &str = "SELECT extract(epoch FROM clock_timestamp()) AS bench_t0 \\gset\n";
const CLOCK_STOP: &str = "\nSELECT round(((extract(epoch FROM clock_timestamp()) - :bench_t0) * 1000)::numeric, 3);\n";

/// Runs `script` timed both ways; returns its own output (without the clock's line).
fn timed(psql: &Psql, script: &str, vars: &[(&str, String)], baseline_ms: f64) -> Result<(String, Sample)> {
    let (out, took) = psql.timed(&format!("{CLOCK_START}{script}{CLOCK_STOP}"), vars)?;
    let (own, clock) = match out.rsplit_once('\n') {
        Some((own, clock)) => (own.to_owned(), clock),
        None => (String::new(), out.as_str()),
    };
    let session_ms = clock.trim().parse().map_err(|_| anyhow!("the script's clock printed `{clock}`"))?;
    Ok((own, Sample { session_ms, wall_ms: net_ms(took, baseline_ms) }))
}

fn sessions(samples: &[Sample]) -> Vec<f64> {
    samples.iter().map(|s| s.session_ms).collect()
}

fn walls(samples: &[Sample]) -> Vec<f64> {
    samples.iter().map(|s| s.wall_ms).collect()
}

/// The eraser's steps (`server/src/eraser.rs` `Step`), in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Messages,
    Orders,
    Conversations,
    ProductLinks,
    Products,
    Addresses,
    Store,
    Account,
}

impl Step {
    pub const ALL: [Step; 8] = [
        Step::Messages,
        Step::Orders,
        Step::Conversations,
        Step::ProductLinks,
        Step::Products,
        Step::Addresses,
        Step::Store,
        Step::Account,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Step::Messages => "messages",
            Step::Orders => "orders",
            Step::Conversations => "conversations",
            Step::ProductLinks => "product_links",
            Step::Products => "products",
            Step::Addresses => "addresses",
            Step::Store => "store",
            Step::Account => "account",
        }
    }

    /// As `Step::chunk`: the updating steps take a fifth of the batch.
    pub fn chunk(self, batch_size: i64) -> i64 {
        let batch_size = batch_size.max(1);
        match self {
            Step::Orders | Step::Conversations | Step::ProductLinks => (batch_size / 5).max(1),
            _ => batch_size,
        }
    }

    pub fn next(self) -> Step {
        let i = Step::ALL.iter().position(|s| *s == self).expect("listed");
        Step::ALL.get(i + 1).copied().unwrap_or(Step::Account)
    }

    /// The step's statements; they leave `r_rows` and `r_last` (the last message id, or '').
    fn sql(self) -> &'static str {
        match self {
            Step::Messages => {
                "WITH gone AS (
                     DELETE FROM messages
                      WHERE author_id = :'account'
                        AND id = ANY(ARRAY(SELECT id FROM messages WHERE author_id = :'account' AND id > (:'cursor')::bigint
                                            ORDER BY author_id, id LIMIT :limit))
                  RETURNING id
                 )
                 SELECT count(*) AS rows, coalesce(max(id)::text, '') AS last FROM gone \\gset r_"
            }
            Step::Orders => {
                "WITH done AS (
                     UPDATE orders
                        SET buyer_id = NULL, ship_to_name = NULL, ship_to_address = NULL, ship_to_phone = NULL
                      WHERE buyer_id = :'account' AND id = ANY(ARRAY(SELECT id FROM orders WHERE buyer_id = :'account' LIMIT :limit))
                     RETURNING 1)
                 SELECT count(*) AS rows, '' AS last FROM done \\gset r_"
            }
            Step::Conversations => {
                "WITH done AS (
                     UPDATE conversations SET buyer_id = NULL
                      WHERE buyer_id = :'account' AND id = ANY(ARRAY(SELECT id FROM conversations WHERE buyer_id = :'account' LIMIT :limit))
                     RETURNING 1)
                 SELECT count(*) AS rows, '' AS last FROM done \\gset r_"
            }
            Step::ProductLinks => {
                "WITH done AS (
                     UPDATE order_items SET product_id = NULL
                      WHERE id = ANY(ARRAY(
                                SELECT oi.id FROM stores s
                                  JOIN products p ON p.store_id = s.id
                                  JOIN order_items oi ON oi.product_id = p.id
                                 WHERE s.owner_id = :'account'
                                 LIMIT :limit))
                        AND product_id IN (SELECT p.id FROM stores s JOIN products p ON p.store_id = s.id
                                            WHERE s.owner_id = :'account')
                     RETURNING 1)
                 SELECT count(*) AS rows, '' AS last FROM done \\gset r_"
            }
            Step::Products => {
                "SELECT coalesce(array_agg(id)::text, '{}') AS doomed, count(*) AS rows, '' AS last
                   FROM (SELECT p.id FROM stores s JOIN products p ON p.store_id = s.id
                          WHERE s.owner_id = :'account' LIMIT :limit FOR UPDATE OF p) d \\gset r_
                 UPDATE order_items SET product_id = NULL WHERE product_id = ANY((:'r_doomed')::uuid[]);
                 DELETE FROM products WHERE id = ANY((:'r_doomed')::uuid[]);"
            }
            Step::Addresses => {
                "WITH gone AS (
                     DELETE FROM addresses
                      WHERE account_id = :'account' AND id = ANY(ARRAY(SELECT id FROM addresses WHERE account_id = :'account' LIMIT :limit))
                     RETURNING 1)
                 SELECT count(*) AS rows, '' AS last FROM gone \\gset r_"
            }
            Step::Store => {
                "WITH done AS (
                     UPDATE stores SET owner_id = NULL, name = '', closed_at = coalesce(closed_at, now())
                      WHERE owner_id = :'account'
                     RETURNING 1)
                 SELECT count(*) AS rows, '' AS last FROM done \\gset r_"
            }
            Step::Account => {
                "SELECT EXISTS (SELECT 1 FROM messages WHERE author_id = :'account')
                     OR EXISTS (SELECT 1 FROM orders WHERE buyer_id = :'account')
                     OR EXISTS (SELECT 1 FROM conversations WHERE buyer_id = :'account')
                     OR EXISTS (SELECT 1 FROM addresses WHERE account_id = :'account')
                     OR EXISTS (SELECT 1 FROM stores WHERE owner_id = :'account') AS leftovers \\gset q_
                 DELETE FROM sessions WHERE account_id = :'account';
                 WITH gone AS (DELETE FROM accounts WHERE id = :'account' AND deleted_at IS NOT NULL RETURNING 1)
                 SELECT count(*) AS rows, '' AS last FROM gone \\gset r_"
            }
        }
    }
}

/// One batch as `erase_one_batch` does it: claim the queue row, check the account is deleted,
/// one chunk of the step, record progress (or drop the queue row at the end), commit.
/// psql variables: account, cursor, limit, step, next. Prints `rows|last`.
pub fn batch_script(step: Step) -> String {
    let queue = if step == Step::Account {
        "DELETE FROM erasure_queue WHERE account_id = :'account';".to_owned()
    } else {
        "UPDATE erasure_queue
            SET step = CASE WHEN :r_rows < :limit THEN :'next' ELSE :'step' END,
                batches = batches + 1, rows_erased = rows_erased + :r_rows,
                last_message_id = CASE WHEN :r_rows < :limit THEN NULL ELSE NULLIF(:'r_last', '')::bigint END,
                updated_at = now()
          WHERE account_id = :'account';"
            .to_owned()
    };
    format!(
        "BEGIN;
SELECT account_id, step, batches, rows_erased, coalesce(last_message_id::text, '') AS last_message_id
  FROM erasure_queue ORDER BY enqueued_at FOR UPDATE SKIP LOCKED LIMIT 1 \\gset q_
SELECT EXISTS (SELECT 1 FROM accounts WHERE id = :'account' AND deleted_at IS NULL) AS live \\gset q_
{}
{queue}
COMMIT;
SELECT :r_rows, :'r_last';
",
        step.sql()
    )
}

/// One timed batch.
#[derive(Debug, Clone)]
pub struct Batch {
    pub step: Step,
    pub rows: u64,
    pub ms: f64,
    pub wall_ms: f64,
}

fn parse_batch_output(out: &str) -> Result<(u64, Option<i64>)> {
    let line = out.lines().last().unwrap_or_default();
    let (rows, last) = line.split_once('|').ok_or_else(|| anyhow!("a batch printed `{out}`"))?;
    let rows = rows.trim().parse().map_err(|_| anyhow!("a batch printed `{out}`"))?;
    Ok((rows, last.trim().parse().ok()))
}

/// Erases a deleted, queued account batch after batch, as the eraser would.
fn erase_by_batches(psql: &Psql, account: &str, baseline_ms: f64) -> Result<Vec<Batch>> {
    let mut batches = Vec::new();
    let mut step = Step::Messages;
    let mut cursor: Option<i64> = None;
    let mut erased = 0u64;
    loop {
        let limit = step.chunk(BATCH_SIZE);
        let next = if step == Step::Store { Step::Account } else { step.next() };
        let full_step = if step == Step::Store { Step::Account } else { step };
        let (out, sample) = timed(
            psql,
            &batch_script(step),
            &[
                ("account", account.to_owned()),
                ("cursor", cursor.unwrap_or(i64::MIN).to_string()),
                ("limit", limit.to_string()),
                ("step", full_step.code().to_owned()),
                ("next", next.code().to_owned()),
            ],
            baseline_ms,
        )?;
        let (rows, last) = parse_batch_output(&out)?;
        erased += rows;
        batches.push(Batch { step, rows, ms: sample.session_ms, wall_ms: sample.wall_ms });
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("\r  batch {:>4} {:<14} {erased} rows erased   ", batches.len(), step.code()).as_bytes(),
        );
        if step == Step::Account {
            eprintln!();
            return Ok(batches);
        }
        if step == Step::Store || rows < limit as u64 {
            step = next;
            cursor = None;
        } else {
            cursor = last.or(cursor);
        }
        if batches.len() > 100_000 {
            bail!("the erasure does not end (over 100000 batches) — check the batch scripts");
        }
    }
}

pub fn bench_deletion(args: &[String]) -> Result<ExitCode> {
    let quick = parse_args(args)?;
    let size = size_for(quick);
    let ws = Workspace::load()?;
    let started = std::time::Instant::now();
    let server = TestServer::start()?;
    let _ = server.drop_database(DATABASE);
    let url = server.create_database(DATABASE)?;
    let result = bench(&ws, &url, size, quick);
    let _ = server.drop_database(DATABASE);
    drop(server);
    let report = result?;
    println!("{report}");
    let path = ws.root.join("target/bench-deletion.md");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, &report).map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
    println!("written to {} in {:.0} s", path.display(), started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

fn apply_migrations(ws: &Workspace, psql: &Psql) -> Result<()> {
    let dir = ws.root.join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| anyhow!("cannot read {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    for file in files {
        let sql = std::fs::read_to_string(&file)?;
        psql.run(&sql, &[]).map_err(|e| anyhow!("migration {}: {e:#}", file.display()))?;
    }
    Ok(())
}

const SHOP_SQL: &str = "INSERT INTO accounts (email, password_hash, name, country) VALUES ('shop@bench.example.test', '!', 'Shop', 'GB') RETURNING id AS shop \\gset
INSERT INTO stores (owner_id, name) VALUES (:'shop', 'The shop') RETURNING id AS store \\gset
SELECT :'store';";

fn deactivate(psql: &Psql, account: &str, finish: &str, baseline_ms: f64) -> Result<Sample> {
    let digest: String = format!("{:0>64}", account.replace('-', ""));
    let (_, sample) = timed(
        psql,
        DEACTIVATE_SQL,
        &[
            ("account", account.to_owned()),
            ("digest_hex", digest),
            ("reason", "too_many_emails".to_owned()),
            ("finish", finish.to_owned()),
        ],
        baseline_ms,
    )?;
    Ok(sample)
}

fn bench(ws: &Workspace, url: &str, size: Size, quick: bool) -> Result<String> {
    let psql = Psql::new(url)?;
    eprintln!("applying the migrations");
    apply_migrations(ws, &psql)?;

    let mut baseline = Vec::new();
    for _ in 0..BASELINE_RUNS {
        baseline.push(net_ms(psql.timed("SELECT 1;", &[])?.1, 0.0));
    }
    let baseline_ms = median(&baseline);

    eprintln!("making two huge accounts of {} messages and {} orders each", size.messages, size.orders);
    let huge_a = huge::make_account(&psql, size, "bench-a", &mut show_progress)?;
    let huge_b = huge::make_account(&psql, size, "bench-b", &mut show_progress)?;
    let shop = psql.run(SHOP_SQL, &[])?;
    psql.run(other_users::SEED_SQL, &[("count", other_users::OTHER_USERS.to_string()), ("other_store", shop.clone())])?;
    let mut tiny = Vec::new();
    for i in 0..TINY_RUNS {
        tiny.push(psql.run(TINY_SQL, &[("tag", format!("t{i}")), ("other_store", shop.clone())])?);
    }
    psql.run("VACUUM ANALYZE;", &[])?;

    eprintln!("timing the deletion call");
    let mut tiny_samples = Vec::new();
    for account in &tiny {
        tiny_samples.push(deactivate(&psql, account, "COMMIT", baseline_ms)?);
    }
    // The tiny accounts' erasures are not measured.
    psql.run("DELETE FROM erasure_queue;", &[])?;
    let mut huge_samples = Vec::new();
    for _ in 0..HUGE_ROLLED_BACK_RUNS {
        huge_samples.push(deactivate(&psql, &huge_a.account_id, "ROLLBACK", baseline_ms)?);
    }
    huge_samples.push(deactivate(&psql, &huge_a.account_id, "COMMIT", baseline_ms)?);
    deactivate(&psql, &huge_b.account_id, "COMMIT", baseline_ms)?;
    psql.run("VACUUM ANALYZE;", &[])?;
    psql.run("CHECKPOINT;", &[])?;

    eprintln!("erasing the first huge account by batches of {BATCH_SIZE}");
    let batches = erase_by_batches(&psql, &huge_a.account_id, baseline_ms)?;
    psql.run("VACUUM ANALYZE;", &[])?;
    psql.run("CHECKPOINT;", &[])?;

    eprintln!("erasing the second in one transaction");
    let (_, single) = timed(&psql, SINGLE_SQL, &[("account", huge_b.account_id.clone())], baseline_ms)?;
    let left = psql.run(
        "SELECT (SELECT count(*) FROM accounts WHERE id IN (:'a', :'b')) + (SELECT count(*) FROM messages WHERE author_id IN (:'a', :'b'));",
        &[("a", huge_a.account_id.clone()), ("b", huge_b.account_id.clone())],
    )?;
    if left.trim() != "0" {
        bail!("{left} rows of the huge accounts are left after their erasure — the bench scripts are wrong");
    }

    eprintln!("making a third huge account, erased while other users use the site");
    let size_c = other_users::erased_size(quick, size);
    let huge_c = huge::make_account(&psql, size_c, "bench-c", &mut show_progress)?;
    deactivate(&psql, &huge_c.account_id, "COMMIT", baseline_ms)?;
    psql.run("VACUUM ANALYZE;", &[])?;
    psql.run("CHECKPOINT;", &[])?;
    let others = other_users::measure(&psql, quick, size_c, || {
        erase_by_batches(&psql, &huge_c.account_id, baseline_ms).map(drop)
    })?;
    let left = psql.run("SELECT count(*) FROM accounts WHERE id = :'c';", &[("c", huge_c.account_id.clone())])?;
    if left.trim() != "0" {
        bail!("the third huge account is left after its erasure — the bench scripts are wrong");
    }

    let mut report =
        render(&Figures { size, quick, baseline_ms, tiny: tiny_samples, huge: huge_samples, batches, single });
    report.push_str(&other_users::render(&others));
    Ok(report)
}

pub struct Figures {
    pub size: Size,
    pub quick: bool,
    pub baseline_ms: f64,
    pub tiny: Vec<Sample>,
    pub huge: Vec<Sample>,
    pub batches: Vec<Batch>,
    pub single: Sample,
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "**over budget**"
    }
}

pub fn render(f: &Figures) -> String {
    let tiny = median(&sessions(&f.tiny));
    let huge = median(&sessions(&f.huge));
    let tiny_wall = median(&walls(&f.tiny));
    let huge_wall = median(&walls(&f.huge));
    let deletion_ratio = ratio(huge, tiny);
    let batch_ms: Vec<f64> = f.batches.iter().map(|b| b.ms).collect();
    let batch_wall: Vec<f64> = f.batches.iter().map(|b| b.wall_ms).collect();
    let total_ms: f64 = batch_ms.iter().sum();
    let total_wall: f64 = batch_wall.iter().sum();
    let longest = f.batches.iter().max_by(|a, b| a.ms.total_cmp(&b.ms));
    let longest_ms = max(&batch_ms);
    let rows: u64 = f.batches.iter().map(|b| b.rows).sum();
    let rows_per_s = |ms: f64| if ms > 0.0 { rows as f64 / (ms / 1000.0) } else { 0.0 };
    let erasure_ratio = ratio(total_ms, f.single.session_ms);

    let mut s = String::new();
    let _ = writeln!(
        s,
        "# bench-deletion{}: huge account = {} messages, {} purchases, {} sales\n",
        if f.quick { " --quick" } else { "" },
        f.size.messages,
        f.size.orders,
        f.size.sales()
    );
    let _ = writeln!(
        s,
        "On a throwaway cluster (fsync off), through psql. Two clocks:\n\n\
         - **session**: the server's `clock_timestamp()` read in the same psql session just before the \
         first statement and just after the last (COMMIT), so every statement's round trip counts but \
         psql's start-up and sign-in do not. Budgets are judged on it.\n\
         - **wall**: `std::time::Instant` around the whole psql call minus the psql start-up baseline \
         (median of {BASELINE_RUNS} empty `SELECT 1` psql calls: {:.1} ms, mostly the scram-sha-256 \
         sign-in), floored at 0; its noise is about the size of the deletion call itself.\n",
        f.baseline_ms
    );
    let _ = writeln!(s, "| figure | session | wall - baseline | budget | verdict |\n| --- | --- | --- | --- | --- |");
    let _ = writeln!(
        s,
        "| deletion call, tiny account (median of {}) | {tiny:.2} ms | {tiny_wall:.1} ms | | |",
        f.tiny.len()
    );
    let _ = writeln!(
        s,
        "| deletion call, huge account (median of {}: {} rolled back, 1 committed) | {huge:.2} ms (max {:.2}) | {huge_wall:.1} ms | | |",
        f.huge.len(),
        f.huge.len().saturating_sub(1),
        max(&sessions(&f.huge))
    );
    let _ = writeln!(
        s,
        "| deletion call, huge / tiny | {deletion_ratio:.2}x | {:.2}x | <= {DELETION_BUDGET}x | {} |",
        ratio(huge_wall, tiny_wall),
        verdict(deletion_ratio <= DELETION_BUDGET)
    );
    let _ = writeln!(
        s,
        "| erasure by batches of {BATCH_SIZE} (updates {}): {} batches, {rows} rows | {:.2} s, {:.0} rows/s | {:.2} s | | |",
        Step::Orders.chunk(BATCH_SIZE),
        f.batches.len(),
        total_ms / 1000.0,
        rows_per_s(total_ms),
        total_wall / 1000.0,
    );
    let _ = writeln!(
        s,
        "| longest batch | {longest_ms:.1} ms ({}) | {:.1} ms | <= {BATCH_BUDGET_MS} ms | {} |",
        longest.map(|b| b.step.code()).unwrap_or("-"),
        max(&batch_wall),
        verdict(longest_ms <= BATCH_BUDGET_MS)
    );
    let _ = writeln!(
        s,
        "| one transaction of plain DELETEs/UPDATEs, same data | {:.2} s, {:.0} rows/s | {:.2} s | | |",
        f.single.session_ms / 1000.0,
        rows_per_s(f.single.session_ms),
        f.single.wall_ms / 1000.0
    );
    let _ = writeln!(
        s,
        "| batches / one transaction | {erasure_ratio:.2}x | {:.2}x | <= {ERASURE_BUDGET}x | {} |",
        ratio(total_wall, f.single.wall_ms),
        verdict(erasure_ratio <= ERASURE_BUDGET)
    );

    let _ = writeln!(
        s,
        "\nBatches by step (session clock):\n\n| step | batches | rows | total | median batch | longest batch |\n| --- | --- | --- | --- | --- | --- |"
    );
    for step in Step::ALL {
        let of_step: Vec<&Batch> = f.batches.iter().filter(|b| b.step == step).collect();
        if of_step.is_empty() {
            continue;
        }
        let ms: Vec<f64> = of_step.iter().map(|b| b.ms).collect();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.0} ms | {:.1} ms | {:.1} ms |",
            step.code(),
            of_step.len(),
            of_step.iter().map(|b| b.rows).sum::<u64>(),
            ms.iter().sum::<f64>(),
            median(&ms),
            max(&ms)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(max(&[1.0, 7.5, 3.0]), 7.5);
        assert_eq!(max(&[]), 0.0);
        assert_eq!(ratio(3.0, 2.0), 1.5);
        assert!(ratio(1.0, 0.0).is_infinite());
        assert_eq!(net_ms(Duration::from_millis(15), 10.0), 5.0);
        assert_eq!(net_ms(Duration::from_millis(5), 10.0), 0.0, "never below zero");
    }

    #[test]
    fn arguments() {
        assert!(!parse_args(&[]).unwrap());
        assert!(parse_args(&["--quick".to_owned()]).unwrap());
        assert!(parse_args(&["--slow".to_owned()]).is_err());
        assert_eq!(size_for(true), Size { messages: 100_000, orders: 10_000 });
        assert_eq!(size_for(false), Size { messages: 1_000_000, orders: 100_000 });
    }

    #[test]
    fn steps_and_chunks_follow_the_eraser() {
        let mut step = Step::Messages;
        let mut seen = vec![step];
        while step != Step::Account {
            step = step.next();
            seen.push(step);
        }
        assert_eq!(seen, Step::ALL);
        assert_eq!(Step::Messages.chunk(5_000), 5_000);
        assert_eq!(Step::Orders.chunk(5_000), 1_000);
        assert_eq!(Step::ProductLinks.chunk(3), 1);
        assert!(batch_script(Step::Account).contains("DELETE FROM erasure_queue"));
        assert!(batch_script(Step::Messages).contains("UPDATE erasure_queue"));
    }

    #[test]
    fn batch_output_is_rows_and_last_id() {
        assert_eq!(parse_batch_output("5000|123").unwrap(), (5000, Some(123)));
        assert_eq!(parse_batch_output("12|").unwrap(), (12, None));
        assert!(parse_batch_output("oops").is_err());
    }

    #[test]
    fn the_report_shows_ratios_and_verdicts() {
        let sample = |ms| Sample { session_ms: ms, wall_ms: ms * 2.0 };
        let batch = |step, ms| Batch { step, rows: 10, ms, wall_ms: ms };
        let report = render(&Figures {
            size: Size { messages: 10, orders: 10 },
            quick: true,
            baseline_ms: 12.0,
            tiny: vec![sample(2.0), sample(4.0), sample(3.0)],
            huge: vec![sample(4.0), sample(5.0), sample(6.0)],
            batches: vec![batch(Step::Messages, 50.0), batch(Step::Messages, 150.0), batch(Step::Account, 1.0)],
            single: sample(100.0),
        });
        assert!(
            report.contains("| deletion call, huge / tiny | 1.67x | 1.67x | <= 1.5x | **over budget** |"),
            "{report}"
        );
        assert!(
            report.contains("| longest batch | 150.0 ms (messages) | 150.0 ms | <= 100 ms | **over budget** |"),
            "{report}"
        );
        assert!(report.contains("| batches / one transaction | 2.01x | 1.00x | <= 2.5x | ok |"), "{report}");
        assert!(report.contains("12.0 ms"), "{report}");
    }

    /// FNV-1a of the text with whitespace collapsed, so reformatting does not count as a change.
    fn fingerprint(text: &str) -> u64 {
        let normalized: Vec<&str> = text.split_whitespace().collect();
        normalized.join(" ").bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3))
    }

    fn region(path: &str, from: &str, to: &str) -> String {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
        let text = std::fs::read_to_string(&file).unwrap();
        let start = text.find(from).unwrap_or_else(|| panic!("`{from}` is no longer in {path}: update the bench"));
        let end = start + text[start..].find(to).unwrap_or_else(|| panic!("`{to}` is no longer in {path}"));
        text[start..end].to_owned()
    }

    const DEACTIVATE_FINGERPRINT: u64 = 2565215747047768077;
    const ERASER_FINGERPRINT: u64 = 12903669373681623222;

    #[test]
    fn the_deactivate_script_mirrors_the_app() {
        let found = fingerprint(&region(
            "app/src/deactivation/store.rs",
            "pub mod sql {",
            "/// Lists on the deactivation page",
        ));
        assert_eq!(
            found, DEACTIVATE_FINGERPRINT,
            "`deactivate` in app/src/deactivation/store.rs changed (its `mod sql` or `deactivate_in`): \
             make xtask/src/bench/deactivate.sql run the same statements, then set DEACTIVATE_FINGERPRINT to {found}"
        );
    }

    #[test]
    fn the_batch_scripts_mirror_the_eraser() {
        let found = fingerprint(&region("server/src/eraser.rs", "pub async fn erase_one_batch", "#[cfg(test)]"));
        assert_eq!(
            found, ERASER_FINGERPRINT,
            "`erase_one_batch` in server/src/eraser.rs changed: make `Step::sql`, `batch_script` and \
             single.sql in xtask/src/bench/ do the same, then set ERASER_FINGERPRINT to {found}"
        );
    }
}
