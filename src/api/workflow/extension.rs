use actix_web::{post, web, HttpResponse};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ExtensionRequest;
use crate::api::common::transaction;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::TaskStatus;
use crate::domain::input::Checker;
use crate::domain::policy::Action;
use crate::domain::text::LongText;
use crate::error::{conflict_as, ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;
use crate::store::reports::NewExtension;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateExtensionRequest {
    /// The new due date asked for; after the current one.
    pub requested_due_on: NaiveDate,
    pub reason: LongText,
}

/// Asks the coordinator to move a task's due date (an officer of its lead agency).
#[utoipa::path(
    tag = "workflow",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id")),
    request_body = CreateExtensionRequest,
    responses((status = 201, body = ExtensionRequest), WriteErrors)
)]
#[post("/tasks/{id}/extension-requests")]
pub async fn request_extension(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody<CreateExtensionRequest>,
) -> ApiResult<HttpResponse> {
    let task_id = id.into_inner();
    let body = body.into_inner();
    let mut check = Checker::new();
    let reason = body.reason.to_string();
    let requested = check.date_in_range("requested_due_on", body.requested_due_on);
    check.finish()?;
    let principal = who.0.clone();
    let row = transaction(&pool, move |conn| {
        let task = store::tasks::find_for_update(conn, task_id)?.ok_or_else(|| ApiError::not_found("task"))?;
        who.require(Action::ActAsLeadAgency { lead_agency_id: task.lead_agency_id })?;
        let status = TaskStatus::parse(&task.status).unwrap_or(TaskStatus::NotStarted);
        if status.is_closed() {
            return Err(ApiError::Conflict(format!("the task is {status}; its deadline can no longer move")));
        }
        if requested <= task.due_on {
            return Err(ApiError::unprocessable("requested_due_on", format!("must be after the current due date {}", task.due_on)));
        }
        let now = Utc::now();
        let row = store::reports::insert_extension(
            conn,
            &NewExtension { id: Uuid::new_v4(), task_id, requested_by: principal.user_id, previous_due_on: task.due_on, requested_due_on: requested, reason: &reason, created_at: now },
        )
        .map_err(conflict_as("the task already has a pending extension request"))?;
        store::audit::record(
            conn,
            &NewAuditEvent::new(principal.user_id, "extension.requested", "extension_request", row.id, serde_json::json!({"previous_due_on": row.previous_due_on, "requested_due_on": row.requested_due_on, "reason": row.reason})).at(now).on_task(task_id),
        )?;
        Ok(row)
    })
    .await?;
    Ok(HttpResponse::Created().json(ExtensionRequest::from(row)))
}
