//! Integration tests: the real server over HTTP against real PostgreSQL.

mod auth;
mod deletion;
mod eraser;
mod fixtures;
mod helpers;
mod home;
mod schema;
mod security;
