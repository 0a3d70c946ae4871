use actix_web::{get, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{to_tasks, TaskPage};
use crate::api::common::{next_cursor, page_request, query_date, split_page, transaction};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::{AgencyRole, ReformArea, TaskSort, TaskStatus};
use crate::domain::overdue::province_today;
use crate::domain::search::{fold, like_pattern};
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::tasks::{sort_key, valid_sort_key, TaskFilter};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TaskListParams {
    pub plan_id: Option<Uuid>,
    pub area: Option<ReformArea>,
    pub objective_id: Option<Uuid>,
    /// Tasks this agency leads or supports (see `agency_role`).
    pub agency_id: Option<Uuid>,
    /// With `agency_id`: `lead`, `supporting` or `any` (default).
    pub agency_role: Option<AgencyRole>,
    /// Current status.
    pub status: Option<TaskStatus>,
    /// `true`: only tasks overdue as of `as_of`; `false`: only tasks not overdue.
    pub overdue: Option<bool>,
    /// Only tasks open on `as_of` and due within this many days of it (0-366).
    #[param(minimum = 0, maximum = 366)]
    pub at_risk_days: Option<i32>,
    /// The day overdue is judged on (default: today in Asia/Ho_Chi_Minh).
    pub as_of: Option<NaiveDate>,
    /// Due on or before this day.
    pub due_before: Option<NaiveDate>,
    /// Due on or after this day.
    pub due_after: Option<NaiveDate>,
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
}

/// Tasks, filtered and paged. Filters combine with AND.
#[utoipa::path(
    tag = "tasks",
    security(("bearer" = [])),
    params(TaskListParams),
    responses((status = 200, body = TaskPage), ReadErrors)
)]
#[get("/tasks")]
pub async fn list_tasks(
    _who: Authenticated,
    pool: web::Data<DbPool>,
    params: QueryParams<TaskListParams>,
) -> ApiResult<web::Json<TaskPage>> {
    let p = params.into_inner();
    let sort = p.sort.unwrap_or(TaskSort::DueOn);
    let as_of = query_date("as_of", p.as_of)?.unwrap_or_else(province_today);
    let (due_before, due_after) = (
        query_date("due_before", p.due_before)?,
        query_date("due_after", p.due_after)?,
    );
    // Overdue days depend on the day judged on: a cursor holds for one as_of only.
    let scope = format!("tasks:{sort}:{as_of}");
    let page = page_request(p.limit, p.cursor.as_deref(), &scope)?;
    if page
        .after
        .as_ref()
        .is_some_and(|a| !valid_sort_key(&a.key, sort))
    {
        return Err(ApiError::unprocessable(
            "cursor",
            "is not a cursor returned by this list",
        ));
    }
    if p.agency_role.is_some() && p.agency_id.is_none() {
        return Err(ApiError::unprocessable("agency_role", "needs agency_id"));
    }
    if let Some(days) = p.at_risk_days {
        if !(0..=366).contains(&days) {
            return Err(ApiError::field("at_risk_days", "must be between 0 and 366"));
        }
    }
    let search_pattern = match p.q.as_deref() {
        Some(q) if q.chars().count() > 200 => {
            return Err(ApiError::field("q", "must be at most 200 characters"))
        }
        Some(q) if q.chars().any(char::is_control) => {
            return Err(ApiError::field("q", "must not contain control characters"))
        }
        Some(q) => Some(fold(q))
            .filter(|f| !f.is_empty())
            .map(|f| like_pattern(&f)),
        None => None,
    };
    let filter = TaskFilter {
        as_of,
        plan_id: p.plan_id,
        area: p.area.map(|a| a.as_str().to_string()),
        objective_id: p.objective_id,
        agency: p
            .agency_id
            .map(|a| (a, p.agency_role.unwrap_or(AgencyRole::Any))),
        status: p.status.map(|s| s.as_str().to_string()),
        overdue: p.overdue,
        at_risk_days: p.at_risk_days,
        due_before,
        due_after,
        search_pattern,
        ids: None,
    };
    let limit = page.limit;
    let (tasks, cursor) = transaction(&pool, move |conn| {
        let rows =
            store::tasks::list_view(conn, &filter, sort, page.after.as_ref(), Some(limit + 1))?;
        let (rows, more) = split_page(rows, limit);
        let cursor = if more {
            next_cursor(&rows, limit, &scope, |r| (sort_key(r, sort), r.task.id))
        } else {
            None
        };
        Ok((to_tasks(conn, rows, as_of)?, cursor))
    })
    .await?;
    Ok(web::Json(TaskPage {
        items: tasks,
        next_cursor: cursor,
    }))
}
