use actix_web::{get, web};

use crate::api::common::{page_request, paged, read, PageParams};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::api::tasks::history::{HistoryEvent, HistoryPage};
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::error::DomainError;
use crate::domain::ids::InspectionId;
use crate::error::ApiResult;
use crate::store;

/// The inspection's audit trail, oldest first: its own changes, its findings,
/// their remedies and verifications.
#[utoipa::path(
    tag = "inspections",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Inspection id"), PageParams),
    responses((status = 200, body = HistoryPage), ReadErrors)
)]
#[get("/inspections/{id}/history")]
pub async fn inspection_history(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<InspectionId>,
    params: QueryParams<PageParams>,
) -> ApiResult<web::Json<HistoryPage>> {
    let id = id.into_inner();
    // The position is the last event's id: the trail only grows.
    let scope = "inspection-history";
    let page = page_request::<i64>(params.limit, params.cursor.as_deref(), scope)?;
    let (after_id, limit) = (page.after.unwrap_or(0), page.limit);
    let rows = read(&pool, who, move |conn, _| {
        store::inspections::find_inspection(conn, id)?
            .ok_or(DomainError::not_found("inspection"))?;
        Ok(store::audit::inspection_history(
            conn,
            id,
            after_id,
            limit + 1,
        )?)
    })
    .await?;
    let (items, next_cursor) = paged(rows, limit, scope, |r| r.id, HistoryEvent::from);
    Ok(web::Json(HistoryPage { items, next_cursor }))
}
