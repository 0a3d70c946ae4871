//! The outbox and what it fans out to: notifications, webhook subscriptions
//! and their deliveries, and the reminders of the daily run. Workers claim
//! rows with `FOR UPDATE SKIP LOCKED`, so nodes never take the same work.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Integer, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

use super::prepared::Prepared;
use crate::db::schema::{notifications, outbox_events, webhook_deliveries, webhooks};
use crate::domain::ids::{TaskId, UserId};

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox_events)]
pub struct NewOutboxEvent<'a> {
    pub id: Uuid,
    pub event_type: &'a str,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub task_id: Option<TaskId>,
    pub subject_type: &'a str,
    pub subject_id: Uuid,
    pub changes: serde_json::Value,
}

pub fn insert_event(conn: &mut PgConnection, event: &NewOutboxEvent<'_>) -> QueryResult<()> {
    Prepared(diesel::insert_into(outbox_events::table).values(event))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox_events)]
pub struct OutboxRow {
    pub id: Uuid,
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub task_id: Option<TaskId>,
    pub subject_type: String,
    pub subject_id: Uuid,
    pub changes: serde_json::Value,
    pub payload: Option<serde_json::Value>,
}

/// Up to `limit` events not yet fanned out, oldest first, locked for this
/// transaction; rows another node holds are skipped, not waited for.
pub fn claim_waiting(conn: &mut PgConnection, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    outbox_events::table
        .filter(outbox_events::fanned_out_at.is_null())
        .order((outbox_events::occurred_at, outbox_events::id))
        .limit(limit)
        .select(OutboxRow::as_select())
        .for_update()
        .skip_locked()
        .load(conn)
}

/// Marks events fanned out, each with its payload, in one statement.
pub fn mark_fanned_out(
    conn: &mut PgConnection,
    payloads: &[(Uuid, serde_json::Value)],
    at: DateTime<Utc>,
) -> QueryResult<()> {
    let (ids, payloads): (Vec<Uuid>, Vec<&serde_json::Value>) =
        payloads.iter().map(|(id, p)| (*id, p)).unzip();
    Prepared(
        diesel::sql_query(
            "UPDATE outbox_events o SET payload = v.payload, fanned_out_at = $1
               FROM unnest($2::uuid[], $3::jsonb[]) AS v(id, payload) WHERE o.id = v.id",
        )
        .bind::<Timestamptz, _>(at)
        .bind::<diesel::sql_types::Array<SqlUuid>, _>(ids)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Jsonb>, _>(payloads),
    )
    .execute(conn)
}

/// Marks every waiting event sent without sending it: the demo's replayed
/// year is history, not news.
pub fn mark_history(conn: &mut PgConnection, at: DateTime<Utc>) -> QueryResult<usize> {
    diesel::sql_query(
        "UPDATE outbox_events SET fanned_out_at = $1,
                payload = jsonb_build_object('id', id, 'type', type, 'timestamp', occurred_at)
          WHERE fanned_out_at IS NULL",
    )
    .bind::<Timestamptz, _>(at)
    .execute(conn)
}

pub fn find_event(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<OutboxRow>> {
    outbox_events::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}

/// An account a notification goes to, and whether it has an e-mail address.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct Recipient {
    #[diesel(sql_type = SqlUuid)]
    pub id: UserId,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub has_email: bool,
}

/// An active officer of an agency.
#[derive(Debug, Clone, QueryableByName)]
pub struct Officer {
    #[diesel(sql_type = SqlUuid)]
    pub agency_id: Uuid,
    #[diesel(embed)]
    pub recipient: Recipient,
}

/// Active officers of these agencies.
pub fn officers_of(conn: &mut PgConnection, agencies: &[Uuid]) -> QueryResult<Vec<Officer>> {
    if agencies.is_empty() {
        return Ok(Vec::new());
    }
    Prepared(
        diesel::sql_query(
            "SELECT agency_id, id, email IS NOT NULL AS has_email FROM users
              WHERE active AND role = 'agency_officer' AND agency_id = ANY($1) ORDER BY id",
        )
        .bind::<diesel::sql_types::Array<SqlUuid>, _>(agencies.to_vec()),
    )
    .load(conn)
}

