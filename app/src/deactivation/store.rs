//! The account deletion in PostgreSQL (server only).
//!
//! [`deactivate`] is one short transaction whose work is bounded by what is *open* (sessions,
//! open orders, listed products), never by the account's history: it makes the account unusable
//! and invisible at once, settles its open orders, and queues the bulk erasure of everything else
//! (messages, order history, addresses, the store's records), which the server's background
//! eraser does in small batches.
//!
//! [`impact`] is what the deactivation page shows before the form.

use super::{Impact, OpenOrder, PendingRefund, StoreImpact, RECENT_PASSWORD_MINUTES};
use crate::auth::{digest::AddressDigests, session::SessionToken, store::lock_address};
use crate::domain::deactivation::Feedback;
use sqlx::{types::Json, PgConnection, PgPool};
use std::fmt;
use uuid::Uuid;

/// The password hash of a deleted account: not a hash of anything, so no password verifies.
const NO_PASSWORD: &str = "!deleted";

/// The receipt number the goodbye page shows: `DA-` and the first twelve hex digits of the
/// account id in groups of four. The tombstone keeps the id, so support can find the deletion
/// from the receipt (`account_id::text LIKE '1a2b3c4d-5e6f%'`); it says nothing about the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt(pub String);

impl Receipt {
    pub fn for_account(account_id: Uuid) -> Receipt {
        let hex = account_id.simple().to_string().to_uppercase();
        Receipt(format!("DA-{}-{}-{}", &hex[0..4], &hex[4..8], &hex[8..12]))
    }
}

impl fmt::Display for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug)]
pub enum DeactivateError {
    /// There is no live account with this id and this session: it was deleted already (perhaps
    /// by a concurrent call a moment ago), or the session has ended.
    AlreadyDeleted,
    /// This session's password entry is too old (another session's does not count).
    PasswordTooOld,
    /// Nothing was changed.
    Database(sqlx::Error),
}

impl From<sqlx::Error> for DeactivateError {
    fn from(error: sqlx::Error) -> Self {
        DeactivateError::Database(error)
    }
}

impl fmt::Display for DeactivateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeactivateError::AlreadyDeleted => f.write_str("the account is already deleted"),
            DeactivateError::PasswordTooOld => f.write_str("the session's password entry is too old"),
            DeactivateError::Database(error) => write!(f, "the deletion was rolled back: {error}"),
        }
    }
}

impl std::error::Error for DeactivateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DeactivateError::AlreadyDeleted | DeactivateError::PasswordTooOld => None,
            DeactivateError::Database(error) => Some(error),
        }
    }
}

/// The SQL of [`deactivate`], public so tests can `EXPLAIN` it.
#[doc(hidden)]
pub mod sql {
    /// Locks the live account, if the session `$2` (token hash) is still one of its own, and
    /// says whether the password was entered in that session within `$3` minutes. No row: the
    /// account is deleted already or the session ended. Concurrent callers wait here and then
    /// find the row deleted.
    pub const LOCK_ACCOUNT: &str = "SELECT s.password_entered_at > now() - $3 * interval '1 minute'
           FROM accounts a
           JOIN sessions s ON s.account_id = a.id AND s.token_hash = $2 AND s.expires_at > now()
          WHERE a.id = $1 AND a.deleted_at IS NULL
            FOR UPDATE OF a";

    /// Deletes the account in place and scrubs its personal data at once; the eraser removes
    /// the row last. The placeholder address keeps the unique index on `lower(email)`.
    pub const SCRUB_ACCOUNT: &str = "UPDATE accounts
            SET deleted_at = now(), password_hash = $2, name = '', phone = NULL,
                email = 'deleted-' || id || '@invalid', email_canonical = NULL
          WHERE id = $1";

    pub const END_SESSIONS: &str = "DELETE FROM sessions WHERE account_id = $1";

    /// Attempts counted against the account (by id) or its address (by digest).
    pub const FORGET_RATE_LIMITS: &str = "DELETE FROM rate_limits WHERE key = ANY($1)";

