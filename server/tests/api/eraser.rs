//! The background eraser (`server::eraser`): bounded batches with recorded progress, a queue
//! shared safely between processes, and no half-erased account whatever is killed when.

use crate::deletion::{
    count, counterparty_holdings, delete_account, fresh_database, seed, traces_of, Counterparty, Person, Shape,
};
use crate::helpers::ServerProcess;
use app::{auth::store::lock_address, deactivation::store::DeactivateError};
use rand::Rng;
use server::eraser::{erase_one_batch, rest_after, spawn, Settings, Step, QUIET_FOR};
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};
use std::{
    str::FromStr,
    time::{Duration, Instant},
};
use uuid::Uuid;

#[tokio::test]
async fn each_batch_does_a_bounded_chunk_and_records_its_progress_step_by_step() {
    // Arrange
    let (pool, _) = fresh_database().await;
    let (person, counterparty) = seed(&pool, None, Shape { messages: 500, history: 30, store: true }).await;
    let holdings = counterparty_holdings(&pool, &counterparty).await;
    delete_account(&pool, &person).await.unwrap();
    let messages = count(&pool, "SELECT count(*) FROM messages WHERE author_id = $1", person.id).await;
    assert_eq!(messages, 250 + 5);

    // Act
    let mut reports = Vec::new();
    while let Some(report) = erase_one_batch(&pool, 100).await.unwrap() {
        if reports.is_empty() {
            // Assert: the progress is in the queue after every batch
            let (step, batches, rows): (String, i64, i64) =
                sqlx::query_as("SELECT step, batches, rows_erased FROM erasure_queue WHERE account_id = $1")
                    .bind(person.id)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            assert_eq!((step.as_str(), batches, rows), ("messages", 1, 100));
            assert_eq!(count(&pool, "SELECT count(*) FROM messages WHERE author_id = $1", person.id).await, 155);
        }
        reports.push(report);
        assert!(reports.len() < 100, "the erasure does not end: {reports:?}");
    }

    // Assert
    assert!(reports.iter().all(|r| r.rows <= r.step.chunk(100) as u64 && r.account_id == person.id), "{reports:?}");
    let steps: Vec<Step> = reports.iter().map(|r| r.step).collect();
    let mut distinct = steps.clone();
    distinct.dedup();
    assert_eq!(distinct, Step::ALL, "every step once, in order");
    assert_eq!(steps.iter().filter(|s| **s == Step::Messages).count(), 3, "255 messages: 100, 100, 55");
    assert_eq!(steps.iter().filter(|s| **s == Step::Orders).count(), 2, "35 purchases, a fifth of 100 at a time");
    assert_eq!(steps.iter().filter(|s| **s == Step::ProductLinks).count(), 2, "35 sales, 20 at a time");
    let last = reports.last().unwrap();
    assert!(last.finished());
    assert_eq!(last.batches, reports.len() as i64);
    assert_eq!(last.rows_erased, reports.iter().map(|r| r.rows as i64).sum::<i64>());
    assert_eq!(count(&pool, "SELECT count(*) FROM erasure_queue WHERE account_id = $1", person.id).await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM accounts WHERE id = $1", person.id).await, 0);
    assert!(traces_of(&pool, &person).await.is_empty());
    assert_eq!(counterparty_holdings(&pool, &counterparty).await, holdings);
}

#[tokio::test]
async fn a_message_written_during_the_erasure_is_erased_too_before_the_account_row_goes() {
    // Arrange: the erasure has done every step but the last
    let (pool, _) = fresh_database().await;
    let (person, _) = seed(&pool, None, Shape { messages: 10, history: 3, store: true }).await;
    delete_account(&pool, &person).await.unwrap();
    while erase_one_batch(&pool, 100).await.unwrap().expect("queued").next_step != Some(Step::Account) {}

    // Act: a message racing the deletion lands now, then the eraser goes on to the end
    sqlx::query(
        "INSERT INTO messages (conversation_id, author_id, body)
         SELECT id, $1, 'Sent just as the account was deleted' FROM conversations LIMIT 1",
    )
    .bind(person.id)
    .execute(&pool)
    .await
    .unwrap();
    let mut reports = Vec::new();
    while let Some(report) = erase_one_batch(&pool, 100).await.unwrap() {
        reports.push(report);
        assert!(reports.len() < 50, "the erasure does not end: {reports:?}");
    }

    // Assert: the last step found the message, the eraser went round again, and nothing is left
    assert_eq!((reports[0].step, reports[0].next_step), (Step::Account, Some(Step::Messages)), "{reports:?}");
    assert!(reports.last().unwrap().finished());
    assert_eq!(count(&pool, "SELECT count(*) FROM accounts WHERE id = $1", person.id).await, 0);
    assert!(traces_of(&pool, &person).await.is_empty());
}

#[tokio::test]
async fn an_account_being_erased_by_another_process_is_skipped_not_waited_for() {
    // Arrange: two queued accounts; another process is in the middle of a batch of the first
    let (pool, _) = fresh_database().await;
    let (first, _) = seed(&pool, None, Shape { messages: 10, history: 0, store: false }).await;
    let (second, _) = seed(&pool, None, Shape { messages: 10, history: 0, store: false }).await;
    delete_account(&pool, &first).await.unwrap();
    delete_account(&pool, &second).await.unwrap();
    let mut other_process = pool.begin().await.unwrap();
    let held: Uuid =
        sqlx::query_scalar("SELECT account_id FROM erasure_queue ORDER BY enqueued_at FOR UPDATE SKIP LOCKED LIMIT 1")
            .fetch_one(&mut *other_process)
            .await
            .unwrap();
    assert_eq!(held, first.id);

    // Act
    let report = tokio::time::timeout(Duration::from_secs(5), erase_one_batch(&pool, 1000)).await.unwrap().unwrap();

    // Assert
    assert_eq!(report.unwrap().account_id, second.id);
    other_process.rollback().await.unwrap();
    let first_messages = count(&pool, "SELECT count(*) FROM messages WHERE author_id = $1", first.id).await;
    assert_eq!(first_messages, 5, "the held account was not touched");
}

#[tokio::test]
async fn a_queued_live_account_is_never_erased() {
    // Arrange: a queue row that no deletion made
    let (pool, _) = fresh_database().await;
    let (person, _) = seed(&pool, None, Shape { messages: 10, history: 2, store: true }).await;
    let before = traces_of(&pool, &person).await;
    sqlx::query("INSERT INTO erasure_queue (account_id) VALUES ($1)").bind(person.id).execute(&pool).await.unwrap();

    // Act
    let report = erase_one_batch(&pool, 1000).await.unwrap().expect("the row is claimed");

    // Assert
    assert_eq!(report.rows, 0);
    assert_eq!(traces_of(&pool, &person).await, before);
    assert_eq!(count(&pool, "SELECT count(*) FROM erasure_queue WHERE account_id = $1", person.id).await, 0);
    assert!(erase_one_batch(&pool, 1000).await.unwrap().is_none());
}

#[tokio::test]
async fn the_eraser_works_through_the_queue_and_stops_on_shutdown() {
    // Arrange
    let (pool, _) = fresh_database().await;
    let (person, _) = seed(&pool, None, Shape { messages: 300, history: 5, store: true }).await;
    let settings = Settings { enabled: true, batch_size: 50, duty_percent: 100, idle_poll: Duration::from_millis(20) };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let eraser = spawn(pool.clone(), settings, stopped);

    // Act
    delete_account(&pool, &person).await.unwrap();
    wait_for_empty_queue(&pool, Duration::from_secs(20)).await;
    stop.send(()).unwrap();

    // Assert
    tokio::time::timeout(Duration::from_secs(5), eraser).await.expect("the eraser stops").unwrap();
    assert!(traces_of(&pool, &person).await.is_empty());
}

/// 30 runs: in ten, the deletion's and the eraser's connections are killed with
/// `pg_terminate_backend` (in five of them the deletion's, provably inside its transaction; in
/// all ten the eraser's, at random moments); in twenty, the server process running the eraser
/// is killed (SIGKILL) once its erasure is under way, and started again. At every kill the person is either
/// fully live or deleted with the erasure under way; once let run, the erasure completes.
#[tokio::test]
async fn killed_connections_and_killed_servers_never_leave_half_an_account() {
    let started = Instant::now();
    let (pool, url) = fresh_database().await;
    let mut rng = rand::thread_rng();
    let shape = Shape { messages: 3000, history: 100, store: true };
    let batch_size = 50;
    let (mut deletions_killed, mut eraser_kills_mid_erasure) = (0, 0);

    // Ten runs with killed connections.
    for run in 0..10 {
        let (person, counterparty) = seed(&pool, None, shape).await;
        let snapshot = Live::take(&pool, &person).await;
        let holdings = counterparty_holdings(&pool, &counterparty).await;
        let eraser_pool = named_pool(&url, "chaos-eraser");
        let settings = Settings { enabled: true, batch_size, duty_percent: 100, idle_poll: Duration::from_millis(5) };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let eraser = spawn(eraser_pool, settings, stopped);

        let deleting_pool = named_pool(&url, DELETION_APP);
        if run % 2 == 0 {
            // The person retries after the kill (the account is untouched, so it must work).
            let point = KillPoint::ALL[(run / 2) % KillPoint::ALL.len()];
            kill_the_deletion_inside_its_transaction(&pool, &deleting_pool, &person, &snapshot, point).await;
            deletions_killed += 1;
            check_consistent(&pool, &person, &snapshot).await;
        }
        if let Err(error) = delete_account(&deleting_pool, &person).await {
            panic!("run {run}: nothing kills this deletion, yet it failed: {error}");
        }
        check_consistent(&pool, &person, &snapshot).await;
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(0..80))).await;
            if terminate(&pool, "chaos-eraser").await > 0 && queued_with_progress(&pool, &person).await {
                eraser_kills_mid_erasure += 1;
            }
            check_consistent(&pool, &person, &snapshot).await;
        }
        wait_for_empty_queue(&pool, Duration::from_secs(20)).await;
        stop.send(()).unwrap();
        eraser.await.unwrap();
        check_erased(&pool, &person, &counterparty, &holdings).await;
    }

    eprintln!("connection runs: {deletions_killed} deletions and {eraser_kills_mid_erasure} erasures killed midway");
    assert_eq!(deletions_killed, 5, "every other run kills the deletion inside its transaction");
    assert!(eraser_kills_mid_erasure >= 5, "too few kills landed mid-erasure: {eraser_kills_mid_erasure} of 30");

    // Twenty runs with a killed server process, each once the erasure is under way.
    let mut kills_mid_erasure = 0;
    for run in 0..20 {
        let (person, counterparty) = seed(&pool, None, shape).await;
        let holdings = counterparty_holdings(&pool, &counterparty).await;
        let snapshot = Live::take(&pool, &person).await;
        delete_account(&pool, &person).await.unwrap();

        let mut server = ServerProcess::start(&url, &[("APP_ERASER_BATCH_SIZE", &batch_size.to_string())]).await;
        // Killed once the erasure is under way (a fixed delay missed it on a loaded machine:
        // the server's start takes longer, or the first batch does several steps), at a random
        // moment of the next batches.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !queued_with_progress(&pool, &person).await && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..20))).await;
        server.kill();
        let progress: Option<(String, i64)> =
            sqlx::query_as("SELECT step, rows_erased FROM erasure_queue WHERE account_id = $1")
                .bind(person.id)
                .fetch_optional(&pool)
                .await
                .unwrap();
        if queued_with_progress(&pool, &person).await {
            kills_mid_erasure += 1;
        }
        check_consistent(&pool, &person, &snapshot).await;

        let mut server = ServerProcess::start(&url, &[("APP_ERASER_BATCH_SIZE", &batch_size.to_string())]).await;
        wait_for_empty_queue(&pool, Duration::from_secs(20)).await;
        server.kill();
        check_erased(&pool, &person, &counterparty, &holdings).await;
        eprintln!("process run {run}: killed at {progress:?}");
    }
    assert!(kills_mid_erasure >= 15, "most kills should land mid-erasure, only {kills_mid_erasure} of 20 did");
    eprintln!("30 runs in {:?}", started.elapsed());
}

