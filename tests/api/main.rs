//! Integration tests: HTTP through the real actix app, on real PostgreSQL.

mod auth;
mod authz;
mod boundaries;
mod common;
mod foundation;
mod history;
mod reporting;
mod scale;
mod tasks;
mod workflow;
