use actix_web::{post, web, HttpResponse};

use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::PlanId;
use crate::error::ApiResult;
use crate::service::periods::{self, CreatePeriod, Period};

/// Opens a reporting period of a plan (coordinator). Without `data_from` and
/// `data_to`, the window is Nghị định 09/2019's: from the 15th of the month
/// before the period to the 14th of its last month (the year: 15/12 to 14/12).
#[utoipa::path(
    tag = "periods",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    request_body = CreatePeriod,
    responses((status = 201, body = Period), WriteErrors)
)]
#[post("/plans/{id}/periods")]
pub async fn create_period(
    who: Authenticated,
    pool: web::Data<DbPool>,
    plan: web::Path<PlanId>,
    body: JsonBody<CreatePeriod>,
) -> ApiResult<HttpResponse> {
    let (plan, body) = (plan.into_inner(), body.into_inner());
    let period = act(&pool, who, move |conn, actor| {
        periods::create(conn, actor, plan, body)
    })
    .await?;
    Ok(crate::api::created(format!("/api/v1/periods/{}", period.id)).json(period))
}