/// 20 rounds: each kills the deletion's connection while it is inside its transaction, has
/// written (it holds a transaction id) and waits at one of its statements, each statement in
/// turn; the call returns the kill's error, and the account is exactly as before, then deletes
/// normally when the person tries again.
#[tokio::test]
async fn a_deletion_killed_inside_its_transaction_leaves_the_account_untouched() {
    let started = Instant::now();
    let (pool, url) = fresh_database().await;
    let shape = Shape { messages: 10, history: 3, store: true };
    let mut killed_at = Vec::new();
    for round in 0..20 {
        let (person, _) = seed(&pool, None, shape).await;
        let snapshot = Live::take(&pool, &person).await;
        let deleting_pool = named_pool(&url, DELETION_APP);
        let point = KillPoint::ALL[round % KillPoint::ALL.len()];

        let killed = kill_the_deletion_inside_its_transaction(&pool, &deleting_pool, &person, &snapshot, point).await;
        check_consistent(&pool, &person, &snapshot).await;
        if let Err(error) = delete_account(&deleting_pool, &person).await {
            panic!("round {round}: the retry after the kill failed: {error}");
        }
        check_consistent(&pool, &person, &snapshot).await;
        killed_at.push(killed);
    }
    assert_eq!(killed_at.len(), 20);
    for point in KillPoint::ALL {
        assert!(killed_at.iter().any(|k| k.point == point), "no kill at {point:?}: {killed_at:?}");
    }
    let longest = killed_at.iter().map(|k| k.in_transaction_for).max().unwrap();
    eprintln!(
        "20 deletions killed inside their transactions (the longest open for {longest:?}) in {:?}",
        started.elapsed()
    );
}

