//! Agencies and the reform areas reference list.

mod areas;
mod create;
mod get;
mod list;
mod reorganisation;
mod reorganise;
pub mod scorecard;
mod update;

pub use areas::list_areas;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    // before `/agencies/{id}…`, so that the literal segment wins
    cfg.service(reorganise::reorganise_agencies)
        .service(reorganisation::get_reorganisation)
        .service(list::list_agencies)
        .service(create::create_agency)
        .service(get::get_agency)
        .service(update::update_agency)
        .service(scorecard::agency_scorecard);
}

pub use crate::service::agencies::Agency;

crate::api::common::page_type!(AgencyPage, Agency, "A page of agencies, by code.");
