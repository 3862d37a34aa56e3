//! The staff role and the reason statistics in PostgreSQL (server only).

use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

/// The SQL of this module, public so tests can `EXPLAIN` it.
#[doc(hidden)]
pub mod sql {
    pub const IS_STAFF: &str = "SELECT EXISTS (SELECT 1 FROM staff_members WHERE account_id = $1)";

    /// The Monday of the current week (the database's day, as the counters use).
    pub const THIS_WEEK: &str = "SELECT date_trunc('week', current_date)::date";

    /// Deletions per week (its Monday) and reason from the week `$1` up to, not including, the
    /// week `$2`, every locale and role: the page's default view. Reads the rollup already
    /// summed over locale and role (migration 0022) by its primary key's range of weeks.
    pub const WEEKLY_TOTALS: &str = "SELECT week, reason, deletions
           FROM deletion_reason_week_totals
          WHERE week >= $1 AND week < $2";

    /// [`WEEKLY_TOTALS`] of the locale `$3` and the role `$4` (`NULL`: all), for a filtered
    /// view. Reads the weekly rollup (migration 0021) by its primary key's range of weeks.
    pub const WEEKLY_COUNTS: &str = "SELECT week, reason, sum(deletions)::bigint
           FROM deletion_reason_weeks
          WHERE week >= $1 AND week < $2
            AND ($3::text IS NULL OR locale = $3) AND ($4::text IS NULL OR role = $4)
          GROUP BY 1, 2";

    /// The newest `$3` "Other" texts from `$1` up to `$2`, newest day first, of days with at
    /// least `$4` deletions in all (on a day with fewer, the day and the tombstones would
    /// narrow a text down to a few accounts). Reads `deletion_other_texts_day_text_idx` in
    /// this order, each day's total from `deletion_reason_days`: the rows shown and no more.
    pub const OTHER_TEXTS: &str = "SELECT t.given_on, t.text
           FROM deletion_other_texts t
          WHERE t.given_on >= $1 AND t.given_on < $2
            AND (SELECT d.deletions FROM deletion_reason_days d WHERE d.day = t.given_on) >= $4
          ORDER BY t.given_on DESC, t.text
          LIMIT $3";

    /// The live account of a canonical address.
    pub const LIVE_ACCOUNT: &str =
        "SELECT id FROM accounts WHERE coalesce(email_canonical, lower(email)) = $1 AND deleted_at IS NULL";

    pub const GRANT: &str = "INSERT INTO staff_members (account_id) VALUES ($1) ON CONFLICT DO NOTHING";

    pub const REVOKE: &str = "DELETE FROM staff_members WHERE account_id = $1";
}

pub async fn is_staff(pool: &PgPool, account_id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar(sql::IS_STAFF).bind(account_id).fetch_one(pool).await
}

pub async fn this_week(pool: &PgPool) -> sqlx::Result<NaiveDate> {
    sqlx::query_scalar(sql::THIS_WEEK).fetch_one(pool).await
}

pub async fn weekly_counts(
    pool: &PgPool,
    from: NaiveDate,
    until: NaiveDate,
    locale: Option<&str>,
    role: Option<&str>,
) -> sqlx::Result<Vec<(NaiveDate, String, i64)>> {
    match (locale, role) {
        (None, None) => sqlx::query_as(sql::WEEKLY_TOTALS).bind(from).bind(until).fetch_all(pool).await,
        _ => sqlx::query_as(sql::WEEKLY_COUNTS).bind(from).bind(until).bind(locale).bind(role).fetch_all(pool).await,
    }
}

pub async fn other_texts(
    pool: &PgPool,
    from: NaiveDate,
    until: NaiveDate,
    limit: i64,
    day_at_least: i64,
) -> sqlx::Result<Vec<(NaiveDate, String)>> {
    sqlx::query_as(sql::OTHER_TEXTS).bind(from).bind(until).bind(limit).bind(day_at_least).fetch_all(pool).await
}

/// What `server staff grant|revoke` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChange {
    Done,
    /// Granted already, or not granted to revoke.
    Unchanged,
    /// No live account has this address.
    NoSuchAccount,
}

/// Grants (`staff = true`) or revokes the staff role of the live account with this address.
pub async fn set_staff(pool: &PgPool, email: &str, staff: bool) -> sqlx::Result<RoleChange> {
    let Ok(address) = crate::domain::account::EmailAddress::parse(email) else {
        return Ok(RoleChange::NoSuchAccount);
    };
    let account: Option<Uuid> = sqlx::query_scalar(sql::LIVE_ACCOUNT)
        .bind(crate::auth::canonical::canonical(&address))
        .fetch_optional(pool)
        .await?;
    let Some(account) = account else { return Ok(RoleChange::NoSuchAccount) };
    let changed = sqlx::query(if staff { sql::GRANT } else { sql::REVOKE }).bind(account).execute(pool).await?;
    Ok(if changed.rows_affected() == 1 { RoleChange::Done } else { RoleChange::Unchanged })
}