/// The `application_name` of the connections that run the deletions the tests kill.
const DELETION_APP: &str = "chaos-deletion";

/// A pool of this test's database whose connections carry `application_name`, so they can be
/// told apart in `pg_stat_activity`.
fn named_pool(url: &str, application_name: &str) -> PgPool {
    let options = PgConnectOptions::from_str(url).unwrap().application_name(application_name);
    PgPoolOptions::new().max_connections(3).connect_lazy_with(options)
}

/// Where a killing round stops the deletion: at a statement that needs a lock the test holds.
/// Every one of them comes after the account row's `FOR UPDATE`, so the transaction has written
/// (it has a transaction id) by then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KillPoint {
    /// Serializing with sign-ups of the address (`pg_advisory_xact_lock`), just after the account
    /// row's lock.
    AddressLock,
    /// Ending the sessions, just after the scrub.
    Sessions,
    /// Cancelling the purchases (the refunds' `INSERT`).
    Refunds,
    /// Closing the store.
    Stores,
    /// Unlisting the products.
    Products,
    /// The last statement: the digest, the reason, the tombstone and the queue row.
    ErasureQueue,
}

impl KillPoint {
    const ALL: [KillPoint; 6] = [
        KillPoint::AddressLock,
        KillPoint::Sessions,
        KillPoint::Refunds,
        KillPoint::Stores,
        KillPoint::Products,
        KillPoint::ErasureQueue,
    ];

    /// The table whose `SHARE` lock holds the deletion here (it conflicts with the `ROW
    /// EXCLUSIVE` lock of an `INSERT`, `UPDATE` or `DELETE`, not with plain reads); none for
    /// the advisory lock.
    fn table(self) -> Option<&'static str> {
        match self {
            KillPoint::AddressLock => None,
            KillPoint::Sessions => Some("sessions"),
            KillPoint::Refunds => Some("refunds"),
            KillPoint::Stores => Some("stores"),
            KillPoint::Products => Some("products"),
            KillPoint::ErasureQueue => Some("erasure_queue"),
        }
    }

    /// What `pg_locks` says the deletion waits for: the table, or the advisory lock.
    fn awaited(self) -> &'static str {
        self.table().unwrap_or("advisory")
    }
}

/// What a killing round saw of the deletion's backend when it killed it.
#[derive(Debug)]
struct KilledDeletion {
    point: KillPoint,
    /// How long the deletion's transaction had been open.
    in_transaction_for: Duration,
}

