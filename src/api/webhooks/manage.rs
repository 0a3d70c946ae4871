use actix_web::{delete, get, patch, web, HttpResponse};
use uuid::Uuid;

use super::{Webhook, WebhookList};
use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::service::webhooks::{self, TargetPolicy, UpdateWebhook};

/// Every subscription (admin or coordinator).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    responses((status = 200, body = WebhookList), WriteErrors)
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    who: Authenticated,
    pool: web::Data<DbPool>,
) -> ApiResult<web::Json<WebhookList>> {
    let items = act(&pool, who, webhooks::list).await?;
    Ok(web::Json(WebhookList { items }))
}

/// One subscription (admin or coordinator); its secret is not shown again.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses((status = 200, body = Webhook), WriteErrors)
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Webhook>> {
    let id = id.into_inner();
    let webhook = act(&pool, who, move |conn, actor| {
        webhooks::get(conn, actor, id)
    })
    .await?;
    Ok(web::Json(webhook))
}

/// Changes a subscription: its URL, events or description; `active: false`
/// pauses it (deliveries wait), `true` resumes it.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    request_body = UpdateWebhook,
    responses((status = 200, body = Webhook), WriteErrors)
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    who: Authenticated,
    pool: web::Data<DbPool>,
    targets: web::Data<TargetPolicy>,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateWebhook>,
) -> ApiResult<web::Json<Webhook>> {
    let (targets, id, body) = (**targets, id.into_inner(), body.into_inner());
    let webhook = act(&pool, who, move |conn, actor| {
        webhooks::update(conn, actor, targets, id, body)
    })
    .await?;
    Ok(web::Json(webhook))
}

/// Ends a subscription: nothing more is sent to it.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses((status = 204, description = "Deleted"), WriteErrors)
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    act(&pool, who, move |conn, actor| {
        webhooks::delete(conn, actor, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
