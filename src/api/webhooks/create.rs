use actix_web::{post, web, HttpResponse};

use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::service::webhooks::{self, CreateWebhook, CreatedWebhook, TargetPolicy};

/// Subscribes a URL to events (admin or coordinator). The answer carries the
/// signing secret, once. Deliveries are POSTs signed as Standard Webhooks
/// says (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64
/// HMAC-SHA256 of id.timestamp.body>`), retried with backoff for 24 hours.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = CreateWebhook,
    responses((status = 201, body = CreatedWebhook), WriteErrors)
)]
#[post("/webhooks")]
pub async fn create_webhook(
    who: Authenticated,
    pool: web::Data<DbPool>,
    targets: web::Data<TargetPolicy>,
    body: JsonBody<CreateWebhook>,
) -> ApiResult<HttpResponse> {
    let (targets, body) = (**targets, body.into_inner());
    let created = act(&pool, who, move |conn, actor| {
        webhooks::create(conn, actor, targets, body)
    })
    .await?;
    let location = format!("/api/v1/webhooks/{}", created.webhook.id);
    Ok(crate::api::created(location).json(created))
}
