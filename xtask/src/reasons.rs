//! `cargo xtask reason-history [--deletions N] [--days D]`: years of anonymous deletion
//! statistics (default 5,000,000 deletions over 1,095 days, ending yesterday) in the database of
//! `cargo xtask run` (or DATABASE_URL), with a progress bar, to try the staff's reason page at
//! scale. The counters go in per day, reason, locale and role, as the housekeeping releases
//! them (added to what is there), and one "Other" text per "Other" deletion, a month of days per
//! statement, run by the cluster's `psql`.

use crate::huge::{chunks, has_schema, show_progress, Psql};
use crate::pg;
use crate::workspace::Workspace;
use anyhow::{bail, Context, Result};
use std::process::ExitCode;
use std::time::Instant;

pub const DEFAULT_DELETIONS: u64 = 5_000_000;
pub const DEFAULT_DAYS: u64 = 3 * 365;
/// Days per statement: one step of the progress bar.
const CHUNK_DAYS: u64 = 30;

const USAGE: &str = "usage: cargo xtask reason-history [--deletions N] [--days D]";

/// The days `lo..=hi` before today: each day's `per_day` deletions spread over the reasons,
/// locales and roles by fixed weights, each cell varied by up to a fifth by a hash (the same
/// figures every time), then one text per "Other" deletion.
const DAYS_SQL: &str = r#"
WITH cells AS (
    SELECT current_date - d AS day, r.code AS reason, l.tag AS locale, ro.name AS role,
           round(:per_day * r.w * l.w * ro.w * (0.8 + 0.4 * (abs(hashtext(d || r.code || l.tag || ro.name)) % 1000) / 1000.0))::int AS deletions
      FROM generate_series(:lo, :hi) d,
           (VALUES ('registered_by_mistake', 0.20), ('no_suitable_products', 0.15), ('too_many_emails', 0.18),
                   ('leaving_business', 0.08), ('cheated', 0.03), ('wrong_email', 0.02), ('found_supplier', 0.10),
                   ('no_answers', 0.12), ('other', 0.12)) r(code, w),
           (VALUES ('en', 0.7), ('fi', 0.3)) l(tag, w),
           (VALUES ('buyer', 0.85), ('seller', 0.15)) ro(name, w)
), counted AS (
    INSERT INTO deletion_reason_counts AS c (day, reason, locale, role, deletions)
    SELECT day, reason, locale, role, deletions FROM cells WHERE deletions > 0
    ON CONFLICT (day, reason, locale, role) DO UPDATE SET deletions = c.deletions + excluded.deletions
)
INSERT INTO deletion_other_texts (given_on, text)
SELECT day, 'Other reason ' || n || ' of ' || day FROM cells, generate_series(1, deletions) n WHERE reason = 'other';
"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct History {
    pub deletions: u64,
    pub days: u64,
}

/// `--deletions N`, `--days D` (also `--deletions=N`); numbers may hold `_` or `,`.
pub fn parse_args(args: &[String]) -> Result<History> {
    let mut history = History { deletions: DEFAULT_DELETIONS, days: DEFAULT_DAYS };
    crate::huge::parse_counts(
        args,
        &mut [("--deletions", &mut history.deletions), ("--days", &mut history.days)],
        USAGE,
    )?;
    if history.days == 0 {
        bail!("--days must be at least 1 — {USAGE}");
    }
    Ok(history)
}

/// Adds `history` to the statistics of `psql`'s database, a month of days per statement, with
/// `progress` told the days done; then analyzes the tables.
pub fn add_history(psql: &Psql, history: History, progress: &mut dyn FnMut(&str, u64, u64)) -> Result<()> {
    let per_day = history.deletions as f64 / history.days as f64;
    eprintln!(
        "adding about {} deletions over {} days ({per_day:.0} a day) to the reason statistics",
        history.deletions, history.days
    );
    progress("days", 0, history.days);
    for (lo, hi) in chunks(history.days, CHUNK_DAYS) {
        let vars = [("lo", lo.to_string()), ("hi", hi.to_string()), ("per_day", format!("{per_day}"))];
        psql.run(DAYS_SQL, &vars).with_context(|| format!("adding days {lo}..{hi} before today"))?;
        progress("days", hi, history.days);
    }
    psql.run("ANALYZE deletion_reason_counts; ANALYZE deletion_other_texts;", &[]).map(drop)
}

pub fn reason_history(args: &[String]) -> Result<ExitCode> {
    let history = parse_args(args)?;
    let ws = Workspace::load()?;
    let (database, cluster) = pg::database_for_run(&ws.data_dir())?;
    // As the schema's owner: ANALYZE at the end is the owner's to run.
    let psql = Psql::new(database.owner_or_app_url())?;
    if !has_schema(&psql)? {
        drop(cluster);
        bail!("the database has no `accounts` table yet — run `cargo xtask run` once first (the server applies the migrations)");
    }
    let start = Instant::now();
    add_history(&psql, history, &mut show_progress)?;
    let total = psql.run("SELECT sum(deletions) FROM deletion_reason_counts;", &[])?;
    println!("the statistics now count {total} deletions; took {:.1} s", start.elapsed().as_secs_f64());
    drop(cluster);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_options() {
        assert_eq!(parse_args(&[]).unwrap(), History { deletions: 5_000_000, days: 1095 });
        let args: Vec<String> = ["--deletions", "1_000", "--days=30"].map(String::from).to_vec();
        assert_eq!(parse_args(&args).unwrap(), History { deletions: 1000, days: 30 });
        assert!(parse_args(&["--days".to_owned(), "0".to_owned()]).is_err());
        assert!(parse_args(&["--weeks".to_owned(), "3".to_owned()]).is_err());
    }
}
