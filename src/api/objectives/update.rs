use actix_web::{patch, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
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
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;
use crate::store::plans::ObjectiveChangeset;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateObjective {
    pub code: Option<Code>,
    pub title: Option<Title>,
}

/// Changes an objective (coordinator).
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Objective id")),
    request_body(content = UpdateObjective, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Objective), WriteErrors)
)]
#[patch("/objectives/{id}")]
pub async fn update_objective(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateObjective>,
) -> ApiResult<web::Json<Objective>> {
    who.require(Action::EditPlan)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let code = body.code.clone().map(Code::into_inner);
    let title = body.title.clone().map(Title::into_inner);
    let actor = who.user_id;
    let changes_json = serde_json::to_value(&body).unwrap_or_default();
    let row = transaction(&pool, move |conn| {
        store::plans::find_objective(conn, id)?.ok_or_else(|| ApiError::not_found("objective"))?;
        let row = store::plans::update_objective(
            conn,
            id,
            &ObjectiveChangeset {
                code,
                title,
                updated_at: Some(Utc::now()),
            },
        )?;
        store::audit::record(
            conn,
            &NewAuditEvent::new(actor, "objective.updated", "objective", id, changes_json)
                .at(row.updated_at),
        )?;
        Ok(row)
    })
    .await?;
    Ok(web::Json(row.into()))
}
