use actix_web::{post, web};

use super::ExtensionRequest;
use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::ExtensionId;
use crate::error::ApiResult;
use crate::service::extensions::{self, DecisionRequest};

/// Approves or rejects an extension request (coordinator). Approval moves the
/// task's `due_on` and keeps `original_due_on`; from the decision's day on, the
/// task is measured against the new date.
#[utoipa::path(
    tag = "workflow",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Extension request id")),
    request_body = DecisionRequest,
    responses((status = 200, body = ExtensionRequest), WriteErrors)
)]
#[post("/extension-requests/{id}/decision")]
pub async fn decide_extension(
    who: Authenticated,
    pool: web::Data<DbPool>,
    request: web::Path<ExtensionId>,
    body: JsonBody<DecisionRequest>,
) -> ApiResult<web::Json<ExtensionRequest>> {
    let (request, body) = (request.into_inner(), body.into_inner());
    let decided = act(&pool, who, move |conn, actor| {
        extensions::decide(conn, actor, request, body)
    })
    .await?;
    Ok(web::Json(decided))
}
