//! User accounts (admin only).

pub mod create;
mod list;
mod update;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list_users)
        .service(create::create_user)
        .service(update::update_user);
}

pub use crate::service::users::User;

crate::api::common::page_type!(UserPage, User, "A page of users, by username.");
