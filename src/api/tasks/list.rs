use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use super::TaskPage;
use crate::api::common::{cursor_of, list_scope, page_request, query_date, read};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::api::sheets::{
    day_for_file, export, task_line, wanted, Export, ExportFormat, Wanted, TASK_COLUMNS,
};
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::{AgencyRole, ReformArea, TaskSort, TaskStatus};
use crate::domain::error::{DomainError, ProblemType};
use crate::domain::ids::{AgencyId, ObjectiveId, PlanId};
use crate::domain::input::IsoDate;
use crate::error::{ApiError, ApiResult};
use crate::service::tasks::{self, TaskPosition, TaskQuery};
use crate::store::tasks::Keeping;
use serde::Serialize;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TaskListParams {
    #[param(value_type = Option<Uuid>)]
    pub plan_id: Option<PlanId>,
    pub area: Option<ReformArea>,
    #[param(value_type = Option<Uuid>)]
    pub objective_id: Option<ObjectiveId>,
    /// Tasks this agency leads or supports (see `agency_role`).
    #[param(value_type = Option<Uuid>)]
    pub agency_id: Option<AgencyId>,
    /// With `agency_id`: `lead`, `supporting` or `any` (default).
    pub agency_role: Option<AgencyRole>,
    /// With `agency_id`: `true` also lists the tasks of the agencies it
    /// succeeded in reorganisations (merged into it, or dissolved or split
    /// with it as successor), however long ago.
    pub include_predecessors: Option<bool>,
    /// Current status.
    pub status: Option<TaskStatus>,
    /// `true`: only tasks overdue as of `as_of`; `false`: only tasks not overdue.
    pub overdue: Option<bool>,
    /// Only tasks open on `as_of` and due within this many days of it (0-366).
    #[param(minimum = 0, maximum = 366)]
    pub at_risk_days: Option<i32>,
    /// The day overdue is judged on (default: today in Asia/Ho_Chi_Minh).
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<IsoDate>,
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

/// Tasks, filtered and paged. Filters combine with AND.
///
/// With `Accept: text/csv` or `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`
/// (or `?format=csv|xlsx`) the answer is the whole filtered list as a file, in the same
/// order, with a Vietnamese file name in `Content-Disposition`. CSV is UTF-8 with a BOM,
/// CRLF line ends and RFC 4180 quoting, streamed as the list is read; a cell starting
/// with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`.
#[utoipa::path(
    tag = "tasks",
    security(("bearer" = [])),
    params(TaskListParams),
    responses(
        (status = 200, description = "A page of tasks, or the whole list as a file",
            headers(("Content-Disposition" = String, description = "For a file: `attachment` with its Vietnamese name (`filename*`) and an ASCII one")),
            content(
                (TaskPage = "application/json"),
                (String = "text/csv"),
                ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            )
        ),
        ReadErrors
    )
)]
#[get("/tasks")]
pub async fn list_tasks(
    req: HttpRequest,
    who: Authenticated,
    pool: web::Data<DbPool>,
    params: QueryParams<TaskListParams>,
) -> ApiResult<HttpResponse> {
    let p = params.into_inner();
    let query = task_query(&p, who.today())?;
    if let Wanted::File(format) = wanted(&req, p.format) {
        return task_file(&req, &pool, who, format, query).await;
    }
    Ok(HttpResponse::Ok().json(task_page(&pool, who, &p, query).await?))
}

/// The whole filtered list as a file: what `GET /tasks` answers for CSV or
/// XLSX, and what the web pages' download links give.
pub(crate) async fn task_file(
    req: &HttpRequest,
    pool: &web::Data<DbPool>,
    who: Authenticated,
    format: ExportFormat,
    query: TaskQuery,
) -> ApiResult<HttpResponse> {
    let sheet = Export {
        name: format!("Danh sách nhiệm vụ đến ngày {}", day_for_file(query.as_of)),
        columns: TASK_COLUMNS.to_vec(),
        line: task_line,
    };
    let fetch = move |conn: &mut diesel::PgConnection, after: Option<&TaskPosition>, limit| {
        tasks::list(conn, &query, after, limit)
    };
    export(req, pool, who, format, sheet, fetch).await
}

