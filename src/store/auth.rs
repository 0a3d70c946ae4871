//! Refresh tokens and login-failure counters.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{login_failures, refresh_tokens};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub token_hash: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub fn insert_refresh_token(
    conn: &mut PgConnection,
    user_id: Uuid,
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
    user_id: Uuid,
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

/// Counts a failure; after `threshold` failures within the window the subject
/// is locked out, for longer with each further failure (capped at 15 minutes).
pub fn record_failure(
    conn: &mut PgConnection,
    subject: &str,
    threshold: i32,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let window = Duration::minutes(15);
    let current: Option<(i32, DateTime<Utc>)> = login_failures::table
        .find(subject)
        .select((login_failures::failures, login_failures::window_start))
        .for_update()
        .first(conn)
        .optional()?;
    let (failures, window_start) = match current {
        Some((n, start)) if now - start < window => (n + 1, start),
        _ => (1, now),
    };
    let locked_until = (failures >= threshold).then(|| {
        let exponent = (failures - threshold).min(5) as u32;
        now + Duration::seconds((30i64 * 2i64.pow(exponent)).min(900))
    });
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::subject.eq(subject),
            login_failures::failures.eq(failures),
            login_failures::window_start.eq(window_start),
            login_failures::locked_until.eq(locked_until),
        ))
        .on_conflict(login_failures::subject)
        .do_update()
        .set((
            login_failures::failures.eq(failures),
            login_failures::window_start.eq(window_start),
            login_failures::locked_until.eq(locked_until),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn clear_failures(conn: &mut PgConnection, subject: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.find(subject))
        .execute(conn)
        .map(|_| ())
}
