//! Integration tests: HTTP through the real actix app, on real PostgreSQL.

// The test language: who calls (actors), what they send (bodies), what the
// demo holds (demo), and the harness with its reply assertions (common).
mod actors;
mod bodies;
mod common;
mod demo;
mod receiver;
mod smtp;
mod tokens;

mod auth;
mod authz;
mod boundaries;
mod contract;
mod files;
mod foundation;
mod hardening;
mod history;
mod inspections;
mod notify;
mod pages;
mod periods;
mod queues;
mod races;
mod reads;
mod reorganisations;
mod reporting;
mod scale;
mod sheets;
mod standing;
mod tasks;
mod words;
mod workflow;
