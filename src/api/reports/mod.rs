//! Progress reports and the evidence documents they cite.

mod create;
mod list;

use utoipa_actix_web::service_config::ServiceConfig;

pub use crate::service::reports::Report;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list_reports)
        .service(create::create_report);
}

crate::api::common::page_type!(ReportPage, Report, "A page of reports, oldest first.");
