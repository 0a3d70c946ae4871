//! Use cases: one function per thing a user does. Each takes a connection
//! (inside the caller's transaction), the `Principal`, typed ids and a typed
//! input, and returns a typed result or a `DomainError`. Each authorises
//! against the object it reads, in the same transaction, and records its
//! audit event there too, so a use case commits whole or not at all.
//!
//! Handlers (`api`) parse and respond; the demo loader (`seed`) calls the
//! same functions, so the rules exist once.

pub mod agencies;
pub mod agency_reports;
pub mod audit;
pub mod auth;
pub mod completion;
pub mod evidence;
pub mod extensions;
pub mod fanout;
pub mod files;
pub mod indicators;
pub mod inspections;
pub mod notifications;
pub mod objectives;
pub mod period_report;
pub mod periods;
pub mod plans;
pub mod queues;
pub mod reorganisations;
pub mod reports;
pub mod sheets;
pub mod standing;
pub mod tasks;
pub mod users;
pub mod webhooks;

use chrono::{DateTime, Utc};

use crate::domain::error::DomainResult;
use crate::domain::policy::{authorize, Action, Principal};

/// Who acts, and when: the clock is an argument so that the demo loader can
/// replay a year and tests can pin "today".
#[derive(Debug, Clone)]
pub struct Actor<'a> {
    pub principal: &'a Principal,
    pub now: DateTime<Utc>,
}

impl<'a> Actor<'a> {
    pub fn new(principal: &'a Principal, now: DateTime<Utc>) -> Actor<'a> {
        Actor { principal, now }
    }

    /// Checks `action` against the policy table; a refusal is `Forbidden`.
    pub fn may(&self, action: Action<'_>) -> DomainResult<()> {
        Ok(authorize(self.principal, action)?)
    }

    /// The province's calendar day of `now` (Asia/Ho_Chi_Minh).
    pub fn today(&self) -> chrono::NaiveDate {
        crate::domain::overdue::province_date(self.now)
    }
}

/// A merge patch as sent, for the audit trail: what the caller changed.
pub(crate) fn merge_patch<T: serde::Serialize>(
    patch: &T,
) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(patch) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

/// One page of a list: its items, and where the next page starts when one follows.
#[derive(Debug)]
pub struct Page<T, A> {
    pub items: Vec<T>,
    pub next: Option<A>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trail_records_a_patch_as_sent() {
        #[derive(serde::Serialize)]
        struct Patch {
            title: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            area: Option<String>,
        }
        let patch = Patch {
            title: Some("Số hoá hồ sơ".into()),
            area: None,
        };
        let recorded = merge_patch(&patch);
        assert_eq!(
            serde_json::Value::Object(recorded),
            serde_json::json!({"title": "Số hoá hồ sơ"})
        );
        assert!(merge_patch(&42).is_empty(), "only an object is a patch");
    }
}