/// Runs the person's deletion on `deleting_pool` and kills its backend inside its transaction:
/// takes a lock that the deletion's statement at `point` needs, starts the deletion, waits (at
/// most 10 s) until its backend is in its transaction, has a transaction id (it has written) and
/// waits for exactly that lock, held by this test; kills it there (`pg_terminate_backend`, waiting
/// for the backend to end), and only then lets the lock go. Asserts all of that, that the call
/// returned the kill's error (SQLSTATE 57P01, `admin_shutdown`), and that the account is then
/// exactly as in `snapshot`.
async fn kill_the_deletion_inside_its_transaction(
    pool: &PgPool,
    deleting_pool: &PgPool,
    person: &Person,
    snapshot: &Live,
    point: KillPoint,
) -> KilledDeletion {
    // The lock, first, so the deletion cannot pass the point before it is held.
    let mut holder = pool.begin().await.unwrap();
    match point.table() {
        Some(table) => {
            sqlx::query(&format!("LOCK TABLE {table} IN SHARE MODE")).execute(&mut *holder).await.unwrap();
        }
        None => lock_address(&mut holder, &person.digest().block).await.unwrap(),
    }
    let holder_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut *holder).await.unwrap();

    let deletion = {
        let (person, deleting_pool) = (person.clone(), deleting_pool.clone());
        tokio::spawn(async move { delete_account(&deleting_pool, &person).await })
    };

    // Polled from another connection: inside a transaction, pg_stat_activity is a snapshot.
    let deadline = Instant::now() + Duration::from_secs(10);
    let (pid, in_transaction_for) = loop {
        let waiting: Option<(i32, bool, String, String, f64)> = sqlx::query_as(
            "SELECT a.pid, a.backend_xid IS NOT NULL, a.state, coalesce(l.relation::regclass::text, l.locktype),
                    extract(epoch FROM now() - a.xact_start)::float8
               FROM pg_stat_activity a
               JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
              WHERE a.datname = current_database() AND a.application_name = $1
                AND a.xact_start IS NOT NULL AND a.wait_event_type = 'Lock'
                AND $2 = ANY (pg_blocking_pids(a.pid))",
        )
        .bind(DELETION_APP)
        .bind(holder_pid)
        .fetch_optional(pool)
        .await
        .unwrap();
        if let Some((pid, has_xid, state, awaited, seconds)) = waiting {
            assert!(has_xid, "{point:?}: the deletion waits with no transaction id, so it has not written yet");
            assert_eq!(state, "active", "{point:?}: a statement of the deletion waits for the lock");
            assert_eq!(awaited, point.awaited(), "{point:?}: the deletion waits at another statement");
            break (pid, Duration::from_secs_f64(seconds.max(0.0)));
        }
        if deletion.is_finished() {
            let result = deletion.await.unwrap();
            panic!("{point:?}: the deletion ended without waiting for the held lock: {result:?}");
        }
        assert!(Instant::now() < deadline, "{point:?}: the deletion never waited for the held lock");
        tokio::time::sleep(Duration::from_millis(2)).await;
    };

    let killed: bool =
        sqlx::query_scalar("SELECT pg_terminate_backend($1, 10000)").bind(pid).fetch_one(pool).await.unwrap();
    assert!(killed, "{point:?}: the deletion's backend {pid} did not end within 10 s of the kill");
    holder.rollback().await.unwrap();

    match deletion.await.unwrap() {
        Err(DeactivateError::Database(error)) => {
            let code = error.as_database_error().and_then(|e| e.code()).map(|code| code.into_owned());
            assert_eq!(code.as_deref(), Some("57P01"), "{point:?}: not the kill's error: {error}");
        }
        Ok(receipt) => panic!("{point:?}: the killed deletion committed ({receipt:?})"),
        Err(error) => panic!("{point:?}: the killed deletion failed otherwise: {error}"),
    }
    assert_eq!(Live::take(pool, person).await.rows, snapshot.rows, "{point:?}: the killed deletion left a trace");
    KilledDeletion { point, in_transaction_for }
}

/// The person's state before the deletion, to compare with when the deletion did not happen.
struct Live {
    rows: Vec<String>,
}

impl Live {
    async fn take(pool: &PgPool, person: &Person) -> Live {
        let mut tx = pool.begin().await.unwrap();
        let rows = Self::rows(&mut tx, person).await;
        tx.commit().await.unwrap();
        Live { rows }
    }

    async fn rows(conn: &mut sqlx::PgConnection, person: &Person) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT format('%s: %s', t, r) FROM (
                 SELECT 'account' AS t, to_jsonb(a)::text AS r FROM accounts a WHERE id = $1
                 UNION ALL SELECT 'sessions', count(*)::text FROM sessions WHERE account_id = $1
                 UNION ALL SELECT 'messages', count(*)::text FROM messages WHERE author_id = $1
                 UNION ALL SELECT 'addresses', count(*)::text FROM addresses WHERE account_id = $1
                 UNION ALL SELECT 'order', to_jsonb(o)::text FROM orders o
                            WHERE buyer_id = $1 OR store_id IN (SELECT id FROM stores WHERE owner_id = $1)
                 UNION ALL SELECT 'store', to_jsonb(s)::text FROM stores s WHERE owner_id = $1
                 UNION ALL SELECT 'listed', count(*)::text FROM products p
                            JOIN stores s ON s.id = p.store_id WHERE s.owner_id = $1 AND p.listed
                 UNION ALL SELECT 'tombstone', count(*)::text FROM tombstones WHERE account_id = $1
                 UNION ALL SELECT 'queued', count(*)::text FROM erasure_queue WHERE account_id = $1
                 UNION ALL SELECT 'blocked', count(*)::text FROM blocked_email_digests WHERE digest = $2
             ) x ORDER BY 1",
        )
        .bind(person.id)
        .bind(person.digest().block)
        .fetch_all(conn)
        .await
        .unwrap()
    }
}

