use actix_web::{get, web};
use chrono::NaiveDate;

use crate::api::common::{query_date, read};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::api::plans::summary::SummaryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::PlanId;
use crate::error::ApiResult;
use crate::service::inspections::{self, InspectionSummary};

/// The plan's inspection programme on a day: inspections planned, carried
/// out, concluded; agencies inspected; findings by severity and by status on
/// that day, and how many were overdue.
#[utoipa::path(
    tag = "inspections",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id"), SummaryParams),
    responses((status = 200, body = InspectionSummary), ReadErrors)
)]
#[get("/plans/{id}/inspections/summary")]
pub async fn inspection_summary(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<PlanId>,
    params: QueryParams<SummaryParams>,
) -> ApiResult<web::Json<InspectionSummary>> {
    let plan_id = id.into_inner();
    let as_of = query_date("as_of", params.as_of.map(NaiveDate::from))?.unwrap_or(who.today());
    let summary = read(&pool, who, move |conn, _| {
        inspections::summary(conn, plan_id, as_of)
    })
    .await?;
    Ok(web::Json(summary))
}
