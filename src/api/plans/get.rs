use actix_web::{get, web};

use super::Plan;
use crate::api::common::read;
use crate::api::docs::ReadErrors;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::error::DomainError;
use crate::domain::ids::PlanId;
use crate::error::ApiResult;
use crate::store;

/// One plan.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    responses((status = 200, body = Plan), ReadErrors)
)]
#[get("/plans/{id}")]
pub async fn get_plan(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<PlanId>,
) -> ApiResult<web::Json<Plan>> {
    let id = id.into_inner();
    let row = read(&pool, who, move |conn, _| {
        store::plans::find(conn, id)?.ok_or(DomainError::not_found("plan"))
    })
    .await?;
    Ok(web::Json(row.into()))
}
