//! `cargo xtask huge-account [--messages N] [--orders M]`: one very large account in the
//! database of `cargo xtask run` (or DATABASE_URL), to try the deletion and the eraser at scale.
//!
//! The account buys M orders from another person's store and writes N messages in
//! conversations with that store; it also sells from a store of its own (products, and sales of
//! M/10 orders to that other person). Rows go in with a few large `INSERT ... SELECT
//! generate_series` statements run by the cluster's `psql` (no database driver in xtask).
//! The same filling serves `cargo xtask bench`.

use crate::pg;
use crate::workspace::Workspace;
use anyhow::{anyhow, bail, Context, Result};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

pub const DEFAULT_MESSAGES: u64 = 1_000_000;
pub const DEFAULT_ORDERS: u64 = 100_000;
/// Rows per INSERT statement: one step of the progress bar.
pub const CHUNK_ROWS: u64 = 50_000;
/// One conversation per this many messages.
const MESSAGES_PER_CONVERSATION: u64 = 1_000;
/// Products in the account's own store.
const OWN_PRODUCTS: u64 = 100;

/// The password of every huge account, and its hash (`password_auth::generate_hash`, argon2id,
/// as the app makes them), so the account can sign in.
pub const PASSWORD: &str = "huge-account-2026";
const PASSWORD_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$WLVQ320YwX3ewSa1VxkkSA$YhZ7Q05Yu5LQCsqiDpim6d3LtwMS+78DsnCQsGqh2L4";

const USAGE: &str = "usage: cargo xtask huge-account [--messages N] [--orders M]";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub messages: u64,
    pub orders: u64,
}

impl Default for Size {
    fn default() -> Self {
        Size { messages: DEFAULT_MESSAGES, orders: DEFAULT_ORDERS }
    }
}

impl Size {
    /// Sales of the account's own store (to the counterparty).
    pub fn sales(&self) -> u64 {
        self.orders / 10
    }

    pub fn conversations(&self) -> u64 {
        self.messages.div_ceil(MESSAGES_PER_CONVERSATION).max(1)
    }
}

/// `--messages N`, `--orders M` (also `--messages=N`); numbers may hold `_` or `,`.
pub fn parse_args(args: &[String]) -> Result<Size> {
    let mut size = Size::default();
    parse_counts(args, &mut [("--messages", &mut size.messages), ("--orders", &mut size.orders)], USAGE)?;
    Ok(size)
}

/// Options that each take a count (`--name N` or `--name=N`), written into their targets; an
/// unknown option or a value that is no whole number is an error that ends with `usage`.
pub fn parse_counts(args: &[String], options: &mut [(&str, &mut u64)], usage: &str) -> Result<()> {
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_owned())),
            None => (arg.as_str(), None),
        };
        let Some((_, target)) = options.iter_mut().find(|(name, _)| *name == flag) else {
            bail!("`{arg}` is not an option — {usage}");
        };
        let value = match inline {
            Some(value) => value,
            None => rest.next().cloned().ok_or_else(|| anyhow!("{flag} needs a number — {usage}"))?,
        };
        **target = parse_count(&value).ok_or_else(|| anyhow!("{flag} {value} is not a whole number — {usage}"))?;
    }
    Ok(())
}

