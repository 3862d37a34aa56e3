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
mod least_privilege;
mod on_disk;
mod races;
mod schema;
mod security;
mod statistics;
mod two_servers;
mod visibility;