/// In one snapshot: the person is either exactly as before, or deleted, with everything the
/// deletion promises from its commit on, and the erasure either queued or finished.
async fn check_consistent(pool: &PgPool, person: &Person, live: &Live) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(&mut *tx).await.unwrap();
    let tombstone: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tombstones WHERE account_id = $1)")
        .bind(person.id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    if !tombstone {
        assert_eq!(Live::rows(&mut tx, person).await, live.rows, "no tombstone, so the account must be untouched");
        return;
    }
    let account: Option<(bool, String, Option<String>, String)> =
        sqlx::query_as("SELECT deleted_at IS NOT NULL, name, phone, password_hash FROM accounts WHERE id = $1")
            .bind(person.id)
            .fetch_optional(&mut *tx)
            .await
            .unwrap();
    let (queued, sessions, open_orders, open_store, blocked): (bool, i64, i64, bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM erasure_queue WHERE account_id = $1),
                (SELECT count(*) FROM sessions WHERE account_id = $1),
                (SELECT count(*) FROM orders WHERE (buyer_id = $1 OR store_id = $3)
                                                AND status NOT IN ('completed', 'cancelled')),
                EXISTS (SELECT 1 FROM stores WHERE id = $3 AND (closed_at IS NULL OR name <> ''))
                    OR EXISTS (SELECT 1 FROM products WHERE store_id = $3 AND listed),
                EXISTS (SELECT 1 FROM blocked_email_digests WHERE digest = $2)",
    )
    .bind(person.id)
    .bind(person.digest().block)
    .bind(person.store_id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    match &account {
        Some((deleted, name, phone, hash)) => {
            assert!(*deleted && name.is_empty() && phone.is_none() && hash.starts_with('!'), "{account:?}");
            assert!(queued, "a deleted account that is still there must be queued for erasure");
        }
        None => assert!(!queued, "an erased account must have left the queue"),
    }
    assert_eq!((sessions, open_orders, open_store, blocked), (0, 0, false, true));
    tx.commit().await.unwrap();
}

async fn check_erased(pool: &PgPool, person: &Person, counterparty: &Counterparty, holdings: &[(&str, i64)]) {
    let traces = traces_of(pool, person).await;
    assert!(traces.is_empty(), "the person's data is still in {traces:?}");
    assert_eq!(count(pool, "SELECT count(*) FROM tombstones WHERE account_id = $1", person.id).await, 1);
    assert_eq!(count(pool, "SELECT count(*) FROM erasure_queue WHERE account_id = $1", person.id).await, 0);
    assert_eq!(counterparty_holdings(pool, counterparty).await, holdings);
    let products: i64 = sqlx::query_scalar("SELECT count(*) FROM products WHERE id = ANY($1)")
        .bind(&person.product_ids)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(products, 0, "the person's products are gone");
}

/// Kills the connections of `application_name` to this test's database; how many there were.
async fn terminate(pool: &PgPool, application_name: &str) -> usize {
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = $1",
    )
    .bind(application_name)
    .fetch_all(pool)
    .await
    .unwrap();
    killed.len()
}

/// Whether the person's erasure has started and not finished.
async fn queued_with_progress(pool: &PgPool, person: &Person) -> bool {
    count(pool, "SELECT count(*) FROM erasure_queue WHERE account_id = $1 AND rows_erased > 0", person.id).await > 0
}

