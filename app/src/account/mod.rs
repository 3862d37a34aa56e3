//! The signed-in person's own data: overview, orders, messages, profile, password.

#[cfg(feature = "ssr")]
pub mod store;

use crate::error::AppError;
use crate::format;
use crate::i18n::Locale;
#[cfg(feature = "ssr")]
use crate::server_context::with_status;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Rows per page of orders and messages.
pub const PAGE_SIZE: i64 = 10;
/// Counts shown on the overview and the deactivation page stop here ("999+"): counting reads one
/// index entry per row, so the cap is what a huge account's page view pays (BENCHMARKS.md,
/// section 7: at 9,999 the huge seller's overview took twice a tiny one's time).
pub const COUNT_CAP: i64 = 999;

/// A count taken up to `COUNT_CAP + 1`, as shown in `locale`: "999+" once past the cap.
pub fn capped(count: i64, locale: Locale) -> String {
    if count > COUNT_CAP {
        format!("{}+", format::number(COUNT_CAP, locale))
    } else {
        format::number(count, locale)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Profile {
    pub name: String,
    pub email: String,
    pub country: String,
    pub phone: Option<String>,
    /// ISO date.
    pub member_since: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Overview {
    pub profile: Profile,
    /// Orders placed, up to `COUNT_CAP + 1`.
    pub orders: i64,
    /// Messages written, up to `COUNT_CAP + 1`.
    pub messages: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum OrderStatus {
    AwaitingPayment,
    Paid,
    Shipped,
    Completed,
    Cancelled,
}

impl OrderStatus {
    /// From the database's `order_status` value.
    pub fn from_code(code: &str) -> OrderStatus {
        match code {
            "awaiting_payment" => OrderStatus::AwaitingPayment,
            "paid" => OrderStatus::Paid,
            "shipped" => OrderStatus::Shipped,
            "completed" => OrderStatus::Completed,
            _ => OrderStatus::Cancelled,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OrderRow {
    pub number: i64,
    pub store: String,
    pub status: OrderStatus,
    pub total_minor: i64,
    pub currency: String,
    pub placed_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MessageRow {
    /// `None` once the buyer who started the conversation has deleted the account.
    pub subject: Option<String>,
    /// The other party: the store's name, or the buyer's ("" once that account is deleted).
    pub with: String,
    pub from_me: bool,
    /// `None` once its author has deleted the account, from the moment the deletion commits.
    pub body: Option<String>,
    /// `YYYY-MM-DDTHH:MM`, in UTC.
    pub sent_on: String,
}

/// Where a page of a long list (newest first) starts: the `page` value of its address. Pages
/// are found by key, never by counting rows from the start, so the last page of a million rows
/// costs what the first does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAt {
    /// The newest rows: no `page`.
    First,
    /// The oldest rows: `page=last`.
    Last,
    /// The rows older than the key: `page=after.<key>`.
    After(PageKey),
    /// The rows newer than the key: `page=before.<key>`.
    Before(PageKey),
}

/// A row's place in its list: its time in microseconds since 1970 (a message's `sent_at`, an
/// order's `placed_at`), then its number for rows of the same time (a message's id, an order's
/// number). Written `<micros>.<number>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageKey {
    pub micros: i64,
    pub number: i64,
}

impl PageKey {
    /// Times a key may hold: the years 1 to 9999 (what PostgreSQL and the pages can show).
    pub const MICROS: std::ops::RangeInclusive<i64> = -62_135_596_800_000_000..=253_402_300_799_999_999;

    fn parse(text: &str) -> Option<PageKey> {
        let (micros, number) = text.split_once('.')?;
        let digits =
            |t: &str| !t.is_empty() && t.bytes().enumerate().all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'));
        if !digits(micros) || !digits(number) {
            return None;
        }
        let key = PageKey { micros: micros.parse().ok()?, number: number.parse().ok()? };
        Self::MICROS.contains(&key.micros).then_some(key)
    }
}

impl std::fmt::Display for PageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.micros, self.number)
    }
}

impl PageAt {
    /// The `page` value of an address: empty is the first page; anything else unreadable is
    /// `None`.
    pub fn parse(text: &str) -> Option<PageAt> {
        match text {
            "" => Some(PageAt::First),
            "last" => Some(PageAt::Last),
            _ => match text.split_once('.')? {
                ("after", key) => PageKey::parse(key).map(PageAt::After),
                ("before", key) => PageKey::parse(key).map(PageAt::Before),
                _ => None,
            },
        }
    }

    /// The `page` value that [`PageAt::parse`] reads back.
    pub fn query(&self) -> String {
        match self {
            PageAt::First => String::new(),
            PageAt::Last => "last".to_owned(),
            PageAt::After(key) => format!("after.{key}"),
            PageAt::Before(key) => format!("before.{key}"),
        }
    }
}

/// One page of a long list, and the `page` values of its neighbours (`None`: no rows that way).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "PageOf{T}")]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub newer: Option<String>,
    pub older: Option<String>,
}

#[server(prefix = "/api", endpoint = "account_overview", input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn account_overview() -> Result<Overview, AppError> {
    server::overview().await.map_err(with_status)
}

#[server(prefix = "/api", endpoint = "my_orders", input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn my_orders(page: String) -> Result<Page<OrderRow>, AppError> {
    server::orders(&page).await.map_err(with_status)
}

