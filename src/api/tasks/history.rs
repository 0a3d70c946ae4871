use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::common::{page_request, paged, read, PageParams};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::error::DomainError;
use crate::domain::ids::{TaskId, UserId};
use crate::error::ApiResult;
use crate::store;
use crate::store::audit::AuditRow;

/// One recorded write.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEvent {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// Who did it (absent for system actions such as the demo load).
    pub actor_id: Option<UserId>,
    /// e.g. `task.created`, `task.updated`, `report.created`, `completion.claimed`,
    /// `completion.accepted`, `completion.returned`, `extension.requested`, `extension.approved`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: Uuid,
    /// What changed: the fields written, with their new values.
    // A map of any values: generators type it `Record<string, unknown>`, not an empty object.
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub changes: serde_json::Value,
}

crate::api::common::page_type!(
    HistoryPage,
    HistoryEvent,
    "A page of audit events, oldest first."
);

/// The task's audit trail, oldest first.
#[utoipa::path(
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id"), PageParams),
    responses((status = 200, body = HistoryPage), ReadErrors)
)]
#[get("/tasks/{id}/history")]
pub async fn task_history(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<TaskId>,
    params: QueryParams<PageParams>,
) -> ApiResult<web::Json<HistoryPage>> {
    let id = id.into_inner();
    // The position is the last event's id: the trail only grows.
    let page = page_request::<i64>(params.limit, params.cursor.as_deref(), "history")?;
    let (after_id, limit) = (page.after.unwrap_or(0), page.limit);
    let rows = read(&pool, who, move |conn, _| {
        store::tasks::find(conn, id)?.ok_or(DomainError::not_found("task"))?;
        Ok(store::audit::task_history(conn, id, after_id, limit + 1)?)
    })
    .await?;
    let (items, next_cursor) = paged(rows, limit, "history", |r| r.id, HistoryEvent::from);
    Ok(web::Json(HistoryPage { items, next_cursor }))
}

impl From<AuditRow> for HistoryEvent {
    fn from(r: AuditRow) -> HistoryEvent {
        HistoryEvent {
            id: r.id,
            occurred_at: r.occurred_at,
            actor_id: r.actor_id,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            changes: r.changes,
        }
    }
}