async fn wait_for_empty_queue(pool: &PgPool, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM erasure_queue").fetch_one(pool).await.unwrap();
        if queued == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the erasure did not finish within {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Every chunked step reaches the person's rows through an index (the eraser turns sequential
/// scans off in its batches, so a step without one would be planned as a whole-table scan all
/// the same), and the message batches take their chunk by row address.
#[tokio::test]
async fn every_chunked_step_walks_the_person_s_rows_through_an_index() {
    // Arrange
    let (pool, _) = fresh_database().await;
    let (person, _) = seed(&pool, None, Shape { messages: 500, history: 30, store: true }).await;
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();

    // Act
    let mut plans = Vec::new();
    for step in [Step::Messages, Step::Replies, Step::Orders, Step::Conversations, Step::ProductLinks, Step::Addresses]
    {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await.unwrap();
        let plan: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {}", step.chunk_sql()))
            .bind(person.id)
            .bind(step.chunk(5000))
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        plans.push((step, plan.join("\n")));
    }

    // Assert
    for (step, plan) in &plans {
        assert!(!plan.contains("Seq Scan"), "{step:?}:\n{plan}");
    }
    let (_, messages) = &plans[0];
    assert!(messages.contains("Tid Scan on messages") && messages.contains("messages_author_id_idx"), "{messages}");
    let (_, replies) = &plans[1];
    assert!(replies.contains("messages_replies_idx"), "the replies step walks the replies only:\n{replies}");
}

/// The eraser runs flat out on a quiet database, and rests after its batches while anyone else
/// (not another eraser) uses it: in a statement now, or within the last `QUIET_FOR`.
#[tokio::test]
async fn the_eraser_rests_only_while_others_use_the_database() {
    // Arrange
    let (others, url) = fresh_database().await;
    let eraser_pool = server::database::connect_eraser(&url).unwrap();
    let another_eraser = server::database::connect_eraser(&url).unwrap();
    let settings = Settings { duty_percent: 25, ..Settings::default() };
    let batch = Duration::from_millis(10);
    let in_statement = |pool: &PgPool| {
        let pool = pool.clone();
        tokio::spawn(async move { sqlx::query("SELECT pg_sleep(0.5)").execute(&pool).await.unwrap() })
    };
    let quiet_for = QUIET_FOR + Duration::from_millis(100);
    // What the others did while the database was made must be older than QUIET_FOR.
    tokio::time::sleep(quiet_for).await;

    // Act
    let quiet = rest_after(&eraser_pool, &settings, batch).await;
    let another_erasing = in_statement(&another_eraser);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let beside_another_eraser = rest_after(&eraser_pool, &settings, batch).await;
    another_erasing.await.unwrap();
    let someone_querying = in_statement(&others);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let beside_a_query = rest_after(&eraser_pool, &settings, batch).await;
    someone_querying.await.unwrap();
    let after_a_query = rest_after(&eraser_pool, &settings, batch).await;
    tokio::time::sleep(quiet_for).await;
    let quiet_again = rest_after(&eraser_pool, &settings, batch).await;

    // Assert
    assert_eq!(quiet, Duration::ZERO);
    assert_eq!(beside_another_eraser, Duration::ZERO, "other erasers are not users");
    assert_eq!(beside_a_query, Duration::from_millis(30), "a 25% duty: three times the batch");
    assert_eq!(after_a_query, Duration::from_millis(30), "the query ended just now");
    assert_eq!(quiet_again, Duration::ZERO);
}

/// Issue 13, point 4: a huge account queued first, then ten tiny ones; driving the eraser batch
/// by batch (the default batch size), all ten tiny ones are erased within 30 batches, and the
/// huge one keeps getting its turns. The huge account has 200,000 messages by default;
/// `ERASER_FAIRNESS_MESSAGES=1000000` gives the full million (the outcome does not
/// depend on it: each account gets one batch a round). Under the old claim (always the oldest
/// queued account) the first 200 batches of a million, or 40 of 200,000, were all the huge
/// account's.
#[tokio::test]
async fn a_huge_account_queued_first_does_not_hold_up_the_tiny_ones_queued_after_it() {
    // Arrange
    let messages: i64 = std::env::var("ERASER_FAIRNESS_MESSAGES")
        .ok()
        .map(|n| n.parse().expect("ERASER_FAIRNESS_MESSAGES is a number"))
        .unwrap_or(200_000);
    let batch_size = server::eraser::DEFAULT_BATCH_SIZE;
    let (pool, _) = fresh_database().await;
    let seeding = Instant::now();
    let (huge, _) = seed(&pool, None, Shape { messages: 2, history: 0, store: false }).await;
    sqlx::query(
        "INSERT INTO messages (conversation_id, author_id, body)
         SELECT c.id, $1, 'Message ' || i FROM conversations c CROSS JOIN generate_series(1, $2) AS i
          WHERE c.buyer_id = $1",
    )
    .bind(huge.id)
    .bind(messages)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    delete_account(&pool, &huge).await.unwrap();
    let mut tiny = Vec::new();
    for _ in 0..10 {
        let (person, _) = seed(&pool, None, Shape { messages: 4, history: 1, store: false }).await;
        delete_account(&pool, &person).await.unwrap();
        tiny.push(person);
    }
    let tiny_ids: Vec<Uuid> = tiny.iter().map(|p| p.id).collect();
    let tiny_queued = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM erasure_queue WHERE account_id = ANY($1)")
            .bind(&tiny_ids)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let seeded_in = seeding.elapsed();

    // Act: batch after batch, up to 30, until no tiny account is left
    let erasing = Instant::now();
    let mut whose = Vec::new();
    while whose.len() < 30 && tiny_queued().await > 0 {
        let report = erase_one_batch(&pool, batch_size).await.unwrap().expect("accounts are queued");
        whose.push(if report.account_id == huge.id { "huge" } else { "tiny" });
    }

    // Assert
    let huge_batches = whose.iter().filter(|w| **w == "huge").count();
    eprintln!(
        "{messages} messages: seeded in {seeded_in:?}; {} batches in {:?}, {huge_batches} of them the huge account's: {whose:?}",
        whose.len(),
        erasing.elapsed()
    );
    let left = tiny_queued().await;
    assert_eq!(
        left,
        0,
        "after {} batches ({huge_batches} of them the huge account's), {left} of 10 tiny accounts are still queued",
        whose.len()
    );
    assert!(huge_batches >= 2, "the huge account had its turns too: {whose:?}");
    let (erased, left): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT rows_erased FROM erasure_queue WHERE account_id = $1),
                (SELECT count(*) FROM messages WHERE author_id = $1)",
    )
    .bind(huge.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(erased, huge_batches as i64 * batch_size, "a full chunk of messages in each of its batches");
    assert_eq!(left, messages + 1 - erased);

    // Then the huge one finishes too, and nothing of the eleven is left but their tombstones (one
    // sweep once the messages are gone: each reads every row of every table).
    let finishing = Instant::now();
    crate::deletion::erase_everything(&pool, batch_size).await;
    eprintln!("the rest of the huge account erased in {:?}", finishing.elapsed());
    let everyone: Vec<&Person> = tiny.iter().chain([&huge]).collect();
    let needles: Vec<String> = everyone.iter().flat_map(|p| p.needles()).collect();
    let ids: Vec<String> = everyone.iter().map(|p| p.id.to_string()).collect();
    let traces: Vec<_> = crate::deletion::sweep(&pool, &needles)
        .await
        .into_iter()
        .filter(|(table, column, needle)| !(table == "tombstones" && column == "account_id" && ids.contains(needle)))
        .collect();
    assert!(traces.is_empty(), "their data is still in {traces:?}");
}

/// Issue 13, point 4: an account whose batch always fails (here a trigger refuses to delete its
/// messages, as a corrupt row or a bad trigger might) is queued first, then three others. The
/// three are erased; each failed batch of the poisoned one rolls back and counts against it, and
/// it waits 1 s, 2 s, 4 s ... up to 5 minutes before its next try, leaving the eraser to the
/// others (nothing claimable while it waits); its error is recorded as a bare SQLSTATE. Once
/// the poison is gone it is erased like any other, its failures set back to 0. The waits are
/// not slept through: the test moves `retry_at` to now, as if the time had passed.
#[tokio::test]
async fn an_account_whose_batches_always_fail_backs_off_and_does_not_stop_the_others() {
    use server::eraser::{BatchError, BACKOFF_CAP, BACKOFF_FIRST};

    // Arrange
    let (pool, _) = fresh_database().await;
    let (poisoned, _) = seed(&pool, None, Shape { messages: 10, history: 2, store: true }).await;
    let mut others = Vec::new();
    for _ in 0..3 {
        others.push(seed(&pool, None, Shape { messages: 10, history: 2, store: true }).await.0);
    }
    sqlx::raw_sql(&format!(
        "CREATE FUNCTION refuse_to_delete() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'this row will not go'; END $$;
         CREATE TRIGGER poison BEFORE DELETE ON messages
            FOR EACH ROW WHEN (OLD.author_id = '{}') EXECUTE FUNCTION refuse_to_delete();",
        poisoned.id
    ))
    .execute(&pool)
    .await
    .unwrap();
    delete_account(&pool, &poisoned).await.unwrap();
    for person in &others {
        delete_account(&pool, person).await.unwrap();
    }
    let others_ids: Vec<Uuid> = others.iter().map(|p| p.id).collect();
    let poisoned_messages = count(&pool, "SELECT count(*) FROM messages WHERE author_id = $1", poisoned.id).await;
    let queue_row = || async {
        sqlx::query_as::<_, (i32, Option<String>, bool, f64, i64)>(
            "SELECT failures, last_error, retry_at > now(), extract(epoch FROM retry_at - last_batch_at)::float8, batches
               FROM erasure_queue WHERE account_id = $1",
        )
        .bind(poisoned.id)
        .fetch_one(&pool)
        .await
        .unwrap()
    };

    // Act 1: the eraser goes on while the three are queued
    let (mut batches, mut failed) = (0, 0);
    loop {
        let others_queued: i64 = sqlx::query_scalar("SELECT count(*) FROM erasure_queue WHERE account_id = ANY($1)")
            .bind(&others_ids)
            .fetch_one(&pool)
            .await
            .unwrap();
        if others_queued == 0 {
            break;
        }
        assert!(
            batches < 20,
            "after {batches} batches ({failed} failed), {others_queued} of 3 accounts are still queued"
        );
        batches += 1;
        match erase_one_batch(&pool, 1000).await {
            Ok(report) => assert_ne!(report.expect("accounts are due").account_id, poisoned.id),
            Err(BatchError { backoff: Some(backoff), .. }) => {
                assert_eq!((backoff.account_id, backoff.error_code.as_str()), (poisoned.id, "P0001"));
                failed += 1;
            }
            Err(error) => panic!("a failure that is not the account's: {error}"),
        }
    }

    // Assert 1: the others are gone, the poisoned one failed, untouched, and waits
    eprintln!("the three others erased in {batches} batches, {failed} failed batches of the poisoned one among them");
    for person in &others {
        assert!(traces_of(&pool, person).await.is_empty(), "{} is erased", person.id);
    }
    let (failures, last_error, waiting, _, done) = queue_row().await;
    assert!(failures >= 1 && failures == failed, "{failures} recorded, {failed} seen");
    assert_eq!((last_error.as_deref(), done), (Some("P0001"), 0), "the SQLSTATE only, and no batch done");
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE author_id = $1", poisoned.id).await,
        poisoned_messages
    );
    // (Unless the machine was slow enough for its wait to be over already: Act 2 checks it.)
    if waiting {
        assert!(erase_one_batch(&pool, 1000).await.unwrap().is_none(), "it waits; nothing else is queued");
    }

    // Act 2: each time its wait is over, it fails again, and waits twice as long, up to the cap
    let mut waits = Vec::new();
    let mut expected = Vec::new();
    for n in failures + 1..=12 {
        sqlx::query("UPDATE erasure_queue SET retry_at = now() WHERE account_id = $1")
            .bind(poisoned.id)
            .execute(&pool)
            .await
            .unwrap();
        let error = erase_one_batch(&pool, 1000).await.expect_err("the poison is still there");
        let backoff = error.backoff.expect("counted against the account");
        let (failures, _, waiting, wait, _) = queue_row().await;
        assert_eq!((backoff.failures, failures, waiting), (n, n, true));
        assert_eq!(backoff.retry_in.as_secs_f64(), wait);
        assert!(erase_one_batch(&pool, 1000).await.unwrap().is_none(), "while it waits, nothing is claimed");
        waits.push(wait);
        expected.push((BACKOFF_FIRST.as_secs_f64() * 2f64.powi(n - 1)).min(BACKOFF_CAP.as_secs_f64()));
    }

    // Assert 2
    eprintln!("waits after failures {}..=12: {waits:?}", failures + 1);
    assert_eq!(waits, expected);
    assert_eq!(waits.last(), Some(&300.0), "capped at 5 minutes");

    // Act 3: the poison goes; once its wait is over, it is erased like any other
    sqlx::query("DROP TRIGGER poison ON messages").execute(&pool).await.unwrap();
    sqlx::query("UPDATE erasure_queue SET retry_at = now() WHERE account_id = $1")
        .bind(poisoned.id)
        .execute(&pool)
        .await
        .unwrap();
    let report = erase_one_batch(&pool, 1000).await.unwrap().expect("due again");
    let (failures, last_error, _, _, done) = queue_row().await;
    crate::deletion::erase_everything(&pool, 1000).await;

    // Assert 3
    assert_eq!(
        (report.account_id, failures, last_error, done),
        (poisoned.id, 0, None, 1),
        "a success resets the count"
    );
    assert!(traces_of(&pool, &poisoned).await.is_empty());
    assert_eq!(count(&pool, "SELECT count(*) FROM accounts WHERE id = $1", poisoned.id).await, 0);
}

