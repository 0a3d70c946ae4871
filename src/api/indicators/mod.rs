//! Indicators of a plan, their targets, and the figures recorded per period.

mod create;
mod list;
mod record;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create::create_indicator)
        .service(list::list_indicators)
        .service(record::record_figure);
}

/// A plan's indicators, by code (a plan has a few dozen: not paged).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IndicatorList {
    pub items: Vec<crate::service::indicators::IndicatorStanding>,
}
