//! PAR plan tracker: a REST service for a province's public-administration-reform plan.
//!
//! Layers, each depending only downward: `api` (HTTP) → `service` (use cases)
//! → `store` (queries) → `db`; `domain` (types and rules, no I/O) is used by
//! all of them; `error` maps every failure to one problem document.

pub mod api;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod pages;
pub mod seed;
pub mod service;
pub mod startup;
pub mod store;
pub mod worker;
