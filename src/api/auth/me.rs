use actix_web::{get, web};

use crate::api::common::read;
use crate::api::docs::ReadErrors;
use crate::api::users::User;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::service::users;

/// Who the bearer token belongs to.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses((status = 200, body = User), ReadErrors))]
#[get("/me")]
pub async fn me(who: Authenticated, pool: web::Data<DbPool>) -> ApiResult<web::Json<User>> {
    let id = who.user_id;
    let user = read(&pool, who, move |conn, _| users::me(conn, id)).await?;
    Ok(web::Json(user))
}