/// The claim reaches the next account through `erasure_queue_turn_idx`, in turn order, with no
/// sort of the whole queue, however long the queue is.
#[tokio::test]
async fn the_claim_walks_the_queue_in_turn_order_through_its_index() {
    // Arrange: 10,000 queued accounts, half of them under way, a tenth backing off
    let (pool, _) = fresh_database().await;
    sqlx::query(
        "INSERT INTO erasure_queue (account_id, enqueued_at, last_batch_at, retry_at)
         SELECT gen_random_uuid(), now() - i * interval '1 second',
                CASE WHEN i % 2 = 0 THEN now() - i * interval '1 millisecond' END,
                CASE WHEN i % 10 = 0 THEN now() + interval '1 minute' ELSE now() END
           FROM generate_series(1, 10000) AS i",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE erasure_queue").execute(&pool).await.unwrap();

    // Act: as the eraser plans it (sequential scans off), and as the planner would choose
    let mut plans = Vec::new();
    for seqscan in ["off", "on"] {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query(&format!("SET LOCAL enable_seqscan = {seqscan}")).execute(&mut *tx).await.unwrap();
        let plan: Vec<String> =
            sqlx::query_scalar(&format!("EXPLAIN {}", server::eraser::CLAIM_SQL)).fetch_all(&mut *tx).await.unwrap();
        plans.push(plan.join("\n"));
    }

    // Assert
    for plan in &plans {
        assert!(plan.contains("erasure_queue_turn_idx") && !plan.contains("Sort"), "{plan}");
    }
}

