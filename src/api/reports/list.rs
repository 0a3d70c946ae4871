use actix_web::{get, web};

use super::ReportPage;
use crate::api::common::{cursor_of, page_request, read, PageParams};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::TaskId;
use crate::error::ApiResult;
use crate::service::reports::{self, ReportPosition};

/// A task's progress reports, oldest first.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id"), PageParams),
    responses((status = 200, body = ReportPage), ReadErrors)
)]
#[get("/tasks/{id}/reports")]
pub async fn list_reports(
    who: Authenticated,
    pool: web::Data<DbPool>,
    task: web::Path<TaskId>,
    params: QueryParams<PageParams>,
) -> ApiResult<web::Json<ReportPage>> {
    let task = task.into_inner();
    let request =
        page_request::<ReportPosition>(params.limit, params.cursor.as_deref(), "reports")?;
    let page = read(&pool, who, move |conn, _| {
        reports::list(conn, task, request.after.as_ref(), request.limit)
    })
    .await?;
    let next_cursor = page.next.and_then(|after| cursor_of("reports", after));
    Ok(web::Json(ReportPage {
        items: page.items,
        next_cursor,
    }))
}
