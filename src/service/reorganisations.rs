//! Reorganisations of agencies (issue 17): one event, with its decision, that
//! merges, splits, renames or dissolves agencies on `effective_on`, and hands
//! the roles of the tasks still open that day to the successors.
//!
//! Validated as a whole (every broken rule is listed, 422), applied in the
//! caller's one transaction; a dry run computes the same outcome and writes
//! nothing. The agencies taking part are locked first, skipping rows another
//! transaction holds: two reorganisations touching one agency at once, one
//! wins and the other is 409 `concurrent-change`.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::agencies::CreateAgency;
use super::audit::{self, DecisionRecord, Event, RoleMove};
use super::Actor;
use crate::domain::enums::{ReorganisationKind, TaskRole};
use crate::domain::error::{Conflict, DomainError, DomainResult, FieldError, ProblemType};
use crate::domain::ids::{AgencyId, ReorganisationId, TaskId};
use crate::domain::input::IsoDate;
use crate::domain::policy::Action;
use crate::domain::reorganisation::{self as rules, Standing};
use crate::domain::text::{Code, DocumentNumber, Name};
use crate::store;
use crate::store::agencies::{AgencyRow, NewAgency};
use crate::store::reorganisations::{NewMove, NewReorganisation};

/// The decision (quyết định) that orders the reorganisation.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// e.g. `15/QĐ-UBND`.
    pub document_number: DocumentNumber,
    /// Not after `effective_on`.
    #[schema(value_type = String, format = Date)]
    pub issued_on: IsoDate,
    /// e.g. `HĐND tỉnh Khánh Hòa`.
    pub issuer: Name,
}

/// A successor: an existing agency (`agency_id`) or one the reorganisation
/// creates (`new_agency`, valid from `effective_on`). Exactly one of the two.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuccessorRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub agency_id: Option<AgencyId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_agency: Option<CreateAgency>,
}

/// A split's rule for one task: which successor takes the split agency's
/// role in it (lead or supporting).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRule {
    #[schema(value_type = uuid::Uuid)]
    pub task_id: TaskId,
    /// The code of one of the split's successors.
    pub successor_code: Code,
}

/// What happens, by `kind`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// Several agencies into one new or existing agency; the predecessors end.
    #[schema(title = "MergeChange")]
    Merge {
        #[schema(value_type = Vec<uuid::Uuid>, min_items = 1)]
        predecessor_ids: Vec<AgencyId>,
        successor: SuccessorRef,
    },
    /// One agency into several; every task it leads or supports and that is
    /// open on `effective_on` needs a rule in `tasks`.
    #[schema(title = "SplitChange")]
    Split {
        #[schema(value_type = uuid::Uuid)]
        agency_id: AgencyId,
        #[schema(min_items = 2)]
        successors: Vec<SuccessorRef>,
        tasks: Vec<TaskRule>,
    },
    /// The same agency (same id) under a new name from `effective_on`; the
    /// old name stays its name for earlier days.
    #[schema(title = "RenameChange")]
    Rename {
        #[schema(value_type = uuid::Uuid)]
        agency_id: AgencyId,
        name: Name,
    },
    /// The agency ends; `successor_id` takes its open work.
    #[schema(title = "DissolveChange")]
    Dissolve {
        #[schema(value_type = uuid::Uuid)]
        agency_id: AgencyId,
        #[schema(value_type = uuid::Uuid)]
        successor_id: AgencyId,
    },
}

/// One reorganisation.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reorganise {
    /// The first day under the new organisation (province date); not after today.
    #[schema(value_type = String, format = Date)]
    pub effective_on: IsoDate,
    pub decision: Decision,
    pub change: Change,
}

/// An agency taking part.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct AgencyBrief {
    pub id: AgencyId,
    pub code: String,
    pub name: String,
    /// Created by this reorganisation.
    pub created: bool,
}

/// A task role handed on.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct TaskMove {
    pub task_id: TaskId,
    pub task_code: String,
    pub role: TaskRole,
    pub from_agency_id: AgencyId,
    pub to_agency_id: AgencyId,
    /// For a supporting role: the successor joined the task by it (it did not
    /// support it already, nor lead it). Kept to read the task as of earlier days.
    #[serde(skip)]
    pub joined: bool,
}

/// A task that keeps its agency: completed before `effective_on`, or cancelled.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct KeptTask {
    pub task_id: TaskId,
    pub task_code: String,
    pub agency_id: AgencyId,
    pub role: TaskRole,
}

