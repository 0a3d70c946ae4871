use actix_web::{post, web, HttpResponse};

use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::PlanId;
use crate::error::ApiResult;
use crate::service::indicators::{self, CreateIndicator, Indicator};

/// Adds an indicator to a plan (coordinator): its unit, which way is better,
/// an optional target, and how agencies' figures add up.
#[utoipa::path(
    tag = "indicators",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    request_body = CreateIndicator,
    responses((status = 201, body = Indicator), WriteErrors)
)]
#[post("/plans/{id}/indicators")]
pub async fn create_indicator(
    who: Authenticated,
    pool: web::Data<DbPool>,
    plan: web::Path<PlanId>,
    body: JsonBody<CreateIndicator>,
) -> ApiResult<HttpResponse> {
    let (plan, body) = (plan.into_inner(), body.into_inner());
    let indicator = act(&pool, who, move |conn, actor| {
        indicators::create(conn, actor, plan, body)
    })
    .await?;
    let location = format!("/api/v1/plans/{plan}/indicators");
    Ok(crate::api::created(location).json(indicator))
}
