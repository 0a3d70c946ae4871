use actix_web::{get, web};

use super::PeriodList;
use crate::api::common::read;
use crate::api::docs::ReadErrors;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::PlanId;
use crate::error::ApiResult;
use crate::service::periods;

/// A plan's reporting periods, by start (a plan has a handful: not paged).
#[utoipa::path(
    tag = "periods",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    responses((status = 200, body = PeriodList), ReadErrors)
)]
#[get("/plans/{id}/periods")]
pub async fn list_periods(
    who: Authenticated,
    pool: web::Data<DbPool>,
    plan: web::Path<PlanId>,
) -> ApiResult<web::Json<PeriodList>> {
    let plan = plan.into_inner();
    let items = read(&pool, who, move |conn, _| periods::list(conn, plan)).await?;
    Ok(web::Json(PeriodList { items }))
}
