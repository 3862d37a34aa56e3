//! The housekeeping job: the reason statistics are anonymous by construction (after deletions
//! with known reasons, no query over the tables, system columns included, pairs a reason with
//! its account), and expired sessions and old rate-limit windows are purged.

use crate::deletion::session_of;
use crate::helpers::{fresh_database, TEST_SECRET};
use app::{
    auth::digest::EmailDigester,
    deactivation::store::deactivate,
    domain::{
        account::EmailAddress,
        deactivation::{Feedback, Reason},
    },
    i18n::Locale,
};
use server::housekeeping::release_feedback;
use sqlx::PgPool;
use uuid::Uuid;

const DELETIONS: usize = 20;

/// What person `i` says: every other one "Other" with a text of their own, the rest a reason
/// of the list in turn.
fn feedback_of(i: usize) -> Feedback {
    if i.is_multiple_of(2) {
        Feedback { reason: Reason::Other, locale: Locale::Fi, other_text: Some(format!("My own reason number {i}")) }
    } else {
        Feedback { reason: Reason::ALL[i % 8], locale: Locale::En, other_text: None }
    }
}

async fn delete_one(pool: &PgPool, i: usize) -> Uuid {
    let email = format!("leaver-{i}-{}@example.com", Uuid::new_v4().simple());
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO accounts (email, password_hash, name, country) VALUES ($1, '!test', 'Lee Leaver', 'FI') RETURNING id",
    )
    .bind(&email)
    .fetch_one(pool)
    .await
    .unwrap();
    let session = session_of(pool, id).await;
    let digest = EmailDigester::new(TEST_SECRET).digests(&EmailAddress::parse(&email).unwrap());
    deactivate(pool, id, &session, &digest, &feedback_of(i)).await.unwrap();
    id
}

#[tokio::test]
async fn no_column_or_system_column_pairs_a_reason_with_its_account() {
    // Arrange: twenty deletions, one after another, with known reasons
    let (pool, _) = fresh_database().await;
    let mut accounts = Vec::new();
    for i in 0..DELETIONS {
        accounts.push(delete_one(&pool, i).await);
    }

    // Act
    let released = release_feedback(&pool).await.unwrap();

    // Assert: everything was counted, and nothing waits in the inbox
    assert_eq!(released, DELETIONS as i64);
    let scalar = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    assert_eq!(scalar("SELECT count(*) FROM deletion_feedback_inbox").await, 0);
    assert_eq!(scalar("SELECT sum(deletions)::int8 FROM deletion_reason_counts").await, DELETIONS as i64);
    assert_eq!(scalar("SELECT count(*) FROM deletion_other_texts").await, DELETIONS as i64 / 2);

    // Assert: no transaction id is shared between the statistics and the deletions' rows
    for statistics in ["deletion_reason_counts", "deletion_other_texts"] {
        for trace in ["tombstones", "blocked_email_digests"] {
            let shared: i64 = sqlx::query_scalar(&format!(
                "SELECT count(*) FROM {statistics} s JOIN {trace} t ON s.xmin::text = t.xmin::text"
            ))
            .fetch_one(&pool)
            .await
            .unwrap();
            assert_eq!(shared, 0, "{statistics} shares a transaction with {trace}");
        }
    }
    // ... the counters were all written at once, by the release
    assert_eq!(scalar("SELECT count(DISTINCT xmin::text) FROM deletion_reason_counts").await, 1);

    // Assert: no finer time than the day anywhere in these tables
    let timestamps: Vec<String> = sqlx::query_scalar(
        "SELECT table_name || '.' || column_name FROM information_schema.columns
          WHERE table_name IN ('tombstones', 'blocked_email_digests', 'deletion_reason_counts', 'deletion_other_texts')
            AND data_type NOT IN ('date', 'text', 'integer', 'uuid', 'bytea')",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(timestamps.is_empty(), "{timestamps:?}");

    // Assert: the order of the "Other" texts (by physical position, by id) says nothing about
    // the order of the deletions (the tombstones' order): an attacker who pairs them by
    // position does no better than chance (a random order of 10 pairs this many right or more
    // with a probability under 1 in 10,000)
    let deleted_in_order: Vec<Uuid> =
        sqlx::query_scalar("SELECT account_id FROM tombstones ORDER BY xmin::text::int8, ctid")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(deleted_in_order, accounts, "the tombstones do give the order of the deletions");
    let others_in_order: Vec<usize> = (0..DELETIONS).filter(|i| i.is_multiple_of(2)).collect();
    for order in ["ctid", "id"] {
        let texts: Vec<String> = sqlx::query_scalar(&format!("SELECT text FROM deletion_other_texts ORDER BY {order}"))
            .fetch_all(&pool)
            .await
            .unwrap();
        let paired_right = texts
            .iter()
            .zip(&others_in_order)
            .filter(|(text, i)| **text == format!("My own reason number {i}"))
            .count();
        assert!(paired_right < 7, "by {order}, {paired_right} of 10 texts pair with their deletion: {texts:?}");
    }
}

#[tokio::test]
async fn fewer_than_five_reasons_of_today_wait_in_the_inbox() {
    // Arrange
    let (pool, _) = fresh_database().await;
    for i in 0..4 {
        delete_one(&pool, i).await;
    }

    // Act
    let released = release_feedback(&pool).await.unwrap();

    // Assert
    assert_eq!(released, 0);
    let waiting: i64 =
        sqlx::query_scalar("SELECT count(*) FROM deletion_feedback_inbox").fetch_one(&pool).await.unwrap();
    assert_eq!(waiting, 4);

    // Act: one from yesterday makes the inbox due
    sqlx::query("UPDATE deletion_feedback_inbox SET given_on = current_date - 1 WHERE reason = 'other'")
        .execute(&pool)
        .await
        .unwrap();
    let released = release_feedback(&pool).await.unwrap();

    // Assert
    assert_eq!(released, 4);
}

#[tokio::test]
async fn housekeeping_purges_expired_sessions_and_old_rate_limits_in_batches_and_keeps_the_rest() {
    // Arrange: more expired sessions than one batch, old and current rate-limit windows
    let (pool, _) = fresh_database().await;
    let id = live_account(&pool).await;
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, expires_at)
         SELECT sha256(convert_to(g::text, 'UTF8')), $1, now() - interval '1 minute' FROM generate_series(1, 2500) g",
    )
    .bind(id)
    .execute(&pool)
    .await
    .unwrap();
    session_of(&pool, id).await;
    sqlx::query(
        "INSERT INTO rate_limits (bucket, key, window_started_at)
         SELECT 'sign_in_ip', g::text, now() - interval '2 days' FROM generate_series(1, 1500) g
         UNION ALL SELECT 'sign_in_ip', 'current', now()",
    )
    .execute(&pool)
    .await
    .unwrap();

    // Act
    server::housekeeping::run_once(&pool).await.unwrap();

    // Assert
    let sessions: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM sessions").fetch_all(&pool).await.unwrap();
    assert_eq!(sessions.len(), 1, "only the live session is left");
    let limits: Vec<String> = sqlx::query_scalar("SELECT key FROM rate_limits").fetch_all(&pool).await.unwrap();
    assert_eq!(limits, ["current"]);
}

/// A live account (nothing deleted).
async fn live_account(pool: &PgPool) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO accounts (email, password_hash, name, country) VALUES ('stay@example.com', '!test', 'Stay', 'FI') RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}
