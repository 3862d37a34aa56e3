//! The background eraser: removes what a deletion queued (`erasure_queue`), in small batches.
//!
//! The deletion itself ([`app::deactivation::store::deactivate`]) is quick and bounded: it makes
//! the account unusable and invisible and queues it. Everything else the person left (a seller
//! may have a million messages) goes here, one short transaction per batch, so no batch holds
//! locks for long or stalls other users:
//!
//! 1. `messages`: the messages they wrote, in the order of `messages_author_id_idx`;
//! 2. `replies`: the stores' messages in their conversations as a buyer lose the copy of the
//!    buyer they carry for the pages (migration 0012);
//! 3. `orders`: their purchases lose the buyer and the shipping snapshot (the seller keeps its record);
//! 4. `conversations`: those they started as a buyer lose the buyer and the subject they wrote
//!    (the store keeps its messages);
//! 5. `product_links`: sales records of their store stop pointing at its products (titles stay);
//! 6. `products`: their store's products are deleted;
//! 7. `addresses`: their addresses are deleted;
//! 8. `store`: their store loses its owner and name (shown as "Deleted account"); its sales stay;
//! 9. `account`: the account row goes, with the queue row, in one transaction.
//!
//! Each batch claims one queued account with `FOR UPDATE SKIP LOCKED` (several server processes
//! share the queue; each account is worked on by one batch at a time): the due account whose
//! turn is oldest ([`CLAIM_SQL`]), so accounts take turns batch by batch and a seller with a
//! million messages holds up no one. It does at most `batch_size` rows of the current step (a
//! fifth for the steps that update rows, see [`Step::chunk`]), and records its progress in the
//! queue row in the same transaction; a chunk that comes back short moves on to the next step
//! (in an account's first batch, within the same batch: see [`erase_one_batch`]). A killed
//! process or connection loses at most the batch under way, which rolled back: the next claim
//! resumes. A batch the database refuses rolls back too, and counts against its account, which
//! waits longer after each failure in a row ([`BACKOFF_FIRST`] doubling up to [`BACKOFF_CAP`])
//! while the others go on. Every statement is keyed by the claimed account, whose row must be
//! marked deleted, so the eraser never touches anything of another account.

use sqlx::{PgConnection, PgPool};
use std::{
    env, fmt,
    future::Future,
    time::{Duration, Instant},
};
use tokio::task::JoinHandle;
use uuid::Uuid;

pub const DEFAULT_BATCH_SIZE: i64 = 5_000;
pub const DEFAULT_IDLE_POLL: Duration = Duration::from_secs(1);
pub const DEFAULT_DUTY_PERCENT: u32 = 25;
/// How long no other session must have used the database for the eraser to stop resting: longer
/// than the gaps between the requests of a site in use.
pub const QUIET_FOR: Duration = Duration::from_secs(1);
/// Progress is logged at every step change and every this many batches.
const LOG_EVERY_BATCHES: i64 = 20;
/// After a failed batch its account waits this long before its next turn, twice as long after
/// each further failure in a row ([`record_failure`]) ...
pub const BACKOFF_FIRST: Duration = Duration::from_secs(1);
/// ... up to this: an account that always fails is tried every 5 minutes, and costs the others
/// one failed batch per try.
pub const BACKOFF_CAP: Duration = Duration::from_secs(300);

/// How the eraser runs. From the environment: `APP_ERASER=0` turns it off in this process (other
/// processes still erase), `APP_ERASER_BATCH_SIZE` sets the rows per batch (default 5000),
/// `APP_ERASER_DUTY` the share of the time it works while others use the database, in percent
/// (default 25).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub enabled: bool,
    pub batch_size: i64,
    /// The share of the time (percent) the eraser works while other sessions use the database:
    /// after each batch it rests in proportion ([`rest_after`]). Batches back to back keep a database
    /// core busy, and everyone else's queries on it wait their turn; resting leaves it to them.
    pub duty_percent: u32,
    /// How long to wait before looking again when the queue was empty (or a batch failed).
    pub idle_poll: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enabled: true,
            batch_size: DEFAULT_BATCH_SIZE,
            duty_percent: DEFAULT_DUTY_PERCENT,
            idle_poll: DEFAULT_IDLE_POLL,
        }
    }
}

