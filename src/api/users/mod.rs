//! User accounts (admin only).

pub mod create;
mod list;
mod update;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::domain::enums::Role;
use crate::store::users::UserRow;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list_users)
        .service(create::create_user)
        .service(update::update_user);
}

/// A user account. The password hash is never sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The agency an `agency_officer` speaks for.
    pub agency_id: Option<Uuid>,
    /// `false` locks the account out: no login, no refresh.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> User {
        User {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            role: Role::parse(&r.role).unwrap_or(Role::Inspector),
            agency_id: r.agency_id,
            active: r.active,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

crate::api::common::page_type!(UserPage, User, "A page of users, by username.");
