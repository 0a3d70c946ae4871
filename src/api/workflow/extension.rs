use actix_web::{post, web, HttpResponse};

use super::ExtensionRequest;
use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::TaskId;
use crate::error::ApiResult;
use crate::service::extensions::{self, CreateExtensionRequest};

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
    task: web::Path<TaskId>,
    body: JsonBody<CreateExtensionRequest>,
) -> ApiResult<HttpResponse> {
    let (task, body) = (task.into_inner(), body.into_inner());
    let request = act(&pool, who, move |conn, actor| {
        extensions::request(conn, actor, task, body)
    })
    .await?;
    Ok(crate::api::created(format!("/api/v1/tasks/{task}")).json(request))
}
