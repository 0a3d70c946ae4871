//! Tasks: the plan's units of work, their deadlines and standing.

mod create;
pub mod get;
mod history;
mod list;
mod update;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::common::etag;
use crate::domain::enums::{DeadlineKind, ReformArea, TaskStatus};
use crate::error::ApiResult;
use crate::store;
use crate::store::tasks::TaskViewRow;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create::create_task)
        .service(list::list_tasks)
        .service(get::get_task)
        .service(update::update_task)
        .service(history::task_history);
}

/// An agency as a task refers to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgencySummary {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// A deadline as the plan writes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadlineOut {
    pub kind: DeadlineKind,
    /// `2024-06-30`, `2024-09`, `2024-Q2`; absent for ongoing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Vietnamese label: "30/06/2024", "Tháng 9/2024", "Quý II/2024", "Thường xuyên".
    pub label: String,
}

/// A deadline in a request: `value` is a date, a month or a quarter, absent when ongoing.
/// (Its spec is `Deadline`, which states the shape of `value` for each kind.)
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineIn {
    pub kind: DeadlineKind,
    #[serde(
        default,
        deserialize_with = "crate::api::extract::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<Option<String>>,
}

/// A deadline as plans write it; `value` depends on `kind`. The due date is the
/// day itself, the month's or quarter's last day, or the plan year's last day.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[allow(dead_code)] // describes DeadlineIn in the spec; never constructed
pub enum Deadline {
    /// A calendar day.
    #[schema(title = "DateDeadline")]
    Date {
        #[schema(value_type = String, format = Date, example = "2024-06-30")]
        value: String,
    },
    /// A month, due on its last day.
    #[schema(title = "MonthDeadline")]
    Month {
        #[schema(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2024-09")]
        value: String,
    },
    /// A quarter, due on its last day.
    #[schema(title = "QuarterDeadline")]
    Quarter {
        #[schema(pattern = "^[0-9]{4}-Q[1-4]$", example = "2024-Q2")]
        value: String,
    },
    /// "Thường xuyên": ongoing, due on the plan year's last day.
    #[schema(title = "OngoingDeadline")]
    Ongoing {},
}

/// A task of a plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Task {
    pub id: Uuid,
    pub plan_id: Uuid,
    /// Unique within the plan, e.g. `NV12`.
    pub code: String,
    pub title: String,
    pub area: ReformArea,
    pub objective_id: Option<Uuid>,
    /// The agency responsible (cơ quan chủ trì).
    pub lead_agency: AgencySummary,
    /// Agencies that take part (cơ quan phối hợp).
    pub supporting_agencies: Vec<AgencySummary>,
    pub deadline: DeadlineOut,
    /// The due date the plan first set.
    pub original_due_on: NaiveDate,
    /// The due date now in force (moved by approved extensions).
    pub due_on: NaiveDate,
    /// Expected output (kết quả, sản phẩm).
    pub expected_output: String,
    pub status: TaskStatus,
    #[schema(minimum = 0, maximum = 100)]
    pub progress_percent: i16,
    /// Set when the coordinator accepted the completion claim.
    pub completed_on: Option<NaiveDate>,
    /// Overdue as of `as_of`.
    pub overdue: bool,
    /// Days past the due date in force on `as_of`; 0 when not overdue.
    pub days_overdue: i32,
    /// The day `overdue` is computed for: the `as_of` parameter, else today in Asia/Ho_Chi_Minh.
    pub as_of: NaiveDate,
    /// Increases with every change; the ETag is derived from it.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Task {
    pub fn etag(&self) -> String {
        etag(self.id, self.version)
    }
}

fn to_task(row: TaskViewRow, supporting: Vec<AgencySummary>, as_of: NaiveDate) -> Task {
    let t = row.task;
    Task {
        id: t.id,
        plan_id: t.plan_id,
        code: t.code,
        title: t.title,
        area: ReformArea::parse(&t.area).unwrap_or(ReformArea::Direction),
        objective_id: t.objective_id,
        lead_agency: AgencySummary {
            id: t.lead_agency_id,
            code: row.lead_code,
            name: row.lead_name,
        },
        supporting_agencies: supporting,
        deadline: DeadlineOut {
            kind: DeadlineKind::parse(&t.deadline_kind).unwrap_or(DeadlineKind::Date),
            value: t.deadline_value,
            label: t.deadline_label,
        },
        original_due_on: t.original_due_on,
        due_on: t.due_on,
        expected_output: t.expected_output,
        status: TaskStatus::parse(&t.status).unwrap_or(TaskStatus::NotStarted),
        progress_percent: t.progress_percent,
        completed_on: t.completed_on,
        overdue: row.days_overdue > 0,
        days_overdue: row.days_overdue,
        as_of,
        version: t.version,
        created_at: t.created_at,
        updated_at: t.updated_at,
    }
}

/// Completes view rows with their supporting agencies (one query for the page).
pub fn to_tasks(
    conn: &mut PgConnection,
    rows: Vec<TaskViewRow>,
    as_of: NaiveDate,
) -> ApiResult<Vec<Task>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.task.id).collect();
    let mut supporting: HashMap<Uuid, Vec<AgencySummary>> = HashMap::new();
    for a in store::tasks::supporting_agencies(conn, &ids)? {
        supporting
            .entry(a.task_id)
            .or_default()
            .push(AgencySummary {
                id: a.id,
                code: a.code,
                name: a.name,
            });
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let s = supporting.remove(&r.task.id).unwrap_or_default();
            to_task(r, s, as_of)
        })
        .collect())
}

/// One task as of a day, or 404.
pub fn load_task(conn: &mut PgConnection, id: Uuid, as_of: NaiveDate) -> ApiResult<Task> {
    let row = store::tasks::find_view(conn, id, as_of)?
        .ok_or_else(|| crate::error::ApiError::not_found("task"))?;
    Ok(to_tasks(conn, vec![row], as_of)?.remove(0))
}

/// A task response with its ETag.
pub fn task_response(status: actix_web::http::StatusCode, task: &Task) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(status)
        .insert_header((actix_web::http::header::ETAG, task.etag()))
        .json(task)
}

crate::api::common::page_type!(TaskPage, Task, "A page of tasks.");

/// Text that search matches: code, title and expected output, folded.
pub fn search_text(code: &str, title: &str, expected_output: &str) -> String {
    crate::domain::search::fold(&format!("{code} {title} {expected_output}"))
}

/// Checks that supporting agencies exist, are distinct and exclude the lead.
pub fn check_supporting(conn: &mut PgConnection, lead: Uuid, ids: &[Uuid]) -> ApiResult<Vec<Uuid>> {
    use crate::error::ApiError;
    let mut unique: Vec<Uuid> = Vec::with_capacity(ids.len());
    for id in ids {
        if *id == lead {
            return Err(ApiError::unprocessable(
                "supporting_agency_ids",
                "must not include the lead agency",
            ));
        }
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    let found = store::agencies::existing_ids(conn, &unique)?;
    if let Some(missing) = unique.iter().find(|id| !found.contains(id)) {
        return Err(ApiError::unprocessable(
            "supporting_agency_ids",
            format!("no agency {missing}"),
        ));
    }
    Ok(unique)
}
