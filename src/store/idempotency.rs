//! Idempotency records: the first response to a retried write, kept in
//! PostgreSQL so a retry sent to any node gets the same answer.

use crate::domain::ids::UserId;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::schema::idempotency_records;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_records)]
pub struct IdempotencyRow {
    pub request_hash: String,
    pub response_status: i16,
    pub response_body: String,
}

/// One caller's key for one kind of request.
#[derive(Debug, Clone, Copy)]
pub struct KeyOf<'a> {
    pub user_id: UserId,
    /// The request it keys, e.g. `POST /api/v1/tasks/{id}/reports` with the id.
    pub scope: &'a str,
    pub key: &'a str,
}

/// Serialises concurrent requests with the same key until the transaction ends.
pub fn lock_key(conn: &mut PgConnection, of: KeyOf<'_>) -> QueryResult<()> {
    let KeyOf {
        user_id,
        scope,
        key,
    } = of;
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<Text, _>(format!("{user_id}\u{1f}{scope}\u{1f}{key}"))
        .execute(conn)
        .map(|_| ())
}

/// The first answer to this key, if it was given within the retention time
/// (an older one counts as never given, whether or not it was purged yet).
pub fn find(
    conn: &mut PgConnection,
    of: KeyOf<'_>,
    now: DateTime<Utc>,
) -> QueryResult<Option<IdempotencyRow>> {
    idempotency_records::table
        .find((of.user_id, of.scope, of.key))
        .filter(idempotency_records::created_at.gt(now - Duration::hours(RETENTION_HOURS.into())))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()
}

/// How long a key is remembered: long enough for any client's retries.
pub const RETENTION_HOURS: i32 = 24;

/// Forgets up to 1,000 expired records; returns how many. Run in the
/// background (`startup::housekeeping`), not on the request path; any node
/// may run it at any time, as often as it likes.
pub fn purge_expired(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM idempotency_records WHERE ctid IN (
           SELECT ctid FROM idempotency_records
           WHERE created_at < now() - make_interval(hours => $1) LIMIT 1000)",
    )
    .bind::<diesel::sql_types::Integer, _>(RETENTION_HOURS)
    .execute(conn)
}

/// Records the answer to a key; an expired record of the same key is replaced.
pub fn save(
    conn: &mut PgConnection,
    of: KeyOf<'_>,
    request_hash: &str,
    (status, body): (i16, &str),
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(idempotency_records::table)
        .values((
            idempotency_records::user_id.eq(of.user_id),
            idempotency_records::scope.eq(of.scope),
            idempotency_records::idempotency_key.eq(of.key),
            idempotency_records::request_hash.eq(request_hash),
            idempotency_records::response_status.eq(status),
            idempotency_records::response_body.eq(body),
            idempotency_records::created_at.eq(now),
        ))
        .on_conflict((
            idempotency_records::user_id,
            idempotency_records::scope,
            idempotency_records::idempotency_key,
        ))
        .do_update()
        .set((
            idempotency_records::request_hash.eq(request_hash),
            idempotency_records::response_status.eq(status),
            idempotency_records::response_body.eq(body),
            idempotency_records::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}
