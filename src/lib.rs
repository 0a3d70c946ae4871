//! PAR plan tracker: a REST service for a province's public-administration-reform plan.
//!
//! Layers, each depending only downward: `api` → `domain` → `store` → `db`;
//! `auth` beside `domain`; `error` maps every failure to one problem document.

pub mod api;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod seed;
pub mod startup;
pub mod store;
