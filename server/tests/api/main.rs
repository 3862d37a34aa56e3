//! Integration tests: the real server over HTTP against real PostgreSQL.

mod helpers;
mod home;
