//! Batches: each is a bounded chunk through an index, records its progress, finds rows written
//! meanwhile, skips an account another process holds, never erases a live account; the running
//! eraser empties the queue and stops on shutdown.

use super::wait_for_empty_queue;
use crate::deletion::{count, counterparty_holdings, delete_account, seed, traces_of, Shape};
use crate::helpers::fresh_database;
use server::eraser::{erase_one_batch, spawn, Chunked, Settings, Step};
use std::time::Duration;
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
    assert_eq!(
        steps.iter().filter(|s| **s == Step::Chunked(Chunked::Messages)).count(),
        3,
        "255 messages: 100, 100, 55"
    );
    assert_eq!(
        steps.iter().filter(|s| **s == Step::Chunked(Chunked::Orders)).count(),
        2,
        "35 purchases, a fifth of 100 at a time"
    );
    assert_eq!(
        steps.iter().filter(|s| **s == Step::Chunked(Chunked::ProductLinks)).count(),
        2,
        "35 sales, 20 at a time"
    );
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
    assert_eq!(
        (reports[0].step, reports[0].next_step),
        (Step::Account, Some(Step::Chunked(Chunked::Messages))),
        "{reports:?}"
    );
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
    for step in Chunked::ALL {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await.unwrap();
        let plan: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {}", step.sql()))
            .bind(person.id)
            .bind(Step::Chunked(step).chunk(5000))
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
    let (_, replies) = plans.iter().find(|(step, _)| *step == Chunked::Replies).unwrap();
    assert!(replies.contains("messages_replies_idx"), "the replies step walks the replies only:\n{replies}");
}
