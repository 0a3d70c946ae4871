//! Where a plan or an agency stands on a day: totals by status, completed on
//! time or late, overdue, open. Read use cases; they write nothing.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::inspections::{agency_findings, AgencyFindings};
use crate::domain::enums::{AgencyRole, ReformArea, TaskSort, TaskStatus};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{AgencyId, PlanId};
use crate::domain::overdue::completed_late;
use crate::store;
use crate::store::tasks::{Keeping, TaskFilter, TaskViewRow};

/// Counts of tasks by status, as of the summary's day.
#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusCounts {
    pub not_started: i64,
    pub in_progress: i64,
    pub submitted: i64,
    pub completed: i64,
    pub cancelled: i64,
}

/// How a group of tasks stands on a day.
#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
pub struct Standing {
    pub total: i64,
    /// Completed on or before the day.
    pub completed: i64,
    /// Completed on or before their due date in force.
    pub completed_on_time: i64,
    /// Completed after their due date in force.
    pub completed_late: i64,
    /// Not completed, not cancelled, and past due.
    pub overdue: i64,
    /// Not completed and not cancelled (overdue ones included).
    pub open: i64,
}

impl Standing {
    /// Adds one task as it stood on `as_of`; returns its status on that day.
    pub fn add(&mut self, row: &TaskViewRow, as_of: NaiveDate) -> TaskStatus {
        let status = status_as_of(row, as_of);
        self.total += 1;
        match status {
            TaskStatus::Completed => {
                self.completed += 1;
                let completed_on = row.task.completed_on.unwrap_or(as_of);
                if completed_late(completed_on, row.effective_due_on) {
                    self.completed_late += 1;
                } else {
                    self.completed_on_time += 1;
                }
            }
            TaskStatus::Cancelled => {}
            _ => {
                self.open += 1;
                if row.days_overdue > 0 {
                    self.overdue += 1;
                }
            }
        }
        status
    }
}

