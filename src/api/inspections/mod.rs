//! Inspections of a plan's programme, their findings, the inspected
//! agencies' remedies and their verification.

mod create;
mod finding;
mod finding_list;
mod get;
mod history;
mod list;
mod record_finding;
mod remedy;
mod summary;
mod update;
mod verification;

use utoipa_actix_web::service_config::ServiceConfig;

pub use crate::service::inspections::{Finding, Inspection, InspectionDetail};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create::create_inspection)
        .service(list::list_inspections)
        .service(summary::inspection_summary)
        .service(get::get_inspection)
        .service(update::update_inspection)
        .service(history::inspection_history)
        .service(record_finding::record_finding)
        .service(finding_list::list_findings)
        .service(finding::get_finding)
        .service(remedy::report_remedy)
        .service(verification::verify_remedy);
}

crate::api::common::page_type!(
    InspectionPage,
    Inspection,
    "A page of inspections, by scheduled day."
);
crate::api::common::page_type!(FindingPage, Finding, "A page of findings, by due day.");
