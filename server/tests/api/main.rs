//! Integration tests: the real server over HTTP against real PostgreSQL.

mod account;
mod attacks;
mod auth;
mod deactivate_http;
mod deletion;
mod eraser;
mod export;
// The fixtures API exists only in a server built with the `test-fixtures` feature:
// `cargo test -p server --features test-fixtures` (as `cargo xtask test` runs it).
#[cfg(feature = "test-fixtures")]
mod fixtures;
mod fuzz;
mod helpers;
mod home;
mod housekeeping;
mod l10n_console;
mod least_privilege;
mod load;
#[cfg(not(feature = "test-fixtures"))]
mod no_fixtures;
mod on_disk;
mod openapi;
mod outbox;
mod pages;
mod pool;
mod pseudo_locales;
mod races;
mod request_id;
mod restarts;
mod restore;
mod route_list;
mod schema;
mod security;
mod staff;
mod two_servers;
mod visibility;
