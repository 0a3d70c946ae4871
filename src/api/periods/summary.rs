use actix_web::{get, web};

use crate::api::common::read;
use crate::api::docs::ReadErrors;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::PeriodId;
use crate::error::ApiResult;
use crate::service::periods;
use crate::service::standing::PlanSummary;

/// The plan summary on the period's `data_to`: equal to the plan's summary
/// `as_of` that day while the period is open, the frozen copy once closed.
#[utoipa::path(
    tag = "periods",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Period id")),
    responses((status = 200, body = PlanSummary), ReadErrors)
)]
#[get("/periods/{id}/summary")]
pub async fn period_summary(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<PeriodId>,
) -> ApiResult<web::Json<PlanSummary>> {
    let id = id.into_inner();
    let summary = read(&pool, who, move |conn, _| periods::summary(conn, id)).await?;
    Ok(web::Json(summary))
}
