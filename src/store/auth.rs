//! Refresh tokens and login-failure counters.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::ids::UserId;

use crate::db::schema::{login_failures, refresh_tokens};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: Uuid,
    pub user_id: UserId,
    pub family_id: Uuid,
    pub token_hash: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub fn insert_refresh_token(
    conn: &mut PgConnection,
    user_id: UserId,
    family_id: Uuid,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(Uuid::new_v4()),
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find_refresh_token_for_update(
    conn: &mut PgConnection,
    token_hash: &str,
) -> QueryResult<Option<RefreshTokenRow>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshTokenRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn mark_used(conn: &mut PgConnection, id: Uuid, at: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(refresh_tokens::table.find(id))
        .set(refresh_tokens::used_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

pub fn revoke_family(
    conn: &mut PgConnection,
    family_id: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(refresh_tokens::table.filter(refresh_tokens::family_id.eq(family_id)))
        .filter(refresh_tokens::revoked_at.is_null())
        .set(refresh_tokens::revoked_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

pub fn revoke_user_tokens(
    conn: &mut PgConnection,
    user_id: UserId,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(refresh_tokens::table.filter(refresh_tokens::user_id.eq(user_id)))
        .filter(refresh_tokens::revoked_at.is_null())
        .set(refresh_tokens::revoked_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

/// Seconds until `subject` may try again, if it is locked out now.
pub fn locked_for(
    conn: &mut PgConnection,
    subject: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<i64>> {
    let until: Option<Option<DateTime<Utc>>> = login_failures::table
        .find(subject)
        .select(login_failures::locked_until)
        .first(conn)
        .optional()?;
    Ok(until
        .flatten()
        .filter(|u| *u > now)
        .map(|u| (u - now).num_seconds().max(1)))
}

/// Like `locked_for`, but creates the subject's row if missing and locks it
/// until the transaction ends, so attempts on one subject are judged in turn.
pub fn lock_and_check(
    conn: &mut PgConnection,
    subject: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<i64>> {
    // An upsert takes the row lock whether it inserts or finds the row, so a
    // row deleted meanwhile (a success elsewhere) is simply made again.
    #[derive(QueryableByName)]
    struct Until {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
        locked_until: Option<DateTime<Utc>>,
    }
    let until = diesel::sql_query(
        "INSERT INTO login_failures (subject) VALUES ($1)
         ON CONFLICT (subject) DO UPDATE SET subject = EXCLUDED.subject
         RETURNING locked_until",
    )
    .bind::<diesel::sql_types::Text, _>(subject)
    .get_result::<Until>(conn)?
    .locked_until;
    Ok(until
        .filter(|u| *u > now)
        .map(|u| (u - now).num_seconds().max(1)))
}

/// Takes back one counted failure (an attempt that was never judged).
pub fn forget_one_failure(conn: &mut PgConnection, subject: &str) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE login_failures SET failures = greatest(failures - 1, 0) WHERE subject = $1",
    )
    .bind::<diesel::sql_types::Text, _>(subject)
    .execute(conn)
    .map(|_| ())
}

/// Failures of `subject` in its current 15-minute window.
pub fn recent_failures(
    conn: &mut PgConnection,
    subject: &str,
    now: DateTime<Utc>,
) -> QueryResult<i32> {
    let window_start = now - Duration::minutes(15);
    Ok(login_failures::table
        .find(subject)
        .filter(login_failures::window_start.ge(window_start))
        .select(login_failures::failures)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Counts a failure, atomically; after `threshold` failures within 15 minutes
/// the subject is locked out, for longer with each further failure (30 s
/// doubling, capped at 15 minutes).
pub fn record_failure(
    conn: &mut PgConnection,
    subject: &str,
    threshold: i32,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        failures: i32,
    }
    let window_start = now - Duration::minutes(15);
    let count: Count = diesel::sql_query(
        "INSERT INTO login_failures (subject, failures, window_start) VALUES ($1, 1, $2)
         ON CONFLICT (subject) DO UPDATE SET
           failures = CASE WHEN login_failures.window_start < $3 THEN 1 ELSE login_failures.failures + 1 END,
           window_start = CASE WHEN login_failures.window_start < $3 THEN $2 ELSE login_failures.window_start END
         RETURNING failures",
    )
    .bind::<diesel::sql_types::Text, _>(subject)
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .bind::<diesel::sql_types::Timestamptz, _>(window_start)
    .get_result(conn)?;
    if count.failures >= threshold {
        let exponent = (count.failures - threshold).min(5) as u32;
        let until = now + Duration::seconds((30i64 * 2i64.pow(exponent)).min(900));
        diesel::update(login_failures::table.find(subject))
            .set(login_failures::locked_until.eq(until))
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets up to 1,000 counters long past their window and lock; returns how
/// many. Run in the background, like the idempotency purge.
pub fn purge_stale_failures(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM login_failures WHERE ctid IN (
           SELECT ctid FROM login_failures
           WHERE window_start < $1 - interval '1 day' AND (locked_until IS NULL OR locked_until < $1) LIMIT 1000)",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .execute(conn)
}

pub fn clear_failures(conn: &mut PgConnection, subject: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.find(subject))
        .execute(conn)
        .map(|_| ())
}