/// What a reorganisation did (or, for a dry run, would do).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct Reorganisation {
    /// For a dry run, the id it would have (nothing is stored).
    pub id: ReorganisationId,
    pub dry_run: bool,
    pub kind: ReorganisationKind,
    pub effective_on: NaiveDate,
    pub decision: DecisionRecord,
    /// The agencies that end (merge, split, dissolve) or are renamed.
    pub predecessors: Vec<AgencyBrief>,
    pub successors: Vec<AgencyBrief>,
    /// A rename's old name (the name before `effective_on`).
    pub previous_name: Option<String>,
    /// Task roles handed on, by task code.
    pub moves: Vec<TaskMove>,
    /// Tasks that keep their (predecessor) agency.
    pub kept: Vec<KeptTask>,
}

/// Where a successor comes from, once resolved.
#[derive(Debug, Clone)]
struct Successor {
    field: String,
    id: AgencyId,
    code: String,
    name: String,
    new: Option<CreateAgency>,
}

fn unprocessable(errors: Vec<FieldError>) -> DomainError {
    let detail = match errors.as_slice() {
        [one] => format!("{}: {}", one.field, one.message),
        many => format!("{} rules are broken; nothing was written", many.len()),
    };
    DomainError::Unprocessable {
        problem: ProblemType::Unprocessable,
        errors,
        detail,
    }
}

