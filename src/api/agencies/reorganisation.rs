use actix_web::{get, web};

use crate::api::common::read;
use crate::api::docs::ReadErrors;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::ReorganisationId;
use crate::error::ApiResult;
use crate::service::reorganisations::{self, Reorganisation};

/// A recorded reorganisation of agencies, as its POST answered.
#[utoipa::path(
    tag = "agencies",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Reorganisation id")),
    responses((status = 200, body = Reorganisation), ReadErrors)
)]
#[get("/agencies/reorganisations/{id}")]
pub async fn get_reorganisation(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<ReorganisationId>,
) -> ApiResult<web::Json<Reorganisation>> {
    let id = id.into_inner();
    let found = read(&pool, who, move |conn, _| reorganisations::find(conn, id)).await?;
    Ok(web::Json(found))
}
