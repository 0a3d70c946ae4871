use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::QueuedExtensionRequestPage;
use crate::api::common::{cursor_of, list_scope, page_request, read};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::ExtensionStatus;
use crate::domain::ids::{AgencyId, ExtensionId, PlanId};
use crate::error::ApiResult;
use crate::service::queues::{self, QueuePosition, QueueQuery};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExtensionQueueParams {
    /// Only requests in this state (default: every state); `pending` is the decision queue.
    pub status: Option<ExtensionStatus>,
    #[param(value_type = Option<Uuid>)]
    pub plan_id: Option<PlanId>,
    /// Only requests on tasks this agency leads.
    #[param(value_type = Option<Uuid>)]
    pub agency_id: Option<AgencyId>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (with the same filters).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// Deadline extension requests with their tasks, oldest first: with
/// `status=pending`, the coordinator's decision queue. An agency officer sees
/// the requests on tasks its agency leads only.
#[utoipa::path(
    tag = "workflow",
    security(("bearer" = [])),
    params(ExtensionQueueParams),
    responses((status = 200, body = QueuedExtensionRequestPage), ReadErrors)
)]
#[get("/extension-requests")]
pub async fn list_extension_requests(
    who: Authenticated,
    pool: web::Data<DbPool>,
    params: QueryParams<ExtensionQueueParams>,
) -> ApiResult<web::Json<QueuedExtensionRequestPage>> {
    let p = params.into_inner();
    let query = QueueQuery {
        status: p.status,
        plan_id: p.plan_id,
        agency_id: p.agency_id,
    };
    let scope = list_scope("extension-requests", &query);
    let request = page_request::<QueuePosition<ExtensionId>>(p.limit, p.cursor.as_deref(), &scope)?;
    let page = read(&pool, who, move |conn, principal| {
        queues::extension_requests(
            conn,
            principal,
            &query,
            request.after.as_ref(),
            request.limit,
        )
    })
    .await?;
    let next_cursor = page.next.and_then(|after| cursor_of(&scope, after));
    Ok(web::Json(QueuedExtensionRequestPage {
        items: page.items,
        next_cursor,
    }))
}