/// A page of the task list for these parameters (checked into `query`), with
/// the cursor of the next: what `GET /tasks` answers, and what the web pages show.
pub(crate) async fn task_page(
    pool: &web::Data<DbPool>,
    who: Authenticated,
    p: &TaskListParams,
    mut query: TaskQuery,
) -> ApiResult<TaskPage> {
    let scope = list_scope("tasks", &filters(p));
    let request = page_request::<TaskCursor>(p.limit, p.cursor.as_deref(), &scope)?;
    // Overdue days depend on the day judged on: the next page is judged on
    // the cursor's day, even when it is asked for after midnight.
    if let Some(cursor) = &request.after {
        if p.as_of.is_some_and(|d| NaiveDate::from(d) != cursor.as_of) {
            return Err(DomainError::unprocessable_as(
                ProblemType::InvalidCursor,
                "cursor",
                format!("was made for as_of {}; send that or none", cursor.as_of),
            )
            .into());
        }
        query.as_of = cursor.as_of;
    }
    let as_of = query.as_of;
    query.keeping = Keeping::Today(who.today());
    let page = read(pool, who, move |conn, _| {
        let after = request.after.as_ref().map(|c| &c.after);
        tasks::list(conn, &query, after, request.limit)
    })
    .await?;
    let next_cursor = page
        .next
        .and_then(|after| cursor_of(&scope, TaskCursor { after, as_of }));
    Ok(TaskPage {
        items: page.items,
        next_cursor,
    })
}

/// Where a page of the task list ended, and the day it was judged on.
#[derive(Debug, Serialize, Deserialize)]
struct TaskCursor {
    after: TaskPosition,
    as_of: NaiveDate,
}

/// What a cursor of the task list is bound to: its sort and every filter
/// (not `as_of`, which the cursor carries).
pub(crate) fn filters(p: &TaskListParams) -> impl std::fmt::Debug + '_ {
    (
        (
            p.plan_id,
            p.area,
            p.objective_id,
            p.agency_id,
            p.agency_role,
            p.include_predecessors,
        ),
        (
            p.status,
            p.overdue,
            p.at_risk_days,
            p.due_before,
            p.due_after,
        ),
        (&p.q, p.sort),
    )
}

/// The parameters, checked, as the use case's query.
pub(crate) fn task_query(p: &TaskListParams, today: chrono::NaiveDate) -> ApiResult<TaskQuery> {
    if p.agency_role.is_some() && p.agency_id.is_none() {
        return Err(ApiError::unprocessable("agency_role", "needs agency_id"));
    }
    if p.include_predecessors.is_some() && p.agency_id.is_none() {
        return Err(ApiError::unprocessable(
            "include_predecessors",
            "needs agency_id",
        ));
    }
    if p.at_risk_days
        .is_some_and(|days| !(0..=366).contains(&days))
    {
        return Err(ApiError::field("at_risk_days", "must be between 0 and 366"));
    }
    if let Some(q) = p.q.as_deref() {
        if q.chars().count() > 200 {
            return Err(ApiError::field("q", "must be at most 200 characters"));
        }
        if q.chars().any(char::is_control) {
            return Err(ApiError::field("q", "must not contain control characters"));
        }
    }
    Ok(TaskQuery {
        as_of: query_date("as_of", p.as_of.map(NaiveDate::from))?.unwrap_or(today),
        plan_id: p.plan_id,
        area: p.area,
        objective_id: p.objective_id,
        agency: p
            .agency_id
            .map(|a| (a, p.agency_role.unwrap_or(AgencyRole::Any))),
        include_predecessors: p.include_predecessors.unwrap_or(false),
        status: p.status,
        overdue: p.overdue,
        at_risk_days: p.at_risk_days,
        due_before: query_date("due_before", p.due_before.map(NaiveDate::from))?,
        due_after: query_date("due_after", p.due_after.map(NaiveDate::from))?,
        words: p.q.clone(),
        sort: p.sort.unwrap_or(TaskSort::DueOn),
        keeping: Keeping::Never,
    })
}
