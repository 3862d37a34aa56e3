//! The benchmark's figures, their verdicts against docs/design.md ("Performance budgets"), BENCHMARKS.md and the
//! SVG plots.

use super::browser::Resource;
use super::deletion::{Batch, Deletion};
use super::load::Load;
use super::pages::AccountPage;
use super::staff_reasons::StaffReasons;
use super::stats::{max, median, percentile, ratio};
use super::{Plan, BATCH_SIZE};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::path::Path;

pub const BYTES_BUDGET: u64 = 150_000;
pub const RATE_BUDGET: f64 = 0.20;
pub const SSR_P99_BUDGET: f64 = 1.5;
/// A p50 on a reused connection above this is a Nagle stall (docs/design.md, "Performance budgets").
pub const KEEP_ALIVE_P50_BUDGET_MS: f64 = 5.0;
pub const DELETION_BUDGET: f64 = 1.5;
pub const DELETION_P99_BUDGET_MS: f64 = 50.0;
pub const ERASURE_BUDGET: f64 = 2.5;
pub const BATCH_BUDGET_MS: f64 = 100.0;
pub const OTHER_USERS_BUDGET: f64 = 1.5;
pub const ACCOUNT_PAGE_BUDGET: f64 = 1.5;
pub const STAFF_REASONS_BUDGET: f64 = 1.5;
/// Where the signed-in page's time goes, written by hand; BENCHMARKS.md includes it.
pub const BREAKDOWN: &str = "benchmarks/ssr-breakdown.md";
/// What the wasm's bytes are, written by hand; BENCHMARKS.md includes it under section 1.
pub const WASM_BREAKDOWN: &str = "benchmarks/wasm-breakdown.md";
/// Where the staff page's time goes, written by hand; BENCHMARKS.md includes it under section 9.
pub const STAFF_BREAKDOWN: &str = "benchmarks/staff-breakdown.md";

pub struct Round {
    pub server_closed: Load,
    pub nginx_closed: Load,
    /// The open-loop rate both sides got this round.
    pub rate: u32,
    pub server_open: Load,
    pub nginx_open: Load,
}

#[derive(Default)]
pub struct Serving {
    pub rounds: Vec<Round>,
}

impl Serving {
    fn median_of(&self, pick: impl Fn(&Round) -> f64) -> f64 {
        median(&self.rounds.iter().map(pick).collect::<Vec<_>>())
    }
}

/// The stylesheet on one keep-alive connection, from the server and from nginx.
pub struct AssetRound {
    pub server: Load,
    pub nginx: Load,
}

pub struct OtherUsers {
    pub page_view: Load,
    pub write: Load,
}

/// How long an erasure took: until its last batch ended.
fn erasure_ms(batches: &[Batch]) -> f64 {
    batches.last().map_or(0.0, |b| b.at_ms)
}

/// The time of an erasure spent outside its batches: the eraser's rests while others use the
/// database, and its looks at them.
fn between_batches_ms(batches: &[Batch]) -> f64 {
    erasure_ms(batches) - batches.iter().map(|b| b.ms).sum::<f64>()
}

/// The median over the rounds of each run's median latency.
fn median_p50(runs: &[Load]) -> f64 {
    median(&runs.iter().map(|r| r.p50_ms).collect::<Vec<_>>())
}

fn longest_batch(batches: &[Batch]) -> Option<&Batch> {
    batches.iter().max_by(|a, b| a.ms.total_cmp(&b.ms))
}

/// One round of section 5: the other users idle, then during an erasure.
pub struct OtherUsersRound {
    pub idle: OtherUsers,
    pub during: OtherUsers,
    /// The batches of the erasure under way during the load.
    pub erasure: Vec<Batch>,
    pub erasure_outlasted_load: bool,
}

impl OtherUsersRound {
    /// One line: the p99s, and how the erasure went.
    pub fn summary(&self) -> String {
        let longest = longest_batch(&self.erasure);
        format!(
            "p99 idle {:.2} / {:.2} ms, during {:.2} / {:.2} ms (page view / write); the erasure took {:.2} s \
             ({:.2} s of it between batches), longest batch {:.1} ms ({})",
            self.idle.page_view.p99_ms,
            self.idle.write.p99_ms,
            self.during.page_view.p99_ms,
            self.during.write.p99_ms,
            erasure_ms(&self.erasure) / 1000.0,
            between_batches_ms(&self.erasure) / 1000.0,
            longest.map_or(0.0, |b| b.ms),
            longest.map_or("none", |b| b.step.as_str()),
        )
    }
}

