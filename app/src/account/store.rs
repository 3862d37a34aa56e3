//! Reading and updating the signed-in person's own rows.

use super::{MessageRow, OrderRow, OrderStatus, Overview, Page, PageAt, PageKey, Profile, COUNT_CAP, PAGE_SIZE};
use crate::auth::session::{self, SessionToken};
use crate::domain::account::{Country, PersonName, Phone};
use chrono::{DateTime, Utc};
use sqlx::{postgres::PgRow, PgPool, Row};
use uuid::Uuid;

const PROFILE_COLUMNS: &str =
    "name, email, country::text, phone, to_char(member_since AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS member_since";

type ProfileRow = (String, String, String, Option<String>, String);

fn profile_of((name, email, country, phone, member_since): ProfileRow) -> Profile {
    Profile { name, email, country, phone, member_since }
}

pub async fn overview(pool: &PgPool, account_id: Uuid) -> sqlx::Result<Overview> {
    let profile: ProfileRow = sqlx::query_as(&format!("SELECT {PROFILE_COLUMNS} FROM accounts WHERE id = $1"))
        .bind(account_id)
        .fetch_one(pool)
        .await?;
    // Counting stops past the cap, so a huge account costs a page view no more than a small one.
    let (orders, messages): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM (SELECT 1 FROM orders WHERE buyer_id = $1 LIMIT $2) o),
                (SELECT count(*) FROM (SELECT 1 FROM messages WHERE author_id = $1 LIMIT $2) m)",
    )
    .bind(account_id)
    .bind(COUNT_CAP + 1)
    .fetch_one(pool)
    .await?;
    Ok(Overview { profile: profile_of(profile), orders, messages })
}

/// Which way a statement of a list reads from its key: towards older rows (the list's own
/// order, newest first) or towards newer ones (read oldest first, then turned round).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Towards {
    Older,
    Newer,
}

impl Towards {
    /// `{cmp}`, `{order}` and `{edge}` of a statement's text: the key comparison, the sort
    /// direction, and the end of time a page without a key starts from.
    fn fill(self, sql: &str) -> String {
        let (cmp, order, edge) = match self {
            Towards::Older => ("<", "DESC", "infinity"),
            Towards::Newer => (">", "ASC", "-infinity"),
        };
        sql.replace("{cmp}", cmp).replace("{order}", order).replace("{edge}", edge)
    }
}

/// One statement of a list, public so that tests can `EXPLAIN` it: `$1` the account, `$2`/`$3`
/// the key (`$2` NULL: from the newest or the oldest row), `$4` the most rows; each row ends with
/// its key's time and number.
pub fn orders_sql(towards: Towards) -> String {
    towards.fill(
        "SELECT o.number, s.name, o.status::text, o.total_minor, o.currency::text,
                to_char(o.placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), o.placed_at, o.number
           FROM orders o JOIN stores s ON s.id = o.store_id
          WHERE o.buyer_id = $1 AND (o.placed_at, o.number) {cmp} (coalesce($2, '{edge}'::timestamptz), $3)
          ORDER BY o.placed_at {order}, o.number {order}
          LIMIT $4",
    )
}

