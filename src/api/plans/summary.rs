use actix_web::{get, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::common::{query_date, read};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::PlanId;
use crate::domain::input::IsoDate;
use crate::error::ApiResult;
use crate::service::standing;

pub use crate::service::standing::PlanSummary;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SummaryParams {
    /// The day to summarise (default: today in Asia/Ho_Chi_Minh).
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<IsoDate>,
}

/// Where a plan stands on a day: totals by status, on time, late, overdue, by area and by lead agency.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id"), SummaryParams),
    responses((status = 200, body = PlanSummary), ReadErrors)
)]
#[get("/plans/{id}/summary")]
pub async fn plan_summary(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<PlanId>,
    params: QueryParams<SummaryParams>,
) -> ApiResult<web::Json<PlanSummary>> {
    let plan_id = id.into_inner();
    let as_of = query_date("as_of", params.as_of.map(NaiveDate::from))?.unwrap_or(who.today());
    let summary = read(&pool, who, move |conn, _| {
        standing::plan_summary(conn, plan_id, as_of)
    })
    .await?;
    Ok(web::Json(summary))
}
