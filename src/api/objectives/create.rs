use actix_web::{post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Objective;
use crate::api::common::transaction;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::policy::Action;
use crate::domain::text::{Code, Title};
use crate::error::{conflict_as, ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateObjective {
    /// e.g. `MT01`.
    pub code: Code,
    pub title: Title,
}

/// Adds an objective to a plan (coordinator).
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    request_body = CreateObjective,
    responses((status = 201, body = Objective), WriteErrors)
)]
#[post("/plans/{id}/objectives")]
pub async fn create_objective(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody<CreateObjective>,
) -> ApiResult<HttpResponse> {
    who.require(Action::EditPlan)?;
    let plan_id = id.into_inner();
    let body = body.into_inner();
    let (code, title) = (body.code.into_inner(), body.title.into_inner());
    let actor = who.user_id;
    let row = transaction(&pool, move |conn| {
        store::plans::find(conn, plan_id)?.ok_or_else(|| ApiError::not_found("plan"))?;
        let row = store::plans::insert_objective(
            conn,
            &store::plans::NewObjective {
                id: Uuid::new_v4(),
                plan_id,
                code: &code,
                title: &title,
            },
        )
        .map_err(conflict_as(format!(
            "the plan already has an objective {code}"
        )))?;
        store::audit::record(
            conn,
            &NewAuditEvent::new(
                actor,
                "objective.created",
                "objective",
                row.id,
                serde_json::json!({"plan_id": plan_id, "code": row.code, "title": row.title}),
            )
            .at(row.created_at),
        )?;
        Ok(row)
    })
    .await?;
    Ok(HttpResponse::Created().json(Objective::from(row)))
}
