use actix_web::{get, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::common::{query_date, read};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::{AgencyId, PlanId};
use crate::domain::input::IsoDate;
use crate::error::ApiResult;
use crate::service::standing::{self, Scorecard};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ScorecardParams {
    /// Only this plan's tasks (default: every plan).
    #[param(value_type = Option<Uuid>)]
    pub plan_id: Option<PlanId>,
    /// The day to judge on (default: today in Asia/Ho_Chi_Minh).
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<IsoDate>,
}

/// An agency's scorecard: led tasks completed on time, late, overdue and open.
#[utoipa::path(
    tag = "agencies",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Agency id"), ScorecardParams),
    responses((status = 200, body = Scorecard), ReadErrors)
)]
#[get("/agencies/{id}/scorecard")]
pub async fn agency_scorecard(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<AgencyId>,
    params: QueryParams<ScorecardParams>,
) -> ApiResult<web::Json<Scorecard>> {
    let agency_id = id.into_inner();
    let as_of = query_date("as_of", params.as_of.map(NaiveDate::from))?.unwrap_or(who.today());
    let plan_id = params.plan_id;
    let card = read(&pool, who, move |conn, _| {
        standing::scorecard(conn, agency_id, plan_id, as_of)
    })
    .await?;
    Ok(web::Json(card))
}
