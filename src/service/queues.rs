//! The queues: completion claims awaiting review (or reviewed) and extension
//! requests awaiting a decision (or decided), oldest first, each with its
//! task. Read use cases; they write nothing. An agency officer sees its own
//! agency's rows only (`policy::queue_scope`).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::PgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::evidence::{self, EvidenceDocument};
use super::tasks::{AgencySummary, UserSummary};
use super::Page;
use crate::domain::enums::{ClaimStatus, ExtensionStatus};
use crate::domain::error::{DomainError, DomainResult, ProblemType};
use crate::domain::ids::{AgencyId, ClaimId, ExtensionId, PlanId, TaskId, UserId};
use crate::domain::policy::{queue_scope, Principal, ReadScope};
use crate::store;
use crate::store::reports::{QueueContext, QueueFilter};
use crate::store::After;

/// Which rows a queue lists; every filter is optional and they combine with AND.
#[derive(Debug, Clone, Copy)]
pub struct QueueQuery<S> {
    /// Absent: every status.
    pub status: Option<S>,
    pub plan_id: Option<PlanId>,
    /// The claiming agency; for extension requests, the task's lead agency.
    pub agency_id: Option<AgencyId>,
}

/// Where a page of a queue ends: the last row's creation time and id.
pub type QueuePosition<I> = After<DateTime<Utc>, I>;

/// A completion claim as its queue lists it, with the task it is about.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedClaim {
    pub id: ClaimId,
    pub task_id: TaskId,
    pub task_code: String,
    pub task_title: String,
    pub plan_id: PlanId,
    /// The agency that claims: the task's lead agency.
    pub agency: AgencySummary,
    pub author: UserSummary,
    pub status: ClaimStatus,
    /// The day the work was finished, as claimed.
    pub completed_on: NaiveDate,
    pub summary: String,
    pub evidence: Vec<EvidenceDocument>,
    pub reviewer_id: Option<UserId>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An extension request as its queue lists it, with the task it is about.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedExtensionRequest {
    pub id: ExtensionId,
    pub task_id: TaskId,
    pub task_code: String,
    pub task_title: String,
    pub plan_id: PlanId,
    /// The agency that asks: the task's lead agency.
    pub agency: AgencySummary,
    pub author: UserSummary,
    pub status: ExtensionStatus,
    /// The due date in force when the request was made.
    pub previous_due_on: NaiveDate,
    pub requested_due_on: NaiveDate,
    pub reason: String,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The decision's day in the province; from it on the new date is in force.
    pub decided_on: Option<NaiveDate>,
    pub decision_comment: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The documents the request cites.
    pub evidence: Vec<EvidenceDocument>,
}

/// The filter the caller may see: the query narrowed to the caller's scope,
/// or `None` when the query asks for another agency than the caller's own.
fn scoped<S: Copy>(principal: &Principal, query: &QueueQuery<S>) -> Option<QueueFilter<S>> {
    let agency_id = match (queue_scope(principal), query.agency_id) {
        (ReadScope::Everything, wanted) => wanted,
        (scope @ ReadScope::Agency(own), wanted) => {
            if wanted.is_some_and(|w| !scope.includes(w)) {
                return None;
            }
            Some(own)
        }
        (ReadScope::Nothing, _) => return None,
    };
    Some(QueueFilter {
        status: query.status,
        plan_id: query.plan_id,
        agency_id,
    })
}

/// Cursors are opaque but not signed: a time PostgreSQL cannot hold is
/// refused before any query.
fn check_position<I>(after: Option<&QueuePosition<I>>) -> DomainResult<()> {
    if after.is_some_and(|a| !(1..=9999).contains(&a.key.year())) {
        return Err(DomainError::unprocessable_as(
            ProblemType::InvalidCursor,
            "cursor",
            "is not a cursor returned by this list",
        ));
    }
    Ok(())
}

/// The page of `limit + 1` fetched rows, and where the next page starts.
fn page_of<R, I: Copy>(
    mut rows: Vec<R>,
    limit: i64,
    position: impl Fn(&R) -> (DateTime<Utc>, I),
) -> (Vec<R>, Option<QueuePosition<I>>) {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = rows.last().filter(|_| more).map(|last| {
        let (key, id) = position(last);
        After { key, id }
    });
    (rows, next)
}

fn agency(c: &QueueContext) -> AgencySummary {
    AgencySummary {
        id: c.agency_id,
        code: c.agency_code.clone(),
        name: c.agency_name.clone(),
    }
}

