//! The axum server: configuration, the database, security, and the Leptos routes.

pub mod config;
pub mod database;
pub mod demo;
pub mod detached;
pub mod eraser;
pub mod export;
/// The fixture accounts' expiry and deletion (with `fixtures`, only with the feature).
#[cfg(feature = "test-fixtures")]
pub mod fixture_lifetime;
/// The fixtures API for end-to-end suites: only in a server built with the `test-fixtures`
/// feature, never in the release build.
#[cfg(feature = "test-fixtures")]
pub mod fixtures;
pub mod health;
pub mod housekeeping;
/// The testers' console at `/{locale}/_l10n` and the problem report's script: only where the
/// pseudo-locales are served.
pub mod l10n_console;
pub mod locale_redirect;
pub mod mailer;
pub mod openapi;
pub mod request_id;
pub mod restore;
pub mod security;
pub mod sessions;
pub mod staff;
pub mod startup;
