use actix_web::{post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::User;
use crate::api::common::transaction;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::password::hash_password;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::Role;
use crate::domain::policy::Action;
use crate::domain::text::{DisplayName, Password, Username};
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub username: Username,
    pub display_name: DisplayName,
    pub password: Password,
    pub role: Role,
    /// Required for `agency_officer`.
    pub agency_id: Option<Uuid>,
}

/// Creates an account (admin).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = CreateUser,
    responses((status = 201, body = User), WriteErrors)
)]
#[post("/users")]
pub async fn create_user(
    who: Authenticated,
    pool: web::Data<DbPool>,
    body: JsonBody<CreateUser>,
) -> ApiResult<HttpResponse> {
    who.require(Action::ManageUsers)?;
    let body = body.into_inner();
    if body.role == Role::AgencyOfficer && body.agency_id.is_none() {
        return Err(ApiError::unprocessable(
            "agency_id",
            "is required for an agency_officer",
        ));
    }
    let (username, display_name) = (body.username.to_string(), body.display_name.to_string());
    let password_hash = web::block(move || hash_password(body.password.as_str()))
        .await?
        .map_err(ApiError::Internal)?;
    let actor = who.user_id;
    let row = transaction(&pool, move |conn| {
        if let Some(agency) = body.agency_id {
            store::agencies::find(conn, agency)?.ok_or_else(|| ApiError::unprocessable("agency_id", "no such agency"))?;
        }
        if store::users::find_by_username(conn, &username)?.is_some() {
            return Err(ApiError::Conflict(format!("the username {username} is taken")));
        }
        let row = store::users::insert(
            conn,
            &store::users::NewUser {
                id: Uuid::new_v4(),
                username: &username,
                display_name: &display_name,
                password_hash: &password_hash,
                role: body.role.as_str(),
                agency_id: body.agency_id,
                active: true,
            },
        )?;
        store::audit::record(
            conn,
            &NewAuditEvent::new(actor, "user.created", "user", row.id, serde_json::json!({"username": row.username, "role": row.role, "agency_id": row.agency_id})).at(row.created_at),
        )?;
        Ok(row)
    })
    .await?;
    Ok(HttpResponse::Created().json(User::from(row)))
}