impl Settings {
    /// The settings from `APP_ERASER`, `APP_ERASER_BATCH_SIZE` and `APP_ERASER_DUTY`; a value that
    /// makes no sense is reported and the default used, so a typo never stops the erasure.
    pub fn from_env() -> Settings {
        let mut settings = Settings::default();
        match env::var("APP_ERASER").as_deref() {
            Err(_) | Ok("") | Ok("1") | Ok("true") => {}
            Ok("0") | Ok("false") => settings.enabled = false,
            Ok(other) => tracing::error!("APP_ERASER={other} is not a flag (use 1 or 0): the eraser stays on"),
        }
        if let Ok(value) = env::var("APP_ERASER_BATCH_SIZE") {
            match value.parse::<i64>() {
                Ok(size) if (1..=1_000_000).contains(&size) => settings.batch_size = size,
                _ => tracing::error!(
                    "APP_ERASER_BATCH_SIZE={value} is not a number from 1 to 1000000: using {DEFAULT_BATCH_SIZE}"
                ),
            }
        }
        if let Ok(value) = env::var("APP_ERASER_DUTY") {
            match value.parse::<u32>() {
                Ok(percent) if (1..=100).contains(&percent) => settings.duty_percent = percent,
                _ => tracing::error!(
                    "APP_ERASER_DUTY={value} is not a percentage from 1 to 100: using {DEFAULT_DUTY_PERCENT}"
                ),
            }
        }
        settings
    }

    /// The rest after a batch that took `batch` that makes batches fill `duty_percent` of the time.
    pub fn rest_for(&self, batch: Duration) -> Duration {
        let duty = self.duty_percent.clamp(1, 100);
        batch * (100 - duty) / duty
    }
}

/// The steps of an erasure, in order; stored in `erasure_queue.step` by [`Step::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A step that works through the person's rows in chunks of one statement each.
    Chunked(Chunked),
    /// The products of the person's store, with the sales that still point at them.
    Products,
    /// The person's store itself: closed and emptied, kept for the other party's history.
    Store,
    /// The account row, last: it finds anything written for the account meanwhile.
    Account,
}

/// The steps whose chunk is one statement, [`Chunked::sql`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunked {
    Messages,
    Replies,
    Orders,
    Conversations,
    ProductLinks,
    Addresses,
}

impl Step {
    /// Where every erasure starts (and starts again when rows were added meanwhile).
    pub const FIRST: Step = Step::Chunked(Chunked::Messages);

    pub const ALL: [Step; 9] = [
        Step::FIRST,
        Step::Chunked(Chunked::Replies),
        Step::Chunked(Chunked::Orders),
        Step::Chunked(Chunked::Conversations),
        Step::Chunked(Chunked::ProductLinks),
        Step::Products,
        Step::Chunked(Chunked::Addresses),
        Step::Store,
        Step::Account,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Step::Chunked(Chunked::Messages) => "messages",
            Step::Chunked(Chunked::Replies) => "replies",
            Step::Chunked(Chunked::Orders) => "orders",
            Step::Chunked(Chunked::Conversations) => "conversations",
            Step::Chunked(Chunked::ProductLinks) => "product_links",
            Step::Products => "products",
            Step::Chunked(Chunked::Addresses) => "addresses",
            Step::Store => "store",
            Step::Account => "account",
        }
    }

    pub fn from_code(code: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The rows one batch of this step takes on, out of `batch_size`: `batch_size` over
    /// [`Step::cost`], so every batch takes about as long.
    pub fn chunk(self, batch_size: i64) -> i64 {
        (batch_size.max(1) / self.cost()).max(1)
    }

    /// What a row of this step costs, in deleted rows. An update that moves a row out of the
    /// person's index (and into new entries of every other index of the table) costs about five
    /// times a delete.
    pub fn cost(self) -> i64 {
        match self {
            Step::Chunked(Chunked::Orders | Chunked::Conversations | Chunked::ProductLinks) => 5,
            // An update like those, but counted as a delete: at a fifth, 1,500 replies took 150
            // batches, each paying its claim and commit (over 20 s on a loaded machine in
            // `killed_connections_and_killed_servers_never_leave_half_an_account`). Its batches
            // may run longer than a delete's; the bench's huge account has no replies to time.
            Step::Chunked(Chunked::Replies) => 1,
            _ => 1,
        }
    }

    fn next(self) -> Step {
        let i = Step::ALL.iter().position(|s| *s == self).expect("every step is listed");
        Step::ALL.get(i + 1).copied().unwrap_or(Step::Account)
    }
}

