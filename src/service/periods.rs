//! Reporting periods: created by the coordinator with the national rule's
//! window, read as of their `data_to` while open, frozen when closed.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::standing::{self, PlanSummary};
use super::tasks::{to_tasks, Task, TaskPosition, TaskQuery};
use super::{Actor, Page};
use crate::domain::enums::{PeriodKind, PeriodStatus, TaskSort};
use crate::domain::error::{Conflict, DomainError, DomainResult, ProblemType};
use crate::domain::ids::{PeriodId, PlanId, TaskId};
use crate::domain::input::{Checker, IsoDate};
use crate::domain::period::{default_report_due_on, PeriodName};
use crate::domain::policy::Action;
use crate::store;
use crate::store::periods::PeriodRow;
use crate::store::tasks::{Keeping, TaskKey, TaskViewRow};
use crate::store::After;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePeriod {
    pub kind: PeriodKind,
    /// `2023-Q1` … `2023-Q4` for a quarter, `2023-H1`, `2023-9M`, or `2023` for the year;
    /// in the plan's year.
    #[schema(pattern = "^[0-9]{4}(-Q[1-4]|-H1|-9M)?$", max_length = 7)]
    pub value: String,
    /// First day the figures count (default: Nghị định 09/2019, Art. 12).
    #[schema(value_type = Option<String>, format = Date)]
    pub data_from: Option<IsoDate>,
    /// Last day the figures count, the day the period's standing is taken on (default: the 14th of its last month).
    #[schema(value_type = Option<String>, format = Date)]
    pub data_to: Option<IsoDate>,
    /// The day the agencies' reports are due (default: the day after `data_to`).
    #[schema(value_type = Option<String>, format = Date)]
    pub report_due_on: Option<IsoDate>,
}

