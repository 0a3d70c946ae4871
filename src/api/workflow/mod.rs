//! Completion claims and their review; deadline extension requests and their decision.

mod completion;
mod decision;
mod extension;
mod review;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::domain::enums::ExtensionStatus;
use crate::store::reports::ExtensionRow;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(completion::claim_completion)
        .service(review::review_completion)
        .service(extension::request_extension)
        .service(decision::decide_extension);
}

/// A request to move a task's due date.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionRequest {
    pub id: Uuid,
    pub task_id: Uuid,
    pub status: ExtensionStatus,
    pub requested_by: Uuid,
    /// The due date in force when the request was made.
    pub previous_due_on: NaiveDate,
    pub requested_due_on: NaiveDate,
    pub reason: String,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The decision's day in the province; from it on the new date is in force.
    pub decided_on: Option<NaiveDate>,
    pub decision_comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<ExtensionRow> for ExtensionRequest {
    fn from(r: ExtensionRow) -> Self {
        ExtensionRequest {
            id: r.id,
            task_id: r.task_id,
            status: ExtensionStatus::parse(&r.status).unwrap_or(ExtensionStatus::Pending),
            requested_by: r.requested_by,
            previous_due_on: r.previous_due_on,
            requested_due_on: r.requested_due_on,
            reason: r.reason,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            decided_on: r.decided_on,
            decision_comment: r.decision_comment,
            created_at: r.created_at,
        }
    }
}
