use actix_web::{patch, web, HttpResponse};

use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::ObjectiveId;
use crate::error::ApiResult;
use crate::service::objectives::{self, Objective, UpdateObjective};

/// Changes an objective (coordinator).
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Objective id")),
    request_body(content = UpdateObjective, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Objective), WriteErrors)
)]
#[patch("/objectives/{id}")]
pub async fn update_objective(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<ObjectiveId>,
    body: JsonBody<UpdateObjective>,
) -> ApiResult<HttpResponse> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let done = act(&pool, who, move |conn, actor| {
        objectives::update(conn, actor, id, body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(done))
}