impl Chunked {
    pub const ALL: [Chunked; 6] = [
        Chunked::Messages,
        Chunked::Replies,
        Chunked::Orders,
        Chunked::Conversations,
        Chunked::ProductLinks,
        Chunked::Addresses,
    ];

    /// The statement of one chunk: `$1` the account, `$2` the chunk's size. Public for the tests
    /// that `EXPLAIN` them.
    pub fn sql(self) -> &'static str {
        match self {
            // Each scan passes the index entries of the rows earlier batches deleted, and marks
            // them dead (cheap: they are posting lists, see migration 0006); then the chunk goes
            // by its rows' addresses, which the same statement's snapshot found holding this
            // person's messages (a row moved since would no longer match its address). No
            // `author_id` beside the addresses: the planner would scan the whole person for it.
            Chunked::Messages => {
                "DELETE FROM messages
                  WHERE ctid = ANY(ARRAY(SELECT ctid FROM messages WHERE author_id = $1 LIMIT $2))"
            }
            // The store's messages in the person's conversations as a buyer carry the buyer (for
            // the buyer's own pages, migration 0012): they lose it, through the small partial
            // index of such replies (the person's own messages are gone by now).
            Chunked::Replies => {
                "UPDATE messages SET buyer_id = NULL
                  WHERE ctid = ANY(ARRAY(SELECT ctid FROM messages
                                          WHERE buyer_id = $1 AND author_id IS DISTINCT FROM buyer_id LIMIT $2))"
            }
            Chunked::Orders => {
                "UPDATE orders
                    SET buyer_id = NULL, ship_to_name = NULL, ship_to_address = NULL, ship_to_phone = NULL
                  WHERE buyer_id = $1 AND id = ANY(ARRAY(SELECT id FROM orders WHERE buyer_id = $1 LIMIT $2))"
            }
            Chunked::Conversations => {
                "UPDATE conversations SET buyer_id = NULL, subject = ''
                  WHERE buyer_id = $1 AND id = ANY(ARRAY(SELECT id FROM conversations WHERE buyer_id = $1 LIMIT $2))"
            }
            Chunked::ProductLinks => {
                "UPDATE order_items SET product_id = NULL
                  WHERE id = ANY(ARRAY(
                            SELECT oi.id FROM stores s
                              JOIN products p ON p.store_id = s.id
                              JOIN order_items oi ON oi.product_id = p.id
                             WHERE s.owner_id = $1
                             LIMIT $2))
                    AND product_id IN (SELECT p.id FROM stores s JOIN products p ON p.store_id = s.id
                                        WHERE s.owner_id = $1)"
            }
            Chunked::Addresses => {
                "DELETE FROM addresses
                  WHERE account_id = $1 AND id = ANY(ARRAY(SELECT id FROM addresses WHERE account_id = $1 LIMIT $2))"
            }
        }
    }
}

/// What one batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchReport {
    pub account_id: Uuid,
    /// The step this batch worked on (in an account's first batch, the first of the steps it
    /// went through).
    pub step: Step,
    /// Rows deleted or stripped of the person by this batch.
    pub rows: u64,
    /// The step the next batch of this account does, `None` once the account is erased.
    pub next_step: Option<Step>,
    /// Rows erased for this account so far, this batch included.
    pub rows_erased: i64,
    pub batches: i64,
}

