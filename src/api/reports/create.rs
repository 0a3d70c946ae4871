use actix_web::http::header::HeaderName;
use actix_web::{post, web, HttpRequest, HttpResponse};

use super::Report;
use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::TaskId;
use crate::error::ApiResult;
use crate::service::reports::{self, CreateReport, IdempotencyKey, Posted};

/// Posts a progress report on a task (an officer of its lead or a supporting agency).
///
/// A lead agency's report moves a `not_started` task to `in_progress` and sets
/// its progress. With `Idempotency-Key`, a retry with the same body returns the
/// first response (and writes nothing); the same key with another body is 422.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Task id"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = "Makes retries safe: the first response is replayed", min_length = 1, max_length = 200, pattern = "^[!-~]+$")
    ),
    request_body = CreateReport,
    responses((status = 201, body = Report, headers(("Idempotency-Replayed" = String, description = "`true` when this is the stored response to an earlier request with the same Idempotency-Key (nothing was written)"))), WriteErrors)
)]
#[post("/tasks/{id}/reports")]
pub async fn create_report(
    req: HttpRequest,
    who: Authenticated,
    pool: web::Data<DbPool>,
    task: web::Path<TaskId>,
    body: JsonBody<CreateReport>,
) -> ApiResult<HttpResponse> {
    let key = req
        .headers()
        .get(HeaderName::from_static("idempotency-key"))
        .map(|v| IdempotencyKey::parse(v.as_bytes()))
        .transpose()?;
    let (task, body) = (task.into_inner(), body.into_inner());
    let posted = act(&pool, who, move |conn, actor| {
        reports::post(conn, actor, task, body, key)
    })
    .await?;
    let mut response = crate::api::created(format!("/api/v1/tasks/{task}/reports"));
    response.content_type("application/json");
    match posted {
        Posted::Created(body) => Ok(response.body(body)),
        Posted::Replayed(body) => Ok(response
            .insert_header(("Idempotency-Replayed", "true"))
            .body(body)),
    }
}