#[server(prefix = "/api", endpoint = "my_messages", input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn my_messages(page: String) -> Result<Page<MessageRow>, AppError> {
    server::messages(&page).await.map_err(with_status)
}

#[server(prefix = "/api", endpoint = "update_profile", input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn update_profile(name: String, country: String, phone: String) -> Result<Profile, AppError> {
    server::update_profile(&name, &country, &phone).await.map_err(with_status)
}

#[server(prefix = "/api", endpoint = "change_password", input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    server::change_password(&current, &new).await.map_err(with_status)
}

#[cfg(feature = "ssr")]
mod server {
    use super::{store, MessageRow, OrderRow, Overview, Page, PageAt, Profile};
    use crate::{
        auth::{session::require_signed_in, store as auth_store},
        domain::{
            account::{typed_password, Country, NewPassword, PersonName, Phone},
            problems::Problems,
        },
        error::AppError,
        server_context::server_context,
    };

    pub async fn overview() -> Result<Overview, AppError> {
        let me = require_signed_in()?;
        Ok(store::overview(&server_context().pool, me.account_id).await?)
    }

    pub async fn orders(page: &str) -> Result<Page<OrderRow>, AppError> {
        let me = require_signed_in()?;
        let page = PageAt::parse(page).ok_or(AppError::Malformed)?;
        Ok(store::orders(&server_context().pool, me.account_id, page).await?)
    }

    pub async fn messages(page: &str) -> Result<Page<MessageRow>, AppError> {
        let me = require_signed_in()?;
        let page = PageAt::parse(page).ok_or(AppError::Malformed)?;
        Ok(store::messages(&server_context().pool, me.account_id, page).await?)
    }

    pub async fn update_profile(name: &str, country: &str, phone: &str) -> Result<Profile, AppError> {
        let me = require_signed_in()?;
        let mut problems = Problems::default();
        let name = problems.check("name", PersonName::parse(name));
        let country = problems.check("country", Country::parse(country));
        let phone = problems.check("phone", Phone::parse_optional(phone));
        problems.into_result().map_err(AppError::Invalid)?;
        let pool = server_context().pool;
        store::update_profile(&pool, me.account_id, &name.unwrap(), country.unwrap(), phone.unwrap().as_ref())
            .await?
            .ok_or(AppError::NotSignedIn)
    }

    pub async fn change_password(current: &str, new: &str) -> Result<(), AppError> {
        let me = require_signed_in()?;
        let mut problems = Problems::default();
        let current = problems.check("current", typed_password(current));
        let new = problems.check("new", NewPassword::parse(new));
        problems.into_result().map_err(AppError::Invalid)?;
        let pool = server_context().pool;
        auth_store::recheck_password(&pool, me.account_id, current.unwrap(), "current").await?;
        let new_hash = auth_store::hash_password(&new.unwrap()).await?;
        store::set_password(&pool, me.account_id, &me.token, &new_hash).await?.ok_or(AppError::NotSignedIn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_past_the_cap_show_as_the_cap_and_a_plus() {
        assert_eq!(capped(0, Locale::En), "0");
        assert_eq!(capped(COUNT_CAP, Locale::En), "999");
        assert_eq!(capped(COUNT_CAP + 1, Locale::Fi), "999+");
    }

    #[test]
    fn page_values_read_back_what_they_wrote_and_nothing_else() {
        let key = PageKey { micros: 1_772_704_800_123_456, number: -7 };
        for at in [PageAt::First, PageAt::Last, PageAt::After(key), PageAt::Before(key)] {
            assert_eq!(PageAt::parse(&at.query()), Some(at), "{}", at.query());
        }
        assert_eq!(PageAt::After(key).query(), "after.1772704800123456.-7");
        let ends = [*PageKey::MICROS.start(), *PageKey::MICROS.end()];
        for micros in ends {
            let key = PageKey { micros, number: i64::MIN };
            assert_eq!(PageAt::parse(&format!("before.{key}")), Some(PageAt::Before(key)));
        }
        for unreadable in [
            "2",
            "first",
            "LAST",
            "after",
            "after.",
            "after.1",
            "after.1.",
            "after.1.2.3",
            "after.+1.2",
            "after. 1.2",
            "after.1.2 ",
            "after.--1.2",
            "after.1.9223372036854775808",
            "before.-62135596800000001.0",
            "before.253402300800000000.0",
            "aside.1.2",
        ] {
            assert_eq!(PageAt::parse(unreadable), None, "{unreadable}");
        }
    }
}
