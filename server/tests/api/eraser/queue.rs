//! The queue: accounts take turns, a failing one backs off without stopping the others, the
//! claim walks an index in turn order, and /metrics reports the queue.

use crate::deletion::{count, delete_account, seed, traces_of, Person, Shape};
use crate::helpers::fresh_database;
use server::eraser::erase_one_batch;
use std::time::Instant;
use uuid::Uuid;

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
        .filter(|(table, column, needle)| {
            !everyone.iter().any(|person| crate::deletion::is_unsent_goodbye(table, column, needle, person))
        })
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