/// Records a reorganisation (coordinator), or with `dry_run` only says what
/// it would do.
pub fn reorganise(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    input: Reorganise,
    dry_run: bool,
) -> DomainResult<Reorganisation> {
    actor.may(Action::Reorganise)?;
    let on = input.effective_on.0;
    let mut errors = Vec::new();
    if on > actor.today() {
        errors.push(FieldError::new(
            "effective_on",
            format!(
                "must not be after today ({}): record a reorganisation once it takes effect",
                actor.today()
            ),
        ));
    }
    if input.decision.issued_on.0 > on {
        errors.push(FieldError::new(
            "decision.issued_on",
            "must not be after effective_on",
        ));
    }

    // Who ends (or is renamed), and who succeeds, with the fields naming them.
    let kind;
    let mut ending: Vec<(String, AgencyId)> = Vec::new();
    let mut refs: Vec<(String, SuccessorRef)> = Vec::new();
    match &input.change {
        Change::Merge {
            predecessor_ids,
            successor,
        } => {
            kind = ReorganisationKind::Merge;
            if predecessor_ids.is_empty() {
                errors.push(FieldError::new(
                    "change.predecessor_ids",
                    "must name at least one agency",
                ));
            }
            rules::repeated("change.predecessor_ids", predecessor_ids, &mut errors);
            for (i, id) in predecessor_ids.iter().enumerate() {
                ending.push((format!("change.predecessor_ids[{i}]"), *id));
            }
            refs.push(("change.successor".into(), successor.clone()));
        }
        Change::Split {
            agency_id,
            successors,
            ..
        } => {
            kind = ReorganisationKind::Split;
            ending.push(("change.agency_id".into(), *agency_id));
            if successors.len() < 2 {
                errors.push(FieldError::new(
                    "change.successors",
                    "a split names at least two successors (one is a dissolve)",
                ));
            }
            for (i, s) in successors.iter().enumerate() {
                refs.push((format!("change.successors[{i}]"), s.clone()));
            }
        }
        Change::Rename { agency_id, .. } => {
            kind = ReorganisationKind::Rename;
            ending.push(("change.agency_id".into(), *agency_id));
        }
        Change::Dissolve {
            agency_id,
            successor_id,
        } => {
            kind = ReorganisationKind::Dissolve;
            ending.push(("change.agency_id".into(), *agency_id));
            refs.push((
                "change.successor_id".into(),
                SuccessorRef {
                    agency_id: Some(*successor_id),
                    new_agency: None,
                },
            ));
        }
    }
    let mut existing: Vec<(String, AgencyId)> = Vec::new();
    let mut created: Vec<(String, CreateAgency)> = Vec::new();
    for (field, r) in &refs {
        match (r.agency_id, &r.new_agency) {
            (Some(id), None) => {
                let field = if field.ends_with("_id") {
                    field.clone()
                } else {
                    format!("{field}.agency_id")
                };
                existing.push((field, id));
            }
            (None, Some(new)) => created.push((format!("{field}.new_agency"), new.clone())),
            _ => errors.push(FieldError::new(
                field.clone(),
                "give either agency_id or new_agency",
            )),
        }
    }
    let successor_ids: Vec<AgencyId> = existing.iter().map(|(_, id)| *id).collect();
    rules::repeated("change.successors", &successor_ids, &mut errors);

    // Lock every existing agency taking part; one held elsewhere is a race.
    let ids: BTreeSet<AgencyId> = ending.iter().chain(&existing).map(|(_, id)| *id).collect();
    let ids: Vec<AgencyId> = ids.into_iter().collect();
    let rows = store::reorganisations::lock_agencies(conn, &ids)?;
    if rows.len() < ids.len() {
        let known = store::agencies::existing_ids(conn, &ids)?;
        if known.len() == ids.len() {
            return Err(Conflict::ConcurrentChange.into());
        }
        for (field, id) in ending.iter().chain(&existing) {
            if !known.contains(id) {
                errors.push(FieldError::new(field.clone(), "no such agency"));
            }
        }
        return Err(unprocessable(errors));
    }
    let rows: HashMap<AgencyId, AgencyRow> = rows.into_iter().map(|r| (r.id, r)).collect();
    let busy = store::reorganisations::reorganised_on(conn, &ids, on)?;
    let last: HashMap<AgencyId, Option<NaiveDate>> =
        store::reorganisations::last_reorganised(conn, &ids)?
            .into_iter()
            .collect();
    let standing = |id: &AgencyId| {
        let row = &rows[id];
        Standing {
            valid_from: row.valid_from,
            valid_to: row.valid_to,
            reorganised_that_day: busy.contains(id),
            last_reorganised: last.get(id).copied().flatten(),
        }
    };
    for (field, id) in &ending {
        rules::check_predecessor(field, &standing(id), on, &mut errors);
    }
    for (field, id) in &existing {
        rules::check_successor(field, &standing(id), on, &mut errors);
    }
    let predecessor_ids: Vec<AgencyId> = ending.iter().map(|(_, id)| *id).collect();
    if kind != ReorganisationKind::Rename {
        let edges = store::reorganisations::successions(conn)?;
        for (field, id) in &existing {
            if rules::would_cycle(&edges, &predecessor_ids, &[*id]) {
                errors.push(FieldError::new(
                    field.clone(),
                    "would close a cycle: the agency already follows (or is) a predecessor",
                ));
            }
        }
    }

    // The successors, resolved; new ones checked like a created agency.
    let mut successors: Vec<Successor> = existing
        .iter()
        .map(|(field, id)| Successor {
            field: field.clone(),
            id: *id,
            code: rows[id].code.clone(),
            name: rows[id].name.clone(),
            new: None,
        })
        .collect();
    let mut new_codes = BTreeSet::new();
    for (field, new) in &created {
        let code = new.code.to_string();
        if !new_codes.insert(code.clone()) || store::agencies::find_by_code(conn, &code)?.is_some()
        {
            errors.push(FieldError::new(
                format!("{field}.code"),
                format!("an agency with code {code} already exists"),
            ));
        }
        if let Some(parent) = new.parent_id {
            if store::agencies::find(conn, parent)?.is_none() {
                errors.push(FieldError::new(
                    format!("{field}.parent_id"),
                    "no such agency",
                ));
            }
        }
        successors.push(Successor {
            field: field.clone(),
            id: AgencyId::new(),
            code,
            name: new.name.to_string(),
            new: Some(new.clone()),
        });
    }

    // The tasks: roles of tasks open on `on` pass on, the rest stay.
    let mut moves: Vec<TaskMove> = Vec::new();
    let mut kept: Vec<KeptTask> = Vec::new();
    let mut supporting_after: HashMap<TaskId, Vec<AgencyId>> = HashMap::new();
    let mut lead_after: HashMap<TaskId, AgencyId> = HashMap::new();
    if kind != ReorganisationKind::Rename {
        let tasks = store::reorganisations::tasks_of_for_update(conn, &predecessor_ids)?;
        let task_ids: Vec<TaskId> = tasks.iter().map(|t| t.id).collect();
        let mut supporting: HashMap<TaskId, Vec<AgencyId>> = HashMap::new();
        for (task, agency) in store::reorganisations::supporting_of(conn, &task_ids)? {
            supporting.entry(task).or_default().push(agency);
        }
        let split_rules: Vec<TaskRule> = match &input.change {
            Change::Split { tasks, .. } => tasks.clone(),
            _ => Vec::new(),
        };
        let mut ruled = vec![false; split_rules.len()];
        let mut unruled = Vec::new();
        for task in &tasks {
            let mut support = supporting.remove(&task.id).unwrap_or_default();
            let roles: Vec<(TaskRole, AgencyId)> =
                std::iter::once((TaskRole::Lead, task.lead_agency_id))
                    .chain(support.iter().map(|a| (TaskRole::Supporting, *a)))
                    .filter(|(_, a)| predecessor_ids.contains(a))
                    .collect();
            if rules::stays(task.status, task.completed_on, on) {
                kept.extend(roles.iter().map(|(role, a)| KeptTask {
                    task_id: task.id,
                    task_code: task.code.clone(),
                    agency_id: *a,
                    role: *role,
                }));
                continue;
            }
            let to = if kind == ReorganisationKind::Split {
                let rule = split_rules.iter().position(|r| r.task_id == task.id);
                let Some(i) = rule else {
                    unruled.push(task.code.clone());
                    continue;
                };
                ruled[i] = true;
                let code = split_rules[i].successor_code.to_string();
                match successors.iter().find(|s| s.code == code) {
                    Some(s) => s.id,
                    None => {
                        errors.push(FieldError::new(
                            format!("change.tasks[{i}].successor_code"),
                            format!("{code} is not one of the split's successors"),
                        ));
                        continue;
                    }
                }
            } else {
                match successors.first() {
                    Some(s) => s.id,
                    None => continue,
                }
            };
            let mut lead = task.lead_agency_id;
            let mut supports = false;
            let (first_move, supporting_before) = (moves.len(), support.clone());
            for (role, from) in roles {
                moves.push(TaskMove {
                    task_id: task.id,
                    task_code: task.code.clone(),
                    role,
                    from_agency_id: from,
                    to_agency_id: to,
                    joined: false,
                });
                match role {
                    TaskRole::Lead => lead = to,
                    TaskRole::Supporting => supports = true,
                }
            }
            // the successor once in each task: lead, else supporting
            support.retain(|a| !predecessor_ids.contains(a));
            if supports && !support.contains(&to) {
                support.push(to);
            }
            support.retain(|a| *a != lead);
            for m in &mut moves[first_move..] {
                m.joined = m.role == TaskRole::Supporting
                    && support.contains(&m.to_agency_id)
                    && !supporting_before.contains(&m.to_agency_id);
            }
            if lead != task.lead_agency_id {
                lead_after.insert(task.id, lead);
            }
            supporting_after.insert(task.id, support);
        }
        if !unruled.is_empty() {
            errors.push(FieldError::new(
                "change.tasks",
                format!(
                    "open on {on} without a successor: {}; add a rule for each",
                    unruled.join(", ")
                ),
            ));
        }
        for (i, done) in ruled.iter().enumerate() {
            if !done {
                errors.push(FieldError::new(
                    format!("change.tasks[{i}].task_id"),
                    "not a task the split agency leads or supports that is open on effective_on",
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(unprocessable(errors));
    }

    let id = ReorganisationId::new();
    let brief = |id: &AgencyId| AgencyBrief {
        id: *id,
        code: rows[id].code.clone(),
        name: rows[id].name.clone(),
        created: false,
    };
    let (new_name, previous_name) = match &input.change {
        Change::Rename { agency_id, name } => {
            (Some(name.to_string()), Some(rows[agency_id].name.clone()))
        }
        _ => (None, None),
    };
    let decision = DecisionRecord {
        document_number: input.decision.document_number.to_string(),
        issued_on: input.decision.issued_on.0,
        issuer: input.decision.issuer.to_string(),
    };
    let outcome = Reorganisation {
        id,
        dry_run,
        kind,
        effective_on: on,
        decision: decision.clone(),
        predecessors: predecessor_ids.iter().map(brief).collect(),
        successors: successors
            .iter()
            .map(|s| AgencyBrief {
                id: s.id,
                code: s.code.clone(),
                name: s.name.clone(),
                created: s.new.is_some(),
            })
            .collect(),
        previous_name,
        moves,
        kept,
    };
    if dry_run {
        return Ok(outcome);
    }

    let recorded = Reorganisation {
        dry_run: false,
        ..outcome
    };
    store::reorganisations::insert(
        conn,
        &NewReorganisation {
            id,
            kind,
            effective_on: on,
            document_number: &decision.document_number,
            issued_on: decision.issued_on,
            issuer: &decision.issuer,
            recorded_by: Some(actor.principal.user_id),
            recorded_at: actor.now,
            outcome: serde_json::to_value(&recorded)
                .map_err(|e| DomainError::Internal(format!("outcome: {e}")))?,
        },
    )?;
    for s in &successors {
        let Some(new) = &s.new else { continue };
        store::agencies::insert(
            conn,
            &NewAgency {
                id: s.id,
                code: &s.code,
                name: new.name.as_str(),
                kind: new.kind,
                parent_id: new.parent_id,
                created_at: actor.now,
                updated_at: actor.now,
                valid_from: Some(on),
            },
        )
        .map_err(|e| match DomainError::from(e) {
            DomainError::Conflict(Conflict::Duplicate(_)) => unprocessable(vec![FieldError::new(
                format!("{}.code", s.field),
                format!("an agency with code {} already exists", s.code),
            )]),
            other => other,
        })?;
        audit::record(
            conn,
            actor.principal.user_id,
            actor.now,
            &Event::AgencyCreated {
                agency: s.id,
                code: s.code.clone(),
                name: s.name.clone(),
                kind: new.kind,
                parent_id: new.parent_id,
            },
        )?;
    }
    let touched: Vec<AgencyId> = predecessor_ids
        .iter()
        .chain(successors.iter().map(|s| &s.id))
        .copied()
        .collect();
    store::reorganisations::touch(conn, id, &touched, on)
        .map_err(|_| DomainError::from(Conflict::ConcurrentChange))?;
    match (&input.change, &new_name, &recorded.previous_name) {
        (Change::Rename { agency_id, .. }, Some(name), Some(old)) => {
            store::reorganisations::rename(conn, id, *agency_id, old, name, on, actor.now)?;
        }
        _ => {
            for p in &predecessor_ids {
                store::reorganisations::end(conn, *p, on, actor.now)?;
                for s in &successors {
                    store::reorganisations::succeed(conn, id, *p, s.id, on)?;
                }
            }
        }
    }
    let mut by_task: Vec<(TaskId, Vec<&TaskMove>)> = Vec::new();
    for m in &recorded.moves {
        match by_task.last_mut() {
            Some((t, list)) if *t == m.task_id => list.push(m),
            _ => by_task.push((m.task_id, vec![m])),
        }
    }
    for (task, list) in &by_task {
        match lead_after.get(task) {
            Some(lead) => store::reorganisations::set_lead(conn, *task, *lead, actor.now)?,
            None => store::reorganisations::bump(conn, *task, actor.now)?,
        }
        if let Some(support) = supporting_after.get(task) {
            store::tasks::set_supporting_agencies(conn, *task, support)?;
        }
        let event = Event::TaskReorganised {
            task: *task,
            reorganisation_id: id,
            effective_on: on,
            decision: decision.clone(),
            moves: list
                .iter()
                .map(|m| RoleMove {
                    role: m.role,
                    from_agency_id: m.from_agency_id,
                    to_agency_id: m.to_agency_id,
                })
                .collect(),
        };
        audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    }
    let moves: Vec<NewMove> = recorded
        .moves
        .iter()
        .map(|m| NewMove {
            reorganisation_id: id,
            task_id: m.task_id,
            role: m.role,
            from_agency_id: m.from_agency_id,
            to_agency_id: m.to_agency_id,
            effective_on: on,
            joined: m.joined,
        })
        .collect();
    store::reorganisations::record_moves(conn, &moves)?;
    let event = Event::AgenciesReorganised {
        reorganisation: id,
        kind,
        effective_on: on,
        decision,
        predecessor_ids,
        successor_ids: successors.iter().map(|s| s.id).collect(),
        name: new_name,
        roles_moved: recorded.moves.len(),
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    Ok(recorded)
}

/// A recorded reorganisation, as its POST answered.
pub fn find(conn: &mut PgConnection, id: ReorganisationId) -> DomainResult<Reorganisation> {
    let value = store::reorganisations::outcome(conn, id)?
        .ok_or(DomainError::not_found("reorganisation"))?;
    serde_json::from_value(value).map_err(|e| DomainError::Internal(format!("outcome: {e}")))
}
