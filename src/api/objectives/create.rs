use actix_web::{post, web, HttpResponse};

use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::PlanId;
use crate::error::ApiResult;
use crate::service::objectives::{self, CreateObjective, Objective};

/// Adds an objective to a plan (coordinator).
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    request_body = CreateObjective,
    responses((status = 201, body = Objective), WriteErrors)
)]
#[post("/plans/{id}/objectives")]
pub async fn create_objective(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<PlanId>,
    body: JsonBody<CreateObjective>,
) -> ApiResult<HttpResponse> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let done = act(&pool, who, move |conn, actor| {
        objectives::create(conn, actor, id, body)
    })
    .await?;
    Ok(crate::api::created(format!("/api/v1/objectives/{}", done.id)).json(done))
}
