//! Agencies and the reform areas reference list.

mod areas;
mod create;
mod get;
mod list;
pub mod scorecard;
mod update;

pub use areas::list_areas;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::domain::enums::AgencyKind;
use crate::store::agencies::AgencyRow;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list_agencies)
        .service(create::create_agency)
        .service(get::get_agency)
        .service(update::update_agency)
        .service(scorecard::agency_scorecard);
}

/// An agency of the province.
#[derive(Debug, Serialize, ToSchema)]
pub struct Agency {
    pub id: Uuid,
    /// Short code, unique in the system (e.g. `SNV` for Sở Nội vụ); officers' demo usernames are it in lower case.
    pub code: String,
    /// Official Vietnamese name.
    pub name: String,
    pub kind: AgencyKind,
    /// The agency it belongs to (a commune's district), if any.
    pub parent_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AgencyRow> for Agency {
    fn from(r: AgencyRow) -> Agency {
        Agency {
            id: r.id,
            code: r.code,
            name: r.name,
            kind: AgencyKind::parse(&r.kind).unwrap_or(AgencyKind::Department),
            parent_id: r.parent_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

crate::api::common::page_type!(AgencyPage, Agency, "A page of agencies, by code.");
