//! Reporting periods: their tasks and summary on `data_to`, the agencies'
//! reports, and the consolidated report.

mod agency_report;
mod close;
mod create;
mod get;
mod list;
mod report;
mod review_report;
mod submit_report;
mod summary;
mod tasks;
mod tracker;

use utoipa_actix_web::service_config::ServiceConfig;

pub use crate::service::periods::{Period, PeriodTask};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create::create_period)
        .service(list::list_periods)
        .service(get::get_period)
        .service(close::close_period)
        .service(tasks::list_period_tasks)
        .service(summary::period_summary)
        .service(report::period_report)
        .service(tracker::list_agency_reports)
        .service(agency_report::save_agency_report)
        .service(submit_report::submit_agency_report)
        .service(review_report::review_agency_report);
}

/// A plan's periods, by start.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PeriodList {
    pub items: Vec<Period>,
}

crate::api::common::page_type!(
    PeriodTaskPage,
    PeriodTask,
    "A page of a period's tasks, as they stood on its `data_to`."
);
