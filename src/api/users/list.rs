use actix_web::{get, web};

use super::{User, UserPage};
use crate::api::common::{page_request, paged, read, PageParams};
use crate::api::docs::WriteErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::policy::Action;
use crate::error::ApiResult;
use crate::store;
use crate::store::After;

/// User accounts, by username (admin).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = UserPage), WriteErrors)
)]
#[get("/users")]
pub async fn list_users(
    who: Authenticated,
    pool: web::Data<DbPool>,
    params: QueryParams<PageParams>,
) -> ApiResult<web::Json<UserPage>> {
    who.require(Action::ManageUsers)?;
    let page = page_request(params.limit, params.cursor.as_deref(), "users")?;
    let limit = page.limit;
    let rows = read(&pool, who, move |conn, _| {
        Ok(store::users::list(conn, page.after.as_ref(), limit + 1)?)
    })
    .await?;
    let (items, next_cursor) = paged(
        rows,
        limit,
        "users",
        |r| After {
            key: r.username.clone(),
            id: r.id,
        },
        User::from,
    );
    Ok(web::Json(UserPage { items, next_cursor }))
}
