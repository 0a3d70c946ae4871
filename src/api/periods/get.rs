use actix_web::{get, web};

use super::Period;
use crate::api::common::read;
use crate::api::docs::ReadErrors;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::PeriodId;
use crate::error::ApiResult;
use crate::service::periods;

/// One reporting period.
#[utoipa::path(
    tag = "periods",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Period id")),
    responses((status = 200, body = Period), ReadErrors)
)]
#[get("/periods/{id}")]
pub async fn get_period(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<PeriodId>,
) -> ApiResult<web::Json<Period>> {
    let id = id.into_inner();
    let period = read(&pool, who, move |conn, _| periods::get(conn, id)).await?;
    Ok(web::Json(period))
}
