//! Completion claims and their review; deadline extension requests and their
//! decision; the queues of both.

mod claim_queue;
mod completion;
mod decision;
mod extension;
mod extension_queue;
mod review;

use utoipa_actix_web::service_config::ServiceConfig;

pub use crate::service::completion::CompletionClaim;
pub use crate::service::extensions::ExtensionRequest;
pub use crate::service::queues::{QueuedClaim, QueuedExtensionRequest};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(completion::claim_completion)
        .service(review::review_completion)
        .service(extension::request_extension)
        .service(decision::decide_extension)
        .service(claim_queue::list_completion_claims)
        .service(extension_queue::list_extension_requests);
}

crate::api::common::page_type!(
    QueuedClaimPage,
    QueuedClaim,
    "A page of completion claims, oldest first."
);
crate::api::common::page_type!(
    QueuedExtensionRequestPage,
    QueuedExtensionRequest,
    "A page of extension requests, oldest first."
);
