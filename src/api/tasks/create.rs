use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};

use super::{task_response, Task};
use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::PlanId;
use crate::error::ApiResult;
use crate::service::tasks::{self, CreateTask};

/// Adds a task to a plan (coordinator).
#[utoipa::path(
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    request_body = CreateTask,
    responses((status = 201, body = Task, headers(("ETag" = String, description = "Version tag for If-Match"))), WriteErrors)
)]
#[post("/plans/{id}/tasks")]
pub async fn create_task(
    who: Authenticated,
    pool: web::Data<DbPool>,
    plan: web::Path<PlanId>,
    body: JsonBody<CreateTask>,
) -> ApiResult<HttpResponse> {
    let (plan, body) = (plan.into_inner(), body.into_inner());
    let task = act(&pool, who, move |conn, actor| {
        tasks::create(conn, actor, plan, body)
    })
    .await?;
    let mut response = task_response(StatusCode::CREATED, &task);
    response.headers_mut().insert(
        actix_web::http::header::LOCATION,
        actix_web::http::header::HeaderValue::try_from(format!("/api/v1/tasks/{}", task.id))
            .expect("a path of ASCII characters"),
    );
    Ok(response)
}