/// Active coordinators.
pub fn coordinators(conn: &mut PgConnection) -> QueryResult<Vec<Recipient>> {
    Prepared(diesel::sql_query(
        "SELECT id, email IS NOT NULL AS has_email FROM users
          WHERE active AND role = 'coordinator' ORDER BY id",
    ))
    .load(conn)
}

/// Active inspectors.
pub fn inspectors(conn: &mut PgConnection) -> QueryResult<Vec<Recipient>> {
    Prepared(diesel::sql_query(
        "SELECT id, email IS NOT NULL AS has_email FROM users
          WHERE active AND role = 'inspector' ORDER BY id",
    ))
    .load(conn)
}

/// One account, if active.
pub fn recipient(conn: &mut PgConnection, user: Uuid) -> QueryResult<Vec<Recipient>> {
    Prepared(
        diesel::sql_query(
            "SELECT id, email IS NOT NULL AS has_email FROM users WHERE active AND id = $1",
        )
        .bind::<SqlUuid, _>(user),
    )
    .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: Uuid,
    pub user_id: UserId,
    pub event_id: Uuid,
    pub event_type: String,
    pub title: String,
    pub body: String,
    pub task_id: Option<TaskId>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    /// `pending` when it is to be mailed, else `none`.
    pub email_status: String,
    pub email_next_at: Option<DateTime<Utc>>,
}

pub fn insert_notifications(conn: &mut PgConnection, rows: &[NotificationRow]) -> QueryResult<()> {
    // (an empty insert would still be a round trip)
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(notifications::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .map(|_| ())
}

/// A user's notifications, newest first, after `(created_at, id)`.
pub fn notifications_of(
    conn: &mut PgConnection,
    user: UserId,
    unread_only: bool,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    let mut q = notifications::table
        .filter(notifications::user_id.eq(user))
        .select(NotificationRow::as_select())
        .into_boxed();
    if unread_only {
        q = q.filter(notifications::read_at.is_null());
    }
    if let Some((at, id)) = after {
        q = q.filter(
            notifications::created_at
                .lt(at)
                .or(notifications::created_at
                    .eq(at)
                    .and(notifications::id.lt(id))),
        );
    }
    q.order((notifications::created_at.desc(), notifications::id.desc()))
        .limit(limit)
        .load(conn)
}

/// Marks one of the user's notifications read (keeping the first reading
/// time); `None` when it is not theirs.
pub fn mark_read(
    conn: &mut PgConnection,
    user: UserId,
    id: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<Option<NotificationRow>> {
    let mine = notifications::table
        .filter(notifications::id.eq(id))
        .filter(notifications::user_id.eq(user));
    diesel::update(mine.filter(notifications::read_at.is_null()))
        .set(notifications::read_at.eq(at))
        .execute(conn)?;
    mine.select(NotificationRow::as_select())
        .first(conn)
        .optional()
}

pub fn mark_all_read(
    conn: &mut PgConnection,
    user: UserId,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(user))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(at))
    .execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: Uuid,
    pub owner_id: UserId,
    pub url: String,
    pub events: Vec<String>,
    pub description: String,
    pub secret: String,
    pub active: bool,
    pub paused_reason: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

pub fn insert_webhook(conn: &mut PgConnection, row: &WebhookRow) -> QueryResult<WebhookRow> {
    diesel::insert_into(webhooks::table)
        .values(row)
        .returning(WebhookRow::as_returning())
        .get_result(conn)
}

/// A subscription not deleted, locked for the rest of the transaction when `lock`.
pub fn find_webhook(
    conn: &mut PgConnection,
    id: Uuid,
    lock: bool,
) -> QueryResult<Option<WebhookRow>> {
    let q = webhooks::table
        .filter(webhooks::id.eq(id))
        .filter(webhooks::deleted_at.is_null())
        .select(WebhookRow::as_select());
    if lock {
        q.for_update().first(conn).optional()
    } else {
        q.first(conn).optional()
    }
}

pub fn list_webhooks(conn: &mut PgConnection) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table
        .filter(webhooks::deleted_at.is_null())
        .order((webhooks::created_at, webhooks::id))
        .select(WebhookRow::as_select())
        .load(conn)
}

