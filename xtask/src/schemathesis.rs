//! Schemathesis, a standard API fuzzer, against the OpenAPI description the Playwright server
//! serves at `/api/openapi.json` (issue 20, point 2): every operation, without and with a
//! signed-in session, a fixed seed and a bounded number of examples (`SCHEMATHESIS_EXAMPLES`,
//! `SCHEMATHESIS_SEED`). It requires no 5xx and answers that match the description (status,
//! content type, schema), and that requests the description calls invalid change no row: the
//! row count of every table is the same after them (but what the server's background work
//! changes meanwhile: `rate_limits`, which counts attempts by design, as
//! `server/tests/api/fuzz.rs` allows, the email outbox's sender and the release of the deletion
//! reasons into the statistics).

use crate::net;
use crate::pg;
use crate::process;
use crate::summary::Counts;
use crate::tools;
use crate::workspace::Workspace;
use anyhow::{anyhow, Result};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::{Command, Stdio};

const DEFAULT_EXAMPLES: u64 = 20;
const DEFAULT_SEED: u64 = 20;

/// `positive_data_acceptance` is left out: the description says what the types allow, and a
/// well-typed form may still break a domain rule (an email's form, the phrase), a `422` it lists.
const EXCLUDED_CHECKS: &str = "positive_data_acceptance";
/// With a session, `negative_data_rejection` is left out too: the session cookie goes in a
/// header of every request, so the cases where Schemathesis leaves the cookie out or spoils it
/// are sent with the good one, and their acceptance is no finding. The pass without a session
/// runs that check on every operation.
const EXCLUDED_CHECKS_WITH_SESSION: &str = "positive_data_acceptance,negative_data_rejection";

/// The server under test.
pub struct Target<'a> {
    pub addr: SocketAddr,
    pub fixtures_token: &'a str,
    /// The database as the schema's owner, which may count every table.
    pub owner_url: &'a str,
}

/// One check per pass: requests the description calls invalid, then valid ones, each without and
/// with a session.
pub fn run(ws: &Workspace, target: &Target) -> Result<Counts> {
    let examples = env_number("SCHEMATHESIS_EXAMPLES", DEFAULT_EXAMPLES)?;
    let seed = env_number("SCHEMATHESIS_SEED", DEFAULT_SEED)?;
    let session = fixture_session(target)?;
    let mut counts = Counts::default();
    let before = row_counts(target.owner_url)?;
    for cookie in [None, Some(session.as_str())] {
        counts += Counts::of_check(fuzz(ws, target, "negative", cookie, examples, seed)?);
    }
    let after = row_counts(target.owner_url)?;
    let changed = changed_tables(&before, &after);
    if changed.is_empty() {
        println!("the invalid requests changed no row ({} tables counted)", before.len());
        counts += Counts::of_check(true);
    } else {
        eprintln!("the requests the description calls invalid changed rows: {}", changed.join(", "));
        counts += Counts::ONE_FAILED;
    }
    for cookie in [None, Some(session.as_str())] {
        counts += Counts::of_check(fuzz(ws, target, "positive", cookie, examples, seed)?);
    }
    Ok(counts)
}

/// One `st run`; true if it found nothing.
fn fuzz(ws: &Workspace, target: &Target, mode: &str, cookie: Option<&str>, examples: u64, seed: u64) -> Result<bool> {
    let origin = format!("http://{}", target.addr);
    let mut cmd = Command::new(tools::schemathesis(ws));
    cmd.arg("run")
        .arg(format!("{origin}/api/openapi.json"))
        .args(["--mode", mode, "--phases", "examples,coverage,fuzzing", "--workers", "1"])
        .args(["--checks", "all"])
        .arg(format!("--max-examples={examples}"))
        .arg(format!("--seed={seed}"))
        .args(["--header", &format!("Origin: {origin}")])
        .args(["--header", &format!("Authorization: Bearer {}", target.fixtures_token)])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .current_dir(&ws.root);
    if mode == "negative" {
        // The fixtures API's invalid cases include ones invalid only through its bearer token,
        // which the fixed `Authorization` header above makes valid again: they created accounts and
        // failed the row check for requests that were in truth valid. Its bodies are fuzzed by the
        // positive passes, and bad ones are refused in server/tests/api/fixtures.rs.
        cmd.args(["--exclude-path", "/test-fixtures/accounts"]);
    }
    let who = match cookie {
        Some(session) => {
            // Signing out would end the session the rest of the run relies on.
            cmd.args(["--header", &format!("Cookie: session={session}")]).args(["--exclude-path", "/api/sign_out"]);
            cmd.args(["--exclude-checks", EXCLUDED_CHECKS_WITH_SESSION]);
            "with a session"
        }
        None => {
            cmd.args(["--exclude-checks", EXCLUDED_CHECKS]);
            "without a session"
        }
    };
    println!("\n==> schemathesis: {mode} examples {who} (seed {seed}, at most {examples} per operation)");
    let (succeeded, output) = process::tee(&mut cmd)?;
    if let Some(line) = output.lines().skip_while(|line| !line.starts_with("Test cases:")).nth(1) {
        println!("schemathesis, {mode} {who}: {}", line.trim());
    }
    Ok(succeeded)
}

/// The `session` cookie of a new fixture account with something in every list.
fn fixture_session(target: &Target) -> Result<String> {
    let origin = format!("http://{}", target.addr);
    let authorization = format!("Bearer {}", target.fixtures_token);
    let headers =
        [("Origin", origin.as_str()), ("Authorization", &authorization), ("Content-Type", "application/json")];
    let body =
        br#"{"orders": ["awaiting_payment", "paid", "shipped"], "messages": 2, "pending_refund": true, "store": true}"#;
    let (status, answer) = net::http_request(target.addr, "POST", "/test-fixtures/accounts", &headers, Some(body))?;
    let answer: serde_json::Value = serde_json::from_slice(&answer)
        .map_err(|e| anyhow!("the fixtures API answered {status} with no JSON ({e})"))?;
    answer["session"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("the fixtures API answered {status} without a session: {answer}"))
}

