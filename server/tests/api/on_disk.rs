//! Erased means unreadable on disk: soon after the erasure, autovacuum (told by migration 0011 to
//! visit the erased tables at their first dead tuple) leaves not even a dead tuple of the person
//! in the table files (read with `pg_dirtyread`). Nothing calls VACUUM: this holds whatever role
//! the server runs as.

use crate::deletion::{delete_account, erase_everything, seed, Shape};
use crate::helpers::PrivateCluster;
use sqlx::{postgres::PgPoolOptions, PgPool};
use std::time::{Duration, Instant};

/// Every (table, needle) where a row of a table of the public schema, live or dead, holds one
/// of `needles` (ignoring case). Reads every tuple in the table files with `pg_dirtyread`.
async fn dirty_sweep(pool: &PgPool, needles: &[String]) -> Vec<(String, String)> {
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text,
                string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum)
           FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '_sqlx_migrations'
          GROUP BY c.relname",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut found = Vec::new();
    for (table, columns) in tables {
        let sql = format!("SELECT x::text FROM pg_dirtyread('{table}') AS x({columns})");
        let rows: Vec<String> = sqlx::query_scalar(&sql).fetch_all(pool).await.unwrap();
        for needle in needles {
            if rows.iter().any(|row| row.to_lowercase().contains(&needle.to_lowercase())) {
                found.push((table.clone(), needle.clone()));
            }
        }
    }
    found
}

/// How long autovacuum may take to reach the erased tables: one `autovacuum_naptime` of the
/// test's cluster (1 s), the few seconds a backend may wait before it reports its dead tuples,
/// and room for a loaded machine.
const AUTOVACUUM_DEADLINE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn after_the_erasure_autovacuum_leaves_no_dead_tuple_of_the_person() {
    // Arrange: a cluster of its own, whose autovacuum wakes every second (the default is a
    // minute), with pg_dirtyread (`cargo xtask test` installs the Debian package)
    let cluster = PrivateCluster::start_with(&["autovacuum_naptime=1s"]);
    let pool = PgPoolOptions::new().max_connections(5).connect(&cluster.url("postgres")).await.unwrap();
    sqlx::migrate!("../migrations").run(&pool).await.unwrap();
    sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_dirtyread").execute(&pool).await.expect(
        "the pg_dirtyread extension is available (Debian package postgresql-<major>-dirtyread; cargo xtask test installs it)",
    );
    // Others' rows, so that the person's are a small part of each table, as in production.
    for _ in 0..3 {
        seed(&pool, None, Shape { messages: 40, history: 5, store: true }).await;
    }
    let (person, _) = seed(&pool, None, Shape { messages: 40, history: 5, store: true }).await;
    // The needles but the id, which the tombstone keeps on purpose.
    let needles: Vec<String> = person.needles().into_iter().filter(|n| *n != person.id.to_string()).collect();
    // A snapshot taken before the deletion keeps the dead tuples from every vacuum while open.
    let mut old_snapshot = pool.begin().await.unwrap();
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(&mut *old_snapshot).await.unwrap();
    sqlx::query("SELECT count(*) FROM accounts").execute(&mut *old_snapshot).await.unwrap();

    // Act: deleted and erased, and the goodbye email sent (which deletes its address)
    delete_account(&pool, &person).await.unwrap();
    erase_everything(&pool, 500).await;
    let sent = server::mailer::send_next(&pool, &crate::outbox::test_mailer()).await.unwrap();
    assert_eq!(sent, server::mailer::Outcome::Sent);

    // Assert: the live rows are clean, but the table files still hold the person
    let while_seen = dirty_sweep(&pool, &needles).await;
    assert!(
        while_seen.iter().any(|(table, _)| table == "messages") && while_seen.iter().any(|(t, _)| t == "accounts"),
        "the dead tuples should still be there while an old snapshot may see them: {while_seen:?}"
    );

    // Act: nothing but time and autovacuum, once no snapshot needs the old versions
    old_snapshot.rollback().await.unwrap();
    let started = Instant::now();
    let mut left = dirty_sweep(&pool, &needles).await;
    while !left.is_empty() && started.elapsed() < AUTOVACUUM_DEADLINE {
        tokio::time::sleep(Duration::from_millis(500)).await;
        left = dirty_sweep(&pool, &needles).await;
    }

    // Assert
    assert!(left.is_empty(), "after {AUTOVACUUM_DEADLINE:?}, dead tuples still hold the person: {left:?}");
    println!("autovacuum removed the dead tuples {:.1} s after the snapshot closed", started.elapsed().as_secs_f64());
}
