use actix_web::{get, web};

use crate::api::common::read;
use crate::api::docs::ReadErrors;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::PeriodId;
use crate::error::ApiResult;
use crate::service::agency_reports::{self, AgencyReportTracker};

/// Every agency that leads or supports a task of the plan, with its report
/// for the period: `missing`, `draft`, `submitted`, `accepted` or `returned`,
/// and whether it came on time.
#[utoipa::path(
    tag = "periods",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Period id")),
    responses((status = 200, body = AgencyReportTracker), ReadErrors)
)]
#[get("/periods/{id}/agency-reports")]
pub async fn list_agency_reports(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<PeriodId>,
) -> ApiResult<web::Json<AgencyReportTracker>> {
    let (id, today) = (id.into_inner(), who.today());
    let tracker = read(&pool, who, move |conn, _| {
        agency_reports::tracker(conn, id, today)
    })
    .await?;
    Ok(web::Json(tracker))
}
