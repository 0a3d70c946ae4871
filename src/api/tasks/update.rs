use actix_web::http::{header, StatusCode};
use actix_web::{patch, web, HttpRequest, HttpResponse};

use super::task_response;
use crate::api::common::act;
use crate::api::docs::PatchErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::TaskId;
use crate::error::{ApiError, ApiResult};
use crate::service::tasks::{self, IfMatch, UpdateTask};

/// Changes a task (coordinator). Needs `If-Match` with the task's current ETag:
/// without it 428, with a stale one 412, so two editors never overwrite each other.
#[utoipa::path(
    tag = "tasks",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Task id"),
        ("If-Match" = String, Header, description = "The task's current ETag")
    ),
    request_body(content = UpdateTask, content_type = "application/merge-patch+json"),
    responses((status = 200, body = super::Task, headers(("ETag" = String, description = "The new version tag"))), PatchErrors)
)]
#[patch("/tasks/{id}")]
pub async fn update_task(
    req: HttpRequest,
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<TaskId>,
    body: JsonBody<UpdateTask>,
) -> ApiResult<HttpResponse> {
    let if_match = match req.headers().get(header::IF_MATCH) {
        None => None,
        Some(value) => {
            Some(IfMatch::parse(value.to_str().map_err(|_| {
                ApiError::field("If-Match", "is not a valid ETag")
            })?))
        }
    };
    let (id, body) = (id.into_inner(), body.into_inner());
    let task = act(&pool, who, move |conn, actor| {
        tasks::update(conn, actor, id, if_match.as_ref(), body)
    })
    .await?;
    Ok(task_response(StatusCode::OK, &task))
}
