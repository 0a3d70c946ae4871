//! Completion claims and their review; deadline extension requests and their decision.

mod completion;
mod decision;
mod extension;
mod review;

use utoipa_actix_web::service_config::ServiceConfig;

pub use crate::service::completion::CompletionClaim;
pub use crate::service::extensions::ExtensionRequest;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(completion::claim_completion)
        .service(review::review_completion)
        .service(extension::request_extension)
        .service(decision::decide_extension);
}