pub struct Figures {
    pub plan: Plan,
    pub machine: String,
    pub resources: Vec<Resource>,
    /// The signed-in page, every request on a new connection, and on keep-alive connections.
    pub ssr: Serving,
    pub ssr_keep_alive: Serving,
    pub static_asset: Vec<AssetRound>,
    pub tiny: Vec<Deletion>,
    pub huge: Vec<Deletion>,
    pub batches: Vec<Batch>,
    pub one_transaction_ms: f64,
    pub other_users: Vec<OtherUsersRound>,
    pub hydrated_ms: Vec<f64>,
    pub static_ms: Vec<f64>,
    pub account_pages: Vec<AccountPage>,
    pub export: super::export::ExportFigure,
    pub staff_reasons: StaffReasons,
    /// `benchmarks/ssr-breakdown.md`: where the signed-in page's time goes, measured by hand
    /// (profiles need tools the bench does not install), shown under section 2.
    pub breakdown: Option<String>,
    /// `benchmarks/wasm-breakdown.md`: the wasm by crate (twiggy, run by hand), under section 1.
    pub wasm_breakdown: Option<String>,
}

/// One line of the summary: what, measured, baseline, ratio or size, budget, verdict.
struct Line {
    figure: String,
    measured: String,
    baseline: String,
    result: String,
    budget: String,
    ok: Option<bool>,
}

fn line(
    figure: impl Into<String>,
    measured: String,
    baseline: String,
    result: String,
    budget: String,
    ok: Option<bool>,
) -> Line {
    Line { figure: figure.into(), measured, baseline, result, budget, ok }
}

/// A line comparing two times: their ratio must stay within `budget`.
fn latency_ratio_line(figure: &str, measured_ms: f64, baseline_ms: f64, budget: f64) -> Line {
    let result = ratio(measured_ms, baseline_ms);
    line(
        figure,
        format!("{measured_ms:.2} ms"),
        format!("{baseline_ms:.2} ms"),
        format!("{result:.2}x"),
        format!("<= {budget}x"),
        Some(result <= budget),
    )
}

/// A section measured by hand (`benchmarks/*.md`), when its file is there.
fn push_hand_measured(s: &mut String, section: &Option<String>) {
    if let Some(section) = section {
        s.push('\n');
        s.push_str(section.trim_end());
        s.push('\n');
    }
}

fn verdict(ok: Option<bool>) -> &'static str {
    match ok {
        Some(true) => "ok",
        Some(false) => "**over budget**",
        None => "",
    }
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

impl Figures {
    fn code(&self) -> impl Iterator<Item = &Resource> {
        self.resources.iter().filter(|r| r.is_code())
    }

    fn rows_erased(&self) -> u64 {
        self.batches.iter().map(|b| b.rows).sum()
    }

