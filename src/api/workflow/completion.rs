use actix_web::{post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::common::transaction;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::api::reports::{check_evidence, evidence_out, Evidence, EvidenceDocument};
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::TaskStatus;
use crate::domain::input::Checker;
use crate::domain::overdue::province_today;
use crate::domain::policy::Action;
use crate::domain::text::LongText;
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;
use crate::store::reports::NewClaim;
use crate::store::tasks::TaskChangeset;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCompletionClaim {
    /// The day the work was finished; not in the future.
    pub completed_on: NaiveDate,
    pub summary: LongText,
    /// Documents issued as evidence (at most 20).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub evidence: Vec<Evidence>,
}

/// A lead agency's claim that a task is done, awaiting the coordinator's review.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompletionClaim {
    pub id: Uuid,
    pub task_id: Uuid,
    pub agency_id: Uuid,
    pub author_id: Uuid,
    pub completed_on: NaiveDate,
    pub summary: String,
    pub evidence: Vec<EvidenceDocument>,
    /// `pending`, `accepted` or `returned`.
    pub status: String,
    /// The task's status after the claim: `submitted`.
    pub task_status: TaskStatus,
    pub created_at: DateTime<Utc>,
}

/// Claims completion of a task (an officer of its lead agency). The task becomes `submitted`.
#[utoipa::path(
    tag = "workflow",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id")),
    request_body = CreateCompletionClaim,
    responses((status = 201, body = CompletionClaim), WriteErrors)
)]
#[post("/tasks/{id}/completion")]
pub async fn claim_completion(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody<CreateCompletionClaim>,
) -> ApiResult<HttpResponse> {
    let task_id = id.into_inner();
    let body = body.into_inner();
    let claim_id = Uuid::new_v4();
    let mut check = Checker::new();
    let summary = body.summary.to_string();
    let completed_on = check.date_in_range("completed_on", body.completed_on);
    if completed_on > province_today() {
        check.rule("completed_on", "must not be in the future");
    }
    let evidence = check_evidence(&mut check, &body.evidence, None, Some(claim_id));
    check.finish()?;
    let principal = who.0.clone();
    let claim = transaction(&pool, move |conn| {
        let task = store::tasks::find_for_update(conn, task_id)?.ok_or_else(|| ApiError::not_found("task"))?;
        who.require(Action::ActAsLeadAgency { lead_agency_id: task.lead_agency_id })?;
        let status = TaskStatus::parse(&task.status).unwrap_or(TaskStatus::NotStarted);
        if !matches!(status, TaskStatus::NotStarted | TaskStatus::InProgress) {
            return Err(ApiError::Conflict(format!("the task is {status}; only a not_started or in_progress task can be claimed complete")));
        }
        let now = Utc::now();
        let row = store::reports::insert_claim(
            conn,
            &NewClaim { id: claim_id, task_id, agency_id: task.lead_agency_id, author_id: principal.user_id, completed_on, summary: &summary, created_at: now },
        )?;
        store::reports::insert_evidence(conn, &evidence)?;
        let changes = TaskChangeset { status: Some(TaskStatus::Submitted.as_str().into()), ..Default::default() };
        store::tasks::update_versioned(conn, task_id, task.version, &changes)?
            .ok_or_else(|| ApiError::Conflict("the task changed meanwhile; retry".into()))?;
        store::audit::record(
            conn,
            &NewAuditEvent::new(principal.user_id, "completion.claimed", "completion_claim", row.id, serde_json::json!({"completed_on": completed_on, "summary": row.summary, "evidence_count": evidence.len(), "task": {"status": "submitted"}})).at(now).on_task(task_id),
        )?;
        let evidence = store::reports::evidence_of_claim(conn, row.id)?.into_iter().map(evidence_out).collect();
        Ok(CompletionClaim {
            id: row.id,
            task_id,
            agency_id: row.agency_id,
            author_id: row.author_id,
            completed_on: row.completed_on,
            summary: row.summary,
            evidence,
            status: row.status,
            task_status: TaskStatus::Submitted,
            created_at: row.created_at,
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(claim))
}
