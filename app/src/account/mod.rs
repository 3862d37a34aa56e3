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
/// Counts shown on the overview stop here ("9999+").
pub const COUNT_CAP: i64 = 9999;

/// A count taken up to `COUNT_CAP + 1`, as shown in `locale`: "9,999+" once past the cap.
pub fn capped(count: i64, locale: Locale) -> String {
    if count > COUNT_CAP {
        format!("{}+", format::number(COUNT_CAP, locale))
    } else {
        format::number(count, locale)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub email: String,
    pub country: String,
    pub phone: Option<String>,
    /// ISO date.
    pub member_since: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub profile: Profile,
    /// Orders placed, up to `COUNT_CAP + 1`.
    pub orders: i64,
    /// Messages written, up to `COUNT_CAP + 1`.
    pub messages: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRow {
    pub number: i64,
    pub store: String,
    pub status: OrderStatus,
    pub total_minor: i64,
    pub currency: String,
    pub placed_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// One page of a long list, and whether another follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub number: i64,
    pub has_next: bool,
}

#[server(prefix = "/api", endpoint = "account_overview")]
pub async fn account_overview() -> Result<Overview, AppError> {
    async {
        let me = crate::auth::session::require_signed_in()?;
        Ok(store::overview(&crate::server_context::server_context().pool, me.account_id).await?)
    }
    .await
    .map_err(with_status)
}

#[server(prefix = "/api", endpoint = "my_orders")]
pub async fn my_orders(page: i64) -> Result<Page<OrderRow>, AppError> {
    async {
        let me = crate::auth::session::require_signed_in()?;
        Ok(store::orders(&crate::server_context::server_context().pool, me.account_id, page).await?)
    }
    .await
    .map_err(with_status)
}

#[server(prefix = "/api", endpoint = "my_messages")]
pub async fn my_messages(page: i64) -> Result<Page<MessageRow>, AppError> {
    async {
        let me = crate::auth::session::require_signed_in()?;
        Ok(store::messages(&crate::server_context::server_context().pool, me.account_id, page).await?)
    }
    .await
    .map_err(with_status)
}

#[server(prefix = "/api", endpoint = "update_profile")]
pub async fn update_profile(name: String, country: String, phone: String) -> Result<Profile, AppError> {
    async {
        use crate::domain::{
            account::{Country, PersonName, Phone},
            problems::Problems,
        };
        let me = crate::auth::session::require_signed_in()?;
        let mut problems = Problems::default();
        let name = problems.check("name", PersonName::parse(&name));
        let country = problems.check("country", Country::parse(&country));
        let phone = problems.check("phone", Phone::parse_optional(&phone));
        problems.into_result().map_err(AppError::Invalid)?;
        let pool = crate::server_context::server_context().pool;
        store::update_profile(&pool, me.account_id, &name.unwrap(), country.unwrap(), phone.unwrap().as_ref())
            .await?
            .ok_or(AppError::NotSignedIn)
    }
    .await
    .map_err(with_status)
}

#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    async {
        use crate::{
            auth::store as auth_store,
            domain::{
                account::{typed_password, NewPassword},
                problems::Problems,
            },
        };
        let me = crate::auth::session::require_signed_in()?;
        let mut problems = Problems::default();
        let current = problems.check("current", typed_password(&current));
        let new = problems.check("new", NewPassword::parse(&new));
        problems.into_result().map_err(AppError::Invalid)?;
        let pool = crate::server_context::server_context().pool;
        auth_store::recheck_password(&pool, me.account_id, current.unwrap(), "current").await?;
        let new_hash = auth_store::hash_password(&new.unwrap()).await?;
        store::set_password(&pool, me.account_id, &me.token, &new_hash).await?.ok_or(AppError::NotSignedIn)
    }
    .await
    .map_err(with_status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_past_the_cap_show_as_the_cap_and_a_plus() {
        assert_eq!(capped(0, Locale::En), "0");
        assert_eq!(capped(COUNT_CAP, Locale::En), "9,999");
        assert_eq!(capped(COUNT_CAP + 1, Locale::Fi), "9\u{a0}999+");
    }
}
