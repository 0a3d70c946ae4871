use actix_web::{get, web};
use uuid::Uuid;

use super::{to_reports, ReportPage};
use crate::api::common::{next_cursor, page_request, split_page, transaction, PageParams};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::error::{ApiError, ApiResult};
use crate::store;

/// A task's progress reports, oldest first.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id"), PageParams),
    responses((status = 200, body = ReportPage), ReadErrors)
)]
#[get("/tasks/{id}/reports")]
pub async fn list_reports(
    _who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    params: QueryParams<PageParams>,
) -> ApiResult<web::Json<ReportPage>> {
    let task_id = id.into_inner();
    let page = page_request(params.limit, params.cursor.as_deref(), "reports")?;
    if let Some(a) = &page.after {
        if chrono::DateTime::parse_from_rfc3339(&a.key).is_err() {
            return Err(ApiError::field(
                "cursor",
                "is not a cursor returned by this list",
            ));
        }
    }
    let limit = page.limit;
    let (rows, evidence) = transaction(&pool, move |conn| {
        store::tasks::find(conn, task_id)?.ok_or_else(|| ApiError::not_found("task"))?;
        let rows = store::reports::list_reports(conn, task_id, page.after.as_ref(), limit + 1)?;
        let (rows, more) = split_page(rows, limit);
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let evidence = store::reports::evidence_of_reports(conn, &ids)?;
        Ok(((rows, more), evidence))
    })
    .await?;
    let (rows, more) = rows;
    let cursor = if more {
        next_cursor(&rows, limit, "reports", |r| {
            (
                r.created_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                r.id,
            )
        })
    } else {
        None
    };
    Ok(web::Json(ReportPage {
        items: to_reports(rows, evidence),
        next_cursor: cursor,
    }))
}
