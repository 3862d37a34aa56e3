//! The axum server: configuration, the database, security, and the Leptos routes.

pub mod config;
pub mod database;
pub mod demo;
pub mod eraser;
pub mod fixtures;
pub mod health;
pub mod housekeeping;
pub mod locale_redirect;
pub mod security;
pub mod sessions;
pub mod startup;
