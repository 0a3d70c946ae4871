use actix_web::{get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{query_date, transaction};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::api::plans::summary::Standing;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::{AgencyRole, TaskSort};
use crate::domain::error::DomainError;
use crate::domain::ids::{AgencyId, PlanId};
use crate::domain::overdue::province_today;
use crate::error::ApiResult;
use crate::store;
use crate::store::tasks::TaskFilter;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ScorecardParams {
    /// Only this plan's tasks (default: every plan).
    #[param(value_type = Option<Uuid>)]
    pub plan_id: Option<PlanId>,
    /// The day to judge on (default: today in Asia/Ho_Chi_Minh).
    pub as_of: Option<NaiveDate>,
}

/// How an agency stands on the tasks it leads.
#[derive(Debug, Serialize, ToSchema)]
pub struct Scorecard {
    pub agency_id: AgencyId,
    pub plan_id: Option<PlanId>,
    pub as_of: NaiveDate,
    /// Tasks it leads.
    pub led: i64,
    pub completed_on_time: i64,
    pub completed_late: i64,
    pub overdue: i64,
    /// Led tasks not completed or cancelled (overdue ones included).
    pub open: i64,
    /// Tasks it supports.
    pub supporting: i64,
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
    _who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<AgencyId>,
    params: QueryParams<ScorecardParams>,
) -> ApiResult<web::Json<Scorecard>> {
    let agency_id = id.into_inner();
    let as_of = query_date("as_of", params.as_of)?.unwrap_or_else(province_today);
    let plan_id = params.plan_id;
    let (led, supporting) = transaction(&pool, move |conn| {
        store::agencies::find(conn, agency_id)?.ok_or(DomainError::not_found("agency"))?;
        if let Some(plan) = plan_id {
            store::plans::find(conn, plan)?
                .ok_or_else(|| DomainError::rule("plan_id", "no such plan"))?;
        }
        let mut filter = TaskFilter::as_of(as_of);
        filter.plan_id = plan_id;
        filter.agency = Some((agency_id, AgencyRole::Lead));
        let led = store::tasks::list_view(conn, &filter, TaskSort::Code, None, None)?;
        filter.agency = Some((agency_id, AgencyRole::Supporting));
        let supporting =
            store::tasks::list_view(conn, &filter, TaskSort::Code, None, None)?.len() as i64;
        Ok((led, supporting))
    })
    .await?;
    let mut standing = Standing::default();
    for row in &led {
        standing.add(row, as_of);
    }
    Ok(web::Json(Scorecard {
        agency_id,
        plan_id,
        as_of,
        led: standing.total,
        completed_on_time: standing.completed_on_time,
        completed_late: standing.completed_late,
        overdue: standing.overdue,
        open: standing.open,
        supporting,
    }))
}
