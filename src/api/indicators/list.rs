use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::IndicatorList;
use crate::api::common::read;
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::{PeriodId, PlanId};
use crate::error::ApiResult;
use crate::service::indicators;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IndicatorParams {
    /// A period of the plan: each indicator then carries its actual and whether it meets its target.
    #[param(value_type = Option<Uuid>)]
    pub period_id: Option<PeriodId>,
}

/// A plan's indicators with their targets; for a period, with the actual
/// (the province's recorded figure, else the agencies' added up) and `met`.
#[utoipa::path(
    tag = "indicators",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id"), IndicatorParams),
    responses((status = 200, body = IndicatorList), ReadErrors)
)]
#[get("/plans/{id}/indicators")]
pub async fn list_indicators(
    who: Authenticated,
    pool: web::Data<DbPool>,
    plan: web::Path<PlanId>,
    params: QueryParams<IndicatorParams>,
) -> ApiResult<web::Json<IndicatorList>> {
    let (plan, period) = (plan.into_inner(), params.into_inner().period_id);
    let items = read(&pool, who, move |conn, _| {
        indicators::list(conn, plan, period)
    })
    .await?;
    Ok(web::Json(IndicatorList { items }))
}
