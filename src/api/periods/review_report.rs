use actix_web::{post, web};

use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::{AgencyId, PeriodId};
use crate::error::ApiResult;
use crate::service::agency_reports::{self, AgencyReport, ReviewAgencyReport};

/// Accepts or returns a submitted agency report (coordinator); returning needs a comment.
#[utoipa::path(
    tag = "periods",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Period id"),
        ("agency_id" = Uuid, Path, description = "Agency id")
    ),
    request_body = ReviewAgencyReport,
    responses((status = 200, body = AgencyReport), WriteErrors)
)]
#[post("/periods/{id}/agency-reports/{agency_id}/review")]
pub async fn review_agency_report(
    who: Authenticated,
    pool: web::Data<DbPool>,
    path: web::Path<(PeriodId, AgencyId)>,
    body: JsonBody<ReviewAgencyReport>,
) -> ApiResult<web::Json<AgencyReport>> {
    let ((period, agency), body) = (path.into_inner(), body.into_inner());
    let report = act(&pool, who, move |conn, actor| {
        agency_reports::review(conn, actor, period, agency, body)
    })
    .await?;
    Ok(web::Json(report))
}
