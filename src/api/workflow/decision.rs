use actix_web::{post, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ExtensionRequest;
use crate::api::common::transaction;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::{ExtensionDecision, TaskStatus};
use crate::domain::overdue::province_date;
use crate::domain::policy::Action;
use crate::domain::text::LongText;
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;
use crate::store::tasks::TaskChangeset;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub decision: ExtensionDecision,
    pub comment: Option<LongText>,
}

/// Approves or rejects an extension request (coordinator). Approval moves the
/// task's `due_on` and keeps `original_due_on`; from the decision's day on, the
/// task is measured against the new date.
#[utoipa::path(
    tag = "workflow",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Extension request id")),
    request_body = DecisionRequest,
    responses((status = 200, body = ExtensionRequest), WriteErrors)
)]
#[post("/extension-requests/{id}/decision")]
pub async fn decide_extension(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody<DecisionRequest>,
) -> ApiResult<web::Json<ExtensionRequest>> {
    who.require(Action::Review)?;
    let request_id = id.into_inner();
    let body = body.into_inner();
    let comment = body.comment.as_ref().map(LongText::to_string);
    let actor = who.user_id;
    let row = transaction(&pool, move |conn| {
        let request = store::reports::find_extension_for_update(conn, request_id)?
            .ok_or_else(|| ApiError::not_found("extension request"))?;
        if request.status != "pending" {
            return Err(ApiError::Conflict(format!("the request is already {}", request.status)));
        }
        let task = store::tasks::find_for_update(conn, request.task_id)?.ok_or_else(|| ApiError::not_found("task"))?;
        let now = Utc::now();
        let (status, action) = match body.decision {
            ExtensionDecision::Approve => ("approved", "extension.approved"),
            ExtensionDecision::Reject => ("rejected", "extension.rejected"),
        };
        let mut task_changes = serde_json::json!({});
        if body.decision == ExtensionDecision::Approve {
            let task_status = TaskStatus::parse(&task.status).unwrap_or(TaskStatus::NotStarted);
            if task_status.is_closed() {
                return Err(ApiError::Conflict(format!("the task is {task_status}; its deadline can no longer move")));
            }
            if request.requested_due_on <= task.due_on {
                return Err(ApiError::Conflict(format!(
                    "the task is already due on {}, not before the requested {}",
                    task.due_on, request.requested_due_on
                )));
            }
            let changes = TaskChangeset { due_on: Some(request.requested_due_on), ..Default::default() };
            store::tasks::update_versioned(conn, task.id, task.version, &changes)?
                .ok_or_else(|| ApiError::Conflict("the task changed meanwhile; retry".into()))?;
            task_changes = serde_json::json!({"due_on": request.requested_due_on, "previous_due_on": task.due_on, "original_due_on": task.original_due_on});
        }
        let row = store::reports::decide_extension(conn, request_id, status, actor, now, province_date(now), comment.as_deref())?;
        store::audit::record(
            conn,
            &NewAuditEvent::new(actor, action, "extension_request", request_id, serde_json::json!({"decision": body.decision, "comment": comment, "requested_due_on": request.requested_due_on, "task": task_changes})).at(now).on_task(task.id),
        )?;
        Ok(row)
    })
    .await?;
    Ok(web::Json(row.into()))
}