/// See [`orders_sql`]. The messages of every conversation the person is in, as the buyer
/// (`messages_buyer_id_idx`) or as the store's owner (`messages_store_id_idx`): each side read in
/// key order up to a page, then the two merged (`UNION`: a person who writes to their own store
/// is on both sides of one conversation).
///
/// Whatever a deleted account wrote (its messages, the subject of a conversation it started as
/// the buyer) and its name are left out from the moment the deletion commits, long before the
/// eraser removes them: only a live buyer or store owner (`buyer`, `owner`) is shown.
pub fn messages_sql(towards: Towards) -> String {
    towards.fill(
        "SELECT CASE WHEN buyer.id IS NOT NULL THEN c.subject END,
                CASE WHEN c.buyer_id = $1 THEN CASE WHEN owner.id IS NOT NULL THEN s.name ELSE '' END
                     ELSE coalesce(buyer.name, '') END,
                m.author_id = $1,
                CASE WHEN m.author_id IN (buyer.id, owner.id) THEN m.body END,
                to_char(m.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI'),
                m.sent_at, m.id
           FROM ((SELECT id, conversation_id, author_id, body, sent_at FROM messages
                   WHERE buyer_id = $1 AND (sent_at, id) {cmp} (coalesce($2, '{edge}'::timestamptz), $3)
                   ORDER BY sent_at {order}, id {order} LIMIT $4)
                 UNION
                 (SELECT sold.* FROM stores mine CROSS JOIN LATERAL (
                      SELECT id, conversation_id, author_id, body, sent_at FROM messages
                       WHERE store_id = mine.id AND (sent_at, id) {cmp} (coalesce($2, '{edge}'::timestamptz), $3)
                       ORDER BY sent_at {order}, id {order} LIMIT $4) sold
                   WHERE mine.owner_id = $1)
                 ORDER BY sent_at {order}, id {order} LIMIT $4) m
           JOIN conversations c ON c.id = m.conversation_id
           JOIN stores s ON s.id = c.store_id
           LEFT JOIN accounts buyer ON buyer.id = c.buyer_id AND buyer.deleted_at IS NULL
           LEFT JOIN accounts owner ON owner.id = s.owner_id AND owner.deleted_at IS NULL
          ORDER BY m.sent_at {order}, m.id {order}",
    )
}

/// The page `at` of the list that `sql` reads (see [`orders_sql`]); `row` turns each fetched row
/// into what the page shows (its first columns: the key's two come last). A page fetches one row
/// more than it shows, to know whether more follow that way. A page of newer rows that reaches
/// the newest is the first page, so that the first page is always full.
async fn fetch_page<R, T>(
    pool: &PgPool,
    sql: fn(Towards) -> String,
    account_id: Uuid,
    mut at: PageAt,
    row: impl Fn(R) -> T,
) -> sqlx::Result<Page<T>>
where
    R: for<'r> sqlx::FromRow<'r, PgRow>,
{
    loop {
        let (towards, key) = match at {
            PageAt::First => (Towards::Older, None),
            PageAt::Last => (Towards::Newer, None),
            PageAt::After(key) => (Towards::Older, Some(key)),
            PageAt::Before(key) => (Towards::Newer, Some(key)),
        };
        let time = match key {
            Some(key) => Some(
                DateTime::<Utc>::from_timestamp_micros(key.micros)
                    .ok_or_else(|| sqlx::Error::Decode(format!("page key {key} is out of range").into()))?,
            ),
            None => None,
        };
        let fetched = sqlx::query(&sql(towards))
            .bind(account_id)
            .bind(time)
            .bind(key.map_or(if towards == Towards::Older { i64::MAX } else { i64::MIN }, |k| k.number))
            .bind(PAGE_SIZE + 1)
            .fetch_all(pool)
            .await?;
        let more = fetched.len() as i64 > PAGE_SIZE;
        if matches!(at, PageAt::Before(_)) && !more {
            at = PageAt::First;
            continue;
        }
        let mut rows = Vec::with_capacity(fetched.len());
        for fetched in fetched.iter().take(PAGE_SIZE as usize) {
            let columns = fetched.len();
            let key = PageKey {
                micros: fetched.try_get::<DateTime<Utc>, _>(columns - 2)?.timestamp_micros(),
                number: fetched.try_get(columns - 1)?,
            };
            rows.push((R::from_row(fetched)?, key));
        }
        if towards == Towards::Newer {
            rows.reverse();
        }
        let (first, last) = (rows.first().map(|(_, k)| *k), rows.last().map(|(_, k)| *k));
        let (newer, older) = match at {
            PageAt::First => (None, more.then_some(last).flatten().map(PageAt::After)),
            PageAt::After(key) => {
                (Some(PageAt::Before(first.unwrap_or(key))), more.then_some(last).flatten().map(PageAt::After))
            }
            PageAt::Last => (more.then_some(first).flatten().map(PageAt::Before), None),
            PageAt::Before(key) => (first.map(PageAt::Before), Some(PageAt::After(last.unwrap_or(key)))),
        };
        return Ok(Page {
            rows: rows.into_iter().map(|(r, _)| row(r)).collect(),
            newer: newer.map(|at| at.query()),
            older: older.map(|at| at.query()),
        });
    }
}

pub async fn orders(pool: &PgPool, account_id: Uuid, at: PageAt) -> sqlx::Result<Page<OrderRow>> {
    fetch_page(pool, orders_sql, account_id, at, |row: (i64, String, String, i64, String, String)| {
        let (number, store, status, total_minor, currency, placed_on) = row;
        OrderRow { number, store, status: OrderStatus::from_code(&status), total_minor, currency, placed_on }
    })
    .await
}

pub async fn messages(pool: &PgPool, account_id: Uuid, at: PageAt) -> sqlx::Result<Page<MessageRow>> {
    fetch_page(pool, messages_sql, account_id, at, |row: (Option<String>, String, bool, Option<String>, String)| {
        let (subject, with, from_me, body, sent_on) = row;
        MessageRow { subject, with, from_me, body, sent_on }
    })
    .await
}

/// Saves the profile of a live account; `None` once the account is deleted, so a save racing
/// the deletion can never write personal data back into the scrubbed row.
pub async fn update_profile(
    pool: &PgPool,
    account_id: Uuid,
    name: &PersonName,
    country: Country,
    phone: Option<&Phone>,
) -> sqlx::Result<Option<Profile>> {
    let row: Option<ProfileRow> = sqlx::query_as(&format!(
        "UPDATE accounts SET name = $2, country = $3, phone = $4
          WHERE id = $1 AND deleted_at IS NULL
         RETURNING {PROFILE_COLUMNS}"
    ))
    .bind(account_id)
    .bind(name.as_str())
    .bind(country.code())
    .bind(phone.map(Phone::as_str))
    .fetch_optional(pool)
    .await?;
    Ok(row.map(profile_of))
}

/// Sets a new password of a live account from the session `session`: every other session of
/// the account ends (whoever held one must prove the new password), and this one counts as a
/// fresh password entry, and a "your password was changed" email is queued, all in one
/// transaction. `None` once the account is deleted.
pub async fn set_password(
    pool: &PgPool,
    account_id: Uuid,
    session: &SessionToken,
    hash: &str,
) -> sqlx::Result<Option<()>> {
    let mut tx = pool.begin().await?;
    let changed = sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1 AND deleted_at IS NULL")
        .bind(account_id)
        .bind(hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 0 {
        return Ok(None);
    }
    session::end_others(&mut tx, account_id, session).await?;
    session::record_password_entry(&mut tx, session).await?;
    crate::email::queue(&mut tx, account_id, &crate::email::Email::PasswordChanged).await?;
    tx.commit().await?;
    Ok(Some(()))
}
