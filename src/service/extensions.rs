//! Deadline extensions: the lead agency asks for a later due date; the
//! coordinator approves (the date in force moves from the decision's day on)
//! or rejects.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event, TaskEffect};
use super::evidence::{attach_files, check_evidence, Cited, Evidence, EvidenceDocument};
use super::{tasks, Actor};
use crate::domain::enums::{ExtensionDecision, ExtensionStatus};
use crate::domain::error::{Conflict, DomainError, DomainResult};
use crate::domain::ids::{ExtensionId, TaskId, UserId};
use crate::domain::input::Checker;
use crate::domain::input::IsoDate;
use crate::domain::policy::Action;
use crate::domain::text::LongText;
use crate::domain::workflow::{transition, TaskEvent};
use crate::store;
use crate::store::reports::{EvidenceRow, ExtensionRow, NewExtension};
use crate::store::tasks::TaskChangeset;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateExtensionRequest {
    /// The new due date asked for; after the current one.
    #[schema(value_type = String, format = Date)]
    pub requested_due_on: IsoDate,
    pub reason: LongText,
    /// Documents behind the request (the agency's letter asking for more time,
    /// a decision that delayed the work), at most 20; each may carry its file.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

/// A request to move a task's due date.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionRequest {
    pub id: ExtensionId,
    pub task_id: TaskId,
    pub status: ExtensionStatus,
    pub requested_by: UserId,
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

impl From<ExtensionRow> for ExtensionRequest {
    fn from(r: ExtensionRow) -> Self {
        ExtensionRequest {
            id: r.id,
            task_id: r.task_id,
            status: r.status,
            requested_by: r.requested_by,
            previous_due_on: r.previous_due_on,
            requested_due_on: r.requested_due_on,
            reason: r.reason,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            decided_on: r.decided_on,
            decision_comment: r.decision_comment,
            created_at: r.created_at,
            evidence: Vec::new(),
        }
    }
}

/// Asks for a later due date (an officer of the task's lead agency).
pub fn request(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    task_id: TaskId,
    input: CreateExtensionRequest,
) -> DomainResult<ExtensionRequest> {
    let mut check = Checker::new();
    let requested = check.date_in_range("requested_due_on", input.requested_due_on);
    let id = ExtensionId::new();
    let mut evidence = check_evidence(&mut check, &input.evidence, Cited::Extension(id));
    check.finish()?;
    let task = tasks::lock(conn, task_id)?;
    actor.may(Action::ActAsLeadAgency {
        lead_agency_id: task.lead_agency_id,
    })?;
    transition(task.status, TaskEvent::ExtensionRequested)?;
    if requested <= task.due_on {
        return Err(DomainError::rule(
            "requested_due_on",
            format!("must be after the current due date {}", task.due_on),
        ));
    }
    let row = store::reports::insert_extension(
        conn,
        &NewExtension {
            id,
            task_id,
            requested_by: actor.principal.user_id,
            previous_due_on: task.due_on,
            requested_due_on: requested,
            reason: input.reason.as_str(),
            created_at: actor.now,
        },
    )
    .map_err(store::conflict_on_duplicate(Conflict::ExtensionPending))?;
    attach_files(conn, actor.principal, &mut evidence)?;
    store::reports::insert_evidence(conn, &evidence)?;
    let event = Event::ExtensionRequested {
        task: task_id,
        request: row.id,
        previous_due_on: row.previous_due_on,
        requested_due_on: row.requested_due_on,
        reason: row.reason.clone(),
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    Ok(ExtensionRequest {
        evidence: evidence
            .into_iter()
            .map(|row| EvidenceDocument::from(EvidenceRow::from(row)))
            .collect(),
        ..row.into()
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub decision: ExtensionDecision,
    pub comment: Option<LongText>,
}

/// Approves or rejects a pending request (coordinator). Approval moves the
/// task's `due_on` and keeps `original_due_on`.
pub fn decide(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    request_id: ExtensionId,
    input: DecisionRequest,
) -> DomainResult<ExtensionRequest> {
    actor.may(Action::Review)?;
    let comment = input.comment.as_ref().map(LongText::to_string);
    let request = store::reports::find_extension_for_update(conn, request_id)?
        .ok_or(DomainError::not_found("extension request"))?;
    if request.status != ExtensionStatus::Pending {
        return Err(Conflict::ExtensionDecided {
            current: request.status,
        }
        .into());
    }
    let task = tasks::lock(conn, request.task_id)?;
    let (status, effect) = match input.decision {
        ExtensionDecision::Approve => {
            transition(task.status, TaskEvent::ExtensionApproved)?;
            if request.requested_due_on <= task.due_on {
                return Err(Conflict::DeadlineNotLater {
                    due_on: task.due_on,
                    requested: request.requested_due_on,
                }
                .into());
            }
            let changes = TaskChangeset {
                due_on: Some(request.requested_due_on),
                ..Default::default()
            };
            tasks::apply(conn, &task, &changes, actor.now)?;
            let effect = TaskEffect {
                due_on: Some(request.requested_due_on),
                previous_due_on: Some(task.due_on),
                original_due_on: Some(task.original_due_on),
                ..Default::default()
            };
            (ExtensionStatus::Approved, effect)
        }
        ExtensionDecision::Reject => (ExtensionStatus::Rejected, TaskEffect::default()),
    };
    let user = actor.principal.user_id;
    let decided_on = actor.today();
    let row = store::reports::decide_extension(
        conn,
        request_id,
        status,
        user,
        actor.now,
        decided_on,
        comment.as_deref(),
    )?;
    let event = Event::ExtensionDecided {
        task: task.id,
        request: request_id,
        decision: input.decision,
        comment,
        requested_due_on: request.requested_due_on,
        task_effect: effect,
    };
    audit::record(conn, user, actor.now, &event)?;
    let evidence = store::reports::evidence_of_extensions(conn, &[request_id])?;
    Ok(ExtensionRequest {
        evidence: evidence.into_iter().map(EvidenceDocument::from).collect(),
        ..row.into()
    })
}
