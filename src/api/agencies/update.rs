use actix_web::{patch, web, HttpResponse};

use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::AgencyId;
use crate::error::ApiResult;
use crate::service::agencies::{self, Agency, UpdateAgency};

/// Changes an agency (coordinator).
#[utoipa::path(
    tag = "agencies",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Agency id")),
    request_body(content = UpdateAgency, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Agency), WriteErrors)
)]
#[patch("/agencies/{id}")]
pub async fn update_agency(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<AgencyId>,
    body: JsonBody<UpdateAgency>,
) -> ApiResult<HttpResponse> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let done = act(&pool, who, move |conn, actor| {
        agencies::update(conn, actor, id, body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(done))
}
