//! The database half of `cargo xtask bench` (docs/design.md, "Performance budgets"): times the app's own deletion
//! ([`app::deactivation::store::deactivate_in`]) and the server's own eraser
//! ([`server::eraser::erase_one_batch`]) against the database in `DATABASE_URL`, which the
//! xtask has filled and drives. Each command prints one JSON document on stdout.
//!
//! - `session <account>`: a new session of the account, its password entered just now; prints
//!   the session cookie's value.
//! - `deactivate <rollbacks> <account>...`: for each account, `rollbacks` timed deletions
//!   rolled back, then one committed; prints `[{"account", "ms", "committed"}]`.
//! - `erase <batch size>`: runs the eraser's batches until the queue is empty; prints
//!   `[{"at_ms", "ms", "step", "rows"}]` and shows progress on stderr.
//! - `one-transaction <account>`: the baseline of the erasure, the same data removed by plain
//!   statements in one transaction (what a cascading DELETE does); prints `{"ms"}`.

use app::auth::session;
use app::deactivation::store::deactivate_in;
use app::domain::deactivation::{Feedback, Reason};
use serde_json::{json, Value};
use sqlx::{Connection, PgPool};
use std::io::Write;
use std::time::Instant;
use uuid::Uuid;

const USAGE: &str = "usage: deletion session <account> | deactivate <rollbacks> <account>... | erase <batch size> | one-transaction <account>";

/// Everything the eraser does to one deleted account, as one transaction over all its rows.
const ONE_TRANSACTION: &str = "
DELETE FROM messages WHERE author_id = $1;
UPDATE orders SET buyer_id = NULL, ship_to_name = NULL, ship_to_address = NULL, ship_to_phone = NULL
 WHERE buyer_id = $1;
UPDATE conversations SET buyer_id = NULL WHERE buyer_id = $1;
UPDATE order_items SET product_id = NULL
 WHERE product_id IN (SELECT p.id FROM stores s JOIN products p ON p.store_id = s.id WHERE s.owner_id = $1);
DELETE FROM products WHERE store_id IN (SELECT id FROM stores WHERE owner_id = $1);
DELETE FROM addresses WHERE account_id = $1;
UPDATE stores SET owner_id = NULL, name = '', closed_at = coalesce(closed_at, now()) WHERE owner_id = $1;
DELETE FROM sessions WHERE account_id = $1;
DELETE FROM accounts WHERE id = $1 AND deleted_at IS NOT NULL;
DELETE FROM erasure_queue WHERE account_id = $1;";

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    match run(&args).await {
        Ok(output) => println!("{output}"),
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    }
}

async fn run(args: &[String]) -> Result<Value, String> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set".to_owned())?;
    // The erasure runs on the eraser's own pool alone, as in the server: a session of another
    // pool would look like another user of the database to it, and make it rest.
    if let [command, size] = args {
        if command == "erase" {
            let size: i64 = size.parse().map_err(|_| format!("`{size}` is not a batch size — {USAGE}"))?;
            return erase(&url, size).await.map_err(|e| e.to_string());
        }
    }
    let pool = server::database::connect(&url).await.map_err(|e| format!("cannot connect to {url}: {e}"))?;
    let account = |arg: &String| Uuid::parse_str(arg).map_err(|_| format!("`{arg}` is not an account id — {USAGE}"));
    match args {
        [command, id] if command == "session" => new_session(&pool, account(id)?).await.map_err(|e| e.to_string()),
        [command, rollbacks, ids @ ..] if command == "deactivate" && !ids.is_empty() => {
            let rollbacks: usize = rollbacks.parse().map_err(|_| format!("`{rollbacks}` is not a count — {USAGE}"))?;
            let ids = ids.iter().map(account).collect::<Result<Vec<_>, _>>()?;
            time_deletions(&pool, rollbacks, &ids).await
        }
        [command, id] if command == "one-transaction" => {
            one_transaction(&pool, account(id)?).await.map_err(|e| e.to_string())
        }
        _ => Err(format!("`{}` is not understood — {USAGE}", args.join(" "))),
    }
}

async fn new_session(pool: &PgPool, account_id: Uuid) -> sqlx::Result<Value> {
    let mut tx = pool.begin().await?;
    let token = session::create(&mut tx, account_id).await?;
    tx.commit().await?;
    let cookie = token.set_cookie(false);
    let value = cookie.split(';').next().and_then(|pair| pair.split_once('=')).map(|(_, value)| value);
    Ok(json!({ "cookie": value }))
}

async fn time_deletions(pool: &PgPool, rollbacks: usize, accounts: &[Uuid]) -> Result<Value, String> {
    let feedback = Feedback { reason: Reason::TooManyEmails, locale: app::i18n::Locale::En, other_text: None };
    let mut samples = Vec::new();
    for &account_id in accounts {
        // A digest of its own per account: the blocked addresses stay distinct.
        let digest = app::auth::digest::AddressDigests {
            key_id: "bench".to_owned(),
            block: account_id.as_bytes().repeat(2),
            rate_limit_key: account_id.to_string(),
        };
        for run in 0..=rollbacks {
            let commit = run == rollbacks;
            let mut conn = pool.acquire().await.map_err(|e| e.to_string())?;
            let started = Instant::now();
            let mut tx = conn.begin().await.map_err(|e| e.to_string())?;
            // The deletion is done from a session just signed in, as the form's is.
            let session = session::create(&mut tx, account_id).await.map_err(|e| e.to_string())?;
            deactivate_in(&mut tx, account_id, &session, &digest, &feedback).await.map_err(|e| e.to_string())?;
            if commit {
                tx.commit().await.map_err(|e| e.to_string())?;
            } else {
                tx.rollback().await.map_err(|e| e.to_string())?;
            }
            samples.push(json!({ "account": account_id, "ms": millis(started), "committed": commit }));
        }
    }
    Ok(Value::Array(samples))
}

/// The server's eraser loop, timed: each batch, then its rest, on a pool of its own as in the
/// server, until the queue is empty.
async fn erase(url: &str, batch_size: i64) -> sqlx::Result<Value> {
    let pool = &server::database::connect_eraser(url)?;
    let settings = server::eraser::Settings::from_env();
    let started = Instant::now();
    let mut batches = Vec::new();
    loop {
        let batch_started = Instant::now();
        let Some(report) = server::eraser::erase_one_batch(pool, batch_size).await? else {
            break;
        };
        let batch_time = batch_started.elapsed();
        batches.push(json!({
            "at_ms": millis(started),
            "ms": batch_time.as_secs_f64() * 1000.0,
            "step": report.step.code(),
            "rows": report.rows,
        }));
        let _ = write!(
            std::io::stderr(),
            "\r  batch {:>5} {:<14} {:>9} rows erased ",
            report.batches,
            report.step.code(),
            report.rows_erased
        );
        tokio::time::sleep(server::eraser::rest_after(pool, &settings, batch_time).await).await;
    }
    eprintln!();
    Ok(Value::Array(batches))
}

async fn one_transaction(pool: &PgPool, account_id: Uuid) -> sqlx::Result<Value> {
    let mut conn = pool.acquire().await?;
    let started = Instant::now();
    let mut tx = conn.begin().await?;
    for statement in ONE_TRANSACTION.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        sqlx::query(statement).bind(account_id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(json!({ "ms": millis(started) }))
}

fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}
