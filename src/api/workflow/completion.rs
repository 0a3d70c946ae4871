use actix_web::{post, web, HttpResponse};

use super::CompletionClaim;
use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::TaskId;
use crate::error::ApiResult;
use crate::service::completion::{self, CreateCompletionClaim};

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
    task: web::Path<TaskId>,
    body: JsonBody<CreateCompletionClaim>,
) -> ApiResult<HttpResponse> {
    let (task, body) = (task.into_inner(), body.into_inner());
    let claim = act(&pool, who, move |conn, actor| {
        completion::claim(conn, actor, task, body)
    })
    .await?;
    Ok(crate::api::created(format!("/api/v1/tasks/{task}")).json(claim))
}
