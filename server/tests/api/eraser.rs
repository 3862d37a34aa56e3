//! The background eraser (`server::eraser`): bounded batches with recorded progress, a queue
//! shared safely between processes, and no half-erased account whatever is killed when.

use crate::deletion::{
    count, counterparty_holdings, delete_account, fresh_database, seed, traces_of, Counterparty, Person, Shape,
};
use crate::helpers::TEST_SECRET;
use app::deactivation::store::DeactivateError;
use rand::Rng;
use server::eraser::{erase_one_batch, rest_after, spawn, Settings, Step, QUIET_FOR};
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};
use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
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

/// 20 runs: in ten, the deletion's and the eraser's connections are killed with
/// `pg_terminate_backend` at random moments; in ten, the server process running the eraser is
/// killed (SIGKILL) at a random moment and started again. At every kill the person is either
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
    let connect = |name: &str| {
        let options = PgConnectOptions::from_str(&url).unwrap().application_name(name);
        PgPoolOptions::new().max_connections(3).connect_lazy_with(options)
    };
    for run in 0..10 {
        let (person, counterparty) = seed(&pool, None, shape).await;
        let snapshot = Live::take(&pool, &person).await;
        let holdings = counterparty_holdings(&pool, &counterparty).await;
        let eraser_pool = connect("chaos-eraser");
        let settings = Settings { enabled: true, batch_size, duty_percent: 100, idle_poll: Duration::from_millis(5) };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let eraser = spawn(eraser_pool, settings, stopped);

        let deleting_pool = connect("chaos-deletion");
        let delete = {
            let (person, deleting_pool) = (person.clone(), deleting_pool.clone());
            move || async move { delete_account(&deleting_pool, &person).await }
        };
        let deletion = tokio::spawn(delete.clone()());
        if run % 2 == 0 {
            tokio::time::sleep(Duration::from_micros(rng.gen_range(0..4_000))).await;
            terminate(&pool, "chaos-deletion").await;
        }
        let deleted = match deletion.await.unwrap() {
            Ok(_) => true,
            Err(DeactivateError::Database(_)) => {
                deletions_killed += 1;
                false
            }
            Err(error @ (DeactivateError::AlreadyDeleted | DeactivateError::PasswordTooOld)) => {
                unreachable!("nobody else deletes, and the password was just entered: {error}")
            }
        };
        check_consistent(&pool, &person, &snapshot).await;
        if !deleted {
            // The person tries again (or the commit went through and only the answer was lost).
            match delete().await {
                Ok(_) | Err(DeactivateError::AlreadyDeleted) => {}
                Err(error) => panic!("run {run}: the retry failed: {error}"),
            }
        }
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
    assert!(eraser_kills_mid_erasure >= 5, "too few kills landed mid-erasure: {eraser_kills_mid_erasure} of 30");

    // Ten runs with a killed server process.
    let mut kills_mid_erasure = 0;
    for run in 0..10 {
        let (person, counterparty) = seed(&pool, None, shape).await;
        let holdings = counterparty_holdings(&pool, &counterparty).await;
        let snapshot = Live::take(&pool, &person).await;
        delete_account(&pool, &person).await.unwrap();

        let mut server = Server::start(&url, batch_size).await;
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..150))).await;
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

        let mut server = Server::start(&url, batch_size).await;
        wait_for_empty_queue(&pool, Duration::from_secs(20)).await;
        server.kill();
        check_erased(&pool, &person, &counterparty, &holdings).await;
        eprintln!("process run {run}: killed at {progress:?}");
    }
    assert!(kills_mid_erasure >= 3, "most kills should land mid-erasure, only {kills_mid_erasure} did");
    eprintln!("20 runs in {:?}", started.elapsed());
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
        .bind(person.digest())
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
    .bind(person.digest())
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

/// Kills the connections of `application_name`; how many there were.
async fn terminate(pool: &PgPool, application_name: &str) -> usize {
    let killed: Vec<bool> =
        sqlx::query_scalar("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1")
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

/// The real server binary, running its eraser.
struct Server {
    child: Child,
}

impl Server {
    /// Starts the server and waits until it listens (its eraser starts with it).
    async fn start(database_url: &str, batch_size: i64) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .env("DATABASE_URL", database_url)
            .env("APP_SECRET", String::from_utf8_lossy(TEST_SECRET).as_ref())
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("APP_ERASER_BATCH_SIZE", batch_size.to_string())
            .env("RUST_LOG", "warn")
            .env_remove("APP_DEMO_DATA")
            .env_remove("APP_TEST_FIXTURES")
            .env_remove("APP_ERASER");
        // A binary built with the fixtures API does not start without its switch and token.
        #[cfg(feature = "test-fixtures")]
        command.env("APP_TEST_FIXTURES", "1").env("APP_TEST_FIXTURES_TOKEN", crate::helpers::FIXTURES_TOKEN);
        let mut child =
            command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("the server binary starts");
        let stdout = child.stdout.take().unwrap();
        let (listening, ready) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("is listening on") {
                    let _ = listening.send(());
                }
            }
        });
        tokio::task::spawn_blocking(move || ready.recv_timeout(Duration::from_secs(30)))
            .await
            .unwrap()
            .expect("the server listens");
        Server { child }
    }

    /// SIGKILL: no shutdown, no cleanup.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
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
    for step in [Step::Messages, Step::Orders, Step::Conversations, Step::ProductLinks, Step::Addresses] {
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
