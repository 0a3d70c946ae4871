use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::common::transaction;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::api::tasks::{load_task, task_response, Task};
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::{ReviewDecision, TaskStatus};
use crate::domain::input::Checker;
use crate::domain::overdue::province_today;
use crate::domain::policy::Action;
use crate::domain::text::LongText;
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;
use crate::store::tasks::TaskChangeset;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub decision: ReviewDecision,
    /// Required when returning a claim: what is missing.
    pub comment: Option<LongText>,
}

/// Accepts or returns a task's completion claim (coordinator). Accepting makes
/// the task `completed` on the claimed day; returning sends it back to `in_progress`.
#[utoipa::path(
    tag = "workflow",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id")),
    request_body = ReviewRequest,
    responses((status = 200, body = Task), WriteErrors)
)]
#[post("/tasks/{id}/review")]
pub async fn review_completion(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody<ReviewRequest>,
) -> ApiResult<HttpResponse> {
    who.require(Action::Review)?;
    let task_id = id.into_inner();
    let body = body.into_inner();
    let mut check = Checker::new();
    let comment = body.comment.as_ref().map(LongText::to_string);
    if body.decision == ReviewDecision::Return && comment.is_none() {
        check.rule("comment", "is required when returning a claim");
    }
    check.finish()?;
    let actor = who.user_id;
    let task = transaction(&pool, move |conn| {
        let task = store::tasks::find_for_update(conn, task_id)?.ok_or_else(|| ApiError::not_found("task"))?;
        let status = TaskStatus::parse(&task.status).unwrap_or(TaskStatus::NotStarted);
        let claim = store::reports::pending_claim(conn, task_id)?;
        let claim = match (status, claim) {
            (TaskStatus::Submitted, Some(claim)) => claim,
            _ => return Err(ApiError::Conflict(format!("the task is {status}; only a submitted task can be reviewed"))),
        };
        let now = Utc::now();
        let (claim_status, changes, action) = match body.decision {
            ReviewDecision::Accept => (
                "accepted",
                TaskChangeset {
                    status: Some(TaskStatus::Completed.as_str().into()),
                    progress_percent: Some(100),
                    completed_on: Some(Some(claim.completed_on)),
                    ..Default::default()
                },
                "completion.accepted",
            ),
            ReviewDecision::Return => (
                "returned",
                TaskChangeset { status: Some(TaskStatus::InProgress.as_str().into()), ..Default::default() },
                "completion.returned",
            ),
        };
        store::reports::review_claim(conn, claim.id, claim_status, actor, now, comment.as_deref())?;
        let row = store::tasks::update_versioned(conn, task_id, task.version, &changes)?
            .ok_or_else(|| ApiError::Conflict("the task changed meanwhile; retry".into()))?;
        store::audit::record(
            conn,
            &NewAuditEvent::new(actor, action, "completion_claim", claim.id, serde_json::json!({
                    "decision": body.decision, "comment": comment,
                    "task": {"status": row.status, "completed_on": row.completed_on, "progress_percent": row.progress_percent},
                })).at(now).on_task(task_id),
        )?;
        load_task(conn, task_id, province_today())
    })
    .await?;
    Ok(task_response(StatusCode::OK, &task))
}