    /// Cancels the open orders whose `$column` is `$1`; the paid and shipped ones first get a
    /// pending refund of their total to the original payment.
    macro_rules! cancel_open_orders {
        ($column:literal) => {
            concat!(
                "WITH open AS (
                     SELECT id, status, total_minor, currency FROM orders
                      WHERE ",
                $column,
                " = $1 AND status NOT IN ('completed', 'cancelled')
                        FOR UPDATE
                 ), refunded AS (
                     INSERT INTO refunds (order_id, amount_minor, currency)
                     SELECT id, total_minor, currency FROM open WHERE status IN ('paid', 'shipped') AND total_minor > 0
                 )
                 UPDATE orders o SET status = 'cancelled' FROM open WHERE o.id = open.id"
            )
        };
    }

    /// The person's open purchases. Uses `orders_open_buyer_idx`: only open orders.
    pub const CANCEL_OPEN_PURCHASES: &str = cancel_open_orders!("buyer_id");

    /// The open sales of the person's store, refunded to their buyers. Uses `orders_open_store_idx`.
    pub const CANCEL_OPEN_SALES: &str = cancel_open_orders!("store_id");

    /// Closes the person's store (if a seller) and blanks its name, which often holds theirs.
    pub const CLOSE_STORE: &str = "UPDATE stores SET closed_at = coalesce(closed_at, now()), name = ''
          WHERE owner_id = $1 RETURNING id";

    /// Uses `products_listed_store_idx`: only the products still listed.
    pub const UNLIST_PRODUCTS: &str = "UPDATE products SET listed = false WHERE store_id = $1 AND listed";

    /// What stays: the blocked address's digest and the tombstone (each with the day only),
    /// the reason in the statistics' inbox (released unlinked later, see migration 0008), and
    /// the account's place in the eraser's queue.
    pub const RECORD: &str = "WITH blocked AS (
             INSERT INTO blocked_email_digests (digest, key_id) VALUES ($2, $7) ON CONFLICT (digest) DO NOTHING
         ), feedback AS (
             INSERT INTO deletion_feedback_inbox (reason, locale, role, other_text) VALUES ($3, $5, $6, $4)
         ), tombstone AS (
             INSERT INTO tombstones (account_id) VALUES ($1)
         )
         INSERT INTO erasure_queue (account_id) VALUES ($1)";

    /// [`super::impact`]: `$1` the account, `$2` the most rows a list shows, `$3` the most
    /// messages counted (a seller may have millions). The open orders use
    /// `orders_open_buyer_idx`, the refunds `refunds_order_id_idx`, the messages
    /// `messages_author_id_idx`.
    pub const IMPACT: &str = "SELECT
            (SELECT coalesce(json_agg(o ORDER BY o.placed_at DESC, o.number DESC), '[]')
               FROM (SELECT number, status::text AS status, total_minor, currency, placed_at FROM orders
                      WHERE buyer_id = $1 AND status NOT IN ('completed', 'cancelled')
                      ORDER BY placed_at DESC, number DESC LIMIT $2) o) AS open_orders,
            (SELECT count(*) FROM orders WHERE buyer_id = $1 AND status NOT IN ('completed', 'cancelled'))
                AS open_orders_total,
            (SELECT coalesce(json_agg(r ORDER BY r.requested_at DESC, r.order_number DESC), '[]')
               FROM (SELECT o.number AS order_number, r.amount_minor, r.currency, r.requested_at
                       FROM orders o JOIN refunds r ON r.order_id = o.id
                      WHERE o.buyer_id = $1 AND r.status = 'pending'
                      ORDER BY r.requested_at DESC, o.number DESC LIMIT $2) r) AS pending_refunds,
            (SELECT count(*) FROM orders o JOIN refunds r ON r.order_id = o.id
              WHERE o.buyer_id = $1 AND r.status = 'pending') AS pending_refunds_total,
            (SELECT count(*) FROM (SELECT 1 FROM messages WHERE author_id = $1 LIMIT $3) m) AS messages,
            (SELECT json_build_object(
                        'name', s.name,
                        'listed_products', (SELECT count(*) FROM products p WHERE p.store_id = s.id AND p.listed),
                        'open_sales', (SELECT count(*) FROM orders o
                                        WHERE o.store_id = s.id AND o.status NOT IN ('completed', 'cancelled')))
               FROM stores s WHERE s.owner_id = $1 AND s.closed_at IS NULL) AS store";
}

/// Deletes the account for good, in one transaction: from its commit on, the account cannot
/// sign in, has no session, its address is blocked, its personal data is gone from the account
/// row, its open orders and its store's open sales are cancelled (paid ones refunded), its store
/// is closed and unlisted, and its remaining data is queued for the eraser.
///
/// Only the session `session` may do it, and only within [`RECENT_PASSWORD_MINUTES`] of a
/// password entry in that same session, checked under the account's lock.
/// `email_digests` are the keyed digests of the account's address
/// ([`crate::auth::digest::EmailDigester::digests`]). Of concurrent calls for one account,
/// exactly one succeeds; the others wait for it and get [`DeactivateError::AlreadyDeleted`].
/// Any failure rolls everything back.
pub async fn deactivate(
    pool: &PgPool,
    account_id: Uuid,
    session: &SessionToken,
    email_digests: &AddressDigests,
    feedback: &Feedback,
) -> Result<Receipt, DeactivateError> {
    let mut tx = pool.begin().await?;
    deactivate_in(&mut tx, account_id, session, email_digests, feedback).await?;
    tx.commit().await?;
    Ok(Receipt::for_account(account_id))
}

