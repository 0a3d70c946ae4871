//! Sessions of the web pages: the cookie's hash, its account, its CSRF token.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::web_sessions;
use crate::domain::ids::UserId;

pub fn insert(
    conn: &mut PgConnection,
    token_hash: &str,
    user_id: UserId,
    credential_version: i32,
    csrf_token: &str,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::token_hash.eq(token_hash),
            web_sessions::user_id.eq(user_id),
            web_sessions::credential_version.eq(credential_version),
            web_sessions::csrf_token.eq(csrf_token),
            web_sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The account, its credential version at login and the CSRF token of a session that has not expired by `now`.
pub fn find(
    conn: &mut PgConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<(UserId, i32, String)>> {
    web_sessions::table
        .filter(web_sessions::token_hash.eq(token_hash))
        .filter(web_sessions::expires_at.gt(now))
        .select((
            web_sessions::user_id,
            web_sessions::credential_version,
            web_sessions::csrf_token,
        ))
        .first(conn)
        .optional()
}

pub fn delete(conn: &mut PgConnection, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.filter(web_sessions::token_hash.eq(token_hash)))
        .execute(conn)
}

/// Forgets sessions that expired before `now`.
pub fn purge_expired(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.filter(web_sessions::expires_at.le(now))).execute(conn)
}
