//! Plans (kế hoạch CCHC) and their summaries.

mod create;
mod get;
mod list;
pub mod summary;
mod update;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::store::plans::PlanRow;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list_plans)
        .service(create::create_plan)
        .service(get::get_plan)
        .service(update::update_plan)
        .service(summary::plan_summary);
}

/// An annual reform plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct Plan {
    pub id: Uuid,
    /// Unique code, e.g. `CCHC-2023`.
    pub code: String,
    /// The year the plan covers; ongoing tasks are due on its last day.
    pub year: i32,
    pub title: String,
    /// The longer programme the plan belongs to (e.g. 2021-2030).
    pub programme: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PlanRow> for Plan {
    fn from(r: PlanRow) -> Plan {
        Plan {
            id: r.id,
            code: r.code,
            year: r.year,
            title: r.title,
            programme: r.programme,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

crate::api::common::page_type!(PlanPage, Plan, "A page of plans, by code.");
