use actix_web::{patch, web};

use super::User;
use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::password::hash_password;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::UserId;
use crate::domain::policy::Action;
use crate::error::{ApiError, ApiResult};
use crate::service::users::{self, UpdateUser};

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
    id: web::Path<UserId>,
    body: JsonBody<UpdateUser>,
) -> ApiResult<web::Json<User>> {
    who.require(Action::ManageUsers)?;
    let (id, body) = (id.into_inner(), body.into_inner());
    // Hashed before the transaction, so no pooled connection waits on Argon2.
    let hash = match body.password.as_ref().map(|p| p.to_string()) {
        Some(password) => Some(
            web::block(move || hash_password(&password))
                .await?
                .map_err(ApiError::internal)?,
        ),
        None => None,
    };
    let user = act(&pool, who, move |conn, actor| {
        users::update(conn, actor, id, body, hash)
    })
    .await?;
    Ok(web::Json(user))
}