/// [`deactivate`] inside the caller's transaction (the benchmark times it and rolls it back).
pub async fn deactivate_in(
    conn: &mut PgConnection,
    account_id: Uuid,
    session: &SessionToken,
    email_digests: &AddressDigests,
    feedback: &Feedback,
) -> Result<(), DeactivateError> {
    let password_is_recent: Option<bool> = sqlx::query_scalar(sql::LOCK_ACCOUNT)
        .bind(account_id)
        .bind(session.hash())
        .bind(RECENT_PASSWORD_MINUTES as f64)
        .fetch_optional(&mut *conn)
        .await?;
    match password_is_recent {
        None => return Err(DeactivateError::AlreadyDeleted),
        Some(false) => return Err(DeactivateError::PasswordTooOld),
        Some(true) => {}
    }
    // Before the scrub, which replaces the address the email goes to.
    let receipt = Receipt::for_account(account_id).0;
    crate::email::queue(&mut *conn, account_id, &crate::email::Email::AccountDeleted { receipt }).await?;
    let store = delete_locked(&mut *conn, account_id, email_digests).await?;
    sqlx::query(sql::RECORD)
        .bind(account_id)
        .bind(&email_digests.block)
        .bind(feedback.reason.code())
        // Masked here, before anything stores it (issue 17).
        .bind(feedback.other_text.as_deref().map(super::mask::mask_contact_details))
        .bind(feedback.locale.tag())
        .bind(if store.is_some() { "seller" } else { "buyer" })
        .bind(&email_digests.key_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// What every deletion does to an account whose row the caller has locked, live: from
/// the scrub to the store's open sales (see [`deactivate`]). The caller records it: the
/// deletion with a tombstone, a reason and a place in the eraser's queue; a replay after a
/// restore (`server/src/restore.rs`) with the block and the queue only. Answers the person's
/// store, if a seller.
pub async fn delete_locked(
    conn: &mut PgConnection,
    account_id: Uuid,
    email_digests: &AddressDigests,
) -> sqlx::Result<Option<Uuid>> {
    // A sign-up of the same address waits for this transaction, then finds the address blocked.
    lock_address(&mut *conn, &email_digests.block).await?;
    sqlx::query(sql::SCRUB_ACCOUNT).bind(account_id).bind(NO_PASSWORD).execute(&mut *conn).await?;
    sqlx::query(sql::END_SESSIONS).bind(account_id).execute(&mut *conn).await?;
    let keys = vec![account_id.to_string(), email_digests.rate_limit_key.clone()];
    sqlx::query(sql::FORGET_RATE_LIMITS).bind(keys).execute(&mut *conn).await?;
    sqlx::query(sql::CANCEL_OPEN_PURCHASES).bind(account_id).execute(&mut *conn).await?;
    let store: Option<Uuid> = sqlx::query_scalar(sql::CLOSE_STORE).bind(account_id).fetch_optional(&mut *conn).await?;
    if let Some(store_id) = store {
        sqlx::query(sql::UNLIST_PRODUCTS).bind(store_id).execute(&mut *conn).await?;
        sqlx::query(sql::CANCEL_OPEN_SALES).bind(store_id).execute(&mut *conn).await?;
    }
    Ok(store)
}

/// Lists on the deactivation page show at most this many rows; the totals count on.
pub const IMPACT_LIST_LIMIT: i64 = 50;

/// What [`deactivate`] would do to the account now, in one statement: one snapshot (the lists
/// and their totals agree) and one round trip.
pub async fn impact(pool: &PgPool, account_id: Uuid) -> sqlx::Result<Impact> {
    let row: ImpactRow = sqlx::query_as(sql::IMPACT)
        .bind(account_id)
        .bind(IMPACT_LIST_LIMIT)
        .bind(crate::account::COUNT_CAP + 1)
        .fetch_one(pool)
        .await?;
    Ok(Impact {
        open_orders: row.open_orders.0,
        open_orders_total: row.open_orders_total,
        pending_refunds: row.pending_refunds.0,
        pending_refunds_total: row.pending_refunds_total,
        messages: row.messages,
        store: row.store.map(|store| store.0),
    })
}

/// The one row of [`sql::IMPACT`]: the lists come as JSON arrays.
#[derive(sqlx::FromRow)]
struct ImpactRow {
    open_orders: Json<Vec<OpenOrder>>,
    open_orders_total: i64,
    pending_refunds: Json<Vec<PendingRefund>>,
    pending_refunds_total: i64,
    messages: i64,
    store: Option<Json<StoreImpact>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_receipt_is_the_start_of_the_account_id_in_groups_of_four() {
        let id = Uuid::parse_str("1a2b3c4d-5e6f-4a0b-8c9d-0123456789ab").unwrap();

        assert_eq!(Receipt::for_account(id).0, "DA-1A2B-3C4D-5E6F");
    }

    #[test]
    fn paid_and_shipped_open_orders_are_refunded() {
        let order = |status: &str, total_minor| OpenOrder {
            number: 1,
            status: status.to_owned(),
            total_minor,
            currency: "EUR".to_owned(),
        };

        assert!(order("paid", 100).will_be_refunded());
        assert!(order("shipped", 100).will_be_refunded());
        assert!(!order("awaiting_payment", 100).will_be_refunded());
        assert!(!order("paid", 0).will_be_refunded());
    }
}