/// The number of rows of every table in the schema `public`.
fn row_counts(owner_url: &str) -> Result<BTreeMap<String, i64>> {
    let rows = pg::query(
        owner_url,
        "SELECT table_name || ' ' || (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', table_name), false, true, '')))[1]::text \
         FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )?;
    rows.lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (table, count) = line.rsplit_once(' ').ok_or_else(|| anyhow!("unexpected row count line {line:?}"))?;
            Ok((table.to_owned(), count.parse()?))
        })
        .collect()
}

/// The tables whose row count differs, as `table: before -> after`, but for what the server's
/// background work does on its own meanwhile (see [`is_background_work`]).
fn changed_tables(before: &BTreeMap<String, i64>, after: &BTreeMap<String, i64>) -> Vec<String> {
    let tables: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let rows = |counts: &BTreeMap<String, i64>, table: &str| counts.get(table).copied().unwrap_or(0);
    let released = rows(before, "deletion_feedback_inbox") - rows(after, "deletion_feedback_inbox");
    let count = |rows: Option<&i64>| rows.map_or("none".to_owned(), i64::to_string);
    tables
        .into_iter()
        .filter(|table| before.get(*table) != after.get(*table))
        .filter(|table| !is_background_work(table, rows(before, table), rows(after, table), released))
        .map(|table| format!("{table}: {} -> {}", count(before.get(table)), count(after.get(table))))
        .collect()
}

/// Whether a table going from `before` to `after` rows is the server's own work rather than a
/// request's: `rate_limits` counts attempts by design; the outbox's sender deletes what it sent;
/// the housekeeping (server/src/housekeeping.rs) empties the reasons' inbox (`released` rows)
/// into the counters and the "Other" texts, and the counters' triggers into their weekly and
/// daily rollups (migrations 0021 and 0022): each gains at most one row per released reason.
fn is_background_work(table: &str, before: i64, after: i64, released: i64) -> bool {
    match table {
        "rate_limits" => true,
        "email_outbox" | "deletion_feedback_inbox" => after < before,
        "deletion_reason_counts"
        | "deletion_other_texts"
        | "deletion_reason_weeks"
        | "deletion_reason_days"
        | "deletion_reason_week_totals" => after > before && after - before <= released,
        _ => false,
    }
}

fn env_number(name: &str, default: u64) -> Result<u64> {
    match std::env::var(name) {
        Ok(value) => value.parse().map_err(|_| anyhow!("{name} must be a whole number, not {value:?}")),
        Err(_) => Ok(default),
    }
}

#[cfg(test)]
mod tests {
    use super::changed_tables;
    use std::collections::BTreeMap;

    fn counts(rows: &[(&str, i64)]) -> BTreeMap<String, i64> {
        rows.iter().map(|(table, n)| (table.to_string(), *n)).collect()
    }

    #[test]
    fn a_table_with_more_or_fewer_rows_is_a_change_but_rate_limits_are_not() {
        let before = counts(&[("accounts", 3), ("orders", 5), ("rate_limits", 0)]);
        assert!(changed_tables(&before, &before).is_empty());
        let after = counts(&[("accounts", 4), ("orders", 5), ("rate_limits", 9), ("sessions", 1)]);
        assert_eq!(changed_tables(&before, &after), ["accounts: 3 -> 4", "sessions: none -> 1"]);
    }

    #[test]
    fn reasons_released_into_the_statistics_meanwhile_are_no_change_but_more_counters_are() {
        let before =
            counts(&[("deletion_feedback_inbox", 5), ("deletion_reason_counts", 10), ("deletion_other_texts", 2)]);
        let released = counts(&[
            ("deletion_feedback_inbox", 0),
            ("deletion_reason_counts", 13),
            ("deletion_other_texts", 4),
            ("deletion_reason_weeks", 2),
            ("deletion_reason_days", 1),
            ("deletion_reason_week_totals", 2),
        ]);
        assert!(changed_tables(&before, &released).is_empty());
        let queued =
            counts(&[("deletion_feedback_inbox", 6), ("deletion_reason_counts", 10), ("deletion_other_texts", 2)]);
        assert_eq!(changed_tables(&before, &queued), ["deletion_feedback_inbox: 5 -> 6"]);
        let unreleased =
            counts(&[("deletion_feedback_inbox", 5), ("deletion_reason_counts", 11), ("deletion_other_texts", 2)]);
        assert_eq!(changed_tables(&before, &unreleased), ["deletion_reason_counts: 10 -> 11"]);
        let rollup_unreleased = counts(&[
            ("deletion_feedback_inbox", 5),
            ("deletion_reason_counts", 10),
            ("deletion_other_texts", 2),
            ("deletion_reason_week_totals", 1),
        ]);
        assert_eq!(changed_tables(&before, &rollup_unreleased), ["deletion_reason_week_totals: none -> 1"]);
    }

    #[test]
    fn an_email_sent_meanwhile_is_no_change_but_a_queued_one_is() {
        let before = counts(&[("email_outbox", 1)]);
        assert!(changed_tables(&before, &counts(&[("email_outbox", 0)])).is_empty());
        assert_eq!(changed_tables(&before, &counts(&[("email_outbox", 2)])), ["email_outbox: 1 -> 2"]);
    }
}
