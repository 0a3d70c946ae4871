use actix_web::{patch, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::User;
use crate::api::common::transaction;
use crate::api::docs::WriteErrors;
use crate::api::extract::nullable;
use crate::api::extract::JsonBody;
use crate::auth::password::hash_password;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::Role;
use crate::domain::policy::Action;
use crate::domain::text::{DisplayName, Password};
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;
use crate::store::users::UserChangeset;

/// A JSON merge patch of an account. `active: false` locks it out and revokes its refresh tokens.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub display_name: Option<DisplayName>,
    pub password: Option<Password>,
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub agency_id: Option<Option<Uuid>>,
    pub active: Option<bool>,
}

/// Changes an account (admin).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    request_body(content = UpdateUser, content_type = "application/merge-patch+json"),
    responses((status = 200, body = User), WriteErrors)
)]
#[patch("/users/{id}")]
pub async fn update_user(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateUser>,
) -> ApiResult<web::Json<User>> {
    who.require(Action::ManageUsers)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let display_name = body.display_name.as_ref().map(DisplayName::to_string);
    let password_hash = match body.password.clone() {
        Some(p) => Some(
            web::block(move || hash_password(p.as_str()))
                .await?
                .map_err(ApiError::Internal)?,
        ),
        None => None,
    };
    let actor = who.user_id;
    let row = transaction(&pool, move |conn| {
        let current = store::users::find(conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
        if let Some(Some(agency)) = body.agency_id {
            store::agencies::find(conn, agency)?
                .ok_or_else(|| ApiError::unprocessable("agency_id", "no such agency"))?;
        }
        // An administrator cannot lock themselves out (and with that, perhaps everyone).
        if id == actor
            && (body.active == Some(false) || body.role.is_some_and(|r| r != Role::Admin))
        {
            return Err(ApiError::Conflict(
                "you cannot deactivate your own account or give up your own admin role".into(),
            ));
        }
        let role = body
            .role
            .map(|r| r.as_str().to_string())
            .unwrap_or(current.role.clone());
        let agency = body.agency_id.unwrap_or(current.agency_id);
        if role == Role::AgencyOfficer.as_str() && agency.is_none() {
            return Err(ApiError::unprocessable(
                "agency_id",
                "an agency_officer needs an agency",
            ));
        }
        let now = Utc::now();
        let changes = UserChangeset {
            display_name,
            password_hash: password_hash.clone(),
            role: body.role.map(|r| r.as_str().to_string()),
            agency_id: body.agency_id,
            active: body.active,
            updated_at: Some(now),
        };
        let row = store::users::update(conn, id, &changes)?;
        if body.active == Some(false) || password_hash.is_some() {
            store::auth::revoke_user_tokens(conn, id, now)?;
        }
        store::audit::record(
            conn,
            &NewAuditEvent::new(
                actor,
                "user.updated",
                "user",
                id,
                serde_json::json!({
                    "display_name": changes.display_name, "role": changes.role,
                    "agency_id": body.agency_id, "active": body.active,
                    "password_changed": password_hash.is_some(),
                }),
            )
            .at(now),
        )?;
        Ok(row)
    })
    .await?;
    Ok(web::Json(row.into()))
}