impl BatchReport {
    pub fn finished(&self) -> bool {
        self.next_step.is_none()
    }
}

/// A batch that failed. It rolled back: nothing of it happened.
#[derive(Debug)]
pub struct BatchError {
    pub error: sqlx::Error,
    /// Set when the failure counted against the claimed account (the database refused one of
    /// its statements) and was recorded in its queue row: it waits `retry_in` before its next
    /// turn. `None` when the connection or the database went away, or before a claim.
    pub backoff: Option<Backoff>,
}

/// A failure recorded against an account ([`record_failure`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    pub account_id: Uuid,
    /// Failed batches in a row, this one included.
    pub failures: i32,
    /// The SQLSTATE of the failure, as recorded in `erasure_queue.last_error`.
    pub error_code: String,
    /// How long the account waits before its next turn.
    pub retry_in: Duration,
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.backoff {
            Some(b) => {
                write!(f, "an erasure batch of {} failed ({} in a row): {}", b.account_id, b.failures, self.error)
            }
            None => write!(f, "an erasure batch failed: {}", self.error),
        }
    }
}

impl std::error::Error for BatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<sqlx::Error> for BatchError {
    fn from(error: sqlx::Error) -> Self {
        BatchError { error, backoff: None }
    }
}

impl From<BatchError> for sqlx::Error {
    fn from(failed: BatchError) -> Self {
        failed.error
    }
}

/// How many accounts wait for their erasure, for `/metrics` ([`crate::health::metrics`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueStatus {
    /// Accounts in the queue: deleted, not yet fully erased.
    pub queued: i64,
    /// Accounts whose last batch failed; they back off, up to [`BACKOFF_CAP`] between tries.
    pub failing: i64,
    /// How long the oldest queued account has been waiting, in seconds; 0 with none queued.
    pub oldest_queued_seconds: f64,
}

pub async fn queue_status(pool: &PgPool) -> sqlx::Result<QueueStatus> {
    let (queued, failing, oldest_queued_seconds) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE failures > 0),
                coalesce(extract(epoch FROM now() - min(enqueued_at)), 0)::float8
           FROM erasure_queue",
    )
    .fetch_one(pool)
    .await?;
    Ok(QueueStatus { queued, failing, oldest_queued_seconds })
}

/// Runs the eraser until `shutdown` completes: a batch after another while there is work, each
/// followed by its rest ([`rest_after`]), and a look at the queue every `idle_poll` while there
/// is none. `pool` should be the eraser's own ([`crate::database::connect_eraser`]), so that it
/// can tell its sessions from everyone else's. A batch under way when `shutdown`
/// completes is finished first.
pub fn spawn(pool: PgPool, settings: Settings, shutdown: impl Future + Send + 'static) -> JoinHandle<()> {
    tokio::spawn(async move {
        tokio::pin!(shutdown);
        tracing::info!(batch_size = settings.batch_size, duty_percent = settings.duty_percent, "the eraser is running");
        loop {
            let stop_now = tokio::select! {
                biased;
                _ = &mut shutdown => true,
                () = std::future::ready(()) => false,
            };
            if stop_now {
                break;
            }
            let started = Instant::now();
            let rest = match erase_one_batch(&pool, settings.batch_size).await {
                Ok(Some(_)) => rest_after(&pool, &settings, started.elapsed()).await,
                Ok(None) => settings.idle_poll,
                // Logged and recorded: the account waits its turn out, the others go on.
                Err(BatchError { backoff: Some(_), .. }) => rest_after(&pool, &settings, started.elapsed()).await,
                Err(error) => {
                    // A lost connection, a restarting database: the batch rolled back; try again.
                    tracing::warn!(%error, "an erasure batch failed; it will be retried");
                    settings.idle_poll
                }
            };
            tokio::select! {
                _ = &mut shutdown => break,
                () = tokio::time::sleep(rest) => {}
            }
        }
        tracing::info!("the eraser stopped");
    })
}

