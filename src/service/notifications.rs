//! A user's notifications: what the outbox told them, newest first.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Actor, Page};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::TaskId;
use crate::store;
use crate::store::outbox::NotificationRow;

/// Something that happened that concerns the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: Uuid,
    /// The event type (`claim.submitted`, `task.due_soon`, …).
    #[serde(rename = "type")]
    pub event_type: String,
    /// The outbox event it comes from (the `webhook-id` of its deliveries).
    pub event_id: Uuid,
    /// In Vietnamese, e.g. `Nhiệm vụ NV12 đến hạn sau 3 ngày (30/6/2024)`.
    pub title: String,
    pub body: String,
    pub task_id: Option<TaskId>,
    pub created_at: DateTime<Utc>,
    /// `null` while unread.
    pub read_at: Option<DateTime<Utc>>,
}

impl From<NotificationRow> for Notification {
    fn from(r: NotificationRow) -> Notification {
        Notification {
            id: r.id,
            event_type: r.event_type,
            event_id: r.event_id,
            title: r.title,
            body: r.body,
            task_id: r.task_id,
            created_at: r.created_at,
            read_at: r.read_at,
        }
    }
}

/// Where a page of notifications ends.
pub type NotificationPosition = (DateTime<Utc>, Uuid);

pub fn list(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    unread_only: bool,
    after: Option<NotificationPosition>,
    limit: i64,
) -> DomainResult<Page<Notification, NotificationPosition>> {
    let mut rows = store::outbox::notifications_of(
        conn,
        actor.principal.user_id,
        unread_only,
        after,
        limit + 1,
    )?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = rows.last().filter(|_| more).map(|r| (r.created_at, r.id));
    Ok(Page {
        items: rows.into_iter().map(Notification::from).collect(),
        next,
    })
}

/// Marks one of the caller's notifications read; another's is 404.
pub fn read(conn: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> DomainResult<Notification> {
    store::outbox::mark_read(conn, actor.principal.user_id, id, actor.now)?
        .map(Notification::from)
        .ok_or(DomainError::not_found("notification"))
}

/// Marks every unread notification of the caller read; returns how many.
pub fn read_all(conn: &mut PgConnection, actor: &Actor<'_>) -> DomainResult<usize> {
    Ok(store::outbox::mark_all_read(
        conn,
        actor.principal.user_id,
        actor.now,
    )?)
}