/// `/metrics` gives the queue in the Prometheus text format: how many accounts wait for their
/// erasure, how many of them are failing, and how long the oldest has waited.
#[tokio::test]
async fn metrics_report_the_queue_its_failing_accounts_and_the_oldest_wait() {
    // Arrange
    let app = crate::helpers::TestApp::spawn().await;
    let metrics = || async {
        let response = app.client.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let content_type = response.headers()[reqwest::header::CONTENT_TYPE].to_str().unwrap().to_owned();
        assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
        let body = response.text().await.unwrap();
        let value = |name: &str| -> f64 {
            let line = body.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("{body}"));
            line[name.len() + 1..].parse().unwrap()
        };
        (value("eraser_queued_accounts"), value("eraser_failing_accounts"), value("eraser_oldest_queued_seconds"))
    };
    let empty = metrics().await;
    // A deleted account queued two hours ago whose last batch failed; it waits an hour (so the
    // test server's own eraser leaves it alone).
    let account: Uuid = sqlx::query_scalar(
        "INSERT INTO accounts (email, password_hash, name, country, deleted_at)
         VALUES ('deleted-' || gen_random_uuid() || '@invalid', '!', '', 'FI', now()) RETURNING id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO erasure_queue (account_id, enqueued_at, last_batch_at, failures, retry_at, last_error)
         VALUES ($1, now() - interval '2 hours', now(), 4, now() + interval '1 hour', 'P0001')",
    )
    .bind(account)
    .execute(&app.pool)
    .await
    .unwrap();

    // Act
    let (queued, failing, oldest) = metrics().await;

    // Assert
    assert_eq!(empty, (0.0, 0.0, 0.0));
    assert_eq!((queued, failing), (1.0, 1.0));
    assert!((7200.0..7260.0).contains(&oldest), "{oldest}");
}

/// 20 rounds: the server process is killed (SIGKILL) while its deletion call is inside its
/// transaction, or at a random moment around it; the account is then either untouched (and
/// deletes on a retry through a new server) or deleted, and the erasure completes after the
/// restart.
#[tokio::test]
async fn a_server_killed_during_the_deletion_call_leaves_the_account_whole_or_deleted() {
    let (pool, url) = fresh_database().await;
    let mut rng = rand::thread_rng();
    let (mut untouched, mut deleted) = (0, 0);
    for round in 0..20 {
        // Arrange
        let (person, counterparty) = seed(&pool, None, Shape { messages: 30, history: 5, store: round % 2 == 0 }).await;
        let holdings = counterparty_holdings(&pool, &counterparty).await;
        let snapshot = Live::take(&pool, &person).await;
        let mut server = ServerProcess::start(&url, &[]).await;
        let cookie = format!("session={}", person.session.as_str());
        let form = [
            ("locale", "en"),
            ("email", person.email.as_str()),
            ("phrase", "deactivate my account"),
            ("reason", "cheated"),
        ];
        // Even rounds: held inside its transaction (its last statement needs a lock the test
        // holds) and killed there; odd rounds: killed at a random moment.
        let mut holder = pool.begin().await.unwrap();
        if round % 2 == 0 {
            sqlx::query("LOCK TABLE erasure_queue IN SHARE MODE").execute(&mut *holder).await.unwrap();
        }
        let call = reqwest::Client::new()
            .post(format!("{}/api/deactivate_account", server.address))
            .header(reqwest::header::ORIGIN, &server.address)
            .header(reqwest::header::COOKIE, &cookie)
            .form(&form)
            .send();
        let call = tokio::spawn(call);

        // Act
        if round % 2 == 0 {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let inside: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
                                     AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL
                                     AND query ~ 'INSERT INTO erasure_queue')",
                )
                .fetch_one(&pool)
                .await
                .unwrap();
                if inside {
                    break;
                }
                assert!(Instant::now() < deadline, "round {round}: the deletion never waited inside its transaction");
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        } else {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(0..30))).await;
        }
        server.kill();
        holder.commit().await.unwrap();
        let _ = call.await.unwrap();
        // The killed server's backend notices its client is gone and rolls back.
        let deadline = Instant::now() + Duration::from_secs(10);
        let lingering = "SELECT count(*) FROM pg_stat_activity
                          WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()";
        while sqlx::query_scalar::<_, i64>(lingering).fetch_one(&pool).await.unwrap() > 0 {
            assert!(Instant::now() < deadline, "round {round}: the killed server's transaction lingers");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }

        // Assert: whole or deleted, never half
        check_consistent(&pool, &person, &snapshot).await;
        let was_deleted = count(&pool, "SELECT count(*) FROM tombstones WHERE account_id = $1", person.id).await == 1;
        if round % 2 == 0 {
            assert!(!was_deleted, "round {round}: the deletion killed inside its transaction committed");
        }
        if was_deleted {
            deleted += 1;
        } else {
            untouched += 1;
            delete_account(&pool, &person).await.expect("the retry deletes");
        }
        let _server = ServerProcess::start(&url, &[]).await;
        wait_for_empty_queue(&pool, Duration::from_secs(20)).await;
        check_erased(&pool, &person, &counterparty, &holdings).await;
    }
    eprintln!("20 server kills during the deletion call: {untouched} left the account untouched, {deleted} after it committed");
    assert!(untouched >= 10, "every kill inside the transaction left the account untouched");
}