/// The rest after a batch that took `batch`: none while no one else has used the database for
/// [`QUIET_FOR`], so an erasure on a quiet database runs flat out; otherwise enough that batches
/// fill `duty_percent` of the time. A failed look counts as others being there.
pub async fn rest_after(pool: &PgPool, settings: &Settings, batch: Duration) -> Duration {
    if settings.duty_percent >= 100 {
        return Duration::ZERO;
    }
    match others_active(pool).await {
        Ok(false) => Duration::ZERO,
        Ok(true) => settings.rest_for(batch),
        Err(error) => {
            tracing::warn!(%error, "cannot look at the database's other sessions: resting");
            settings.rest_for(batch)
        }
    }
}

/// Whether a session of this database other than the erasers' is in a statement or transaction
/// now, or began or ended one within [`QUIET_FOR`]. Only the sessions this role may see count:
/// the app's own, whatever server they come from.
async fn others_active(pool: &PgPool) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (
             SELECT 1 FROM pg_stat_activity
              WHERE datname = current_database() AND backend_type = 'client backend'
                AND application_name <> ALL($1)
                AND (state <> 'idle' OR state_change > clock_timestamp() - make_interval(secs => $2)))",
    )
    .bind(&crate::database::BACKGROUND_APPLICATION_NAMES[..])
    .bind(QUIET_FOR.as_secs_f64())
    .fetch_one(pool)
    .await
}

/// The claim of a batch: the due account (`retry_at` passed) whose turn is oldest, among those no
/// other batch holds (`SKIP LOCKED`: a process never waits for another). The turn is the time of
/// the account's last batch, or of its queueing before its first: accounts take turns batch by
/// batch, in the order they arrived, so a huge account gets one batch a round like any other,
/// an account deleted now starts within one round, and none waits more than a round however
/// many deletions follow it. The planner walks `erasure_queue_turn_idx` in order and stops at
/// the first due row it can lock. Public for the test that `EXPLAIN`s it.
pub const CLAIM_SQL: &str = "SELECT account_id, step, batches, rows_erased, failures FROM erasure_queue
  WHERE retry_at <= now()
  ORDER BY coalesce(last_batch_at, enqueued_at)
  FOR UPDATE SKIP LOCKED LIMIT 1";

/// The claimed queue row: account, step, batches, rows erased, failures in a row.
type Claim = (Uuid, String, i64, i64, i32);

/// Does one batch of the erasure whose turn it is ([`CLAIM_SQL`]), in one transaction. `None`:
/// nothing to claim (the queue is empty, or every queued account is backing off or being worked
/// on by another batch right now).
///
/// The batch does one chunk of the account's current step, at most `batch_size` rows (an update
/// counting as [`Step::cost`]). An account's *first* batch goes on from a step that came back
/// short to the next, within that budget, up to (not into) the `account` step: an account with
/// a handful of rows is then erased in two batches instead of eight, two turns instead of eight
/// behind the big ones. Later batches keep to one step each, so a big account's progress is
/// recorded step by step; and the `account` step always has a batch of its own, because its
/// `DELETE` is checked against every table that points at accounts, after the earlier steps
/// left their dead index entries there: the one statement whose cost no row count tells.
///
/// A batch that fails rolls back, and if the database refused one of its statements the
/// failure counts against the account ([`record_failure`]): it waits before its next turn while
/// the others go on, and is reported on `/metrics`. A success sets its failures back to 0.
pub async fn erase_one_batch(pool: &PgPool, batch_size: i64) -> Result<Option<BatchReport>, BatchError> {
    let batch_size = batch_size.max(1);
    let mut tx = pool.begin().await?;
    // Every statement here walks one account's rows through its indexes. Statistics taken while
    // the account still owned most of a table (a seller's million messages) would send the
    // planner to whole-table scans instead, reading every row the earlier batches deleted.
    sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await?;
    let claimed: Option<Claim> = sqlx::query_as(CLAIM_SQL).fetch_optional(&mut *tx).await?;
    let Some(claim) = claimed else {
        return Ok(None);
    };
    let account_id = claim.0;
    let done = match erase_claimed(&mut tx, &claim, batch_size).await {
        Ok(done) => tx.commit().await.map(|()| done),
        Err(error) => {
            // Now, so that the failure is recorded after the batch's locks are gone (an aborted
            // transaction has nothing else to give back; a dead connection fails here too).
            let _ = tx.rollback().await;
            Err(error)
        }
    };
    let report = match done {
        Ok(Done::DroppedLiveAccount(report)) => return Ok(Some(report)),
        Ok(Done::Erased(report)) => report,
        Err(error) => return Err(record_failure(pool, account_id, error).await),
    };

    let failures_before = claim.4;
    if failures_before > 0 {
        tracing::info!(%account_id, failures_before, "an erasure batch succeeded again after failing");
    }
    let (step, batches, rows_erased) = (report.step, report.batches, report.rows_erased);
    match report.next_step {
        None => tracing::info!(%account_id, batches, rows_erased, "erasure finished"),
        Some(next) if next != step => {
            tracing::info!(%account_id, step = next.code(), batches, rows_erased, "erasure step")
        }
        Some(_) if batches % LOG_EVERY_BATCHES == 0 => {
            tracing::info!(%account_id, step = step.code(), batches, rows_erased, "erasure progress")
        }
        Some(_) => {}
    }
    Ok(Some(report))
}

