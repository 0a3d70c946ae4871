use actix_web::{post, web, HttpResponse};

use super::Inspection;
use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::PlanId;
use crate::error::ApiResult;
use crate::service::inspections::{self, CreateInspection};

/// Plans an inspection of an agency in the plan's inspection programme
/// (inspector or coordinator): it starts `planned`.
#[utoipa::path(
    tag = "inspections",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    request_body = CreateInspection,
    responses((status = 201, body = Inspection), WriteErrors)
)]
#[post("/plans/{id}/inspections")]
pub async fn create_inspection(
    who: Authenticated,
    pool: web::Data<DbPool>,
    plan: web::Path<PlanId>,
    body: JsonBody<CreateInspection>,
) -> ApiResult<HttpResponse> {
    let (plan, body) = (plan.into_inner(), body.into_inner());
    let inspection = act(&pool, who, move |conn, actor| {
        inspections::create(conn, actor, plan, body)
    })
    .await?;
    Ok(crate::api::created(format!("/api/v1/inspections/{}", inspection.id)).json(inspection))
}
