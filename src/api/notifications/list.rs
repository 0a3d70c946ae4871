use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::NotificationPage;
use crate::api::common::{act, cursor_of, page_request};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::service::notifications::{self, NotificationPosition};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NotificationParams {
    /// `true`: only those not yet read.
    pub unread: Option<bool>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (with the same `unread`).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// The caller's notifications, newest first: what happened that concerns them
/// (a claim to review, a task due soon or overdue, a decision on their request…).
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(NotificationParams),
    responses((status = 200, body = NotificationPage), ReadErrors)
)]
#[get("/me/notifications")]
pub async fn list_notifications(
    who: Authenticated,
    pool: web::Data<DbPool>,
    params: QueryParams<NotificationParams>,
) -> ApiResult<web::Json<NotificationPage>> {
    let p = params.into_inner();
    let unread = p.unread.unwrap_or(false);
    let scope = format!("notifications:{unread}");
    let request = page_request::<NotificationPosition>(p.limit, p.cursor.as_deref(), &scope)?;
    let page = act(&pool, who, move |conn, actor| {
        notifications::list(conn, actor, unread, request.after, request.limit)
    })
    .await?;
    Ok(web::Json(NotificationPage {
        items: page.items,
        next_cursor: page.next.and_then(|after| cursor_of(&scope, after)),
    }))
}
