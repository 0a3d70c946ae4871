//! Reorganisations of agencies: the event, the agencies it touched, who
//! succeeded whom, earlier names, and each task role handed on.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use super::agencies::AgencyRow;
use super::tasks::TaskRow;
use crate::db::schema::{
    agencies, agency_names, agency_successions, reorganisation_agencies, reorganisations,
    task_agency_moves, task_supporting_agencies, tasks,
};
use crate::domain::enums::{ReorganisationKind, TaskRole};
use crate::domain::ids::{AgencyId, ReorganisationId, TaskId, UserId};

#[derive(Debug, Insertable)]
#[diesel(table_name = reorganisations)]
pub struct NewReorganisation<'a> {
    pub id: ReorganisationId,
    pub kind: ReorganisationKind,
    pub effective_on: NaiveDate,
    pub document_number: &'a str,
    pub issued_on: NaiveDate,
    pub issuer: &'a str,
    pub recorded_by: Option<UserId>,
    pub recorded_at: DateTime<Utc>,
    pub outcome: serde_json::Value,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = task_agency_moves)]
pub struct NewMove {
    pub reorganisation_id: ReorganisationId,
    pub task_id: TaskId,
    pub role: TaskRole,
    pub from_agency_id: AgencyId,
    pub to_agency_id: AgencyId,
    pub effective_on: NaiveDate,
    /// A supporting role's successor joined the task by this move.
    pub joined: bool,
}

/// Locks the rows of `ids` against other reorganisations until the
/// transaction ends, skipping rows another transaction holds: fewer rows
/// back than ids asked for means a concurrent change (or an unknown id).
pub fn lock_agencies(conn: &mut PgConnection, ids: &[AgencyId]) -> QueryResult<Vec<AgencyRow>> {
    agencies::table
        .filter(agencies::id.eq_any(ids))
        .order(agencies::id)
        .select(AgencyRow::as_select())
        .for_no_key_update()
        .skip_locked()
        .load(conn)
}

/// Those of `ids` already touched by a reorganisation effective on `day`.
pub fn reorganised_on(
    conn: &mut PgConnection,
    ids: &[AgencyId],
    day: NaiveDate,
) -> QueryResult<Vec<AgencyId>> {
    reorganisation_agencies::table
        .filter(reorganisation_agencies::agency_id.eq_any(ids))
        .filter(reorganisation_agencies::effective_on.eq(day))
        .select(reorganisation_agencies::agency_id)
        .load(conn)
}

/// The latest day a reorganisation touching each of `ids` took effect.
pub fn last_reorganised(
    conn: &mut PgConnection,
    ids: &[AgencyId],
) -> QueryResult<Vec<(AgencyId, Option<NaiveDate>)>> {
    reorganisation_agencies::table
        .filter(reorganisation_agencies::agency_id.eq_any(ids))
        .group_by(reorganisation_agencies::agency_id)
        .select((
            reorganisation_agencies::agency_id,
            diesel::dsl::max(reorganisation_agencies::effective_on),
        ))
        .load(conn)
}

/// Every succession recorded (predecessor, successor).
pub fn successions(conn: &mut PgConnection) -> QueryResult<Vec<(AgencyId, AgencyId)>> {
    agency_successions::table
        .select((
            agency_successions::predecessor_id,
            agency_successions::successor_id,
        ))
        .load(conn)
}

/// The tasks any of `ids` leads or supports, locked, by plan and code.
pub fn tasks_of_for_update(conn: &mut PgConnection, ids: &[AgencyId]) -> QueryResult<Vec<TaskRow>> {
    let supported = task_supporting_agencies::table
        .filter(task_supporting_agencies::agency_id.eq_any(ids))
        .select(task_supporting_agencies::task_id);
    tasks::table
        .filter(
            tasks::lead_agency_id
                .eq_any(ids)
                .or(tasks::id.eq_any(supported)),
        )
        .order((tasks::plan_id, tasks::code))
        .select(TaskRow::as_select())
        .for_update()
        .load(conn)
}

/// The supporting agencies of `task_ids` (task, agency).
pub fn supporting_of(
    conn: &mut PgConnection,
    task_ids: &[TaskId],
) -> QueryResult<Vec<(TaskId, AgencyId)>> {
    task_supporting_agencies::table
        .filter(task_supporting_agencies::task_id.eq_any(task_ids))
        .select((
            task_supporting_agencies::task_id,
            task_supporting_agencies::agency_id,
        ))
        .load(conn)
}

pub fn insert(conn: &mut PgConnection, new: &NewReorganisation<'_>) -> QueryResult<()> {
    diesel::insert_into(reorganisations::table)
        .values(new)
        .execute(conn)
        .map(|_| ())
}