pub fn active_webhooks(conn: &mut PgConnection) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table
        .filter(webhooks::deleted_at.is_null())
        .filter(webhooks::active.eq(true))
        .select(WebhookRow::as_select())
        .load(conn)
}

/// Writes the subscription's state as the use case decided it.
pub fn save_webhook(conn: &mut PgConnection, row: &WebhookRow) -> QueryResult<WebhookRow> {
    diesel::update(webhooks::table.find(row.id))
        .set((
            webhooks::url.eq(&row.url),
            webhooks::events.eq(&row.events),
            webhooks::description.eq(&row.description),
            webhooks::active.eq(row.active),
            webhooks::paused_reason.eq(&row.paused_reason),
            webhooks::failing_since.eq(row.failing_since),
            webhooks::updated_at.eq(row.updated_at),
            webhooks::deleted_at.eq(row.deleted_at),
        ))
        .returning(WebhookRow::as_returning())
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub leased_until: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub last_response: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

pub fn insert_deliveries(conn: &mut PgConnection, rows: &[DeliveryRow]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(webhook_deliveries::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .map(|_| ())
}

/// A notification to mail, leased like a delivery.
#[derive(Debug, Clone, QueryableByName)]
pub struct MailJob {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Integer)]
    pub email_attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub email_leased_until: DateTime<Utc>,
}

