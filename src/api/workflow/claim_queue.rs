use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::QueuedClaimPage;
use crate::api::common::{cursor_of, list_scope, page_request, read};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::ClaimStatus;
use crate::domain::ids::{AgencyId, ClaimId, PlanId};
use crate::error::ApiResult;
use crate::service::queues::{self, QueuePosition, QueueQuery};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ClaimQueueParams {
    /// Only claims in this state (default: every state); `pending` is the review queue.
    pub status: Option<ClaimStatus>,
    #[param(value_type = Option<Uuid>)]
    pub plan_id: Option<PlanId>,
    /// Only claims of this agency.
    #[param(value_type = Option<Uuid>)]
    pub agency_id: Option<AgencyId>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (with the same filters).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// Completion claims with their tasks, oldest first: with `status=pending`,
/// the coordinator's review queue. An agency officer sees its own agency's
/// claims only.
#[utoipa::path(
    tag = "workflow",
    security(("bearer" = [])),
    params(ClaimQueueParams),
    responses((status = 200, body = QueuedClaimPage), ReadErrors)
)]
#[get("/completion-claims")]
pub async fn list_completion_claims(
    who: Authenticated,
    pool: web::Data<DbPool>,
    params: QueryParams<ClaimQueueParams>,
) -> ApiResult<web::Json<QueuedClaimPage>> {
    let p = params.into_inner();
    let query = QueueQuery {
        status: p.status,
        plan_id: p.plan_id,
        agency_id: p.agency_id,
    };
    let scope = list_scope("completion-claims", &query);
    let request = page_request::<QueuePosition<ClaimId>>(p.limit, p.cursor.as_deref(), &scope)?;
    let page = read(&pool, who, move |conn, principal| {
        queues::claims(
            conn,
            principal,
            &query,
            request.after.as_ref(),
            request.limit,
        )
    })
    .await?;
    let next_cursor = page.next.and_then(|after| cursor_of(&scope, after));
    Ok(web::Json(QueuedClaimPage {
        items: page.items,
        next_cursor,
    }))
}
