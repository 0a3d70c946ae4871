use actix_web::{get, post, web, HttpResponse};
use uuid::Uuid;

use super::DeliveryPage;
use crate::api::common::{act, cursor_of, page_request, PageParams};
use crate::api::docs::WriteErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::service::webhooks::{self, Delivery, DeliveryPosition};

/// A subscription's deliveries, newest first: status, attempts, the last
/// answer's code and first kilobyte, the next attempt.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id"), PageParams),
    responses((status = 200, body = DeliveryPage), WriteErrors)
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    params: QueryParams<PageParams>,
) -> ApiResult<web::Json<DeliveryPage>> {
    let id = id.into_inner();
    let scope = format!("deliveries:{id}");
    let request = page_request::<DeliveryPosition>(params.limit, params.cursor.as_deref(), &scope)?;
    let page = act(&pool, who, move |conn, actor| {
        webhooks::deliveries(conn, actor, id, request.after, request.limit)
    })
    .await?;
    Ok(web::Json(DeliveryPage {
        items: page.items,
        next_cursor: page.next.and_then(|after| cursor_of(&scope, after)),
    }))
}

/// Sends a delivery again, now (admin or coordinator).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Webhook id"),
        ("delivery_id" = Uuid, Path, description = "Delivery id")
    ),
    responses((status = 202, body = Delivery), WriteErrors)
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    who: Authenticated,
    pool: web::Data<DbPool>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, delivery) = path.into_inner();
    let queued = act(&pool, who, move |conn, actor| {
        webhooks::redeliver(conn, actor, id, delivery)
    })
    .await?;
    Ok(HttpResponse::Accepted().json(queued))
}