/// Leases up to `limit` notifications due to be mailed by `now` (SKIP LOCKED).
pub fn lease_mail(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    lease_seconds: i32,
    limit: i64,
) -> QueryResult<Vec<MailJob>> {
    // (every node with mail runs this each second: prepared once per connection)
    Prepared(diesel::sql_query(
        "UPDATE notifications n
            SET email_leased_until = $1 + make_interval(secs => $2), email_attempts = n.email_attempts + 1
           FROM users u
          WHERE u.id = n.user_id AND u.email IS NOT NULL
            AND n.id IN (SELECT id FROM notifications
                          WHERE email_status = 'pending' AND email_next_at <= $1
                            AND (email_leased_until IS NULL OR email_leased_until <= $1)
                          ORDER BY email_next_at, id LIMIT $3
                          FOR UPDATE SKIP LOCKED)
      RETURNING n.id, u.email, n.title, n.body, n.email_attempts, n.created_at, n.email_leased_until",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Integer, _>(lease_seconds)
    .bind::<diesel::sql_types::BigInt, _>(limit))
    .load(conn)
}

/// Records a mailing's outcome, if the lease is still the caller's.
pub fn finish_mail(
    conn: &mut PgConnection,
    job: &MailJob,
    status: &str,
    next_at: Option<DateTime<Utc>>,
    error: Option<&str>,
) -> QueryResult<bool> {
    let n = diesel::update(
        notifications::table
            .filter(notifications::id.eq(job.id))
            .filter(notifications::email_leased_until.eq(job.email_leased_until)),
    )
    .set((
        notifications::email_status.eq(status),
        notifications::email_next_at.eq(next_at),
        notifications::email_leased_until.eq(None::<DateTime<Utc>>),
        notifications::email_error.eq(error),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Leases up to `limit` deliveries due by `now` for `lease_seconds`: the
/// claim commits at once, so no transaction stays open during the HTTP call;
/// a node that dies mid-delivery leaves a lease that simply runs out.
pub fn lease_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    lease_seconds: i32,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    // (every node runs this each second: prepared once per connection)
    Prepared(diesel::sql_query(
        "UPDATE webhook_deliveries d SET leased_until = $1 + make_interval(secs => $2), attempts = d.attempts + 1
          WHERE d.id IN (SELECT id FROM webhook_deliveries
                          WHERE status = 'pending' AND next_attempt_at <= $1
                            AND (leased_until IS NULL OR leased_until <= $1)
                          ORDER BY next_attempt_at, id LIMIT $3
                          FOR UPDATE SKIP LOCKED)
          RETURNING d.*",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Integer, _>(lease_seconds)
    .bind::<diesel::sql_types::BigInt, _>(limit))
    .load(conn)
}

/// Records an attempt's outcome; only the lease holder's write counts (the
/// lease it was given must still be the row's).
pub fn finish_attempt(
    conn: &mut PgConnection,
    row: &DeliveryRow,
    lease: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(row.id))
            .filter(webhook_deliveries::leased_until.eq(lease)),
    )
    .set((
        webhook_deliveries::status.eq(&row.status),
        webhook_deliveries::next_attempt_at.eq(row.next_attempt_at),
        webhook_deliveries::leased_until.eq(None::<DateTime<Utc>>),
        webhook_deliveries::last_status_code.eq(row.last_status_code),
        webhook_deliveries::last_error.eq(&row.last_error),
        webhook_deliveries::last_response.eq(&row.last_response),
        webhook_deliveries::delivered_at.eq(row.delivered_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn deliveries_of(
    conn: &mut PgConnection,
    webhook: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let mut q = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .select(DeliveryRow::as_select())
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            webhook_deliveries::created_at
                .lt(at)
                .or(webhook_deliveries::created_at
                    .eq(at)
                    .and(webhook_deliveries::id.lt(id))),
        );
    }
    q.order((
        webhook_deliveries::created_at.desc(),
        webhook_deliveries::id.desc(),
    ))
    .limit(limit)
    .load(conn)
}

pub fn find_delivery(
    conn: &mut PgConnection,
    webhook: Uuid,
    id: Uuid,
) -> QueryResult<Option<DeliveryRow>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(id))
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .select(DeliveryRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Sends a delivery again: pending, due now, its attempts kept.
pub fn requeue(conn: &mut PgConnection, id: Uuid, now: DateTime<Utc>) -> QueryResult<DeliveryRow> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq("pending"),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::leased_until.eq(None::<DateTime<Utc>>),
        ))
        .returning(DeliveryRow::as_returning())
        .get_result(conn)
}

/// An open task's standing for the daily run.
#[derive(Debug, QueryableByName)]
pub struct OpenTask {
    #[diesel(sql_type = SqlUuid)]
    pub id: TaskId,
    #[diesel(sql_type = Date)]
    pub due_on: NaiveDate,
}

/// Tasks open on `day` (not completed, not cancelled) and due within `horizon`
/// days of it or already past due, with the due date in force on `day`.
pub fn open_tasks_due_by(
    conn: &mut PgConnection,
    day: NaiveDate,
    horizon: i32,
) -> QueryResult<Vec<OpenTask>> {
    diesel::sql_query(
        "SELECT t.id, COALESCE((SELECT e.requested_due_on FROM extension_requests e
                                 WHERE e.task_id = t.id AND e.status = 'approved' AND e.decided_on <= $1
                                 ORDER BY e.decided_on DESC, e.decided_at DESC LIMIT 1),
                                t.original_due_on) AS due_on
           FROM tasks t
          WHERE t.status NOT IN ('completed', 'cancelled') AND t.original_due_on <= $1 + $2
          ORDER BY t.id",
    )
    .bind::<Date, _>(day)
    .bind::<Integer, _>(horizon)
    .load(conn)
}

/// Records that a reminder is sent; `false` when it already was (by any node).
pub fn claim_reminder(
    conn: &mut PgConnection,
    task: TaskId,
    kind: &str,
    due_on: NaiveDate,
    days_before: i32,
    day: NaiveDate,
    event_id: Uuid,
) -> QueryResult<bool> {
    let n = diesel::sql_query(
        "INSERT INTO task_reminders (task_id, kind, due_on, days_before, sent_on, event_id)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind::<SqlUuid, _>(task)
    .bind::<Text, _>(kind)
    .bind::<Date, _>(due_on)
    .bind::<Integer, _>(days_before)
    .bind::<Date, _>(day)
    .bind::<SqlUuid, _>(event_id)
    .execute(conn)?;
    Ok(n == 1)
}