fn parse_count(text: &str) -> Option<u64> {
    let digits: String = text.chars().filter(|c| *c != '_' && *c != ',').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `[#####.....] 42% messages 420000/1000000` with a bar of `width` cells.
pub fn progress_line(label: &str, done: u64, total: u64, width: usize) -> String {
    let fraction = if total == 0 { 1.0 } else { (done.min(total) as f64) / (total as f64) };
    let filled = ((fraction * width as f64).floor() as usize).min(width);
    let percent = (fraction * 100.0).floor() as u64;
    format!("[{}{}] {percent:>3}% {label} {done}/{total}", "#".repeat(filled), ".".repeat(width - filled))
}

/// Redraws the progress line on stderr.
pub fn show_progress(label: &str, done: u64, total: u64) {
    let mut err = std::io::stderr();
    let _ = write!(err, "\r{}", progress_line(label, done, total, 30));
    if done >= total {
        let _ = writeln!(err);
    }
    let _ = err.flush();
}

/// `[lo, hi]` ranges of at most `chunk` rows covering 1..=total.
pub fn chunks(total: u64, chunk: u64) -> Vec<(u64, u64)> {
    let chunk = chunk.max(1);
    (0..total.div_ceil(chunk)).map(|i| (i * chunk + 1, ((i + 1) * chunk).min(total))).collect()
}

/// psql on one database: every script goes in on stdin, with psql variables.
pub struct Psql {
    pub bin: PathBuf,
    pub url: String,
}

impl Psql {
    pub fn new(url: &str) -> Result<Psql> {
        Ok(Psql { bin: pg::find_psql()?, url: url.to_owned() })
    }

    /// Runs `script` (`:'name'` / `:name` take `vars`) and returns its unaligned output.
    pub fn run(&self, script: &str, vars: &[(&str, String)]) -> Result<String> {
        let mut cmd = Command::new(&self.bin);
        cmd.args(["-X", "-q", "--tuples-only", "--no-align", "-v", "ON_ERROR_STOP=1"])
            .arg("-d")
            .arg(&self.url)
            .env("PGCONNECT_TIMEOUT", "10")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in vars {
            cmd.arg("-v").arg(format!("{name}={value}"));
        }
        cmd.args(["-f", "-"]);
        let mut child = cmd
            .spawn()
            .map_err(|e| anyhow!("cannot start {}: {e} — install PostgreSQL's client", self.bin.display()))?;
        child.stdin.take().expect("stdin is piped").write_all(script.as_bytes())?;
        let output = child.wait_with_output()?;
        if crate::process::interrupted() {
            bail!("interrupted");
        }
        if !output.status.success() {
            let first_line = script.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
            bail!(
                "psql failed on the script starting `{first_line}`: {} — check that the database is running and migrated",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }
}

/// The ids of a made account.
#[derive(Debug, Clone)]
pub struct Made {
    pub account_id: String,
    pub email: String,
    pub own_store: String,
}

/// The account, its counterparty (another person with a store), the account's store, products,
/// addresses, sessions, failed sign-ins and conversations. Prints `account|own_store|counterparty|counterparty_store`.
const SETUP_SQL: &str = r#"
INSERT INTO accounts (email, password_hash, name, country, phone)
VALUES ('counterparty-' || :'tag' || '@huge.example.test', :'hash', 'Counter Party ' || :'tag', 'GB', '+44 7700 900001')
RETURNING id AS counterparty \gset
INSERT INTO stores (owner_id, name) VALUES (:'counterparty', 'Counterparty store ' || :'tag') RETURNING id AS counterparty_store \gset
INSERT INTO products (store_id, title, price_minor, currency)
SELECT :'counterparty_store', 'Their product ' || g, 1000 + g, 'EUR' FROM generate_series(1, 10) g;
INSERT INTO accounts (email, password_hash, name, country, phone)
VALUES (:'email', :'hash', 'Huge Account ' || :'tag', 'GB', '+44 7700 900123')
RETURNING id AS account \gset
INSERT INTO stores (owner_id, name) VALUES (:'account', 'Huge store ' || :'tag') RETURNING id AS own_store \gset
INSERT INTO products (store_id, title, price_minor, currency)
SELECT :'own_store', 'My product ' || g, 500 + g, 'EUR' FROM generate_series(1, :own_products) g;
INSERT INTO addresses (account_id, recipient, street, city, postal_code, country, phone)
SELECT :'account', 'Huge Account ' || :'tag', g || ' Long Street', 'London', 'N1 ' || g || 'AA', 'GB', '+44 7700 900123'
  FROM generate_series(1, 3) g;
INSERT INTO sessions (token_hash, account_id, expires_at)
SELECT sha256(convert_to(gen_random_uuid()::text, 'UTF8')), :'account', now() + interval '30 days'
  FROM generate_series(1, 3);
INSERT INTO rate_limits (bucket, key) VALUES ('sign_in_account', :'account'), ('deletion', :'account');
INSERT INTO conversations (buyer_id, store_id, subject)
SELECT :'account', :'counterparty_store', 'About order ' || g FROM generate_series(1, :conversations) g;
SELECT :'account', :'own_store', :'counterparty', :'counterparty_store';
"#;

/// Messages lo..=hi written by the account, spread over its conversations.
const MESSAGES_SQL: &str = r#"
INSERT INTO messages (conversation_id, author_id, body, sent_at)
SELECT c.ids[1 + g % array_length(c.ids, 1)], :'account',
       'Message ' || g || ': hello, when will my order ship? Thanks, Huge Account', now() - g * interval '1 second'
  FROM (SELECT array_agg(id ORDER BY id) AS ids FROM conversations WHERE buyer_id = :'account') c,
       generate_series(:lo, :hi) g;
"#;

/// Purchases lo..=hi from the counterparty's store: the first three are still open.
const PURCHASES_SQL: &str = r#"
INSERT INTO orders (buyer_id, store_id, status, total_minor, currency, ship_to_name, ship_to_address, ship_to_phone, placed_at)
SELECT :'account', :'counterparty_store',
       (CASE g WHEN 1 THEN 'awaiting_payment' WHEN 2 THEN 'paid' WHEN 3 THEN 'shipped' ELSE 'completed' END)::order_status,
       1000 + g % 5000, 'EUR', 'Huge Account', g || ' Long Street, London', '+44 7700 900123',
       now() - g * interval '1 minute'
  FROM generate_series(:lo, :hi) g;
"#;

/// Sales lo..=hi of the account's store to the counterparty, one item each; the first two are paid, open.
const SALES_SQL: &str = r#"
WITH sold AS (
    INSERT INTO orders (buyer_id, store_id, status, total_minor, currency, ship_to_name, ship_to_address, placed_at)
    SELECT :'counterparty', :'own_store',
           (CASE WHEN g <= 2 THEN 'paid' ELSE 'completed' END)::order_status,
           500 + g % 100, 'EUR', 'Counter Party', '2 Short Road, Leeds', now() - g * interval '1 minute'
      FROM generate_series(:lo, :hi) g
    RETURNING id, total_minor
)
INSERT INTO order_items (order_id, product_id, title, quantity, unit_price_minor)
SELECT sold.id, p.ids[1 + abs(hashtext(sold.id::text)) % array_length(p.ids, 1)], 'My product', 1, sold.total_minor
  FROM sold, (SELECT array_agg(id ORDER BY id) AS ids FROM products WHERE store_id = :'own_store') p;
"#;

/// Makes one huge account of `size` through `psql`; `progress` sees (label, done, total) after
/// each chunk. `tag` makes its addresses unique.
pub fn make_account(psql: &Psql, size: Size, tag: &str, progress: &mut dyn FnMut(&str, u64, u64)) -> Result<Made> {
    let email = format!("huge-{tag}@huge.example.test");
    let setup = psql.run(
        SETUP_SQL,
        &[
            ("tag", tag.to_owned()),
            ("email", email.clone()),
            ("hash", PASSWORD_HASH.to_owned()),
            ("own_products", OWN_PRODUCTS.to_string()),
            ("conversations", size.conversations().to_string()),
        ],
    )?;
    let ids: Vec<&str> = setup.lines().last().unwrap_or_default().split('|').collect();
    let [account, own_store, counterparty, counterparty_store] = ids[..] else {
        bail!("psql answered `{setup}` instead of four ids");
    };
    let vars = |lo: u64, hi: u64| {
        vec![
            ("account", account.to_owned()),
            ("own_store", own_store.to_owned()),
            ("counterparty", counterparty.to_owned()),
            ("counterparty_store", counterparty_store.to_owned()),
            ("lo", lo.to_string()),
            ("hi", hi.to_string()),
        ]
    };
    for (label, sql, total) in [
        ("messages", MESSAGES_SQL, size.messages),
        ("purchases", PURCHASES_SQL, size.orders),
        ("sales", SALES_SQL, size.sales()),
    ] {
        progress(label, 0, total);
        for (lo, hi) in chunks(total, CHUNK_ROWS) {
            psql.run(sql, &vars(lo, hi)).with_context(|| format!("inserting {label} {lo}..{hi}"))?;
            progress(label, hi, total);
        }
    }
    Ok(Made { account_id: account.to_owned(), email, own_store: own_store.to_owned() })
}

/// Whether the app's tables exist in the database.
pub fn has_schema(psql: &Psql) -> Result<bool> {
    Ok(psql.run("SELECT to_regclass('public.accounts') IS NOT NULL;", &[])? == "t")
}

pub fn huge_account(args: &[String]) -> Result<ExitCode> {
    let size = parse_args(args)?;
    let ws = Workspace::load()?;
    let (database, cluster) = pg::database_for_run(&ws.data_dir())?;
    // As the schema's owner: ANALYZE at the end is the owner's to run.
    let psql = Psql::new(database.owner_or_app_url())?;
    if !has_schema(&psql)? {
        drop(cluster);
        eprintln!(
            "error: the database has no `accounts` table yet — run `cargo xtask run` once first (the server applies the migrations)"
        );
        return Ok(ExitCode::FAILURE);
    }
    let start = Instant::now();
    let tag = crate::secret::random_hex(4)?;
    eprintln!(
        "making an account with {} messages, {} purchases and {} sales (in statements of {CHUNK_ROWS} rows)",
        size.messages,
        size.orders,
        size.sales()
    );
    let made = make_account(&psql, size, &tag, &mut show_progress)?;
    psql.run("ANALYZE;", &[])?;
    println!("email:    {}", made.email);
    println!("password: {PASSWORD}");
    println!("id:       {}", made.account_id);
    println!("store id: {}", made.own_store);
    println!("took {:.1} s", start.elapsed().as_secs_f64());
    drop(cluster);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn arguments_default_and_parse() {
        assert_eq!(parse_args(&[]).unwrap(), Size { messages: 1_000_000, orders: 100_000 });
        assert_eq!(
            parse_args(&args(&["--messages", "10", "--orders", "2"])).unwrap(),
            Size { messages: 10, orders: 2 }
        );
        assert_eq!(parse_args(&args(&["--orders=1_000"])).unwrap(), Size { messages: 1_000_000, orders: 1_000 });
        assert_eq!(parse_args(&args(&["--messages", "2,000"])).unwrap().messages, 2_000);
        assert!(parse_args(&args(&["--messages"])).is_err());
        assert!(parse_args(&args(&["--messages", "-5"])).is_err());
        assert!(parse_args(&args(&["--messages", "ten"])).is_err());
        assert!(parse_args(&args(&["--users", "1"])).is_err());
    }

    #[test]
    fn the_progress_bar_fills_with_the_fraction_done() {
        assert_eq!(progress_line("messages", 420_000, 1_000_000, 10), "[####......]  42% messages 420000/1000000");
        assert_eq!(progress_line("orders", 0, 10, 4), "[....]   0% orders 0/10");
        assert_eq!(progress_line("orders", 10, 10, 4), "[####] 100% orders 10/10");
        assert_eq!(progress_line("none", 0, 0, 4), "[####] 100% none 0/0");
    }

    #[test]
    fn chunks_cover_every_row_once() {
        assert_eq!(chunks(120_000, 50_000), vec![(1, 50_000), (50_001, 100_000), (100_001, 120_000)]);
        assert_eq!(chunks(0, 50_000), vec![]);
        assert_eq!(chunks(3, 5), vec![(1, 3)]);
    }

    #[test]
    fn sizes_derive_sales_and_conversations() {
        let size = Size { messages: 1_000_001, orders: 100_000 };
        assert_eq!(size.sales(), 10_000);
        assert_eq!(size.conversations(), 1_001);
        assert_eq!(Size { messages: 0, orders: 0 }.conversations(), 1);
    }
}
