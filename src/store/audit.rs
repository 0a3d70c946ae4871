//! The audit trail: every write, in the transaction of the write.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::audit_events;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub task_id: Option<Uuid>,
    pub changes: serde_json::Value,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent<'a> {
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Uuid,
    pub task_id: Option<Uuid>,
    pub changes: serde_json::Value,
}

impl<'a> NewAuditEvent<'a> {
    /// `actor` did `action` to an entity; `changes` holds the fields written.
    pub fn new(
        actor: Uuid,
        action: &'a str,
        entity_type: &'a str,
        entity_id: Uuid,
        changes: serde_json::Value,
    ) -> Self {
        NewAuditEvent {
            occurred_at: Utc::now(),
            actor_id: Some(actor),
            action,
            entity_type,
            entity_id,
            task_id: None,
            changes,
        }
    }

    /// When it happened: the time the write stamped on the row.
    pub fn at(self, occurred_at: DateTime<Utc>) -> Self {
        NewAuditEvent {
            occurred_at,
            ..self
        }
    }

    /// The task whose history shows the event.
    pub fn on_task(self, task_id: Uuid) -> Self {
        NewAuditEvent {
            task_id: Some(task_id),
            ..self
        }
    }
}

pub fn record(conn: &mut PgConnection, event: &NewAuditEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values(event)
        .execute(conn)
        .map(|_| ())
}

/// A task's events, oldest first, after event `after_id`.
pub fn task_history(
    conn: &mut PgConnection,
    task_id: Uuid,
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
