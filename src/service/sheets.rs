//! Plans as the sheets officials keep: the task appendix of a year-end report,
//! and a plan's tasks imported from a sheet.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::PgConnection;

use super::plans::Plan;
use super::tasks::{self, Task, TaskQuery};
use crate::domain::enums::{ReformArea, TaskSort};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{PlanId, TaskId};
use crate::domain::overdue::StatusLabel;
use crate::store;

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
    let query = TaskQuery {
        as_of,
        plan_id: Some(plan_id),
        area: None,
        objective_id: None,
        agency: None,
        status: None,
        overdue: None,
        at_risk_days: None,
        due_before: None,
        due_after: None,
        words: None,
        sort: TaskSort::Code,
    };
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
