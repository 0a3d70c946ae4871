//! Completion: the lead agency claims a task done; the coordinator accepts
//! (the task is `completed` on the claimed day) or returns it (`in_progress`).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event, TaskEffect};
use super::evidence::{check_evidence, Cited, Evidence, EvidenceDocument};
use super::{tasks, Actor};
use crate::domain::enums::{ClaimStatus, ReviewDecision, TaskStatus};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{AgencyId, ClaimId, TaskId, UserId};
use crate::domain::input::Checker;
use crate::domain::input::IsoDate;
use crate::domain::policy::Action;
use crate::domain::text::LongText;
use crate::domain::workflow::{transition, TaskEvent};
use crate::store;
use crate::store::reports::NewClaim;
use crate::store::tasks::TaskChangeset;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCompletionClaim {
    /// The day the work was finished; not in the future.
    #[schema(value_type = String, format = Date)]
    pub completed_on: IsoDate,
    pub summary: LongText,
    /// Documents issued as evidence (at most 20).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub evidence: Vec<Evidence>,
}

/// A lead agency's claim that a task is done, awaiting the coordinator's review.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompletionClaim {
    pub id: ClaimId,
    pub task_id: TaskId,
    pub agency_id: AgencyId,
    pub author_id: UserId,
    pub completed_on: NaiveDate,
    pub summary: String,
    pub evidence: Vec<EvidenceDocument>,
    pub status: ClaimStatus,
    /// The task's status after the claim: `submitted`.
    pub task_status: TaskStatus,
    pub created_at: DateTime<Utc>,
}

/// Claims completion of a task (an officer of its lead agency): it becomes `submitted`.
pub fn claim(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    task_id: TaskId,
    input: CreateCompletionClaim,
) -> DomainResult<CompletionClaim> {
    let claim_id = ClaimId::new();
    let mut check = Checker::new();
    let completed_on = check.date_in_range("completed_on", input.completed_on);
    if completed_on > actor.today() {
        check.rule("completed_on", "must not be in the future");
    }
    let mut evidence = check_evidence(&mut check, &input.evidence, Cited::Claim(claim_id));
    check.finish()?;
    let task = tasks::lock(conn, task_id)?;
    actor.may(Action::ActAsLeadAgency {
        lead_agency_id: task.lead_agency_id,
    })?;
    let status = transition(task.status, TaskEvent::CompletionClaimed)?;
    let row = store::reports::insert_claim(
        conn,
        &NewClaim {
            id: claim_id,
            task_id,
            agency_id: task.lead_agency_id,
            author_id: actor.principal.user_id,
            completed_on,
            summary: input.summary.as_str(),
            created_at: actor.now,
        },
    )?;
    super::evidence::attach_files(conn, actor.principal, &mut evidence)?;
    store::reports::insert_evidence(conn, &evidence)?;
    let changes = TaskChangeset {
        status: Some(status),
        ..Default::default()
    };
    tasks::apply(conn, &task, &changes, actor.now)?;
    let event = Event::CompletionClaimed {
        task: task_id,
        claim: row.id,
        completed_on,
        summary: row.summary.clone(),
        evidence_count: evidence.len(),
        task_effect: TaskEffect {
            status: Some(status),
            ..Default::default()
        },
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    let evidence = store::reports::evidence_of_claim(conn, row.id)?;
    Ok(CompletionClaim {
        id: row.id,
        task_id,
        agency_id: row.agency_id,
        author_id: row.author_id,
        completed_on: row.completed_on,
        summary: row.summary,
        evidence: evidence.into_iter().map(EvidenceDocument::from).collect(),
        status: row.status,
        task_status: status,
        created_at: row.created_at,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub decision: ReviewDecision,
    /// Required when returning a claim: what is missing.
    pub comment: Option<LongText>,
}

/// Accepts or returns a task's pending completion claim (coordinator).
pub fn review(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    task_id: TaskId,
    input: ReviewRequest,
) -> DomainResult<tasks::Task> {
    actor.may(Action::Review)?;
    let comment = input.comment.as_ref().map(LongText::to_string);
    if input.decision == ReviewDecision::Return && comment.is_none() {
        return Err(DomainError::rule(
            "comment",
            "is required when returning a claim",
        ));
    }
    let task = tasks::lock(conn, task_id)?;
    let event = match input.decision {
        ReviewDecision::Accept => TaskEvent::ClaimAccepted,
        ReviewDecision::Return => TaskEvent::ClaimReturned,
    };
    let status = transition(task.status, event)?;
    let claim = store::reports::pending_claim(conn, task_id)?.ok_or(
        crate::domain::error::Conflict::TaskNotSubmitted {
            current: task.status,
        },
    )?;
    let (claim_status, changes) = match input.decision {
        ReviewDecision::Accept => (
            ClaimStatus::Accepted,
            TaskChangeset {
                status: Some(status),
                progress_percent: Some(100),
                completed_on: Some(Some(claim.completed_on)),
                ..Default::default()
            },
        ),
        ReviewDecision::Return => (
            ClaimStatus::Returned,
            TaskChangeset {
                status: Some(status),
                ..Default::default()
            },
        ),
    };
    let user = actor.principal.user_id;
    store::reports::review_claim(
        conn,
        claim.id,
        claim_status,
        user,
        actor.now,
        comment.as_deref(),
    )?;
    let row = tasks::apply(conn, &task, &changes, actor.now)?;
    let event = Event::CompletionReviewed {
        task: task_id,
        claim: claim.id,
        decision: input.decision,
        comment,
        task_effect: TaskEffect {
            status: Some(row.status),
            completed_on: row.completed_on,
            progress_percent: Some(row.progress_percent),
            ..Default::default()
        },
    };
    audit::record(conn, user, actor.now, &event)?;
    tasks::get(
        conn,
        task_id,
        actor.today(),
        store::tasks::Keeping::Today(actor.today()),
    )
}
