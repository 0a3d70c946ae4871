use crate::domain::enums::AgencyKind;
use crate::domain::ids::AgencyId;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use super::After;
use crate::db::schema::{agencies, agency_successions, reform_areas};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = agencies)]
pub struct AgencyRow {
    pub id: AgencyId,
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    pub parent_id: Option<AgencyId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = agencies)]
pub struct NewAgency<'a> {
    pub id: AgencyId,
    pub code: &'a str,
    pub name: &'a str,
    pub kind: AgencyKind,
    pub parent_id: Option<AgencyId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub valid_from: Option<NaiveDate>,
}

/// `None`: leave as is; `Some(None)`: clear (nullable fields only).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = agencies)]
pub struct AgencyChangeset {
    pub code: Option<String>,
    pub name: Option<String>,
    pub kind: Option<AgencyKind>,
    pub parent_id: Option<Option<AgencyId>>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reform_areas)]
pub struct AreaRow {
    pub code: String,
    pub name: String,
    pub position: i32,
    pub is_reform_area: bool,
}

pub fn list_areas(conn: &mut PgConnection) -> QueryResult<Vec<AreaRow>> {
    reform_areas::table
        .order(reform_areas::position)
        .select(AreaRow::as_select())
        .load(conn)
}

pub fn find(conn: &mut PgConnection, id: AgencyId) -> QueryResult<Option<AgencyRow>> {
    agencies::table
        .find(id)
        .select(AgencyRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_code(conn: &mut PgConnection, code: &str) -> QueryResult<Option<AgencyRow>> {
    agencies::table
        .filter(agencies::code.eq(code))
        .select(AgencyRow::as_select())
        .first(conn)
        .optional()
}

/// The agencies among `ids` that exist.
pub fn existing_ids(conn: &mut PgConnection, ids: &[AgencyId]) -> QueryResult<Vec<AgencyId>> {
    agencies::table
        .filter(agencies::id.eq_any(ids))
        .select(agencies::id)
        .load(conn)
}

/// Agencies by code, after `after` (keyset), optionally of one kind or under one parent.
pub fn list(
    conn: &mut PgConnection,
    kind: Option<AgencyKind>,
    parent_id: Option<AgencyId>,
    after: Option<&After<String, AgencyId>>,
    limit: i64,
) -> QueryResult<Vec<AgencyRow>> {
    let mut q = agencies::table.select(AgencyRow::as_select()).into_boxed();
    if let Some(kind) = kind {
        q = q.filter(agencies::kind.eq(kind));
    }
    if let Some(parent) = parent_id {
        q = q.filter(agencies::parent_id.eq(parent));
    }
    if let Some(a) = after {
        q = q.filter(
            agencies::code
                .gt(a.key.clone())
                .or(agencies::code.eq(a.key.clone()).and(agencies::id.gt(a.id))),
        );
    }
    q.order((agencies::code, agencies::id))
        .limit(limit)
        .load(conn)
}

/// Every agency, by code (an import matches names against all of them).
pub fn all(conn: &mut PgConnection) -> QueryResult<Vec<AgencyRow>> {
    agencies::table
        .select(AgencyRow::as_select())
        .order(agencies::code)
        .load(conn)
}

/// The agencies with these ids, by code.
pub fn find_many(conn: &mut PgConnection, ids: &[AgencyId]) -> QueryResult<Vec<AgencyRow>> {
    agencies::table
        .filter(agencies::id.eq_any(ids))
        .order(agencies::code)
        .select(AgencyRow::as_select())
        .load(conn)
}

pub fn insert(conn: &mut PgConnection, new: &NewAgency<'_>) -> QueryResult<AgencyRow> {
    diesel::insert_into(agencies::table)
        .values(new)
        .returning(AgencyRow::as_returning())
        .get_result(conn)
}

pub fn update(
    conn: &mut PgConnection,
    id: AgencyId,
    changes: &AgencyChangeset,
) -> QueryResult<AgencyRow> {
    diesel::update(agencies::table.find(id))
        .set(changes)
        .returning(AgencyRow::as_returning())
        .get_result(conn)
}

/// Whether making `parent` the parent of `id` would close a loop.
/// Serialises changes of agencies' parents until the transaction ends, so
/// that two concurrent moves cannot together make a loop that neither makes alone.
pub fn lock_hierarchy(conn: &mut PgConnection) -> QueryResult<()> {
    // An arbitrary constant key, used for nothing else ("AGENCYTR").
    diesel::sql_query("SELECT pg_advisory_xact_lock(4702127683316298322)")
        .execute(conn)
        .map(|_| ())
}

pub fn would_cycle(conn: &mut PgConnection, id: AgencyId, parent: AgencyId) -> QueryResult<bool> {
    let mut current = Some(parent);
    let mut steps = 0;
    while let Some(p) = current {
        if p == id {
            return Ok(true);
        }
        steps += 1;
        if steps > 64 {
            return Ok(true);
        }
        current = agencies::table
            .find(p)
            .select(agencies::parent_id)
            .first(conn)
            .optional()?
            .flatten();
    }
    Ok(false)
}

/// The successors of each of `ids` (predecessor, successor), by successor.
pub fn successors_of(
    conn: &mut PgConnection,
    ids: &[AgencyId],
) -> QueryResult<Vec<(AgencyId, AgencyId)>> {
    agency_successions::table
        .filter(agency_successions::predecessor_id.eq_any(ids))
        .order((
            agency_successions::predecessor_id,
            agency_successions::successor_id,
        ))
        .select((
            agency_successions::predecessor_id,
            agency_successions::successor_id,
        ))
        .load(conn)
}