/// A reporting period of a plan (kỳ báo cáo).
#[derive(Debug, Serialize, ToSchema)]
pub struct Period {
    pub id: PeriodId,
    pub plan_id: PlanId,
    pub kind: PeriodKind,
    pub value: String,
    /// As documents name it: `Quý I/2023`, `6 tháng đầu năm 2023`, `Năm 2023`.
    pub label: String,
    pub data_from: NaiveDate,
    pub data_to: NaiveDate,
    pub report_due_on: NaiveDate,
    pub status: PeriodStatus,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<&PeriodRow> for Period {
    fn from(r: &PeriodRow) -> Period {
        Period {
            id: r.id,
            plan_id: r.plan_id,
            kind: r.kind,
            value: r.value.clone(),
            label: r.label.clone(),
            data_from: r.data_from,
            data_to: r.data_to,
            report_due_on: r.report_due_on,
            status: r.status,
            closed_at: r.closed_at,
            created_at: r.created_at,
        }
    }
}

/// Reads a period's name: a value the spec's pattern refuses is 400; one of
/// that shape that does not fit its kind, or names a year outside 2000-2100, 422.
fn period_name(check: &mut Checker, kind: PeriodKind, value: &str) -> Option<PeriodName> {
    // the spec's pattern: ^[0-9]{4}(-Q[1-4]|-H1|-9M)?$
    let well_formed = value
        .get(..4)
        .is_some_and(|y| y.bytes().all(|b| b.is_ascii_digit()))
        && matches!(
            value.get(4..),
            Some("" | "-Q1" | "-Q2" | "-Q3" | "-Q4" | "-H1" | "-9M")
        );
    match PeriodName::parse(kind, value) {
        Ok(name) => Some(name),
        Err(message) if well_formed => {
            check.rule("value", format!("{message} (for kind {kind})"));
            None
        }
        Err(message) => {
            check.add("value", message);
            None
        }
    }
}

/// Opens a reporting period of a plan (coordinator).
pub fn create(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    plan_id: PlanId,
    input: CreatePeriod,
) -> DomainResult<Period> {
    actor.may(Action::EditPlan)?;
    // Locked so that two periods checked for overlap cannot both be added.
    let plan =
        store::plans::find_for_update(conn, plan_id)?.ok_or(DomainError::not_found("plan"))?;
    let mut check = Checker::new();
    let name = period_name(&mut check, input.kind, &input.value);
    let dates = |check: &mut Checker, field: &str, d: Option<IsoDate>| {
        d.map(|d| check.date_in_range(field, d))
    };
    let data_from = dates(&mut check, "data_from", input.data_from);
    let data_to = dates(&mut check, "data_to", input.data_to);
    let due = dates(&mut check, "report_due_on", input.report_due_on);
    let Some(name) = name else {
        check.finish()?;
        return Err(DomainError::rule("value", "is not a period"));
    };
    if name.year != plan.year {
        check.rule(
            "value",
            format!("must be a period of the plan's year {}", plan.year),
        );
    }
    let (default_from, default_to) = name.default_window();
    let (data_from, data_to) = (
        data_from.unwrap_or(default_from),
        data_to.unwrap_or(default_to),
    );
    if data_from > data_to {
        check.rule(
            "data_from",
            format!("must not be after data_to ({data_to})"),
        );
    }
    let report_due_on = due.unwrap_or(default_report_due_on(data_to));
    if report_due_on < data_from {
        check.rule(
            "report_due_on",
            format!("must not be before data_from ({data_from})"),
        );
    }
    check.finish()?;
    if let Some(other) = store::periods::overlapping(conn, plan_id, name.kind, data_from, data_to)?
    {
        if other.value == name.value() {
            return Err(Conflict::Duplicate(format!(
                "the plan already has the period {}",
                other.label
            ))
            .into());
        }
        return Err(DomainError::rule(
            "data_from",
            format!(
                "the window overlaps {} ({} to {}); periods of one kind do not share a day",
                other.label, other.data_from, other.data_to
            ),
        ));
    }
    let row = store::periods::insert(
        conn,
        &PeriodRow {
            id: PeriodId::new(),
            plan_id,
            kind: name.kind,
            value: name.value(),
            label: name.label(),
            data_from,
            data_to,
            report_due_on,
            status: PeriodStatus::Open,
            closed_at: None,
            closed_by: None,
            frozen_summary: None,
            created_at: actor.now,
            updated_at: actor.now,
        },
    )
    .map_err(store::duplicate_as(format!(
        "the plan already has the period {}",
        name.label()
    )))?;
    let event = Event::PeriodCreated {
        period: row.id,
        plan_id,
        kind: row.kind,
        value: row.value.clone(),
        data_from,
        data_to,
        report_due_on,
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    Ok(Period::from(&row))
}

pub fn find(conn: &mut PgConnection, id: PeriodId) -> DomainResult<PeriodRow> {
    store::periods::find(conn, id)?.ok_or(DomainError::not_found("period"))
}

pub fn get(conn: &mut PgConnection, id: PeriodId) -> DomainResult<Period> {
    Ok(Period::from(&find(conn, id)?))
}

pub fn list(conn: &mut PgConnection, plan_id: PlanId) -> DomainResult<Vec<Period>> {
    store::plans::find(conn, plan_id)?.ok_or(DomainError::not_found("plan"))?;
    Ok(store::periods::list(conn, plan_id)?
        .iter()
        .map(Period::from)
        .collect())
}

/// Locks a period for a write in it: refused once closed. Closing takes the
/// same row exclusively, so a write and the closing never interleave: the
/// write is in the frozen period, or is refused.
pub fn lock_open(
    conn: &mut PgConnection,
    id: PeriodId,
    refused: &'static str,
) -> DomainResult<PeriodRow> {
    let period = store::periods::lock(conn, id, false)?.ok_or(DomainError::not_found("period"))?;
    if period.status == PeriodStatus::Closed {
        return Err(Conflict::PeriodClosed { refused }.into());
    }
    Ok(period)
}

/// Closes a period (coordinator): every task's standing on `data_to` and the
/// plan summary then are copied, and the period reads only that copy after.
pub fn close(conn: &mut PgConnection, actor: &Actor<'_>, id: PeriodId) -> DomainResult<Period> {
    actor.may(Action::EditPlan)?;
    let period = store::periods::lock(conn, id, true)?.ok_or(DomainError::not_found("period"))?;
    if period.status == PeriodStatus::Closed {
        return Err(Conflict::PeriodClosed {
            refused: "it cannot be closed again",
        }
        .into());
    }
    // Frozen before its last day, it would miss what that day brings.
    if actor.today() <= period.data_to {
        return Err(Conflict::PeriodNotOver {
            data_to: period.data_to,
        }
        .into());
    }
    let mut filter = store::tasks::TaskFilter::as_of(period.data_to);
    filter.plan_id = Some(period.plan_id);
    let rows = store::tasks::list_view(conn, &filter, TaskSort::Code, None, None, Keeping::Never)?;
    let ids: Vec<TaskId> = rows.iter().map(|r| r.task.id).collect();
    let reports = store::periods::latest_lead_reports(conn, &ids, period.data_to)?;
    store::periods::freeze_tasks(conn, id, &rows, &reports)?;
    let summary = standing::summarise(period.plan_id, &rows, period.data_to);
    let summary = serde_json::to_value(&summary)
        .map_err(|e| DomainError::Internal(format!("summary as JSON: {e}")))?;
    let row = store::periods::close(conn, id, actor.principal.user_id, actor.now, summary)?;
    let event = Event::PeriodClosed {
        period: id,
        data_to: period.data_to,
        tasks_frozen: rows.len(),
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    Ok(Period::from(&row))
}

/// The plan summary on the period's `data_to`: the frozen one once closed.
pub fn summary(conn: &mut PgConnection, id: PeriodId) -> DomainResult<PlanSummary> {
    let period = find(conn, id)?;
    frozen_or_live_summary(conn, &period)
}

pub(crate) fn frozen_or_live_summary(
    conn: &mut PgConnection,
    period: &PeriodRow,
) -> DomainResult<PlanSummary> {
    match &period.frozen_summary {
        Some(frozen) => serde_json::from_value(frozen.clone())
            .map_err(|e| DomainError::Internal(format!("frozen summary of {}: {e}", period.id))),
        None => standing::plan_summary(conn, period.plan_id, period.data_to),
    }
}

/// A task as it stood on the period's `data_to`, with the lead agency's latest report by then.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodTask {
    #[serde(flatten)]
    pub task: Task,
    /// The lead agency's latest progress report by `data_to`: its summary.
    pub progress_summary: Option<String>,
    pub progress_reported_at: Option<DateTime<Utc>>,
}

/// Which of a period's tasks to list: the task list's filters, judged on `data_to`.
pub type PeriodTaskQuery = TaskQuery;

/// One page of the period's tasks, as they stood on `data_to`.
pub fn tasks(
    conn: &mut PgConnection,
    id: PeriodId,
    query: &PeriodTaskQuery,
    after: Option<&TaskPosition>,
    limit: i64,
) -> DomainResult<Page<PeriodTask, TaskPosition>> {
    let period = find(conn, id)?;
    if after.is_some_and(|a| !a.key.fits(query.sort)) {
        return Err(DomainError::unprocessable_as(
            ProblemType::InvalidCursor,
            "cursor",
            "is not a cursor returned by this list",
        ));
    }
    let mut filter = query.filter();
    filter.as_of = period.data_to;
    filter.plan_id = Some(period.plan_id);
    if let (true, Some((agency, _))) = (query.include_predecessors, query.agency) {
        filter.predecessors = store::reorganisations::predecessors_of(conn, agency)?;
    }
    let (rows, summaries) = match period.status {
        PeriodStatus::Closed => {
            let frozen =
                store::tasks::list_frozen(conn, id, &filter, query.sort, after, Some(limit + 1))?;
            let summaries = frozen
                .iter()
                .map(|f| {
                    (
                        f.view.task.id,
                        f.progress_summary.clone(),
                        f.progress_reported_at,
                    )
                })
                .collect();
            (frozen.into_iter().map(|f| f.view).collect(), summaries)
        }
        PeriodStatus::Open => {
            let rows = store::tasks::list_view(
                conn,
                &filter,
                query.sort,
                after,
                Some(limit + 1),
                Keeping::Never,
            )?;
            let ids: Vec<TaskId> = rows.iter().map(|r| r.task.id).collect();
            let summaries = store::periods::latest_lead_reports(conn, &ids, period.data_to)?
                .into_iter()
                .map(|r| (r.task_id, Some(r.summary), Some(r.created_at)))
                .collect();
            (rows, summaries)
        }
    };
    page_of(rows, summaries, query.sort, limit, period.data_to)
}

type Summaries = Vec<(TaskId, Option<String>, Option<DateTime<Utc>>)>;

fn page_of(
    mut rows: Vec<TaskViewRow>,
    summaries: Summaries,
    sort: TaskSort,
    limit: i64,
    as_of: NaiveDate,
) -> DomainResult<Page<PeriodTask, TaskPosition>> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = match rows.last() {
        Some(last) if more => Some(After {
            key: TaskKey::of(last, sort),
            id: last.task.id,
        }),
        _ => None,
    };
    let items = to_tasks(rows, as_of)?
        .into_iter()
        .map(|task| {
            let (summary, at) = summaries
                .iter()
                .find(|(id, _, _)| *id == task.id)
                .map(|(_, s, at)| (s.clone(), *at))
                .unwrap_or((None, None));
            PeriodTask {
                task,
                progress_summary: summary,
                progress_reported_at: at,
            }
        })
        .collect();
    Ok(Page { items, next })
}

/// Every task overdue on the period's `data_to`, most overdue first.
pub fn overdue_tasks(conn: &mut PgConnection, period: &PeriodRow) -> DomainResult<Vec<PeriodTask>> {
    let query = TaskQuery {
        overdue: Some(true),
        ..TaskQuery::of_plan(period.plan_id, period.data_to, TaskSort::DaysOverdueDesc)
    };
    Ok(tasks(conn, period.id, &query, None, 10_000)?.items)
}
