use actix_web::{get, web};

use super::Agency;
use crate::api::common::read;
use crate::api::docs::ReadErrors;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::error::DomainError;
use crate::domain::ids::AgencyId;
use crate::error::ApiResult;
use crate::store;

/// One agency.
#[utoipa::path(
    tag = "agencies",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Agency id")),
    responses((status = 200, body = Agency), ReadErrors)
)]
#[get("/agencies/{id}")]
pub async fn get_agency(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<AgencyId>,
) -> ApiResult<web::Json<Agency>> {
    let id = id.into_inner();
    let agency = read(&pool, who, move |conn, _| {
        let row = store::agencies::find(conn, id)?.ok_or(DomainError::not_found("agency"))?;
        Ok(crate::service::agencies::with_successors(conn, vec![row])?.remove(0))
    })
    .await?;
    Ok(web::Json(agency))
}
