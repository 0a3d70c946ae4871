use crate::domain::ids::{ObjectiveId, PlanId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::After;
use crate::db::schema::{objectives, plans};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: PlanId,
    pub code: String,
    pub year: i32,
    pub title: String,
    pub programme: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Its read-only page is open to anyone (`/cong-khai/{id}`).
    pub public: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = plans)]
pub struct NewPlan<'a> {
    pub id: PlanId,
    pub code: &'a str,
    pub year: i32,
    pub title: &'a str,
    pub programme: Option<&'a str>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = plans)]
pub struct PlanChangeset {
    pub code: Option<String>,
    pub title: Option<String>,
    pub programme: Option<Option<String>>,
    pub public: Option<bool>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = objectives)]
pub struct ObjectiveRow {
    pub id: ObjectiveId,
    pub plan_id: PlanId,
    pub code: String,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = objectives)]
pub struct NewObjective<'a> {
    pub id: ObjectiveId,
    pub plan_id: PlanId,
    pub code: &'a str,
    pub title: &'a str,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = objectives)]
pub struct ObjectiveChangeset {
    pub code: Option<String>,
    pub title: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

pub fn find(conn: &mut PgConnection, id: PlanId) -> QueryResult<Option<PlanRow>> {
    plans::table
        .find(id)
        .select(PlanRow::as_select())
        .first(conn)
        .optional()
}

/// Locks the plan row for the rest of the transaction.
pub fn find_for_update(conn: &mut PgConnection, id: PlanId) -> QueryResult<Option<PlanRow>> {
    plans::table
        .find(id)
        .select(PlanRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn count(conn: &mut PgConnection) -> QueryResult<i64> {
    plans::table.count().get_result(conn)
}

/// Plans by code (keyset), optionally of one year.
pub fn list(
    conn: &mut PgConnection,
    year: Option<i32>,
    after: Option<&After<String, PlanId>>,
    limit: i64,
) -> QueryResult<Vec<PlanRow>> {
    let mut q = plans::table.select(PlanRow::as_select()).into_boxed();
    if let Some(y) = year {
        q = q.filter(plans::year.eq(y));
    }
    if let Some(a) = after {
        q = q.filter(
            plans::code
                .gt(a.key.clone())
                .or(plans::code.eq(a.key.clone()).and(plans::id.gt(a.id))),
        );
    }
    q.order((plans::code, plans::id)).limit(limit).load(conn)
}

pub fn insert(conn: &mut PgConnection, new: &NewPlan<'_>) -> QueryResult<PlanRow> {
    diesel::insert_into(plans::table)
        .values(new)
        .returning(PlanRow::as_returning())
        .get_result(conn)
}

pub fn update(
    conn: &mut PgConnection,
    id: PlanId,
    changes: &PlanChangeset,
) -> QueryResult<PlanRow> {
    diesel::update(plans::table.find(id))
        .set(changes)
        .returning(PlanRow::as_returning())
        .get_result(conn)
}

pub fn find_objective(
    conn: &mut PgConnection,
    id: ObjectiveId,
) -> QueryResult<Option<ObjectiveRow>> {
    objectives::table
        .find(id)
        .select(ObjectiveRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_objectives(
    conn: &mut PgConnection,
    plan_id: PlanId,
    after: Option<&After<String, ObjectiveId>>,
    limit: i64,
) -> QueryResult<Vec<ObjectiveRow>> {
    let mut q = objectives::table
        .filter(objectives::plan_id.eq(plan_id))
        .select(ObjectiveRow::as_select())
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(
            objectives::code.gt(a.key.clone()).or(objectives::code
                .eq(a.key.clone())
                .and(objectives::id.gt(a.id))),
        );
    }
    q.order((objectives::code, objectives::id))
        .limit(limit)
        .load(conn)
}

pub fn insert_objective(
    conn: &mut PgConnection,
    new: &NewObjective<'_>,
) -> QueryResult<ObjectiveRow> {
    diesel::insert_into(objectives::table)
        .values(new)
        .returning(ObjectiveRow::as_returning())
        .get_result(conn)
}

pub fn update_objective(
    conn: &mut PgConnection,
    id: ObjectiveId,
    changes: &ObjectiveChangeset,
) -> QueryResult<ObjectiveRow> {
    diesel::update(objectives::table.find(id))
        .set(changes)
        .returning(ObjectiveRow::as_returning())
        .get_result(conn)
}
