use actix_web::{put, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::{JsonBody, QueryParams};
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::{AgencyId, IndicatorId, PeriodId};
use crate::error::ApiResult;
use crate::service::indicators::{self, FigureIn, Observation};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FigureParams {
    /// Whose figure: one agency's; without it, the province's.
    #[param(value_type = Option<Uuid>)]
    pub agency_id: Option<AgencyId>,
}

/// Records an indicator's figure for a period, replacing the one before
/// (coordinator; or an officer of the agency the figure belongs to, and for
/// the province's figure of the indicator's responsible agency). A value, or
/// for a percent a numerator and a denominator.
#[utoipa::path(
    tag = "indicators",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Indicator id"),
        ("period_id" = Uuid, Path, description = "Period id"),
        FigureParams
    ),
    request_body = FigureIn,
    responses((status = 200, body = Observation), WriteErrors)
)]
#[put("/indicators/{id}/observations/{period_id}")]
pub async fn record_figure(
    who: Authenticated,
    pool: web::Data<DbPool>,
    path: web::Path<(IndicatorId, PeriodId)>,
    params: QueryParams<FigureParams>,
    body: JsonBody<FigureIn>,
) -> ApiResult<web::Json<Observation>> {
    let ((indicator, period), body) = (path.into_inner(), body.into_inner());
    let agency = params.into_inner().agency_id;
    let figure = act(&pool, who, move |conn, actor| {
        indicators::record(conn, actor, indicator, period, agency, body)
    })
    .await?;
    Ok(web::Json(figure))
}
