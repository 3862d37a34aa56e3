//! Integration tests: the real server over HTTP against real PostgreSQL.

mod account;
mod attacks;
mod auth;
mod deactivate_http;
mod deletion;
mod eraser;
mod fixtures;
mod fuzz;
mod helpers;
mod home;
mod races;
mod schema;
mod security;
mod statistics;
mod visibility;
