use actix_web::{patch, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Agency;
use crate::api::common::transaction;
use crate::api::docs::WriteErrors;
use crate::api::extract::nullable;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::AgencyKind;
use crate::domain::policy::Action;
use crate::domain::text::{Code, Name};
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::agencies::AgencyChangeset;
use crate::store::audit::NewAuditEvent;

/// A JSON merge patch of an agency: absent fields are kept, `parent_id: null` clears the parent.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgency {
    pub code: Option<Code>,
    pub name: Option<Name>,
    pub kind: Option<AgencyKind>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Uuid>)]
    pub parent_id: Option<Option<Uuid>>,
}

/// Changes an agency (coordinator).
#[utoipa::path(
    tag = "agencies",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Agency id")),
    request_body(content = UpdateAgency, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Agency), WriteErrors)
)]
#[patch("/agencies/{id}")]
pub async fn update_agency(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateAgency>,
) -> ApiResult<web::Json<Agency>> {
    who.require(Action::EditPlan)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let code = body.code.clone().map(Code::into_inner);
    let name = body.name.clone().map(Name::into_inner);
    let actor = who.user_id;
    let changes_json = serde_json::to_value(&body).unwrap_or_default();
    let row = transaction(&pool, move |conn| {
        store::agencies::find(conn, id)?.ok_or_else(|| ApiError::not_found("agency"))?;
        if let Some(Some(parent)) = body.parent_id {
            store::agencies::find(conn, parent)?
                .ok_or_else(|| ApiError::unprocessable("parent_id", "no such agency"))?;
            if store::agencies::would_cycle(conn, id, parent)? {
                return Err(ApiError::unprocessable(
                    "parent_id",
                    "would make the agency its own ancestor",
                ));
            }
        }
        let changes = AgencyChangeset {
            code,
            name,
            kind: body.kind.map(|k| k.as_str().to_string()),
            parent_id: body.parent_id,
            updated_at: Some(Utc::now()),
        };
        let row = store::agencies::update(conn, id, &changes)?;
        store::audit::record(
            conn,
            &NewAuditEvent::new(actor, "agency.updated", "agency", id, changes_json)
                .at(row.updated_at),
        )?;
        Ok(row)
    })
    .await?;
    Ok(web::Json(row.into()))
}
