use actix_web::{post, web};
use uuid::Uuid;

use super::{MarkedRead, Notification};
use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::service::notifications;

/// Marks one of the caller's notifications read (another's is 404).
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Notification id")),
    responses((status = 200, body = Notification), WriteErrors)
)]
#[post("/me/notifications/{id}/read")]
pub async fn read_notification(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Notification>> {
    let id = id.into_inner();
    let note = act(&pool, who, move |conn, actor| {
        notifications::read(conn, actor, id)
    })
    .await?;
    Ok(web::Json(note))
}

/// Marks every unread notification of the caller read.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, body = MarkedRead), WriteErrors)
)]
#[post("/me/notifications/read-all")]
pub async fn read_all_notifications(
    who: Authenticated,
    pool: web::Data<DbPool>,
) -> ApiResult<web::Json<MarkedRead>> {
    let marked = act(&pool, who, notifications::read_all).await?;
    Ok(web::Json(MarkedRead { marked }))
}