    fn lines(&self) -> Vec<Line> {
        let brotli: u64 = self.code().map(|r| r.brotli).sum();
        let raw: u64 = self.code().map(|r| r.raw).sum();
        let gzip: u64 = self.code().map(|r| r.gzip).sum();
        let ms = |samples: &[Deletion]| samples.iter().map(|d| d.ms).collect::<Vec<_>>();
        let (tiny, huge) = (ms(&self.tiny), ms(&self.huge));
        let deletion_p99 = percentile(&tiny, 99.0).max(percentile(&huge, 99.0));
        let longest = longest_batch(&self.batches);
        let longest_ms = longest.map_or(0.0, |b| b.ms);
        let hydrated = median(&self.hydrated_ms);
        let plain = median(&self.static_ms);
        // The median over the rounds of each side's p99: one hiccup of the machine in one window
        // moves a p99 of a few hundred requests a lot.
        let p99 = |side: fn(&OtherUsersRound) -> &OtherUsers, request: fn(&OtherUsers) -> &Load| {
            median(&self.other_users.iter().map(|r| request(side(r)).p99_ms).collect::<Vec<_>>())
        };
        let erasure_ratio = ratio(erasure_ms(&self.batches), self.one_transaction_ms);
        let mut lines = vec![line(
            "1. JS + WASM + CSS of a first visit, brotli",
            kb(brotli),
            format!("raw {}, gzip {}", kb(raw), kb(gzip)),
            kb(brotli),
            format!("<= {}", kb(BYTES_BUDGET)),
            Some(brotli <= BYTES_BUDGET),
        )];
        for (mode, serving) in [("new connections", &self.ssr), ("keep-alive", &self.ssr_keep_alive)] {
            let server_rate = serving.median_of(|r| r.server_closed.requests_per_s);
            let nginx_rate = serving.median_of(|r| r.nginx_closed.requests_per_s);
            lines.push(line(
                format!("2. signed-in page, requests/s, {mode}: server vs nginx"),
                format!("{server_rate:.0}/s"),
                format!("{nginx_rate:.0}/s"),
                format!("{:.3}x", ratio(server_rate, nginx_rate)),
                format!(">= {RATE_BUDGET}x"),
                Some(ratio(server_rate, nginx_rate) >= RATE_BUDGET),
            ));
            lines.push(latency_ratio_line(
                &format!("2. open-loop p99 at half the server's rate, {mode}: server vs nginx"),
                serving.median_of(|r| r.server_open.p99_ms),
                serving.median_of(|r| r.nginx_open.p99_ms),
                SSR_P99_BUDGET,
            ));
        }
        let asset_p50 = median(&self.static_asset.iter().map(|r| r.server.p50_ms).collect::<Vec<_>>());
        let nginx_asset_p50 = median(&self.static_asset.iter().map(|r| r.nginx.p50_ms).collect::<Vec<_>>());
        let page_p50 = self.ssr_keep_alive.median_of(|r| r.server_open.p50_ms);
        for (what, p50, baseline) in [
            ("stylesheet, one connection", asset_p50, nginx_asset_p50),
            ("signed-in page, open loop", page_p50, self.ssr_keep_alive.median_of(|r| r.nginx_open.p50_ms)),
        ] {
            lines.push(line(
                format!("2. keep-alive p50, {what}: server (nginx)"),
                format!("{p50:.2} ms"),
                format!("{baseline:.2} ms"),
                format!("{p50:.2} ms"),
                format!("< {KEEP_ALIVE_P50_BUDGET_MS} ms"),
                Some(p50 < KEEP_ALIVE_P50_BUDGET_MS),
            ));
        }
        lines.extend([
            latency_ratio_line(
                "3. deletion call, median: huge vs tiny account",
                median(&huge),
                median(&tiny),
                DELETION_BUDGET,
            ),
            line(
                "3. deletion call, p99 of all calls",
                format!("{deletion_p99:.2} ms"),
                String::new(),
                format!("{deletion_p99:.2} ms"),
                format!("<= {DELETION_P99_BUDGET_MS} ms"),
                Some(deletion_p99 <= DELETION_P99_BUDGET_MS),
            ),
            line(
                "4. erasure: batches vs one transaction",
                format!("{:.2} s", erasure_ms(&self.batches) / 1000.0),
                format!("{:.2} s", self.one_transaction_ms / 1000.0),
                format!("{erasure_ratio:.2}x"),
                format!("<= {ERASURE_BUDGET}x"),
                Some(erasure_ratio <= ERASURE_BUDGET),
            ),
            line(
                "4. longest batch",
                format!("{longest_ms:.1} ms ({})", longest.map_or("-", |b| b.step.as_str())),
                String::new(),
                format!("{longest_ms:.1} ms"),
                format!("<= {BATCH_BUDGET_MS} ms"),
                Some(longest_ms <= BATCH_BUDGET_MS),
            ),
            latency_ratio_line(
                "5. other users' page view p99: during erasure vs idle",
                p99(|r| &r.during, |o| &o.page_view),
                p99(|r| &r.idle, |o| &o.page_view),
                OTHER_USERS_BUDGET,
            ),
            latency_ratio_line(
                "5. other users' write p99: during erasure vs idle",
                p99(|r| &r.during, |o| &o.write),
                p99(|r| &r.idle, |o| &o.write),
                OTHER_USERS_BUDGET,
            ),
            line(
                "6. hydrated (median): the page vs a static page's load event",
                format!("{hydrated:.0} ms"),
                format!("{plain:.0} ms"),
                format!("{:.2}x", ratio(hydrated, plain)),
                "none set".to_owned(),
                None,
            ),
        ]);
        for page in &self.account_pages {
            lines.push(latency_ratio_line(
                &format!("7. {}, p50: huge seller vs tiny", page.name),
                median_p50(&page.huge),
                median_p50(&page.tiny),
                ACCOUNT_PAGE_BUDGET,
            ));
        }
        lines.extend(staff_reasons_lines(&self.staff_reasons));
        lines
    }
}

/// Section 8's lines: each page's p50 with the history against empty statistics.
fn staff_reasons_lines(r: &StaffReasons) -> Vec<Line> {
    r.pages
        .iter()
        .map(|page| {
            latency_ratio_line(
                &format!(
                    "9. staff reasons, {}, p50: {} deletions vs none",
                    page.name,
                    short(r.history.deletions as f64)
                ),
                median_p50(&page.huge),
                median_p50(&page.tiny),
                STAFF_REASONS_BUDGET,
            )
        })
        .collect()
}

const SUMMARY_HEADER: &str =
    "| figure | measured | baseline | result | budget | verdict |\n| --- | --- | --- | --- | --- | --- |\n";

fn summary_rows(lines: &[Line]) -> String {
    let mut s = String::new();
    for l in lines {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            l.figure,
            l.measured,
            l.baseline,
            l.result,
            l.budget,
            verdict(l.ok)
        );
    }
    s
}