/// Marks `agency_ids` as reorganised on `day` by `id`.
pub fn touch(
    conn: &mut PgConnection,
    id: ReorganisationId,
    agency_ids: &[AgencyId],
    day: NaiveDate,
) -> QueryResult<()> {
    let rows: Vec<_> = agency_ids
        .iter()
        .map(|a| {
            (
                reorganisation_agencies::reorganisation_id.eq(id),
                reorganisation_agencies::agency_id.eq(*a),
                reorganisation_agencies::effective_on.eq(day),
            )
        })
        .collect();
    diesel::insert_into(reorganisation_agencies::table)
        .values(&rows)
        .execute(conn)
        .map(|_| ())
}

/// Records that `successor` follows `predecessor` from `day`.
pub fn succeed(
    conn: &mut PgConnection,
    id: ReorganisationId,
    predecessor: AgencyId,
    successor: AgencyId,
    day: NaiveDate,
) -> QueryResult<()> {
    diesel::insert_into(agency_successions::table)
        .values((
            agency_successions::reorganisation_id.eq(id),
            agency_successions::predecessor_id.eq(predecessor),
            agency_successions::successor_id.eq(successor),
            agency_successions::effective_on.eq(day),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Ends `agency` on `day` (its last day is the day before).
pub fn end(
    conn: &mut PgConnection,
    agency: AgencyId,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(agencies::table.find(agency))
        .set((agencies::valid_to.eq(day), agencies::updated_at.eq(now)))
        .execute(conn)
        .map(|_| ())
}

/// Gives `agency` the name `name` from `day`, keeping the old one as a version.
pub fn rename(
    conn: &mut PgConnection,
    id: ReorganisationId,
    agency: AgencyId,
    old_name: &str,
    name: &str,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(agency_names::table)
        .values((
            agency_names::agency_id.eq(agency),
            agency_names::valid_to.eq(day),
            agency_names::name.eq(old_name),
            agency_names::reorganisation_id.eq(id),
        ))
        .execute(conn)?;
    diesel::update(agencies::table.find(agency))
        .set((agencies::name.eq(name), agencies::updated_at.eq(now)))
        .execute(conn)
        .map(|_| ())
}

/// Sets a task's lead agency, bumping its version.
pub fn set_lead(
    conn: &mut PgConnection,
    task: TaskId,
    lead: AgencyId,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(tasks::table.find(task))
        .set((
            tasks::lead_agency_id.eq(lead),
            tasks::version.eq(tasks::version + 1),
            tasks::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Bumps a task's version (its supporting agencies changed).
pub fn bump(conn: &mut PgConnection, task: TaskId, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(tasks::table.find(task))
        .set((
            tasks::version.eq(tasks::version + 1),
            tasks::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn record_moves(conn: &mut PgConnection, moves: &[NewMove]) -> QueryResult<()> {
    if moves.is_empty() {
        return Ok(());
    }
    diesel::insert_into(task_agency_moves::table)
        .values(moves)
        .execute(conn)
        .map(|_| ())
}

/// A reorganisation's recorded outcome.
pub fn outcome(
    conn: &mut PgConnection,
    id: ReorganisationId,
) -> QueryResult<Option<serde_json::Value>> {
    reorganisations::table
        .find(id)
        .select(reorganisations::outcome)
        .first(conn)
        .optional()
}

/// The name `agency` had on `day`: the earliest earlier name still in force
/// that day, if any (else its current name).
pub fn name_on(
    conn: &mut PgConnection,
    agency: AgencyId,
    day: NaiveDate,
) -> QueryResult<Option<String>> {
    agency_names::table
        .filter(agency_names::agency_id.eq(agency))
        .filter(agency_names::valid_to.gt(day))
        .order(agency_names::valid_to)
        .select(agency_names::name)
        .first(conn)
        .optional()
}

/// Every agency `agency` succeeded, directly or through others.
pub fn predecessors_of(conn: &mut PgConnection, agency: AgencyId) -> QueryResult<Vec<AgencyId>> {
    let mut found: Vec<AgencyId> = Vec::new();
    let mut frontier = vec![agency];
    while !frontier.is_empty() && found.len() < 10_000 {
        let next: Vec<AgencyId> = agency_successions::table
            .filter(agency_successions::successor_id.eq_any(&frontier))
            .select(agency_successions::predecessor_id)
            .load(conn)?;
        frontier = next
            .into_iter()
            .filter(|a| *a != agency && !found.contains(a))
            .collect();
        frontier.sort();
        frontier.dedup();
        found.extend(&frontier);
    }
    Ok(found)
}
