use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};

use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::api::tasks::{task_response, Task};
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::TaskId;
use crate::error::ApiResult;
use crate::service::completion::{self, ReviewRequest};

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
    task: web::Path<TaskId>,
    body: JsonBody<ReviewRequest>,
) -> ApiResult<HttpResponse> {
    let (task, body) = (task.into_inner(), body.into_inner());
    let task = act(&pool, who, move |conn, actor| {
        completion::review(conn, actor, task, body)
    })
    .await?;
    Ok(task_response(StatusCode::OK, &task))
}