enum Done {
    Erased(BatchReport),
    /// The queue row was for a live account: dropped, nothing erased (logged already).
    DroppedLiveAccount(BatchReport),
}

/// The work of a batch on the claimed account, in the claim's transaction (which the caller
/// commits or rolls back).
async fn erase_claimed(conn: &mut PgConnection, claim: &Claim, batch_size: i64) -> sqlx::Result<Done> {
    let (account_id, step_code, batches, rows_erased, _) = claim;
    let (account_id, batches, rows_erased) = (*account_id, *batches, *rows_erased);

    // Only a deleted account is ever erased: a queue row for a live one is a bug somewhere else,
    // and erasing would destroy a person's data.
    let live: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1 AND deleted_at IS NULL)")
        .bind(account_id)
        .fetch_one(&mut *conn)
        .await?;
    if live {
        tracing::error!(%account_id, "the erasure queue holds a live account: dropping it from the queue, erasing nothing");
        sqlx::query("DELETE FROM erasure_queue WHERE account_id = $1").bind(account_id).execute(&mut *conn).await?;
        return Ok(Done::DroppedLiveAccount(BatchReport {
            account_id,
            step: Step::Account,
            rows: 0,
            next_step: None,
            rows_erased,
            batches,
        }));
    }

    let first_step = Step::from_code(step_code).unwrap_or_else(|| {
        tracing::warn!(%account_id, step = step_code, "unknown erasure step: starting the account over");
        Step::FIRST
    });
    // See `erase_one_batch`: only an account's first batch goes on past a short chunk.
    let carry_on = batches == 0;
    let (mut step, mut budget, mut rows) = (first_step, batch_size, 0u64);
    let next = loop {
        let outcome = run_step(&mut *conn, account_id, step, step.chunk(budget)).await?;
        rows += outcome.rows;
        budget -= outcome.rows as i64 * step.cost();
        match outcome.next {
            Next::Step(next) if carry_on && next != step && next != Step::Account && budget >= next.cost() => {
                step = next;
            }
            next => break next,
        }
    };
    let batches = batches + 1;
    let rows_erased = rows_erased + rows as i64;
    match next {
        Next::Finished => {
            sqlx::query("DELETE FROM erasure_queue WHERE account_id = $1").bind(account_id).execute(&mut *conn).await?;
        }
        Next::Step(next) => {
            // Its turn moves to the back of the rotation; a success ends a run of failures.
            sqlx::query(
                "UPDATE erasure_queue
                    SET step = $2, batches = $3, rows_erased = $4, updated_at = now(),
                        last_batch_at = now(), failures = 0, last_error = NULL
                  WHERE account_id = $1",
            )
            .bind(account_id)
            .bind(next.code())
            .bind(batches)
            .bind(rows_erased)
            .execute(&mut *conn)
            .await?;
        }
    }
    let next_step = match next {
        Next::Finished => None,
        Next::Step(next) => Some(next),
    };
    Ok(Done::Erased(BatchReport { account_id, step: first_step, rows, next_step, rows_erased, batches }))
}

