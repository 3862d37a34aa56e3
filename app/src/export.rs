//! "Download your data" (GDPR articles 15 and 20): what the page asks before the download, and
//! where the download is. The ZIP itself is written by the server as it streams
//! (`server/src/export`), from one snapshot of the database; its format is docs/export.md.

use crate::error::AppError;
use crate::i18n::Locale;
#[cfg(feature = "ssr")]
use crate::server_context::with_status;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Downloads allowed per account and day ([`crate::auth::rate_limit::EXPORT_PER_ACCOUNT`]).
pub const DOWNLOADS_PER_DAY: i32 = 3;

/// The ZIP's address in `locale`: a plain link, so it works without JavaScript.
pub fn download_href(locale: Locale) -> String {
    locale.href("/account/data.zip")
}

/// The page that explains the download and asks for the password when it is needed; the
/// download sends a stale session there.
pub fn page_href(locale: Locale) -> String {
    locale.href("/account/settings/data")
}

/// What the Download your data page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum ExportState {
    /// The password was not entered in this session within the last ten minutes: ask first.
    NeedsPassword,
    /// The download link works now.
    Ready,
}

#[server(prefix = "/api", endpoint = "export_state", input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn load_export_state() -> Result<ExportState, AppError> {
    server::state().map_err(with_status)
}

#[cfg(feature = "ssr")]
mod server {
    use super::ExportState;
    use crate::{auth::session::require_signed_in, error::AppError};

    pub fn state() -> Result<ExportState, AppError> {
        Ok(if require_signed_in()?.password_is_recent() { ExportState::Ready } else { ExportState::NeedsPassword })
    }
}
