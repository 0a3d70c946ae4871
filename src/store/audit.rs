//! The audit trail: every write, in the transaction of the write.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::prepared::Prepared;
use crate::domain::ids::{InspectionId, TaskId, UserId};

use crate::db::schema::audit_events;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub task_id: Option<TaskId>,
    pub changes: serde_json::Value,
    pub inspection_id: Option<InspectionId>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent<'a> {
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Uuid,
    pub task_id: Option<TaskId>,
    pub changes: serde_json::Value,
    pub inspection_id: Option<InspectionId>,
}

pub fn record(conn: &mut PgConnection, event: &NewAuditEvent<'_>) -> QueryResult<()> {
    Prepared(diesel::insert_into(audit_events::table).values(event))
        .execute(conn)
        .map(|_| ())
}

/// Records an event and puts it in the outbox (`id`, as `event_type`) in one
/// statement: the outbox row is the audit row's, under its own names.
pub fn record_and_publish(
    conn: &mut PgConnection,
    event: &NewAuditEvent<'_>,
    outbox_id: Uuid,
    event_type: &str,
) -> QueryResult<()> {
    use diesel::sql_types::{Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
    let query = diesel::sql_query(
        "WITH audit AS (INSERT INTO audit_events (occurred_at, actor_id, action, entity_type, \
         entity_id, task_id, changes, inspection_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)) \
         INSERT INTO outbox_events (id, type, occurred_at, actor_id, task_id, subject_type, \
         subject_id, changes) VALUES ($9, $10, $1, $2, $6, $4, $5, $7)",
    )
    .bind::<Timestamptz, _>(event.occurred_at)
    .bind::<Nullable<SqlUuid>, _>(event.actor_id.map(|a| a.0))
    .bind::<Text, _>(event.action)
    .bind::<Text, _>(event.entity_type)
    .bind::<SqlUuid, _>(event.entity_id)
    .bind::<Nullable<SqlUuid>, _>(event.task_id.map(|t| t.0))
    .bind::<Jsonb, _>(&event.changes)
    .bind::<Nullable<SqlUuid>, _>(event.inspection_id.map(|i| i.0))
    .bind::<SqlUuid, _>(outbox_id)
    .bind::<Text, _>(event_type);
    Prepared(query).execute(conn).map(|_| ())
}

/// A task's events, oldest first, after event `after_id`.
pub fn task_history(
    conn: &mut PgConnection,
    task_id: TaskId,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    audit_events::table
        .filter(audit_events::task_id.eq(task_id))
        .filter(audit_events::id.gt(after_id))
        .order(audit_events::id)
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
}

/// An inspection's events (its own, its findings' and their remedies'),
/// oldest first, after event `after_id`.
pub fn inspection_history(
    conn: &mut PgConnection,
    inspection_id: InspectionId,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    audit_events::table
        .filter(audit_events::inspection_id.eq(inspection_id))
        .filter(audit_events::id.gt(after_id))
        .order(audit_events::id)
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
}
