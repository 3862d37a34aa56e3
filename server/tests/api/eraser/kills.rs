//! Kills: connections, the deletion's transaction and whole server processes killed at any
//! moment never leave half an account; the erasure completes after a restart.

use super::wait_for_empty_queue;
use crate::deletion::{count, counterparty_holdings, delete_account, seed, traces_of, Counterparty, Person, Shape};
use crate::helpers::{fresh_database, ServerProcess};
use app::{auth::store::lock_address, deactivation::store::DeactivateError};
use rand::Rng;
use server::eraser::{spawn, Settings};
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};
use std::{
    str::FromStr,
    time::{Duration, Instant},
};

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
        wait_for_empty_queue(&pool, Duration::from_secs(60)).await;
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
        wait_for_empty_queue(&pool, Duration::from_secs(60)).await;
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
        wait_for_empty_queue(&pool, Duration::from_secs(60)).await;
        check_erased(&pool, &person, &counterparty, &holdings).await;
    }
    eprintln!("20 server kills during the deletion call: {untouched} left the account untouched, {deleted} after it committed");
    assert!(untouched >= 10, "every kill inside the transaction left the account untouched");
}
