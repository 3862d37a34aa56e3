//! After a database is restored from a backup: every deletion made since the backup is made
//! again before the site opens, so that no deleted account comes back (docs/operations.md,
//! "What a restore means for deleted accounts").
//!
//! The tombstones and the blocked digests are exported continuously, outside the backups
//! ([`EXPORT_TOMBSTONES`], [`EXPORT_BLOCKED_DIGESTS`]). `server restore-deletions TOMBSTONES
//! BLOCKED` loads those exports into the restored database and, in the same transaction,
//! deletes again every tombstoned account the backup holds alive and queues every tombstoned
//! account that still has a row for the eraser. Run it with every server process stopped.

use app::{auth::digest::EmailDigester, deactivation::store::delete_locked, domain::account::EmailAddress};
use sqlx::{PgConnection, PgPool};
use std::fmt;
use uuid::Uuid;

/// The continuous export of the tombstones: every few minutes, the rows of today and yesterday
/// (the rows keep the day only), in `COPY`'s text format, appended to storage outside the
/// backups. `psql -c "\copy (...) TO STDOUT"` with the query inside, or this statement as is.
/// Duplicates are dropped on loading.
pub const EXPORT_TOMBSTONES: &str =
    "COPY (SELECT account_id, deleted_on FROM tombstones WHERE deleted_on >= current_date - 1) TO STDOUT";

/// The continuous export of the blocked digests, like [`EXPORT_TOMBSTONES`]. It holds the
/// addresses of accounts created and deleted after the backup, which the restored database
/// cannot know.
pub const EXPORT_BLOCKED_DIGESTS: &str = "COPY (SELECT digest, blocked_on, key_id FROM blocked_email_digests
              WHERE blocked_on >= current_date - 1) TO STDOUT";

/// What [`restore_deletions`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restored {
    /// Tombstones of the export the restored database did not have.
    pub tombstones_added: u64,
    /// Blocked digests of the export the restored database did not have.
    pub digests_added: u64,
    /// Accounts the backup held alive, deleted again.
    pub deleted_again: u64,
    /// Tombstoned accounts with a row, newly queued for the eraser.
    pub queued: u64,
}

#[derive(Debug)]
pub enum RestoreError {
    Database(sqlx::Error),
    /// A live account's stored address does not parse, so its block cannot be computed.
    Unparsable(Uuid),
}

impl From<sqlx::Error> for RestoreError {
    fn from(error: sqlx::Error) -> Self {
        RestoreError::Database(error)
    }
}

impl fmt::Display for RestoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestoreError::Database(error) => write!(f, "nothing was changed: {error}"),
            RestoreError::Unparsable(id) => {
                write!(f, "nothing was changed: the stored address of account {id} is not an address")
            }
        }
    }
}

/// Loads the exports (`COPY` text, as [`EXPORT_TOMBSTONES`] and [`EXPORT_BLOCKED_DIGESTS`]
/// wrote them, any number of exports one after the other) and replays the deletions, all in one
/// transaction: all of it or nothing. Running it twice changes nothing the second time.
pub async fn restore_deletions(
    pool: &PgPool,
    digester: &EmailDigester,
    tombstones: &[u8],
    blocked_digests: &[u8],
) -> Result<Restored, RestoreError> {
    let mut tx = pool.begin().await?;
    let (tombstones_added, digests_added) = load_exports(&mut tx, tombstones, blocked_digests).await?;

    // The accounts the backup holds alive although they were deleted since: every statement
    // of the deletion again, with no reason (it was counted) and no second tombstone.
    let alive: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT a.id, a.email FROM accounts a JOIN tombstones t ON t.account_id = a.id
          WHERE a.deleted_at IS NULL ORDER BY a.id FOR UPDATE OF a",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (account_id, email) in &alive {
        let email = EmailAddress::parse(email).map_err(|_| RestoreError::Unparsable(*account_id))?;
        let digests = digester.digests(&email);
        delete_locked(&mut tx, *account_id, &digests).await?;
        sqlx::query(
            "INSERT INTO blocked_email_digests (digest, key_id) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING",
        )
        .bind(&digests.block)
        .bind(&digests.key_id)
        .execute(&mut *tx)
        .await?;
    }

    // Every tombstoned account that still has a row goes (back) to the eraser; one the backup
    // caught half-erased keeps its queue row and resumes where it was.
    let queued = sqlx::query(
        "INSERT INTO erasure_queue (account_id)
         SELECT a.id FROM accounts a JOIN tombstones t ON t.account_id = a.id
          WHERE a.deleted_at IS NOT NULL
         ON CONFLICT (account_id) DO NOTHING",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(Restored { tombstones_added, digests_added, deleted_again: alive.len() as u64, queued })
}

/// Copies the exports into temporary tables and adds the rows the database lacks.
async fn load_exports(conn: &mut PgConnection, tombstones: &[u8], blocked_digests: &[u8]) -> sqlx::Result<(u64, u64)> {
    sqlx::raw_sql(
        "CREATE TEMPORARY TABLE exported_tombstones (account_id uuid NOT NULL, deleted_on date NOT NULL)
             ON COMMIT DROP;
         CREATE TEMPORARY TABLE exported_blocked (digest bytea NOT NULL, blocked_on date NOT NULL, key_id text)
             ON COMMIT DROP;",
    )
    .execute(&mut *conn)
    .await?;
    copy_in(conn, "COPY exported_tombstones FROM STDIN", tombstones).await?;
    copy_in(conn, "COPY exported_blocked FROM STDIN", blocked_digests).await?;
    let tombstones_added = sqlx::query(
        "INSERT INTO tombstones (account_id, deleted_on)
         SELECT account_id, min(deleted_on) FROM exported_tombstones GROUP BY account_id
         ON CONFLICT (account_id) DO NOTHING",
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let digests_added = sqlx::query(
        "INSERT INTO blocked_email_digests (digest, blocked_on, key_id)
         SELECT DISTINCT ON (digest) digest, blocked_on, key_id FROM exported_blocked ORDER BY digest, blocked_on
         ON CONFLICT (digest) DO NOTHING",
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok((tombstones_added, digests_added))
}

async fn copy_in(conn: &mut PgConnection, statement: &str, data: &[u8]) -> sqlx::Result<()> {
    let mut copy = conn.copy_in_raw(statement).await?;
    if let Err(error) = copy.send(data).await {
        copy.abort(error.to_string()).await?;
        return Err(error);
    }
    copy.finish().await?;
    Ok(())
}
