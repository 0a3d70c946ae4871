//! A plan's focal objectives (mục tiêu trọng tâm).

mod create;
mod list;
mod update;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::store::plans::ObjectiveRow;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list_objectives)
        .service(create::create_objective)
        .service(update::update_objective);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Objective {
    pub id: Uuid,
    pub plan_id: Uuid,
    /// Unique within the plan, e.g. `MT01`.
    pub code: String,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ObjectiveRow> for Objective {
    fn from(r: ObjectiveRow) -> Objective {
        Objective {
            id: r.id,
            plan_id: r.plan_id,
            code: r.code,
            title: r.title,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

crate::api::common::page_type!(ObjectivePage, Objective, "A page of objectives, by code.");
