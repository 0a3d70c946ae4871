//! Plans as the sheets officials keep: the task appendix of a year-end report,
//! and a plan's tasks imported from a sheet.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use diesel::PgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::plans::Plan;
use super::reports::IdempotencyKey;
use super::tasks::{self, CreateTask, DeadlineIn, IfMatch, Task, TaskQuery, UpdateTask};
use super::Actor;
use crate::domain::deadline::Deadline;
use crate::domain::enums::{ReformArea, TaskSort};
use crate::domain::error::{DomainError, DomainResult, ProblemType};
use crate::domain::ids::{AgencyId, ObjectiveId, PlanId, TaskId};
use crate::domain::overdue::StatusLabel;
use crate::domain::policy::Action;
use crate::domain::sheet::{
    code_from_number, date_deadline, deadline_from_text, read_tasks, split_agencies, AgencyMatcher,
    CellError, CellValue, Column, Grid, KnownAgency,
};
use crate::domain::text::{Code, OutputText, Title};
use crate::store;
use crate::store::idempotency::KeyOf;

/// Most tasks an appendix lists.
pub const MAX_APPENDIX_TASKS: usize = 20_000;

/// A task as the appendix lists it: with the numbers of the documents cited as its evidence.
#[derive(Debug)]
pub struct AppendixTask {
    pub task: Task,
    pub evidence: Vec<String>,
}

/// One heading of the appendix: an area (or the direction section) and its tasks, by code.
#[derive(Debug)]
pub struct AppendixSection {
    pub area: ReformArea,
    /// As `/areas` names it.
    pub name: String,
    pub tasks: Vec<AppendixTask>,
}

/// The task appendix of a plan as of a day.
#[derive(Debug)]
pub struct Appendix {
    pub plan: Plan,
    pub as_of: NaiveDate,
    /// In the order of `/areas`; areas without tasks are left out.
    pub sections: Vec<AppendixSection>,
}

impl Appendix {
    /// How many tasks carry each label, in `StatusLabel::ALL` order.
    pub fn counts(&self) -> Vec<(StatusLabel, usize)> {
        StatusLabel::ALL
            .iter()
            .map(|label| {
                let n = self
                    .sections
                    .iter()
                    .flat_map(|s| &s.tasks)
                    .filter(|t| t.task.status_label == *label)
                    .count();
                (*label, n)
            })
            .collect()
    }

    pub fn total(&self) -> usize {
        self.sections.iter().map(|s| s.tasks.len()).sum()
    }
}

/// Reads a plan's tasks as of a day, by area in the order of `/areas`, then by code.
pub fn appendix(
    conn: &mut PgConnection,
    plan_id: PlanId,
    as_of: NaiveDate,
) -> DomainResult<Appendix> {
    let plan: Plan = store::plans::find(conn, plan_id)?
        .ok_or(DomainError::not_found("plan"))?
        .into();
    let query = TaskQuery::of_plan(plan_id, as_of, TaskSort::Code);
    let mut all: Vec<Task> = Vec::new();
    let mut after = None;
    loop {
        let page = tasks::list(conn, &query, after.as_ref(), 1000)?;
        all.extend(page.items);
        if all.len() > MAX_APPENDIX_TASKS {
            return Err(DomainError::rule(
                "id",
                format!("the plan has more than {MAX_APPENDIX_TASKS} tasks, more than an appendix lists; export the task list instead"),
            ));
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let mut evidence: HashMap<TaskId, Vec<String>> = HashMap::new();
    for e in store::reports::evidence_numbers_of_plan(conn, plan_id, as_of)? {
        evidence
            .entry(e.task_id)
            .or_default()
            .push(e.document_number);
    }
    let mut sections = Vec::new();
    for area in store::agencies::list_areas(conn)? {
        let Some(code) = ReformArea::parse(&area.code) else {
            continue;
        };
        let tasks: Vec<AppendixTask> = all
            .iter()
            .filter(|t| t.area == code)
            .map(|t| AppendixTask {
                task: t.clone(),
                evidence: evidence.remove(&t.id).unwrap_or_default(),
            })
            .collect();
        if !tasks.is_empty() {
            sections.push(AppendixSection {
                area: code,
                name: area.name,
                tasks,
            });
        }
    }
    Ok(Appendix {
        plan,
        as_of,
        sections,
    })
}

/// What an import did, or would do, with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowResult {
    WouldCreate,
    Created,
    WouldUpdate,
    Updated,
    Unchanged,
}

/// One task row of an imported sheet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportedRow {
    /// The sheet's row, from 1.
    pub row: usize,
    pub code: String,
    pub result: RowResult,
    /// The task, once created or found (`null` for a dry run's new task).
    pub task_id: Option<TaskId>,
}