/// Records a failed (rolled back) batch of `account_id`, when the failure is the account's own
/// ([`counted_against_the_account`]), in a short transaction of its own: one more failure in a
/// row, the turn moved to the back, the SQLSTATE in `last_error` (never the message, which can
/// quote the person's data), and `retry_at` = now + [`BACKOFF_FIRST`] x 2^(failures before),
/// at most [`BACKOFF_CAP`]: 1 s, 2 s, 4 s ... 256 s, then 5 minutes. Logged as a warning with
/// the account and the count. If another process claimed the account between the rollback and
/// this update (only when it was due), the update waits for that batch; should it fail too,
/// both failures count, and the wait only doubles sooner.
async fn record_failure(pool: &PgPool, account_id: Uuid, error: sqlx::Error) -> BatchError {
    let Some(error_code) = counted_against_the_account(&error) else {
        return BatchError { error, backoff: None };
    };
    let (table, constraint) = match &error {
        sqlx::Error::Database(db) => (db.table().map(str::to_owned), db.constraint().map(str::to_owned)),
        _ => (None, None),
    };
    let recorded: sqlx::Result<Option<(i32, f64)>> = sqlx::query_as(
        "UPDATE erasure_queue
            SET failures = failures + 1, last_error = $2, last_batch_at = now(),
                retry_at = now() + make_interval(secs => least($3 * power(2, least(failures, 30)), $4))
          WHERE account_id = $1
      RETURNING failures, extract(epoch FROM retry_at - last_batch_at)::float8",
    )
    .bind(account_id)
    .bind(&error_code)
    .bind(BACKOFF_FIRST.as_secs_f64())
    .bind(BACKOFF_CAP.as_secs_f64())
    .fetch_optional(pool)
    .await;
    match recorded {
        Ok(Some((failures, retry_in))) => {
            let retry_in = Duration::from_secs_f64(retry_in);
            tracing::warn!(
                %account_id,
                failures,
                retry_in_seconds = retry_in.as_secs_f64(),
                error_code,
                table,
                constraint,
                "an erasure batch failed and rolled back: the account waits before its next turn"
            );
            BatchError { error, backoff: Some(Backoff { account_id, failures, error_code, retry_in }) }
        }
        // Another process finished the account meanwhile.
        Ok(None) => BatchError { error, backoff: None },
        Err(record_error) => {
            tracing::warn!(%account_id, error_code, %record_error, "an erasure batch failed, and so did recording it");
            BatchError { error, backoff: None }
        }
    }
}

/// The SQLSTATE of a failure that counts against the claimed account: the database refused one
/// of its statements (a constraint, a trigger, a corrupt page, a deadlock...), which may well
/// happen again on the next try. `None` when the connection or the database went away
/// ([`app::error::connection_lost`]) or the error is not the database's (the network, the pool):
/// nothing the account did, so it keeps its turn, and the eraser looks again after its `idle_poll`.
fn counted_against_the_account(error: &sqlx::Error) -> Option<String> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    let code = db.code().map_or_else(|| "XX000".to_owned(), |code| code.into_owned());
    (!app::error::connection_lost(&code)).then_some(code)
}

enum Next {
    /// Go on with this step in the next batch.
    Step(Step),
    Finished,
}

struct Outcome {
    rows: u64,
    next: Next,
}

