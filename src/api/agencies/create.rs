use actix_web::{post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Agency;
use crate::api::common::transaction;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::AgencyKind;
use crate::domain::policy::Action;
use crate::domain::text::{Code, Name};
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgency {
    /// Unique code, e.g. `SNV`; stored upper-case.
    pub code: Code,
    /// e.g. `Sở Nội vụ`.
    pub name: Name,
    pub kind: AgencyKind,
    pub parent_id: Option<Uuid>,
}

/// Adds an agency (coordinator).
#[utoipa::path(
    tag = "agencies",
    security(("bearer" = [])),
    request_body = CreateAgency,
    responses((status = 201, body = Agency), WriteErrors)
)]
#[post("/agencies")]
pub async fn create_agency(
    who: Authenticated,
    pool: web::Data<DbPool>,
    body: JsonBody<CreateAgency>,
) -> ApiResult<HttpResponse> {
    who.require(Action::EditPlan)?;
    let body = body.into_inner();
    let (code, name) = (body.code.into_inner(), body.name.into_inner());
    let actor = who.user_id;
    let row = transaction(&pool, move |conn| {
        if let Some(parent) = body.parent_id {
            store::agencies::find(conn, parent)?
                .ok_or_else(|| ApiError::unprocessable("parent_id", "no such agency"))?;
        }
        if store::agencies::find_by_code(conn, &code)?.is_some() {
            return Err(ApiError::Conflict(format!("an agency with code {code} already exists")));
        }
        let row = store::agencies::insert(
            conn,
            &store::agencies::NewAgency {
                id: Uuid::new_v4(),
                code: &code,
                name: &name,
                kind: body.kind.as_str(),
                parent_id: body.parent_id,
            },
        )?;
        store::audit::record(
            conn,
            &NewAuditEvent::new(actor, "agency.created", "agency", row.id, serde_json::json!({"code": row.code, "name": row.name, "kind": row.kind, "parent_id": row.parent_id})).at(row.created_at),
        )?;
        Ok(row)
    })
    .await?;
    Ok(HttpResponse::Created().json(Agency::from(row)))
}
