use actix_web::{put, web};

use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::{AgencyId, PeriodId};
use crate::error::ApiResult;
use crate::service::agency_reports::{self, AgencyReport, SaveAgencyReport};

/// Saves an agency's report for the period as a draft (an officer of that
/// agency), with the agency's own indicator figures. The whole report is
/// replaced. A submitted or accepted report is not edited (409); a returned
/// one is, and stays `returned` until submitted again.
#[utoipa::path(
    tag = "periods",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Period id"),
        ("agency_id" = Uuid, Path, description = "Agency id")
    ),
    request_body = SaveAgencyReport,
    responses((status = 200, body = AgencyReport), WriteErrors)
)]
#[put("/periods/{id}/agency-reports/{agency_id}")]
pub async fn save_agency_report(
    who: Authenticated,
    pool: web::Data<DbPool>,
    path: web::Path<(PeriodId, AgencyId)>,
    body: JsonBody<SaveAgencyReport>,
) -> ApiResult<web::Json<AgencyReport>> {
    let ((period, agency), body) = (path.into_inner(), body.into_inner());
    let report = act(&pool, who, move |conn, actor| {
        agency_reports::save(conn, actor, period, agency, body)
    })
    .await?;
    Ok(web::Json(report))
}