/// Completion claims the caller may see, oldest first, after `after`.
pub fn claims(
    conn: &mut PgConnection,
    principal: &Principal,
    query: &QueueQuery<ClaimStatus>,
    after: Option<&QueuePosition<ClaimId>>,
    limit: i64,
) -> DomainResult<Page<QueuedClaim, QueuePosition<ClaimId>>> {
    check_position(after)?;
    let Some(filter) = scoped(principal, query) else {
        return Ok(Page {
            items: Vec::new(),
            next: None,
        });
    };
    let rows = store::reports::queued_claims(conn, &filter, after, limit + 1)?;
    let (rows, next) = page_of(rows, limit, |(c, _)| (c.created_at, c.id));
    let ids: Vec<ClaimId> = rows.iter().map(|(c, _)| c.id).collect();
    let mut evidence = evidence::by_claim(store::reports::evidence_of_claims(conn, &ids)?);
    let items = rows
        .into_iter()
        .map(|(c, context)| QueuedClaim {
            evidence: evidence.remove(&c.id).unwrap_or_default(),
            agency: agency(&context),
            author: UserSummary {
                id: c.author_id,
                display_name: context.author_name,
            },
            id: c.id,
            task_id: c.task_id,
            task_code: context.task_code,
            task_title: context.task_title,
            plan_id: context.plan_id,
            status: c.status,
            completed_on: c.completed_on,
            summary: c.summary,
            reviewer_id: c.reviewer_id,
            reviewed_at: c.reviewed_at,
            review_comment: c.review_comment,
            created_at: c.created_at,
        })
        .collect();
    Ok(Page { items, next })
}

/// Extension requests the caller may see, oldest first, after `after`.
pub fn extension_requests(
    conn: &mut PgConnection,
    principal: &Principal,
    query: &QueueQuery<ExtensionStatus>,
    after: Option<&QueuePosition<ExtensionId>>,
    limit: i64,
) -> DomainResult<Page<QueuedExtensionRequest, QueuePosition<ExtensionId>>> {
    check_position(after)?;
    let Some(filter) = scoped(principal, query) else {
        return Ok(Page {
            items: Vec::new(),
            next: None,
        });
    };
    let rows = store::reports::queued_extensions(conn, &filter, after, limit + 1)?;
    let (rows, next) = page_of(rows, limit, |(e, _)| (e.created_at, e.id));
    let ids: Vec<ExtensionId> = rows.iter().map(|(e, _)| e.id).collect();
    let mut evidence = evidence::by_extension(store::reports::evidence_of_extensions(conn, &ids)?);
    let items = rows
        .into_iter()
        .map(|(e, context)| QueuedExtensionRequest {
            evidence: evidence.remove(&e.id).unwrap_or_default(),
            agency: agency(&context),
            author: UserSummary {
                id: e.requested_by,
                display_name: context.author_name,
            },
            id: e.id,
            task_id: e.task_id,
            task_code: context.task_code,
            task_title: context.task_title,
            plan_id: context.plan_id,
            status: e.status,
            previous_due_on: e.previous_due_on,
            requested_due_on: e.requested_due_on,
            reason: e.reason,
            decided_by: e.decided_by,
            decided_at: e.decided_at,
            decided_on: e.decided_on,
            decision_comment: e.decision_comment,
            created_at: e.created_at,
        })
        .collect();
    Ok(Page { items, next })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::enums::Role;

    fn who(role: Role, agency: Option<AgencyId>) -> Principal {
        Principal {
            user_id: UserId::new(),
            username: "x".into(),
            role,
            agency_id: agency,
            credential_version: 0,
        }
    }

    fn asking(agency_id: Option<AgencyId>) -> QueueQuery<ClaimStatus> {
        QueueQuery {
            status: Some(ClaimStatus::Pending),
            plan_id: None,
            agency_id,
        }
    }

    #[test]
    fn an_officer_s_queue_is_narrowed_to_its_agency() {
        let (own, other) = (AgencyId::new(), AgencyId::new());
        let officer = who(Role::AgencyOfficer, Some(own));
        let agency_of = |q| scoped(&officer, &q).map(|f| f.agency_id);
        assert_eq!(agency_of(asking(None)), Some(Some(own)));
        assert_eq!(agency_of(asking(Some(own))), Some(Some(own)));
        assert_eq!(agency_of(asking(Some(other))), None, "nothing to list");
        let unbound = who(Role::AgencyOfficer, None);
        assert!(scoped(&unbound, &asking(None)).is_none());
    }

    #[test]
    fn the_others_see_what_they_ask_for() {
        let wanted = AgencyId::new();
        for role in [Role::Admin, Role::Coordinator, Role::Inspector] {
            let reader = who(role, Some(AgencyId::new()));
            let filter = scoped(&reader, &asking(Some(wanted))).unwrap();
            assert_eq!(filter.agency_id, Some(wanted));
            assert_eq!(filter.status, Some(ClaimStatus::Pending));
            assert_eq!(scoped(&reader, &asking(None)).unwrap().agency_id, None);
        }
    }

    #[test]
    fn a_cursor_time_postgresql_cannot_hold_is_refused() {
        let at = |y| {
            NaiveDate::from_ymd_opt(y, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
        };
        let position = |y| After {
            key: at(y),
            id: ClaimId::new(),
        };
        assert!(check_position(Some(&position(2024))).is_ok());
        assert!(check_position::<ClaimId>(None).is_ok());
        assert!(check_position(Some(&position(0))).is_err());
        assert!(check_position(Some(&position(10_000))).is_err());
    }
}
