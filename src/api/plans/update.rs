use actix_web::{patch, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Plan;
use crate::api::agencies::nullable;
use crate::api::common::transaction;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::input::Checker;
use crate::domain::policy::Action;
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;
use crate::store::plans::PlanChangeset;

/// A JSON merge patch of a plan. The year is fixed once tasks resolve deadlines against it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePlan {
    pub code: Option<String>,
    pub title: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub programme: Option<Option<String>>,
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
    let mut check = Checker::new();
    let code = body.code.as_deref().map(|c| check.code("code", c, 40));
    let title = body.title.as_deref().map(|t| check.text("title", t, 500));
    let programme = body
        .programme
        .clone()
        .map(|p| check.optional_text("programme", p.as_deref(), 500));
    check.finish()?;
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
            &NewAuditEvent {
                occurred_at: row.updated_at,
                actor_id: Some(actor),
                action: "plan.updated",
                entity_type: "plan",
                entity_id: id,
                task_id: None,
                changes: changes_json,
            },
        )?;
        Ok(row)
    })
    .await?;
    Ok(web::Json(row.into()))
}