/// One chunk of `step`; a short chunk means the step is done.
async fn run_step(conn: &mut PgConnection, account_id: Uuid, step: Step, limit: i64) -> sqlx::Result<Outcome> {
    let advance_if_short =
        |rows: u64| Outcome { rows, next: Next::Step(if rows < limit as u64 { step.next() } else { step }) };
    match step {
        Step::Chunked(chunked) => {
            let rows =
                sqlx::query(chunked.sql()).bind(account_id).bind(limit).execute(&mut *conn).await?.rows_affected();
            Ok(advance_if_short(rows))
        }
        Step::Products => {
            let doomed: Vec<Uuid> = sqlx::query_scalar(
                "SELECT p.id FROM stores s JOIN products p ON p.store_id = s.id
                  WHERE s.owner_id = $1 LIMIT $2 FOR UPDATE OF p",
            )
            .bind(account_id)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
            if !doomed.is_empty() {
                // Normally none: `product_links` did them. A sale recorded since would block the delete.
                sqlx::query("UPDATE order_items SET product_id = NULL WHERE product_id = ANY($1)")
                    .bind(&doomed)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("DELETE FROM products WHERE id = ANY($1)").bind(&doomed).execute(&mut *conn).await?;
            }
            Ok(advance_if_short(doomed.len() as u64))
        }
        Step::Store => {
            let rows = sqlx::query(
                "UPDATE stores SET owner_id = NULL, name = '', closed_at = coalesce(closed_at, now())
                  WHERE owner_id = $1",
            )
            .bind(account_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            Ok(Outcome { rows, next: Next::Step(Step::Account) })
        }
        Step::Account => {
            // A sign-in that checked the password just before the deletion may have left a
            // (dead) session behind.
            let sessions = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(account_id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            // A store's reply written since the `replies` step carries the buyer too, and no
            // foreign key would find it: the partial index of replies holds only such rows.
            let replies = sqlx::query(
                "UPDATE messages SET buyer_id = NULL WHERE buyer_id = $1 AND author_id IS DISTINCT FROM buyer_id",
            )
            .bind(account_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            // Every table that points at the account does so with a plain foreign key, so the
            // DELETE itself finds anything written for the account while it was being erased (a
            // message racing the deletion, say); then go round once more. No separate check:
            // it would walk the million dead index entries the earlier steps left a second time.
            let mut savepoint = sqlx::Connection::begin(&mut *conn).await?;
            let deleted = sqlx::query("DELETE FROM accounts WHERE id = $1 AND deleted_at IS NOT NULL")
                .bind(account_id)
                .execute(&mut *savepoint)
                .await;
            match deleted {
                Ok(done) => {
                    savepoint.commit().await?;
                    Ok(Outcome { rows: sessions + replies + done.rows_affected(), next: Next::Finished })
                }
                Err(sqlx::Error::Database(error)) if error.is_foreign_key_violation() => {
                    savepoint.rollback().await?;
                    tracing::warn!(%account_id, "rows were added during the erasure: erasing them too");
                    Ok(Outcome { rows: sessions + replies, next: Next::Step(Step::FIRST) })
                }
                Err(error) => Err(error),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_run_in_order_and_round_trip_through_their_codes() {
        let mut step = Step::FIRST;
        let mut seen = vec![step];
        while step != Step::Account {
            step = step.next();
            seen.push(step);
        }
        assert_eq!(seen, Step::ALL);
        for step in Step::ALL {
            assert_eq!(Step::from_code(step.code()), Some(step));
        }
        assert_eq!(Step::from_code("messages"), Some(Step::FIRST), "the queue's column default");
    }

    #[test]
    fn the_rest_after_a_batch_keeps_the_eraser_to_its_share_of_the_time() {
        let batch = Duration::from_millis(30);
        let rest = |duty_percent| Settings { duty_percent, ..Settings::default() }.rest_for(batch);
        assert_eq!(rest(100), Duration::ZERO);
        assert_eq!(rest(50), Duration::from_millis(30));
        assert_eq!(rest(25), Duration::from_millis(90));
        assert_eq!(rest(0), rest(1), "a share of nothing is read as the least there is");
    }
}
