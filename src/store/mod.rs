//! diesel queries, one module per table family. Functions take a connection
//! (so a handler can run several in one transaction) and return `QueryResult`.

pub mod agencies;
pub mod audit;
pub mod auth;
pub mod idempotency;
pub mod plans;
pub mod reports;
pub mod tasks;
pub mod users;

/// Keyset position: the sort key of the last row seen, as text, and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub key: String,
    pub id: uuid::Uuid,
}
