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
use crate::domain::input::Checker;
use crate::domain::policy::Action;
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Lower-case letters, digits, `.`, `_`, `-`; 2-64 characters.
    pub username: String,
    pub display_name: String,
    /// At least 10 characters.
    #[schema(format = Password)]
    pub password: String,
    pub role: Role,
    /// Required for `agency_officer`.
    pub agency_id: Option<Uuid>,
}

/// Parses a username; the same rule as the database's CHECK.
pub fn check_username(check: &mut Checker, value: &str) -> String {
    let v = value.trim().to_lowercase();
    let ok = (2..=64).contains(&v.len())
        && v.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if !ok {
        check.add(
            "username",
            "must be 2-64 lower-case letters, digits, '.', '_' or '-'",
        );
    }
    v
}

pub fn check_password(check: &mut Checker, value: &str) {
    if value.chars().count() < 10 || value.len() > 1024 {
        check.add("password", "must be 10 to 1024 characters");
    }
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
    let mut check = Checker::new();
    let username = check_username(&mut check, &body.username);
    let display_name = check.text("display_name", &body.display_name, 200);
    check_password(&mut check, &body.password);
    if body.role == Role::AgencyOfficer && body.agency_id.is_none() {
        check.add("agency_id", "is required for an agency_officer");
    }
    check.finish()?;
    let password_hash = web::block(move || hash_password(&body.password))
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
            &NewAuditEvent {
                occurred_at: row.created_at,
                actor_id: Some(actor),
                action: "user.created",
                entity_type: "user",
                entity_id: row.id,
                task_id: None,
                changes: serde_json::json!({"username": row.username, "role": row.role, "agency_id": row.agency_id}),
            },
        )?;
        Ok(row)
    })
    .await?;
    Ok(HttpResponse::Created().json(User::from(row)))
}
