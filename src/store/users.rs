use crate::domain::enums::Role;
use crate::domain::ids::{AgencyId, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::After;
use crate::db::schema::users;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub agency_id: Option<AgencyId>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub credential_version: i32,
    pub email: Option<String>,
}

/// What the check of a token needs of its account (`service::auth::confirm`),
/// read alongside other columns under names of its own.
#[derive(Debug, Clone, QueryableByName)]
pub struct AccountState {
    #[diesel(sql_type = diesel::sql_types::Uuid, column_name = account_id)]
    pub id: UserId,
    #[diesel(sql_type = diesel::sql_types::Text, column_name = account_username)]
    pub username: String,
    #[diesel(sql_type = diesel::sql_types::Text, column_name = account_role)]
    pub role: Role,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>, column_name = account_agency_id)]
    pub agency_id: Option<AgencyId>,
    #[diesel(sql_type = diesel::sql_types::Bool, column_name = account_active)]
    pub active: bool,
    #[diesel(sql_type = diesel::sql_types::Integer, column_name = account_credential_version)]
    pub credential_version: i32,
}

/// The columns of `AccountState` from `users` under the alias `a`.
pub const ACCOUNT_STATE_COLUMNS: &str = "a.id AS account_id, a.username AS account_username, \
    a.role AS account_role, a.agency_id AS account_agency_id, a.active AS account_active, \
    a.credential_version AS account_credential_version";

impl From<UserRow> for AccountState {
    fn from(user: UserRow) -> AccountState {
        AccountState {
            id: user.id,
            username: user.username,
            role: user.role,
            agency_id: user.agency_id,
            active: user.active,
            credential_version: user.credential_version,
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: UserId,
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub agency_id: Option<AgencyId>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub email: Option<&'a str>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChangeset {
    pub display_name: Option<String>,
    pub password_hash: Option<String>,
    pub role: Option<Role>,
    pub agency_id: Option<Option<AgencyId>>,
    pub active: Option<bool>,
    pub updated_at: Option<DateTime<Utc>>,
    pub credential_version: Option<i32>,
    pub email: Option<Option<String>>,
}

pub fn count(conn: &mut PgConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: UserId) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_username(conn: &mut PgConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn list(
    conn: &mut PgConnection,
    after: Option<&After<String, UserId>>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut q = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(a) = after {
        q = q.filter(
            users::username
                .gt(a.key.clone())
                .or(users::username.eq(a.key.clone()).and(users::id.gt(a.id))),
        );
    }
    q.order((users::username, users::id))
        .limit(limit)
        .load(conn)
}

/// The active administrators, locked until the transaction ends: changes
/// that could leave none are judged one after another.
pub fn lock_active_admins(conn: &mut PgConnection) -> QueryResult<Vec<UserId>> {
    users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::active.eq(true))
        .select(users::id)
        // One order for every caller, so two of them cannot deadlock.
        .order(users::id)
        .for_update()
        .load(conn)
}

pub fn insert(conn: &mut PgConnection, new: &NewUser<'_>) -> QueryResult<UserRow> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(UserRow::as_returning())
        .get_result(conn)
}

pub fn update(
    conn: &mut PgConnection,
    id: UserId,
    changes: &UserChangeset,
) -> QueryResult<UserRow> {
    diesel::update(users::table.find(id))
        .set(changes)
        .returning(UserRow::as_returning())
        .get_result(conn)
}
