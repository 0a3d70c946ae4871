use actix_web::{post, web, HttpResponse};

use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;

use crate::error::ApiResult;
use crate::service::plans::{self, CreatePlan, Plan};

/// Creates a plan (coordinator).
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),

    request_body = CreatePlan,
    responses((status = 201, body = Plan), WriteErrors)
)]
#[post("/plans")]
pub async fn create_plan(
    who: Authenticated,
    pool: web::Data<DbPool>,

    body: JsonBody<CreatePlan>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let done = act(&pool, who, move |conn, actor| {
        plans::create(conn, actor, body)
    })
    .await?;
    Ok(crate::api::created(format!("/api/v1/plans/{}", done.id)).json(done))
}
