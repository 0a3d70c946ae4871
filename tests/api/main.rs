//! Integration tests: HTTP through the real actix app, on real PostgreSQL.

mod common;
mod foundation;
