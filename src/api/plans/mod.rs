//! Plans (kế hoạch CCHC) and their summaries.

mod appendix;
mod create;
mod get;
mod import;
mod list;
pub mod summary;
mod update;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list_plans)
        .service(create::create_plan)
        .service(get::get_plan)
        .service(update::update_plan)
        .service(summary::plan_summary)
        .service(appendix::plan_appendix)
        .service(import::import_plan);
}

pub use crate::service::plans::Plan;

crate::api::common::page_type!(PlanPage, Plan, "A page of plans, by code.");
