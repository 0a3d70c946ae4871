//! diesel queries, one module per table family. Functions take a connection
//! (so a use case can run several in one transaction) and return `QueryResult`.

// The province keeps UTC+7 all year (no daylight saving). Its day is the
// one rule for "on or before a day" in every query, in two forms:

/// The instant the province day in parameter `$n` (a date) ends, in UTC: a
/// time was on or before that day there exactly when it is earlier.
/// Compared as is, a time column keeps its index (its province date would
/// not).
macro_rules! day_ends {
    ($n:literal) => {
        concat!(
            "(($",
            $n,
            " + 1)::timestamp - interval '7 hours') AT TIME ZONE 'UTC'"
        )
    };
}

/// The province day of the time `$t` (an SQL expression).
macro_rules! province_day {
    ($t:literal) => {
        concat!("(", $t, " AT TIME ZONE 'UTC' + interval '7 hours')::date")
    };
}

pub mod agencies;
pub mod audit;
pub mod auth;
pub mod files;
pub mod idempotency;
pub mod indicators;
pub mod inspections;
pub mod outbox;
pub mod periods;
pub mod plans;
pub mod prepared;
pub mod reorganisations;
pub mod reports;
pub mod sql_types;
pub mod tasks;
pub mod users;
pub mod web_sessions;

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::{Deserialize, Serialize};

use crate::domain::error::{Conflict, DomainError};

/// Keyset position: the sort key of the last row seen, typed, and its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct After<K, I> {
    pub key: K,
    pub id: I,
}

impl From<DieselError> for DomainError {
    fn from(e: DieselError) -> DomainError {
        if crate::db::is_connection_error(&e) {
            return DomainError::Unavailable(format!("database connection lost: {e}"));
        }
        match e {
            DieselError::NotFound => DomainError::not_found("object"),
            DieselError::DatabaseError(kind, info) => match kind {
                DatabaseErrorKind::UniqueViolation => {
                    log::info!("unique violation: {:?}", info.constraint_name());
                    Conflict::Duplicate(
                        "an object with the same code or name already exists".into(),
                    )
                    .into()
                }
                DatabaseErrorKind::ForeignKeyViolation => DomainError::Unprocessable {
                    problem: crate::domain::error::ProblemType::Unprocessable,
                    detail: "a referenced object does not exist".into(),
                    errors: Vec::new(),
                },
                DatabaseErrorKind::CheckViolation | DatabaseErrorKind::NotNullViolation => {
                    log::info!("data rule violated: {:?}", info.constraint_name());
                    DomainError::Unprocessable {
                        problem: crate::domain::error::ProblemType::Unprocessable,
                        detail: "the request breaks a data rule".into(),
                        errors: Vec::new(),
                    }
                }
                DatabaseErrorKind::SerializationFailure => Conflict::ConcurrentChange.into(),
                DatabaseErrorKind::ClosedConnection => {
                    DomainError::Unavailable(info.message().to_string())
                }
                _ => DomainError::Internal(format!("database error: {}", info.message())),
            },
            other => DomainError::Internal(format!("database error: {other}")),
        }
    }
}

/// Maps a database error as `From` does, but a unique-key violation becomes
/// `conflict`, naming what already exists in the caller's terms.
pub fn conflict_on_duplicate(conflict: Conflict) -> impl FnOnce(DieselError) -> DomainError {
    move |e| match DomainError::from(e) {
        DomainError::Conflict(Conflict::Duplicate(_)) => conflict.into(),
        other => other,
    }
}

/// `conflict_on_duplicate` for a duplicate code or name described by `detail`.
pub fn duplicate_as(detail: impl Into<String>) -> impl FnOnce(DieselError) -> DomainError {
    conflict_on_duplicate(Conflict::Duplicate(detail.into()))
}
