//! Idempotency records: the first response to a retried write, kept in
//! PostgreSQL so a retry sent to any node gets the same answer.

use crate::domain::ids::UserId;
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

/// Serialises concurrent requests with the same key until the transaction ends.
pub fn lock_key(
    conn: &mut PgConnection,
    user_id: UserId,
    scope: &str,
    key: &str,
) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<Text, _>(format!("{user_id}\u{1f}{scope}\u{1f}{key}"))
        .execute(conn)?;
    purge_expired(conn)
}

pub fn find(
    conn: &mut PgConnection,
    user_id: UserId,
    scope: &str,
    key: &str,
) -> QueryResult<Option<IdempotencyRow>> {
    idempotency_records::table
        .find((user_id, scope, key))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()
}

/// How long a key is remembered: long enough for any client's retries.
pub const RETENTION_HOURS: i32 = 24;

/// Forgets up to 100 expired records; called on each save, so the table stays
/// bounded without a scheduler (any node may do it).
fn purge_expired(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query(
        "DELETE FROM idempotency_records WHERE ctid IN (
           SELECT ctid FROM idempotency_records
           WHERE created_at < now() - make_interval(hours => $1) LIMIT 100)",
    )
    .bind::<diesel::sql_types::Integer, _>(RETENTION_HOURS)
    .execute(conn)
    .map(|_| ())
}

pub fn save(
    conn: &mut PgConnection,
    user_id: UserId,
    scope: &str,
    key: &str,
    request_hash: &str,
    status: i16,
    body: &str,
) -> QueryResult<()> {
    diesel::insert_into(idempotency_records::table)
        .values((
            idempotency_records::user_id.eq(user_id),
            idempotency_records::scope.eq(scope),
            idempotency_records::idempotency_key.eq(key),
            idempotency_records::request_hash.eq(request_hash),
            idempotency_records::response_status.eq(status),
            idempotency_records::response_body.eq(body),
        ))
        .execute(conn)?;
    purge_expired(conn)
}
