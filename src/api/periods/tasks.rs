use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{PeriodTask, PeriodTaskPage};
use crate::api::common::{cursor_of, list_scope, page_request, read};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::api::sheets::{
    day_for_file, export, task_line, wanted, Cell, Export, ExportFormat, Wanted, TASK_COLUMNS,
};
use crate::api::tasks::list::{filters, task_query, TaskListParams};
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::{AgencyRole, ReformArea, TaskSort, TaskStatus};
use crate::domain::ids::{AgencyId, ObjectiveId, PeriodId};
use crate::domain::input::IsoDate;
use crate::error::ApiResult;
use crate::service::periods;
use crate::service::tasks::TaskPosition;

/// The task list's filters, judged on the period's `data_to`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeriodTaskParams {
    pub area: Option<ReformArea>,
    #[param(value_type = Option<Uuid>)]
    pub objective_id: Option<ObjectiveId>,
    /// Tasks this agency leads or supports (see `agency_role`).
    #[param(value_type = Option<Uuid>)]
    pub agency_id: Option<AgencyId>,
    /// With `agency_id`: `lead`, `supporting` or `any` (default).
    pub agency_role: Option<AgencyRole>,
    /// With `agency_id`: the tasks of the agencies it succeeded too (through
    /// reorganisations, directly or through others).
    pub include_predecessors: Option<bool>,
    /// Status when read (for a closed period: when it was closed).
    pub status: Option<TaskStatus>,
    /// `true`: only tasks overdue on `data_to`; `false`: only tasks not overdue.
    pub overdue: Option<bool>,
    /// Only tasks open on `data_to` and due within this many days of it (0-366).
    #[param(minimum = 0, maximum = 366)]
    pub at_risk_days: Option<i32>,
    /// Due on or before this day.
    #[param(value_type = Option<String>, format = Date)]
    pub due_before: Option<IsoDate>,
    /// Due on or after this day.
    #[param(value_type = Option<String>, format = Date)]
    pub due_after: Option<IsoDate>,
    /// Words in the code, title or expected output; case and Vietnamese diacritics are ignored.
    #[param(max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub q: Option<String>,
    /// Order (default `due_on`).
    pub sort: Option<TaskSort>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (with the same filters and sort).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
    /// `csv` or `xlsx`: the whole filtered list as a file (as `Accept: text/csv`
    /// or the XLSX type does); `limit` and `cursor` do not apply.
    pub format: Option<ExportFormat>,
}

/// The period's tasks as they stood on its `data_to`, with the lead agency's
/// latest report by then: computed while the period is open, the frozen copy
/// once it is closed. Filters and paging as `/tasks`.
///
/// As `/tasks`, `Accept: text/csv`, the XLSX type or `?format=csv|xlsx` give the whole
/// filtered list as a file; its last column is the lead agency's latest report by `data_to`.
#[utoipa::path(
    tag = "periods",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Period id"), PeriodTaskParams),
    responses(
        (status = 200, description = "A page of the period's tasks, or all of them as a file",
            headers(("Content-Disposition" = String, description = "For a file: `attachment` with its Vietnamese name (`filename*`) and an ASCII one")),
            content(
                (PeriodTaskPage = "application/json"),
                (String = "text/csv"),
                ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            )
        ),
        ReadErrors
    )
)]
#[get("/periods/{id}/tasks")]
pub async fn list_period_tasks(
    req: HttpRequest,
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<PeriodId>,
    params: QueryParams<PeriodTaskParams>,
) -> ApiResult<HttpResponse> {
    let (id, p) = (id.into_inner(), params.into_inner());
    let (limit, cursor) = (p.limit, p.cursor.clone());
    let as_task_list = TaskListParams {
        plan_id: None,
        area: p.area,
        objective_id: p.objective_id,
        agency_id: p.agency_id,
        agency_role: p.agency_role,
        include_predecessors: p.include_predecessors,
        status: p.status,
        overdue: p.overdue,
        at_risk_days: p.at_risk_days,
        as_of: None,
        due_before: p.due_before,
        due_after: p.due_after,
        q: p.q,
        sort: p.sort,
        limit,
        cursor: None,
        format: None,
    };
    let query = task_query(&as_task_list, who.today())?;
    if let Wanted::File(format) = wanted(&req, p.format) {
        let mut columns = TASK_COLUMNS.to_vec();
        columns.push(("Báo cáo gần nhất của cơ quan chủ trì", 40.0));
        // the file is named after the period: one more read, for files only
        let period = read(&pool, who.clone(), move |conn, _| periods::get(conn, id)).await?;
        let sheet = Export {
            name: format!(
                "Nhiệm vụ kỳ {} đến ngày {}",
                period.label,
                day_for_file(period.data_to)
            ),
            columns,
            line: |t: &PeriodTask, areas| {
                let mut line = task_line(&t.task, areas);
                line.push(Cell::Text(t.progress_summary.clone().unwrap_or_default()));
                line
            },
        };
        let fetch = move |conn: &mut diesel::PgConnection, after: Option<&TaskPosition>, limit| {
            periods::tasks(conn, id, &query, after, limit)
        };
        return export(&req, &pool, who, format, sheet, fetch).await;
    }
    let scope = list_scope(&format!("period-tasks:{id}"), &filters(&as_task_list));
    let request = page_request::<TaskPosition>(limit, cursor.as_deref(), &scope)?;
    let page = read(&pool, who, move |conn, _| {
        periods::tasks(conn, id, &query, request.after.as_ref(), request.limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PeriodTaskPage {
        items: page.items,
        next_cursor: page.next.and_then(|after| cursor_of(&scope, after)),
    }))
}
