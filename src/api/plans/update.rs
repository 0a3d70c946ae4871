use actix_web::{patch, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Plan;
use crate::api::common::transaction;
use crate::api::docs::WriteErrors;
use crate::api::extract::nullable;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::policy::Action;
use crate::domain::text::{Code, PlanTitle};
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;
use crate::store::plans::PlanChangeset;

/// A JSON merge patch of a plan. The year is fixed once tasks resolve deadlines against it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePlan {
    pub code: Option<Code>,
    pub title: Option<PlanTitle>,
    /// `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<PlanTitle>)]
    pub programme: Option<Option<PlanTitle>>,
}

/// Changes a plan (coordinator).
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    request_body(content = UpdatePlan, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Plan), WriteErrors)
)]
#[patch("/plans/{id}")]
pub async fn update_plan(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody<UpdatePlan>,
) -> ApiResult<web::Json<Plan>> {
    who.require(Action::EditPlan)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let code = body.code.clone().map(Code::into_inner);
    let title = body.title.clone().map(PlanTitle::into_inner);
    let programme = body.programme.clone().map(|p| p.map(PlanTitle::into_inner));
    let actor = who.user_id;
    let changes_json = serde_json::to_value(&body).unwrap_or_default();
    let row = transaction(&pool, move |conn| {
        store::plans::find(conn, id)?.ok_or_else(|| ApiError::not_found("plan"))?;
        let row = store::plans::update(
            conn,
            id,
            &PlanChangeset {
                code,
                title,
                programme,
                updated_at: Some(Utc::now()),
            },
        )?;
        store::audit::record(
            conn,
            &NewAuditEvent::new(actor, "plan.updated", "plan", id, changes_json).at(row.updated_at),
        )?;
        Ok(row)
    })
    .await?;
    Ok(web::Json(row.into()))
}