/// What an import did: every task row, and the counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Rows that create a task (or would, in a dry run).
    pub created: usize,
    /// Rows that change a task of the same code (or would).
    pub updated: usize,
    pub unchanged: usize,
    pub rows: Vec<ImportedRow>,
}

/// An import either goes through whole, or is refused with every fault found.
#[derive(Debug)]
pub enum ImportOutcome {
    Done(ImportReport),
    Refused(Vec<CellError>),
    /// The first answer to an earlier import with the same `Idempotency-Key`, as JSON.
    Replayed(String),
}

/// A row, resolved against the plan, ready to write.
struct Planned {
    row: usize,
    code: Code,
    title: Title,
    area: ReformArea,
    lead: AgencyId,
    supporting: Vec<AgencyId>,
    deadline: Deadline,
    output: OutputText,
    objective: Option<ObjectiveId>,
    /// The plan's task of that code, and its version.
    existing: Option<(TaskId, i32)>,
    changed: bool,
}

/// Imports a sheet's task rows into a plan (coordinator): a row whose code
/// the plan has updates that task (title, area, expected output, supporting
/// agencies, and the objective when the sheet has that column); any other
/// creates one, through the same use cases as the API. Every row is checked
/// first; one fault anywhere and nothing is written. A dry run writes nothing.
/// With `key`, an import that wrote is remembered by the hash of its request:
/// a retry with the same key and request gets the first answer and writes
/// nothing; the same key with another request is 422.
pub fn import(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    plan_id: PlanId,
    sheet: &Grid,
    dry_run: bool,
    key: Option<(&IdempotencyKey, &str)>,
) -> DomainResult<ImportOutcome> {
    actor.may(Action::EditPlan)?;
    let scope = format!("POST /api/v1/plans/{plan_id}/import");
    let key_of = key.filter(|_| !dry_run).map(|(key, hash)| {
        let of = KeyOf {
            user_id: actor.principal.user_id,
            scope: &scope,
            key: key.as_str(),
        };
        (of, hash)
    });
    if let Some((of, hash)) = key_of {
        store::idempotency::lock_key(conn, of)?;
        if let Some(previous) = store::idempotency::find(conn, of, actor.now)? {
            if previous.request_hash != hash {
                return Err(DomainError::unprocessable_as(
                    ProblemType::IdempotencyKeyReused,
                    "Idempotency-Key",
                    "was already used with a different request",
                ));
            }
            return Ok(ImportOutcome::Replayed(previous.response_body));
        }
    }
    let plan = store::plans::find(conn, plan_id)?.ok_or(DomainError::not_found("plan"))?;
    let read = match read_tasks(sheet) {
        Ok(read) => read,
        Err(errors) => return Ok(ImportOutcome::Refused(errors)),
    };
    let all_agencies = store::agencies::all(conn)?;
    // agencies that ceased to exist (reorganised): the day, and their code
    let ended: HashMap<AgencyId, (NaiveDate, String)> = all_agencies
        .iter()
        .filter_map(|a| a.valid_to.map(|to| (a.id, (to, a.code.clone()))))
        .collect();
    let agencies = AgencyMatcher::new(
        all_agencies
            .into_iter()
            .map(|a| KnownAgency {
                id: a.id,
                code: a.code,
                name: a.name,
            })
            .collect(),
    );
    let objectives = store::plans::list_objectives(conn, plan_id, None, 10_000)?;
    let existing = store::tasks::of_plan_with_supporting(conn, plan_id)?;
    let mut errors: Vec<CellError> = Vec::new();
    let mut planned: Vec<Planned> = Vec::new();
    for t in &read.tasks {
        let mut fault = |column: Column, message: String| {
            errors.push(CellError::new(t.row, column.name(), message));
        };
        let code = if !t.code.is_empty() {
            Code::parse(&t.code)
                .map_err(|m| fault(Column::Code, m))
                .ok()
        } else {
            match code_from_number(&t.number) {
                Some(c) => Code::parse(&c).ok(),
                None => {
                    fault(
                        Column::Code,
                        "is empty, and there is no STT number to make a code from".into(),
                    );
                    None
                }
            }
        };
        let title = Title::parse(&t.title)
            .map_err(|m| fault(Column::Title, m))
            .ok();
        let output = OutputText::parse(&t.output)
            .map_err(|m| fault(Column::Output, m))
            .ok();
        if t.area.is_none() {
            fault(
                Column::Area,
                "no area: give a Lĩnh vực column or put the row under an area heading row".into(),
            );
        }
        let deadline = match &t.deadline {
            CellValue::Date(d) => Some(date_deadline(*d)),
            CellValue::Text(text) => deadline_from_text(text, plan.year)
                .map_err(|m| fault(Column::Deadline, m))
                .ok(),
            CellValue::Empty => {
                fault(Column::Deadline, "must not be empty".into());
                None
            }
        };
        let deadline = deadline.filter(|d| {
            let ok = (2000..=2100).contains(&d.due_on.year());
            if !ok {
                fault(Column::Deadline, "must fall between 2000 and 2100".into());
            }
            ok
        });
        let objective = if t.objective.is_empty() {
            None
        } else {
            match objectives
                .iter()
                .find(|o| o.code.eq_ignore_ascii_case(&t.objective))
            {
                Some(o) => Some(o.id),
                None => {
                    fault(
                        Column::Objective,
                        format!("the plan has no objective '{}'", t.objective),
                    );
                    None
                }
            }
        };
        let agency = |column: Column, text: &str| {
            agencies.find(text).map_err(|no| {
                CellError::new(t.row, column.name(), no.message).suggesting(no.suggestions)
            })
        };
        let lead = if t.lead.is_empty() {
            errors.push(CellError::new(
                t.row,
                Column::Lead.name(),
                "must not be empty",
            ));
            None
        } else {
            agency(Column::Lead, &t.lead)
                .map_err(|e| errors.push(e))
                .ok()
        };
        let mut supporting = Vec::new();
        for name in split_agencies(&t.supporting) {
            match agency(Column::Supporting, name) {
                Err(e) => errors.push(e),
                Ok(id) if Some(id) == lead => errors.push(CellError::new(
                    t.row,
                    Column::Supporting.name(),
                    format!("'{name}' is the lead agency"),
                )),
                Ok(id) if !supporting.contains(&id) => supporting.push(id),
                Ok(_) => {}
            }
        }
        let (Some(code), Some(title), Some(output), Some(area), Some(deadline), Some(lead)) =
            (code, title, output, t.area, deadline, lead)
        else {
            continue;
        };
        if let Some(first) = planned.iter().find(|p| p.code == code) {
            errors.push(CellError::new(
                t.row,
                Column::Code.name(),
                format!("{code} is also the code of row {}", first.row),
            ));
            continue;
        }
        let mut item = Planned {
            row: t.row,
            code,
            title,
            area,
            lead,
            supporting,
            deadline,
            output,
            objective,
            existing: None,
            changed: true,
        };
        if let Some((row, stored_supporting)) =
            existing.iter().find(|(r, _)| r.code == item.code.as_str())
        {
            if row.lead_agency_id != item.lead {
                errors.push(CellError::new(
                    t.row,
                    Column::Lead.name(),
                    format!(
                        "the plan's task {} is led by another agency; an import does not change a task's lead agency",
                        row.code
                    ),
                ));
                continue;
            }
            if row.deadline_kind != item.deadline.kind || row.deadline_value != item.deadline.value
            {
                errors.push(CellError::new(
                    t.row,
                    Column::Deadline.name(),
                    format!(
                        "the plan's task {} is due {}; deadlines move by extension requests, not by import",
                        row.code, row.deadline_label
                    ),
                ));
                continue;
            }
            let same_supporting = stored_supporting.len() == item.supporting.len()
                && item
                    .supporting
                    .iter()
                    .all(|a| stored_supporting.contains(a));
            item.changed = row.title != item.title.as_str()
                || row.expected_output != item.output.as_str()
                || row.area != item.area
                || (read.has_objective && row.objective_id != item.objective)
                || !same_supporting;
            item.existing = Some((row.id, row.version));
        }
        // as `tasks::create` and `tasks::update` refuse them: an agency that
        // ceases to exist on or before the task is due takes no new role in it
        let stored: &[AgencyId] = match &item.existing {
            Some((id, _)) => existing
                .iter()
                .find(|(r, _)| r.id == *id)
                .map(|(_, s)| s.as_slice())
                .unwrap_or(&[]),
            None => &[],
        };
        let mut gone = |column: Column, agency: &AgencyId| {
            if let Some((to, code)) = ended
                .get(agency)
                .filter(|(to, _)| *to <= item.deadline.due_on)
            {
                errors.push(CellError::new(
                    t.row,
                    column.name(),
                    format!("{code} ceases to exist on {to} (reorganised), before the task is due; name its successor"),
                ));
            }
        };
        if item.existing.is_none() {
            gone(Column::Lead, &item.lead);
        }
        for a in item.supporting.iter().filter(|a| !stored.contains(a)) {
            gone(Column::Supporting, a);
        }
        planned.push(item);
    }
    if !errors.is_empty() {
        // by row, then in the order the appendix writes its columns
        let order = [
            Column::Number,
            Column::Code,
            Column::Title,
            Column::Area,
            Column::Lead,
            Column::Supporting,
            Column::Deadline,
            Column::Output,
            Column::Objective,
        ];
        let rank = |e: &CellError| order.iter().position(|c| c.name() == e.column);
        errors.sort_by_key(|e| (e.row, rank(e)));
        return Ok(ImportOutcome::Refused(errors));
    }
    let mut report = ImportReport {
        dry_run,
        created: 0,
        updated: 0,
        unchanged: 0,
        rows: Vec::with_capacity(planned.len()),
    };
    for p in planned {
        let (result, task_id) = match (p.existing, p.changed, dry_run) {
            (Some((id, _)), false, _) => (RowResult::Unchanged, Some(id)),
            (Some((id, _)), true, true) => (RowResult::WouldUpdate, Some(id)),
            (Some((id, version)), true, false) => {
                let patch = UpdateTask {
                    title: Some(Some(p.title)),
                    expected_output: Some(Some(p.output)),
                    area: Some(Some(p.area)),
                    objective_id: read.has_objective.then_some(p.objective),
                    supporting_agency_ids: Some(Some(p.supporting)),
                };
                let if_match = IfMatch::Tags(vec![tasks::etag(id, version)]);
                tasks::update(conn, actor, id, Some(&if_match), patch)?;
                (RowResult::Updated, Some(id))
            }
            (None, _, true) => (RowResult::WouldCreate, None),
            (None, _, false) => {
                let input = CreateTask {
                    code: p.code.clone(),
                    title: p.title,
                    area: p.area,
                    objective_id: p.objective,
                    lead_agency_id: p.lead,
                    supporting_agency_ids: p.supporting,
                    deadline: DeadlineIn {
                        kind: p.deadline.kind,
                        value: p.deadline.value.clone().map(Some),
                    },
                    expected_output: p.output,
                };
                let task = tasks::create(conn, actor, plan_id, input)?;
                (RowResult::Created, Some(task.id))
            }
        };
        match result {
            RowResult::Created | RowResult::WouldCreate => report.created += 1,
            RowResult::Updated | RowResult::WouldUpdate => report.updated += 1,
            RowResult::Unchanged => report.unchanged += 1,
        }
        report.rows.push(ImportedRow {
            row: p.row,
            code: p.code.into_inner(),
            result,
            task_id,
        });
    }
    if let Some((of, hash)) = key_of {
        let body =
            serde_json::to_string(&report).map_err(|e| DomainError::Internal(e.to_string()))?;
        store::idempotency::save(conn, of, hash, (200, &body), actor.now)?;
    }
    Ok(ImportOutcome::Done(report))
}
