//! A plan's focal objectives (mục tiêu trọng tâm).

mod create;
mod list;
mod update;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list_objectives)
        .service(create::create_objective)
        .service(update::update_objective);
}

pub use crate::service::objectives::Objective;

crate::api::common::page_type!(ObjectivePage, Objective, "A page of objectives, by code.");