pub fn summary_table(f: &Figures) -> String {
    format!("{SUMMARY_HEADER}{}", summary_rows(&f.lines()))
}

/// The summary of `--only staff-reasons`.
pub fn staff_reasons_summary(r: &StaffReasons) -> String {
    format!("{SUMMARY_HEADER}{}", summary_rows(&staff_reasons_lines(r)))
}

/// `--only staff-reasons`: BENCHMARKS.md as the last run wrote it, with section 9's summary
/// lines and section replaced (or added).
pub fn write_staff_reasons_only(root: &Path, plan: &Plan, r: &StaffReasons) -> Result<Vec<String>> {
    let path = root.join("BENCHMARKS.md");
    let before = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    let rows = summary_rows(&staff_reasons_lines(r));
    let after = splice_section(&before, "9.", &rows, &staff_reasons_section(plan, r, true));
    std::fs::write(&path, after).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(vec!["BENCHMARKS.md".to_owned()])
}

/// `markdown` with the summary rows of section `number` (`| 8. …`) replaced by `rows` (after the
/// summary table's last row), and its `## 8. …` section by `section` (appended if absent).
fn splice_section(markdown: &str, number: &str, rows: &str, section: &str) -> String {
    let row_prefix = format!("| {number} ");
    let mut lines: Vec<&str> = markdown.lines().filter(|l| !l.starts_with(&row_prefix)).collect();
    let first_heading = lines.iter().position(|l| l.starts_with("## ")).unwrap_or(lines.len());
    let insert_at = lines[..first_heading].iter().rposition(|l| l.starts_with("| ")).map_or(first_heading, |i| i + 1);
    let new_rows: Vec<&str> = rows.lines().collect();
    lines.splice(insert_at..insert_at, new_rows);
    let mut text = lines.join("\n");
    text.push('\n');
    let heading = format!("\n## {number} ");
    let section = format!("\n{}\n", section.trim());
    match text.find(&heading) {
        Some(start) => {
            let end = text[start + 1..].find("\n## ").map_or(text.len(), |i| start + 1 + i);
            text.replace_range(start..end, &section);
        }
        None => text.push_str(&section),
    }
    text
}

/// What this machine is, for the record.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("{cores} cores ({cpu}), load average {} at the end of the run", load.join(" "))
}

