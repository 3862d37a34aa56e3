//! Reading and updating the signed-in person's own rows.

use super::{MessageRow, OrderRow, OrderStatus, Overview, Page, Profile, COUNT_CAP, PAGE_SIZE};
use crate::auth::session::{self, SessionToken};
use crate::domain::account::{Country, PersonName, Phone};
use sqlx::PgPool;
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

/// Page `page` of `sql` (below 1 counts as 1; far past the end is simply empty), whose `$1` is the account and `$2`/`$3` the LIMIT and OFFSET:
/// one row more than a page is fetched to know whether a next page exists; `row` turns each
/// fetched row into what the page shows.
async fn fetch_page<R, T>(
    pool: &PgPool,
    sql: &'static str,
    account_id: Uuid,
    page: i64,
    row: impl FnMut(R) -> T,
) -> sqlx::Result<Page<T>>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let page = page.max(1);
    let offset = (page - 1).saturating_mul(PAGE_SIZE);
    let mut rows: Vec<R> =
        sqlx::query_as(sql).bind(account_id).bind(PAGE_SIZE + 1).bind(offset).fetch_all(pool).await?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok(Page { rows: rows.into_iter().map(row).collect(), number: page, has_next })
}

pub async fn orders(pool: &PgPool, account_id: Uuid, page: i64) -> sqlx::Result<Page<OrderRow>> {
    let sql = "SELECT o.number, s.name, o.status::text, o.total_minor, o.currency::text,
                      to_char(o.placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
                 FROM orders o JOIN stores s ON s.id = o.store_id
                WHERE o.buyer_id = $1
                ORDER BY o.placed_at DESC, o.number DESC
                LIMIT $2 OFFSET $3";
    fetch_page(pool, sql, account_id, page, |row: (i64, String, String, i64, String, String)| {
        let (number, store, status, total_minor, currency, placed_on) = row;
        OrderRow { number, store, status: OrderStatus::from_code(&status), total_minor, currency, placed_on }
    })
    .await
}

/// The messages of every conversation the person is in, as buyer or as the store's owner.
/// Whatever a deleted account wrote (its messages, the subject of a conversation it started as
/// the buyer) and its name are left out from the moment the deletion commits, long before the
/// eraser removes them: only a live buyer or store owner (`buyer`, `owner`) is shown.
pub async fn messages(pool: &PgPool, account_id: Uuid, page: i64) -> sqlx::Result<Page<MessageRow>> {
    let sql = "SELECT CASE WHEN buyer.id IS NOT NULL THEN c.subject END,
                      CASE WHEN c.buyer_id = $1 THEN CASE WHEN owner.id IS NOT NULL THEN s.name ELSE '' END
                           ELSE coalesce(buyer.name, '') END,
                      m.author_id = $1,
                      CASE WHEN m.author_id IN (buyer.id, owner.id) THEN m.body END,
                      to_char(m.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI')
                 FROM conversations c
                 JOIN stores s ON s.id = c.store_id
                 LEFT JOIN accounts buyer ON buyer.id = c.buyer_id AND buyer.deleted_at IS NULL
                 LEFT JOIN accounts owner ON owner.id = s.owner_id AND owner.deleted_at IS NULL
                 JOIN messages m ON m.conversation_id = c.id
                WHERE c.buyer_id = $1 OR s.owner_id = $1
                ORDER BY m.sent_at DESC, m.id DESC
                LIMIT $2 OFFSET $3";
    fetch_page(pool, sql, account_id, page, |row: (Option<String>, String, bool, Option<String>, String)| {
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
/// fresh password entry. `None` once the account is deleted.
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
    tx.commit().await?;
    Ok(Some(()))
}
