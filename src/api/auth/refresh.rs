use actix_web::{post, web};

use super::{answer, TokenResponse};
use crate::api::common::transaction;
use crate::api::docs::LoginErrors;
use crate::api::extract::JsonBody;
use crate::auth::TokenService;
use crate::clock::Clock;
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::service;
use crate::service::auth::RefreshRequest;

/// Exchanges a refresh token for a new pair. The old refresh token stops
/// working; presenting one that was already used revokes its whole chain
/// (it has leaked). A deactivated user cannot refresh.
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), LoginErrors)
)]
#[post("/auth/refresh")]
pub async fn refresh_token(
    pool: web::Data<DbPool>,
    tokens: web::Data<TokenService>,
    clock: web::Data<Clock>,
    body: JsonBody<RefreshRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let tokens = tokens.into_inner();
    let now = clock.now();
    // The revocation of a reused chain must commit even though the answer is
    // 401: the use case returns refusals as values, not errors.
    let outcome = transaction(&pool, move |conn| {
        service::auth::refresh(conn, &tokens, &body.refresh_token, now)
    })
    .await?;
    answer(outcome)
}
