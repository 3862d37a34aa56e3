//! Erased means unreadable on disk: after the erasure and the housekeeping's VACUUM, not even
//! the dead tuples in the table files hold the person's data (read with `pg_dirtyread`).

use crate::deletion::{delete_account, erase_everything, seed, Shape};
use crate::helpers::fresh_database;
use server::housekeeping::vacuum_erased_tables;
use sqlx::PgPool;

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

#[tokio::test]
async fn after_the_erasure_and_a_vacuum_no_dead_tuple_holds_the_person() {
    // Arrange: pg_dirtyread (`cargo xtask test` installs the Debian package)
    let (pool, _) = fresh_database().await;
    sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_dirtyread").execute(&pool).await.expect(
        "the pg_dirtyread extension is available (Debian package postgresql-<major>-dirtyread; cargo xtask test installs it)",
    );
    let (person, _) = seed(&pool, None, Shape { messages: 40, history: 5, store: true }).await;
    // The needles but the id, which the tombstone keeps on purpose.
    let needles: Vec<String> = person.needles().into_iter().filter(|n| *n != person.id.to_string()).collect();

    // Act: deleted and erased
    delete_account(&pool, &person).await.unwrap();
    erase_everything(&pool, 500).await;

    // Assert: the live rows are clean, but the table files still hold the person
    let before_vacuum = dirty_sweep(&pool, &needles).await;
    assert!(
        before_vacuum.iter().any(|(table, _)| table == "messages")
            && before_vacuum.iter().any(|(t, _)| t == "accounts"),
        "the dead tuples should still be there before the vacuum: {before_vacuum:?}"
    );

    // Act
    vacuum_erased_tables(&pool).await.unwrap();

    // Assert
    let after_vacuum = dirty_sweep(&pool, &needles).await;
    assert!(after_vacuum.is_empty(), "dead tuples still hold the person: {after_vacuum:?}");
}