/// The page as a static document: the same HTML without its scripts and their preloads.
pub fn without_scripts(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</script>") {
            Some(end) => rest = &rest[start + end + "</script>".len()..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.split_inclusive('>')
        .filter(|tag| !(tag.contains("<link") && (tag.contains("modulepreload") || tag.contains("rel=\"preload\""))))
        .collect()
}

/// Writes BENCHMARKS.md and the plots; returns what it wrote.
pub fn write(root: &Path, f: &Figures) -> Result<Vec<String>> {
    let dir = root.join("benchmarks");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let files = [
        ("benchmarks/erasure-progress.svg", progress_svg(f)),
        ("benchmarks/erasure-batches.svg", batches_svg(f)),
        ("BENCHMARKS.md", markdown(f)),
    ];
    for (name, text) in &files {
        std::fs::write(root.join(name), text).with_context(|| format!("cannot write {name}"))?;
    }
    Ok(files.iter().map(|(name, _)| (*name).to_owned()).collect())
}

fn markdown(f: &Figures) -> String {
    let mut s = String::new();
    let (command, note) = if f.plan.quick {
        ("cargo xtask bench --quick", " (a smoke check: a small account and short runs; judge budgets on the full run)")
    } else {
        ("cargo xtask bench", "")
    };
    let _ = writeln!(
        s,
        "# Benchmarks\n\nWritten by `{command}`{note}. Every figure is measured against its baseline in the same run \
         (these machines are shared and noisy: ratios hold, absolute times do not). Budgets: docs/design.md, \"Performance budgets\".\n\n\
         Machine: {}.\n",
        f.machine
    );
    s.push_str(&summary_table(f));

    let _ = writeln!(s, "\n## 1. Bytes of a first visit to `/en/account/deactivate`\n");
    let _ = writeln!(s, "Every response Chromium loaded (Playwright's own list, fresh context, signed in), compressed here with gzip -9 and brotli -q 11; \"sent as\" is the encoding the server chose for Chromium. The budget counts JS, WASM and CSS.\n");
    let _ = writeln!(s, "| response | type | sent as | raw | gzip | brotli |\n| --- | --- | --- | --- | --- | --- |");
    for r in &f.resources {
        let _ = writeln!(s, "| `{}` | {} | {} | {} | {} | {} |", r.url, r.kind, r.sent_as, r.raw, r.gzip, r.brotli);
    }
    push_hand_measured(&mut s, &f.wasm_breakdown);

    let _ = writeln!(
        s,
        "\n## 2. The signed-in deactivation page: server against nginx\n\n\
         The release server renders the page for a signed-in seller (session lookup, impact summary from PostgreSQL); nginx \
         (one worker) sends the same bytes from a file. Server, PostgreSQL and nginx on core 0, oha on core 1; {} \
         interleaved rounds of {} s per side, first with every request on a new connection, then on keep-alive \
         connections: closed loop with 8 connections for the rate, then open loop (`-q`, `--latency-correction`) at half \
         the server's rate of that round for the latency.\n",
        f.plan.rounds,
        f.plan.load_time.as_secs()
    );
    for (mode, serving) in
        [("every request on a new connection", &f.ssr), ("keep-alive connections", &f.ssr_keep_alive)]
    {
        let _ = writeln!(s, "{mode}:\n");
        let _ = writeln!(s, "| round | server req/s | nginx req/s | open-loop rate | server p50 / p99 / p99.9 | nginx p50 / p99 / p99.9 |\n| --- | --- | --- | --- | --- | --- |");
        for (i, r) in serving.rounds.iter().enumerate() {
            let _ = writeln!(
                s,
                "| {} | {:.0} | {:.0} | {}/s | {:.2} / {:.2} / {:.2} ms | {:.2} / {:.2} / {:.2} ms |",
                i + 1,
                r.server_closed.requests_per_s,
                r.nginx_closed.requests_per_s,
                r.rate,
                r.server_open.p50_ms,
                r.server_open.p99_ms,
                r.server_open.p999_ms,
                r.nginx_open.p50_ms,
                r.nginx_open.p99_ms,
                r.nginx_open.p999_ms
            );
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "The stylesheet on one keep-alive connection, request after request, {} s per side and round (a response \
         that waits for the client's delayed ACK shows as a 40 ms p50):\n\n\
         | round | server p50 / p99 | nginx p50 / p99 |\n| --- | --- | --- |",
        f.plan.page_time.as_secs()
    );
    for (i, r) in f.static_asset.iter().enumerate() {
        let _ = writeln!(
            s,
            "| {} | {:.2} / {:.2} ms | {:.2} / {:.2} ms |",
            i + 1,
            r.server.p50_ms,
            r.server.p99_ms,
            r.nginx.p50_ms,
            r.nginx.p99_ms
        );
    }
    push_hand_measured(&mut s, &f.breakdown);

    let ms = |samples: &[Deletion]| samples.iter().map(|d| d.ms).collect::<Vec<_>>();
    let _ = writeln!(
        s,
        "\n## 3. The deletion call\n\n`app::deactivation::store::deactivate_in` (the server function's transaction: lock, scrub, end \
         sessions, cancel and refund open orders, close the store, record, queue) timed from BEGIN to COMMIT/ROLLBACK by \
         `server/benches/deletion.rs`. Tiny: {} accounts, one committed call each (median {:.2} ms, max {:.2} ms). Huge \
         ({} messages, {} purchases, {} sales, about {} rows): {} calls rolled back, then one committed (median {:.2} ms, \
         max {:.2} ms).\n",
        f.tiny.len(),
        median(&ms(&f.tiny)),
        max(&ms(&f.tiny)),
        f.plan.huge.messages,
        f.plan.huge.orders,
        f.plan.huge.sales(),
        f.plan.huge.messages + f.plan.huge.orders + 2 * f.plan.huge.sales(),
        f.huge.iter().filter(|d| !d.committed).count(),
        median(&ms(&f.huge)),
        max(&ms(&f.huge)),
    );

    let erasure_s = erasure_ms(&f.batches) / 1000.0;
    let _ = writeln!(
        s,
        "## 4. The erasure\n\nThe server's eraser loop (`server::eraser::erase_one_batch`, then `rest_after`; batches of \
         {BATCH_SIZE} rows, a fifth of that for updates) until the queue is empty, with no one else using the database: \
         {} batches, {} rows in {:.2} s, {:.0} rows/s; {:.2} s of it between batches. The baseline removes the same \
         data of a second, identical account with plain statements in one transaction (what a cascading DELETE does): \
         {:.2} s, {:.0} rows/s.\n\n![erasure progress](benchmarks/erasure-progress.svg)\n\n![batch durations](benchmarks/erasure-batches.svg)\n",
        f.batches.len(),
        f.rows_erased(),
        erasure_s,
        ratio(f.rows_erased() as f64, erasure_s),
        between_batches_ms(&f.batches) / 1000.0,
        f.one_transaction_ms / 1000.0,
        ratio(f.rows_erased() as f64, f.one_transaction_ms / 1000.0)
    );
    let _ = writeln!(
        s,
        "| step | batches | rows | total | median batch | longest batch |\n| --- | --- | --- | --- | --- | --- |"
    );
    let mut steps: Vec<&str> = f.batches.iter().map(|b| b.step.as_str()).collect();
    steps.dedup();
    for step in steps {
        let of_step: Vec<&Batch> = f.batches.iter().filter(|b| b.step == step).collect();
        let ms: Vec<f64> = of_step.iter().map(|b| b.ms).collect();
        let _ = writeln!(
            s,
            "| {step} | {} | {} | {:.0} ms | {:.1} ms | {:.1} ms |",
            of_step.len(),
            of_step.iter().map(|b| b.rows).sum::<u64>(),
            ms.iter().sum::<f64>(),
            median(&ms),
            max(&ms)
        );
    }

    let _ = writeln!(
        s,
        "\n## 5. Other users during an erasure\n\nTwo other signed-in users over HTTP, open loop at {} requests/s each \
         (oha on core 1): a page view (`GET /en/account/orders`) and a write (`POST /api/update_profile`), first with \
         nothing else running, then while a huge account, twice the size of the one above, is erased by batches; {} \
         rounds, each with an account of its own. The summary compares the medians over the rounds of the p99s.{}\n",
        f.plan.other_users_rate,
        f.other_users.len(),
        if f.other_users.iter().all(|r| r.erasure_outlasted_load) {
            ""
        } else {
            " **In at least one round the erasure ended before the load did: part of that run was idle.**"
        }
    );
    for (round, r) in f.other_users.iter().enumerate() {
        let _ = writeln!(s, "Round {}: {}.\n", round + 1, r.summary());
    }
    let _ = writeln!(
        s,
        "| round | request | idle p50 / p99 / p99.9 | during p50 / p99 / p99.9 |\n| --- | --- | --- | --- |"
    );
    for (round, r) in f.other_users.iter().enumerate() {
        for (name, idle, during) in
            [("page view", &r.idle.page_view, &r.during.page_view), ("write", &r.idle.write, &r.during.write)]
        {
            let _ = writeln!(
                s,
                "| {} | {name} | {:.2} / {:.2} / {:.2} ms | {:.2} / {:.2} / {:.2} ms |",
                round + 1,
                idle.p50_ms,
                idle.p99_ms,
                idle.p999_ms,
                during.p50_ms,
                during.p99_ms,
                during.p999_ms
            );
        }
    }

    let _ = writeln!(
        s,
        "\n## 6. Hydration\n\nHeadless Chromium, a fresh context per visit (nothing cached), from navigation start: to \
         `<body data-hydrated>` on the signed-in page (wasm fetched, compiled and hydrated), against the load event of the \
         same HTML without its scripts served by nginx, interleaved, {} of each. Page: median {:.0} ms (p90 {:.0} ms); \
         static: median {:.0} ms (p90 {:.0} ms).",
        f.hydrated_ms.len(),
        median(&f.hydrated_ms),
        percentile(&f.hydrated_ms, 90.0),
        median(&f.static_ms),
        percentile(&f.static_ms, 90.0)
    );

    let _ = writeln!(
        s,
        "\n## 7. Every account page: the huge seller against a tiny one\n\nThe account of section 3 before its \
         deletion ({} messages, {} purchases, {} sales) against a tiny seller (five messages, three purchases, two \
         sales), signed in, each page rendered by the server (session, data from PostgreSQL, HTML): one connection, \
         closed loop, a new connection per request, {} s per page and account, the two interleaved, {} rounds. The \
         summary compares the medians over the rounds of the p50s.\n",
        f.plan.huge.messages,
        f.plan.huge.orders,
        f.plan.huge.sales(),
        f.plan.page_time.as_secs(),
        f.plan.rounds
    );
    push_page_rounds(&mut s, &f.account_pages, "huge", "tiny");
    s.push('\n');
    s.push_str(&super::export::section(&f.export, command));
    s.push_str(&staff_reasons_section(&f.plan, &f.staff_reasons, false));
    s
}

/// A row per page and round: each side's rate and p50 / p99.
fn push_page_rounds(s: &mut String, pages: &[AccountPage], huge: &str, tiny: &str) {
    let _ = writeln!(
        s,
        "| round | page | {huge} req/s | {huge} p50 / p99 | {tiny} req/s | {tiny} p50 / p99 |\n| --- | --- | --- | --- | --- | --- |"
    );
    for page in pages {
        for (round, (huge, tiny)) in page.huge.iter().zip(&page.tiny).enumerate() {
            let _ = writeln!(
                s,
                "| {} | {} (`{}`) | {:.0} | {:.2} / {:.2} ms | {:.0} | {:.2} / {:.2} ms |",
                round + 1,
                page.name,
                page.path,
                huge.requests_per_s,
                huge.p50_ms,
                huge.p99_ms,
                tiny.requests_per_s,
                tiny.p50_ms,
                tiny.p99_ms
            );
        }
    }
}

/// Section 9; `alone` when `--only staff-reasons` measured it apart from the other sections.
fn staff_reasons_section(plan: &Plan, r: &StaffReasons, alone: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n## 9. The staff's reason statistics: three years of them against none\n\n{}The staff page \
         (`/en/staff/reasons`: the session and the staff role, the counters, the \"Other\" texts, the SVG chart and the \
         table) and its CSV, for a staff member with a password just entered, from two server processes, each on a \
         database of its own on the same cluster: one with {} deletions over {} days in the statistics (the seeder of \
         `cargo xtask reason-history`, {:.0} s), one with none. One connection, closed loop, a new connection per \
         request, {} s per page and side, the two interleaved, {} rounds. The summary compares the medians over the \
         rounds of the p50s.\n",
        if alone {
            format!(
                "Measured alone by `cargo xtask bench --only staff-reasons{}`; the other sections are from the run named above. ",
                if plan.quick { " --quick" } else { "" }
            )
        } else {
            String::new()
        },
        r.history.deletions,
        r.history.days,
        r.seeding_s,
        plan.page_time.as_secs(),
        plan.rounds
    );
    push_page_rounds(&mut s, &r.pages, "3 years", "empty");
    push_hand_measured(&mut s, &r.breakdown);
    s
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 320.0;
const MARGIN: f64 = 56.0;
/// The plotting area inside the axes: left, bottom, right, top.
const FRAME: (f64, f64, f64, f64) = (MARGIN, HEIGHT - MARGIN / 1.5, WIDTH - 16.0, 32.0);

fn svg_frame(title: &str, x_label: &str, y_label: &str, x_max: f64, y_max: f64, body: &str) -> String {
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">{title}</text>\n",
        WIDTH / 2.0
    );
    let (x0, y0, x1, y1) = FRAME;
    let _ = writeln!(s, "<path d=\"M{x0} {y1} V{y0} H{x1}\" stroke=\"black\" fill=\"none\"/>");
    for i in 0..=4 {
        let fraction = f64::from(i) / 4.0;
        let y = y0 - fraction * (y0 - y1);
        let x = x0 + fraction * (x1 - x0);
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            x0 - 4.0,
            y + 4.0,
            short(fraction * y_max)
        );
        let _ = writeln!(
            s,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            y0 + 14.0,
            short(fraction * x_max)
        );
    }
    let _ =
        writeln!(s, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{x_label}</text>", (x0 + x1) / 2.0, HEIGHT - 6.0);
    let _ = writeln!(
        s,
        "<text x=\"12\" y=\"{}\" transform=\"rotate(-90 12 {})\" text-anchor=\"middle\">{y_label}</text>",
        (y0 + y1) / 2.0,
        (y0 + y1) / 2.0
    );
    s.push_str(body);
    s.push_str("</svg>\n");
    s
}

/// Maps data coordinates into the frame of [`svg_frame`].
fn plot_point(x: f64, y: f64, x_max: f64, y_max: f64) -> (f64, f64) {
    let (x0, y0, x1, y1) = FRAME;
    (x0 + ratio(x, x_max).min(1.0) * (x1 - x0), y0 - ratio(y, y_max).min(1.0) * (y0 - y1))
}

fn short(value: f64) -> String {
    match value {
        v if v >= 1_000_000.0 => format!("{:.1}M", v / 1_000_000.0),
        v if v >= 10_000.0 => format!("{:.0}k", v / 1000.0),
        v if v >= 10.0 => format!("{v:.0}"),
        v => format!("{v:.1}"),
    }
}

fn progress_svg(f: &Figures) -> String {
    let total = f.rows_erased() as f64;
    let x_max = (erasure_ms(&f.batches).max(f.one_transaction_ms) / 1000.0).max(0.001);
    let mut done = 0.0;
    let mut points = vec![plot_point(0.0, 0.0, x_max, total)];
    for b in &f.batches {
        done += b.rows as f64;
        points.push(plot_point(b.at_ms / 1000.0, done, x_max, total));
    }
    let path: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let (tx, ty) = plot_point(f.one_transaction_ms / 1000.0, total, x_max, total);
    let (bx, by) = plot_point(0.0, 0.0, x_max, total);
    let body = format!(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#dc2c04\" stroke-width=\"2\"/>\n\
         <path d=\"M{bx:.1} {by:.1} L{tx:.1} {ty:.1}\" stroke=\"#555\" stroke-dasharray=\"4 3\" fill=\"none\"/>\n\
         <circle cx=\"{tx:.1}\" cy=\"{ty:.1}\" r=\"3\" fill=\"#555\"/>\n\
         <text x=\"{}\" y=\"48\" fill=\"#dc2c04\">batches: {:.2} s</text>\n\
         <text x=\"{}\" y=\"64\" fill=\"#555\">one transaction (all at its commit): {:.2} s</text>\n",
        path.join(" "),
        MARGIN + 10.0,
        erasure_ms(&f.batches) / 1000.0,
        MARGIN + 10.0,
        f.one_transaction_ms / 1000.0
    );
    svg_frame("Erasure of the huge account: rows erased over time", "seconds", "rows erased", x_max, total, &body)
}

fn batches_svg(f: &Figures) -> String {
    let x_max = f.batches.len().max(1) as f64;
    let y_max = (max(&f.batches.iter().map(|b| b.ms).collect::<Vec<_>>()).max(BATCH_BUDGET_MS) * 1.1).max(1.0);
    let mut body = String::new();
    for (i, b) in f.batches.iter().enumerate() {
        let (x, y) = plot_point(i as f64 + 1.0, b.ms, x_max, y_max);
        let colour = if b.ms > BATCH_BUDGET_MS { "#dc2c04" } else { "#1f5fa8" };
        let _ = writeln!(
            body,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"1.8\" fill=\"{colour}\"><title>{} {:.1} ms</title></circle>",
            b.step, b.ms
        );
    }
    let (lx, ly) = plot_point(0.0, BATCH_BUDGET_MS, x_max, y_max);
    let (rx, _) = plot_point(x_max, BATCH_BUDGET_MS, x_max, y_max);
    let _ = writeln!(body, "<path d=\"M{lx:.1} {ly:.1} H{rx:.1}\" stroke=\"#dc2c04\" stroke-dasharray=\"4 3\"/>");
    let _ = writeln!(
        body,
        "<text x=\"{rx:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#dc2c04\">budget {BATCH_BUDGET_MS} ms</text>",
        ly - 4.0
    );
    svg_frame("Erasure batches: duration of each", "batch", "milliseconds", x_max, y_max, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_static_page_has_no_scripts_or_preloads() {
        let html = r#"<html><head><link rel="modulepreload" href="/pkg/a.js"><link rel="preload" href="/pkg/a.wasm" as="fetch"><link rel="stylesheet" href="/pkg/a.css"><script nonce="x">import('/pkg/a.js')</script></head><body><p>Hi</p><script>1</script></body></html>"#;
        let plain = without_scripts(html);
        assert_eq!(
            plain,
            r#"<html><head><link rel="stylesheet" href="/pkg/a.css"></head><body><p>Hi</p></body></html>"#
        );
    }

    #[test]
    fn one_sections_lines_and_text_are_replaced_and_the_rest_kept() {
        let old = "# Benchmarks\n\n| figure | x |\n| --- | --- |\n| 7. a | 1 |\n| 8. old | 2 |\n\n## 7. Pages\n\nseven\n\n## 8. Old\n\nold text\n";
        let new = splice_section(old, "8.", "| 8. new | 3 |\n| 8. newer | 4 |\n", "## 8. New\n\nnew text\n");
        assert_eq!(
            new,
            "# Benchmarks\n\n| figure | x |\n| --- | --- |\n| 7. a | 1 |\n| 8. new | 3 |\n| 8. newer | 4 |\n\n## 7. Pages\n\nseven\n\n## 8. New\n\nnew text\n"
        );
        assert_eq!(splice_section(&new, "8.", "| 8. new | 3 |\n| 8. newer | 4 |\n", "## 8. New\n\nnew text\n"), new);
        // A file without the section gets it at the end; a later section stays after it.
        let without = "# B\n\n| f |\n| 7. a |\n\n## 7. P\n\nseven\n";
        assert_eq!(
            splice_section(without, "8.", "| 8. n |\n", "## 8. N\n"),
            "# B\n\n| f |\n| 7. a |\n| 8. n |\n\n## 7. P\n\nseven\n\n## 8. N\n"
        );
        let between = "# B\n\n| f |\n| 8. o |\n\n## 8. O\n\nold\n\n## 9. L\n\nlater\n";
        assert_eq!(
            splice_section(between, "8.", "| 8. n |\n", "## 8. N\n"),
            "# B\n\n| f |\n| 8. n |\n\n## 8. N\n\n## 9. L\n\nlater\n"
        );
    }

    #[test]
    fn numbers_are_short_on_the_axes() {
        assert_eq!(short(1_200_000.0), "1.2M");
        assert_eq!(short(25_000.0), "25k");
        assert_eq!(short(150.0), "150");
        assert_eq!(short(2.5), "2.5");
    }
}
