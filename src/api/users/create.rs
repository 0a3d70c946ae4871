use actix_web::{post, web, HttpResponse};

use super::User;
use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::password::hash_password;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::error::{ApiError, ApiResult};
use crate::service::users::{self, CreateUser};
use crate::service::Actor;

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
    let body = body.into_inner();
    users::check_new(&Actor::new(&who, who.now), &body)?;
    // Hashed before the transaction, so no pooled connection waits on Argon2.
    let password = body.password.to_string();
    let hash = web::block(move || hash_password(&password))
        .await?
        .map_err(ApiError::internal)?;
    let user = act(&pool, who, move |conn, actor| {
        users::create(conn, actor, body, &hash)
    })
    .await?;
    Ok(crate::api::created(format!("/api/v1/users/{}", user.id)).json(user))
}
