use actix_web::{post, web};

use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::{AgencyId, PeriodId};
use crate::error::ApiResult;
use crate::service::agency_reports::{self, AgencyReport};

/// Submits the agency's saved report to the coordinator (an officer of that
/// agency). It needs a document number, an issue date and results; once the
/// period is closed, 409.
#[utoipa::path(
    tag = "periods",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Period id"),
        ("agency_id" = Uuid, Path, description = "Agency id")
    ),
    responses((status = 200, body = AgencyReport), WriteErrors)
)]
#[post("/periods/{id}/agency-reports/{agency_id}/submit")]
pub async fn submit_agency_report(
    who: Authenticated,
    pool: web::Data<DbPool>,
    path: web::Path<(PeriodId, AgencyId)>,
) -> ApiResult<web::Json<AgencyReport>> {
    let (period, agency) = path.into_inner();
    let report = act(&pool, who, move |conn, actor| {
        agency_reports::submit(conn, actor, period, agency)
    })
    .await?;
    Ok(web::Json(report))
}
