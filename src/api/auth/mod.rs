//! Tokens and the current user.

mod me;
mod refresh;
pub(crate) mod token;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ApiResult};
use crate::service::auth::Outcome;
pub use crate::service::auth::TokenResponse;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(token::issue_token)
        .service(refresh::refresh_token)
        .service(me::me);
}

/// A login's or refresh's outcome as an HTTP answer.
fn answer(outcome: Outcome) -> ApiResult<actix_web::web::Json<TokenResponse>> {
    match outcome {
        Outcome::Issued(pair) => Ok(actix_web::web::Json(pair)),
        Outcome::Refused(why) => Err(ApiError::Unauthorized(why.into())),
        Outcome::Locked(seconds) => Err(ApiError::TooManyRequests {
            retry_after_seconds: seconds.max(0) as u64,
        }),
    }
}
