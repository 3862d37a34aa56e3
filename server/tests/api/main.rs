//! Integration tests: the real server over HTTP against real PostgreSQL.

mod account;
mod attacks;
mod auth;
mod deactivate_http;
mod deletion;
mod eraser;
mod fixtures;
mod helpers;
mod home;
mod housekeeping;
mod least_privilege;
mod on_disk;
mod races;
mod restarts;
mod schema;
mod security;
mod two_servers;
mod visibility;
