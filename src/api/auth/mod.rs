//! Tokens and the current user.

mod me;
mod refresh;
mod token;

use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(token::issue_token)
        .service(refresh::refresh_token)
        .service(me::me);
}

/// A token pair.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque; exchange it once at `/api/v1/auth/refresh` for a new pair.
    pub refresh_token: String,
}

pub use token::issue_pair;
