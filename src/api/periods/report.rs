use actix_web::{get, web};

use crate::api::common::read;
use crate::api::docs::ReadErrors;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::PeriodId;
use crate::error::ApiResult;
use crate::service::period_report::{report, ConsolidatedReport};

/// The period's consolidated report: its summary, the tasks overdue on
/// `data_to`, the agency-report tracker, indicators against their targets,
/// and the agencies' limitations and next steps.
#[utoipa::path(
    tag = "periods",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Period id")),
    responses((status = 200, body = ConsolidatedReport), ReadErrors)
)]
#[get("/periods/{id}/report")]
pub async fn period_report(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<PeriodId>,
) -> ApiResult<web::Json<ConsolidatedReport>> {
    let (id, today) = (id.into_inner(), who.today());
    let consolidated = read(&pool, who, move |conn, _| report(conn, id, today)).await?;
    Ok(web::Json(consolidated))
}
