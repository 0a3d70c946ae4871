//! User accounts, kept by the administrator. Passwords are hashed before the
//! transaction starts (`auth::password`), so no connection waits on Argon2.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::Actor;
use crate::domain::enums::Role;
use crate::domain::error::{Conflict, DomainError, DomainResult};
use crate::domain::ids::{AgencyId, UserId};
use crate::domain::policy::Action;
use crate::domain::text::{DisplayName, EmailAddress, Password, Username};
use crate::store;
use crate::store::users::{NewUser, UserChangeset, UserRow};

/// A user account. The password hash is never sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The agency an `agency_officer` speaks for.
    pub agency_id: Option<AgencyId>,
    /// `false` locks the account out: no login, no refresh.
    pub active: bool,
    /// Where notifications are mailed (when the server has `SMTP_URL`).
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> User {
        User {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            role: r.role,
            agency_id: r.agency_id,
            active: r.active,
            email: r.email,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub username: Username,
    pub display_name: DisplayName,
    pub password: Password,
    pub role: Role,
    /// Required for `agency_officer`.
    pub agency_id: Option<AgencyId>,
    /// Where notifications are mailed.
    pub email: Option<EmailAddress>,
}

/// Checks what can be checked before the password is hashed (admin only).
pub fn check_new(actor: &Actor<'_>, input: &CreateUser) -> DomainResult<()> {
    actor.may(Action::ManageUsers)?;
    if input.role == Role::AgencyOfficer && input.agency_id.is_none() {
        return Err(DomainError::rule(
            "agency_id",
            "is required for an agency_officer",
        ));
    }
    Ok(())
}

fn check_agency(conn: &mut PgConnection, agency: AgencyId) -> DomainResult<()> {
    store::agencies::find(conn, agency)?
        .ok_or_else(|| DomainError::rule("agency_id", "no such agency"))?;
    Ok(())
}

/// Creates an account (admin) with an already hashed password.
pub fn create(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    input: CreateUser,
    password_hash: &str,
) -> DomainResult<User> {
    check_new(actor, &input)?;
    if let Some(agency) = input.agency_id {
        check_agency(conn, agency)?;
    }
    let username = input.username.as_str();
    let taken = || Conflict::Duplicate(format!("the username {username} is taken"));
    if store::users::find_by_username(conn, username)?.is_some() {
        return Err(taken().into());
    }
    let row = store::users::insert(
        conn,
        &NewUser {
            id: UserId::new(),
            username,
            display_name: input.display_name.as_str(),
            password_hash,
            role: input.role,
            agency_id: input.agency_id,
            active: true,
            created_at: actor.now,
            updated_at: actor.now,
            email: input.email.as_ref().map(EmailAddress::as_str),
        },
    )
    .map_err(store::conflict_on_duplicate(taken()))?;
    let event = Event::UserCreated {
        user: row.id,
        username: row.username.clone(),
        role: row.role,
        agency_id: row.agency_id,
    };
    audit::record(conn, actor.principal.user_id, row.created_at, &event)?;
    Ok(row.into())
}

/// A JSON merge patch of an account. `active: false` locks it out and revokes its refresh tokens.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub display_name: Option<DisplayName>,
    pub password: Option<Password>,
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "crate::domain::input::nullable")]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub agency_id: Option<Option<AgencyId>>,
    pub active: Option<bool>,
    /// `null` stops mailing.
    #[serde(default, deserialize_with = "crate::domain::input::nullable")]
    #[schema(value_type = Option<EmailAddress>)]
    pub email: Option<Option<EmailAddress>>,
}

/// Changes an account (admin). `password_hash` is the new password, hashed.
pub fn update(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    id: UserId,
    patch: UpdateUser,
    password_hash: Option<String>,
) -> DomainResult<User> {
    actor.may(Action::ManageUsers)?;
    let current = store::users::find(conn, id)?.ok_or(DomainError::not_found("user"))?;
    if let Some(Some(agency)) = patch.agency_id {
        check_agency(conn, agency)?;
    }
    // An administrator cannot lock themselves out (and with that, perhaps everyone).
    if id == actor.principal.user_id
        && (patch.active == Some(false) || patch.role.is_some_and(|r| r != Role::Admin))
    {
        return Err(Conflict::OwnAccount.into());
    }
    let role = patch.role.unwrap_or(current.role);
    let agency = patch.agency_id.unwrap_or(current.agency_id);
    let stops_being_admin = current.role == Role::Admin
        && current.active
        && (role != Role::Admin || patch.active == Some(false));
    if stops_being_admin {
        let admins = store::users::lock_active_admins(conn)?;
        if admins.iter().all(|a| *a == id) {
            return Err(Conflict::LastAdmin.into());
        }
    }
    if role == Role::AgencyOfficer && agency.is_none() {
        return Err(DomainError::rule(
            "agency_id",
            "an agency_officer needs an agency",
        ));
    }
    let password_changed = password_hash.is_some();
    let changes = UserChangeset {
        display_name: patch.display_name.as_ref().map(DisplayName::to_string),
        password_hash,
        role: patch.role,
        agency_id: patch.agency_id,
        active: patch.active,
        updated_at: Some(actor.now),
        // Access tokens issued before a password change stop working at once.
        credential_version: password_changed.then_some(current.credential_version + 1),
        email: patch
            .email
            .as_ref()
            .map(|e| e.as_ref().map(|e| e.as_str().to_string())),
    };
    let row = store::users::update(conn, id, &changes)?;
    if patch.active == Some(false) || password_changed {
        store::auth::revoke_user_tokens(conn, id, actor.now)?;
    }
    let event = Event::UserUpdated {
        user: id,
        display_name: changes.display_name,
        role: changes.role,
        agency_id: patch.agency_id,
        active: patch.active,
        password_changed,
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    Ok(row.into())
}

/// The caller's own account.
pub fn me(conn: &mut PgConnection, id: UserId) -> DomainResult<User> {
    let row = store::users::find(conn, id)?.ok_or(DomainError::not_found("user"))?;
    Ok(row.into())
}