/// A task's status on `as_of` for the summary: one completed later counts as
/// `in_progress` then. (The task view's own `status_as_of`, rebuilt from
/// dated claims and reports, can say `not_started` or `submitted` instead;
/// bringing the summary to it changes counts the boundary tests pin.)
fn status_as_of(row: &TaskViewRow, as_of: NaiveDate) -> TaskStatus {
    match (row.task.status, row.task.completed_on) {
        (TaskStatus::Completed, Some(on)) if on > as_of => TaskStatus::InProgress,
        (status, _) => status,
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AreaStanding {
    pub area: ReformArea,
    #[serde(flatten)]
    pub standing: Standing,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgencyStanding {
    pub agency_id: AgencyId,
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub standing: Standing,
}

/// Where a plan stands on a day.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanSummary {
    pub plan_id: PlanId,
    pub as_of: NaiveDate,
    pub total: i64,
    /// Statuses on `as_of` (a task completed after it counts as `in_progress`).
    pub by_status: StatusCounts,
    pub completed_on_time: i64,
    pub completed_late: i64,
    pub overdue: i64,
    /// Completed tasks as a percentage of non-cancelled ones (0-100, one decimal).
    pub completion_rate: f64,
    pub by_area: Vec<AreaStanding>,
    pub by_lead_agency: Vec<AgencyStanding>,
}

pub fn summarise(plan_id: PlanId, rows: &[TaskViewRow], as_of: NaiveDate) -> PlanSummary {
    let mut all = Standing::default();
    let mut by_status = StatusCounts::default();
    // Keyed by the area's code, so areas come in the order they always did.
    let mut by_area: BTreeMap<&'static str, (ReformArea, Standing)> = BTreeMap::new();
    let mut by_agency: BTreeMap<(String, AgencyId), (String, Standing)> = BTreeMap::new();
    for row in rows {
        let status = all.add(row, as_of);
        match status {
            TaskStatus::NotStarted => by_status.not_started += 1,
            TaskStatus::InProgress => by_status.in_progress += 1,
            TaskStatus::Submitted => by_status.submitted += 1,
            TaskStatus::Completed => by_status.completed += 1,
            TaskStatus::Cancelled => by_status.cancelled += 1,
        }
        by_area
            .entry(row.task.area.as_str())
            .or_insert_with(|| (row.task.area, Standing::default()))
            .1
            .add(row, as_of);
        by_agency
            .entry((row.lead_code.clone(), row.task.lead_agency_id))
            .or_insert_with(|| (row.lead_name.clone(), Standing::default()))
            .1
            .add(row, as_of);
    }
    let countable = all.total - by_status.cancelled;
    let completion_rate = if countable > 0 {
        (all.completed as f64 * 1000.0 / countable as f64).round() / 10.0
    } else {
        0.0
    };
    PlanSummary {
        plan_id,
        as_of,
        total: all.total,
        by_status,
        completed_on_time: all.completed_on_time,
        completed_late: all.completed_late,
        overdue: all.overdue,
        completion_rate,
        by_area: by_area
            .into_iter()
            .map(|(_, (area, standing))| AreaStanding { area, standing })
            .collect(),
        by_lead_agency: by_agency
            .into_iter()
            .map(|((code, agency_id), (name, standing))| AgencyStanding {
                agency_id,
                code,
                name,
                standing,
            })
            .collect(),
    }
}

/// Where a plan stands on `as_of`.
pub fn plan_summary(
    conn: &mut PgConnection,
    plan_id: PlanId,
    as_of: NaiveDate,
) -> DomainResult<PlanSummary> {
    store::plans::find(conn, plan_id)?.ok_or(DomainError::not_found("plan"))?;
    let mut filter = TaskFilter::as_of(as_of);
    filter.plan_id = Some(plan_id);
    let rows = store::tasks::list_view(conn, &filter, TaskSort::Code, None, None, Keeping::Never)?;
    Ok(summarise(plan_id, &rows, as_of))
}

/// How an agency stands on the tasks it leads, and on the findings of its inspections.
#[derive(Debug, Serialize, ToSchema)]
pub struct Scorecard {
    pub agency_id: AgencyId,
    pub plan_id: Option<PlanId>,
    pub as_of: NaiveDate,
    /// Tasks it leads.
    pub led: i64,
    pub completed_on_time: i64,
    pub completed_late: i64,
    pub overdue: i64,
    /// Led tasks not completed or cancelled (overdue ones included).
    pub open: i64,
    /// Tasks it supports.
    pub supporting: i64,
    /// Findings of inspections of the agency, on `as_of`.
    pub findings: AgencyFindings,
    /// The agencies it had succeeded by `as_of` (merged into it, dissolved
    /// or split with it as successor), each with the tasks it still led on
    /// `as_of`: those completed before the reorganisation, which stayed
    /// theirs. Their open tasks passed to this agency and count above.
    pub predecessors: Vec<PredecessorCard>,
}

/// A predecessor's own tasks, on the scorecard of its successor.
#[derive(Debug, Serialize, ToSchema)]
pub struct PredecessorCard {
    pub agency_id: AgencyId,
    pub code: String,
    pub name: String,
    /// The day it ceased to exist (exclusive).
    pub valid_to: Option<NaiveDate>,
    pub led: i64,
    pub completed_on_time: i64,
    pub completed_late: i64,
    pub overdue: i64,
    pub open: i64,
}

/// How an agency stands on `as_of` on the tasks it leads (in one plan, or all).
pub fn scorecard(
    conn: &mut PgConnection,
    agency_id: AgencyId,
    plan_id: Option<PlanId>,
    as_of: NaiveDate,
) -> DomainResult<Scorecard> {
    store::agencies::find(conn, agency_id)?.ok_or(DomainError::not_found("agency"))?;
    if let Some(plan) = plan_id {
        store::plans::find(conn, plan)?
            .ok_or_else(|| DomainError::rule("plan_id", "no such plan"))?;
    }
    let mut filter = TaskFilter::as_of(as_of);
    filter.plan_id = plan_id;
    filter.agency = Some((agency_id, AgencyRole::Lead));
    let led = store::tasks::list_view(conn, &filter, TaskSort::Code, None, None, Keeping::Never)?;
    filter.agency = Some((agency_id, AgencyRole::Supporting));
    let supporting =
        store::tasks::list_view(conn, &filter, TaskSort::Code, None, None, Keeping::Never)?.len()
            as i64;
    let mut standing = Standing::default();
    for row in &led {
        standing.add(row, as_of);
    }
    let findings = agency_findings(conn, agency_id, plan_id, as_of)?;
    let mut predecessors = Vec::new();
    let ids = store::reorganisations::predecessors_of(conn, agency_id)?;
    for agency in store::agencies::find_many(conn, &ids)? {
        if agency.valid_to.is_none_or(|to| to > as_of) {
            continue;
        }
        filter.agency = Some((agency.id, AgencyRole::Lead));
        let mut own = Standing::default();
        for row in
            store::tasks::list_view(conn, &filter, TaskSort::Code, None, None, Keeping::Never)?
        {
            own.add(&row, as_of);
        }
        predecessors.push(PredecessorCard {
            agency_id: agency.id,
            code: agency.code,
            name: agency.name,
            valid_to: agency.valid_to,
            led: own.total,
            completed_on_time: own.completed_on_time,
            completed_late: own.completed_late,
            overdue: own.overdue,
            open: own.open,
        });
    }
    Ok(Scorecard {
        predecessors,
        agency_id,
        plan_id,
        as_of,
        led: standing.total,
        completed_on_time: standing.completed_on_time,
        completed_late: standing.completed_late,
        overdue: standing.overdue,
        open: standing.open,
        supporting,
        findings,
    })
}
