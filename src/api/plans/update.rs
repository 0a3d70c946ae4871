use actix_web::{patch, web, HttpResponse};

use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::PlanId;
use crate::error::ApiResult;
use crate::service::plans::{self, Plan, UpdatePlan};

/// Changes a plan (coordinator).
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    request_body(content = UpdatePlan, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Plan), WriteErrors)
)]
#[patch("/plans/{id}")]
pub async fn update_plan(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<PlanId>,
    body: JsonBody<UpdatePlan>,
) -> ApiResult<HttpResponse> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let done = act(&pool, who, move |conn, actor| {
        plans::update(conn, actor, id, body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(done))
}
