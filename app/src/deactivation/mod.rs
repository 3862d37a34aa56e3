//! Deleting one's own account for good: the server functions behind the deactivation page,
//! and (server only) the store that does the work in PostgreSQL.

#[cfg(feature = "ssr")]
pub mod mask;
#[cfg(feature = "ssr")]
pub mod store;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server_context::with_status;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A destructive action needs the password entered within this many minutes.
pub const RECENT_PASSWORD_MINUTES: i64 = 10;

/// What the deactivation page needs before it can show the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum DeactivationState {
    /// The password was entered too long ago: ask for it first (sudo mode).
    NeedsPassword,
    Ready {
        /// The account's address: the browser compares the typed one with it as the user types.
        email: String,
        impact: Impact,
    },
}

/// What the deletion will do to the account's open business, shown before the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Impact {
    /// The open purchases (newest first, at most [`store::IMPACT_LIST_LIMIT`]): cancelled by the deletion.
    pub open_orders: Vec<OpenOrder>,
    pub open_orders_total: i64,
    /// Refunds still on their way to the person (newest first, at most [`store::IMPACT_LIST_LIMIT`]):
    /// they still complete after the deletion. Paid open orders are not here yet; the deletion
    /// adds a refund for each.
    pub pending_refunds: Vec<PendingRefund>,
    pub pending_refunds_total: i64,
    /// Messages the person wrote (all erased), counted up to [`crate::account::COUNT_CAP`] + 1.
    pub messages: i64,
    /// The person's store, if a seller: closed and unlisted.
    pub store: Option<StoreImpact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OpenOrder {
    pub number: i64,
    /// `awaiting_payment`, `paid` or `shipped`.
    pub status: String,
    pub total_minor: i64,
    pub currency: String,
}

impl OpenOrder {
    /// Whether the deletion refunds it (it was paid for).
    pub fn will_be_refunded(&self) -> bool {
        matches!(self.status.as_str(), "paid" | "shipped") && self.total_minor > 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PendingRefund {
    pub order_number: i64,
    pub amount_minor: i64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StoreImpact {
    pub name: String,
    pub listed_products: i64,
    /// Sales not completed or cancelled: cancelled by the deletion, paid ones refunded to the buyers.
    pub open_sales: i64,
}

#[server(prefix = "/api", endpoint = "deactivation_state", input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn load_deactivation_state() -> Result<DeactivationState, AppError> {
    server::state().await.map_err(with_status)
}

#[server(prefix = "/api", endpoint = "confirm_password", input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn confirm_password(password: String) -> Result<(), AppError> {
    server::confirm_password(&password).await.map_err(with_status)
}

/// Deletes the signed-in account; answers the goodbye page's address with the receipt number.
#[server(prefix = "/api", endpoint = "deactivate_account", input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn deactivate_account(
    locale: String,
    email: String,
    phrase: String,
    reason: String,
    #[server(default)] other_text: String,
) -> Result<String, AppError> {
    server::deactivate(&locale, &email, &phrase, &reason, &other_text).await.map_err(with_status)
}

#[cfg(feature = "ssr")]
mod server {
    use super::{store, DeactivationState};
    use crate::{
        auth::{
            rate_limit::DELETION_PER_ACCOUNT,
            session::{self, require_signed_in as me},
            store as auth_store,
        },
        domain::{
            account::typed_password,
            deactivation::{parse_deactivation, DeactivationInput},
            problems::Problems,
        },
        error::AppError,
        i18n::Locale,
        server_context::{redirect_plain_form_post, server_context, set_cookie},
    };
    use http::{header::HeaderName, HeaderValue};
    use leptos::prelude::expect_context;
    use leptos_axum::ResponseOptions;

    pub async fn state() -> Result<DeactivationState, AppError> {
        let me = me()?;
        if !me.password_is_recent() {
            return Ok(DeactivationState::NeedsPassword);
        }
        let impact = store::impact(&server_context().pool, me.account_id).await?;
        Ok(DeactivationState::Ready { email: me.email, impact })
    }

    pub async fn confirm_password(password: &str) -> Result<(), AppError> {
        let me = me()?;
        let pool = server_context().pool;
        let mut problems = Problems::default();
        let password = problems.check("password", typed_password(password));
        problems.into_result().map_err(AppError::Invalid)?;
        auth_store::recheck_password(&pool, me.account_id, password.unwrap(), "password").await?;
        let mut conn = pool.acquire().await?;
        session::record_password_entry(&mut conn, &me.token).await?;
        Ok(())
    }

    pub async fn deactivate(
        locale: &str,
        email: &str,
        phrase: &str,
        reason: &str,
        other_text: &str,
    ) -> Result<String, AppError> {
        let me = me()?;
        let ctx = server_context();
        let locale = Locale::of_form(locale);
        // Not the authority (the store checks the session's password entry again under the
        // account's row lock, in the deletion's transaction): an answer first, with no database
        // work, so that a session whose password is stale is sent to enter it again before
        // the form is checked, and its form problems never count against the deletion limit.
        if !me.password_is_recent() {
            return Err(AppError::PasswordTooOld);
        }
        let key = me.account_id.to_string();
        DELETION_PER_ACCOUNT.refuse_if_exhausted(&ctx.pool, &key).await?;
        let input = DeactivationInput { email, phrase, reason, other_text };
        let feedback = match parse_deactivation(&input, &me.email, locale) {
            Ok(feedback) => feedback,
            Err(problems) => {
                DELETION_PER_ACCOUNT.attempt(&ctx.pool, &key).await?;
                return Err(AppError::Invalid(problems));
            }
        };
        let digests = ctx.digester.digests(&crate::domain::account::EmailAddress::parse(&me.email).map_err(|_| {
            tracing::error!("a stored email address does not parse");
            AppError::Internal
        })?);
        let receipt = match store::deactivate(&ctx.pool, me.account_id, &me.token, &digests, &feedback).await {
            Ok(receipt) => receipt,
            Err(store::DeactivateError::AlreadyDeleted) => return Err(AppError::AlreadyDeleted),
            Err(store::DeactivateError::PasswordTooOld) => return Err(AppError::PasswordTooOld),
            Err(store::DeactivateError::Database(e)) => return Err(e.into()),
        };

        // The browser forgets the session (and everything else it kept for this site).
        set_cookie(&session::clear_cookie(ctx.secure_cookies));
        expect_context::<ResponseOptions>().insert_header(
            HeaderName::from_static("clear-site-data"),
            HeaderValue::from_static("\"cookies\", \"storage\""),
        );
        let target = format!("{}?receipt={receipt}", locale.href("/goodbye"));
        redirect_plain_form_post(&target);
        Ok(target)
    }
}
