use actix_web::{get, web};

use crate::api::common::transaction;
use crate::api::docs::ReadErrors;
use crate::api::users::User;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::error::{ApiError, ApiResult};
use crate::store;

/// Who the bearer token belongs to.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses((status = 200, body = User), ReadErrors))]
#[get("/me")]
pub async fn me(who: Authenticated, pool: web::Data<DbPool>) -> ApiResult<web::Json<User>> {
    let id = who.user_id;
    let row = transaction(&pool, move |conn| {
        store::users::find(conn, id)?
            .filter(|u| u.active)
            .ok_or_else(|| {
                ApiError::Unauthorized("the account no longer exists or is deactivated".into())
            })
    })
    .await?;
    Ok(web::Json(row.into()))
}
