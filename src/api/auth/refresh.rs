use actix_web::{post, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{issue_pair, TokenResponse};
use crate::api::common::transaction;
use crate::api::docs::LoginErrors;
use crate::api::extract::JsonBody;
use crate::auth::tokens::refresh_token_hash;
use crate::auth::TokenService;
use crate::db::DbPool;
use crate::error::{ApiError, ApiResult};
use crate::store;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

enum Outcome {
    Issued(TokenResponse),
    Refused(&'static str),
}

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
    body: JsonBody<RefreshRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let hash = refresh_token_hash(body.refresh_token.trim());
    let tokens = tokens.into_inner();
    // The revocation of a reused chain must commit even though the answer is 401,
    // so refusals are returned as values, not errors that would roll back.
    let outcome = transaction(&pool, move |conn| {
        let now = Utc::now();
        let Some(row) = store::auth::find_refresh_token_for_update(conn, &hash)? else {
            return Ok(Outcome::Refused("unknown refresh token"));
        };
        if row.revoked_at.is_some() {
            return Ok(Outcome::Refused("the refresh token has been revoked"));
        }
        if row.used_at.is_some() {
            log::warn!(
                "refresh token reuse for user {}: revoking its chain",
                row.user_id
            );
            store::auth::revoke_family(conn, row.family_id, now)?;
            return Ok(Outcome::Refused(
                "the refresh token was already used; its chain is revoked",
            ));
        }
        if row.expires_at <= now {
            return Ok(Outcome::Refused("the refresh token has expired"));
        }
        let user = store::users::find(conn, row.user_id)?.filter(|u| u.active);
        let Some(user) = user else {
            store::auth::revoke_family(conn, row.family_id, now)?;
            return Ok(Outcome::Refused("the account is deactivated"));
        };
        store::auth::mark_used(conn, row.id, now)?;
        Ok(Outcome::Issued(issue_pair(
            conn,
            &tokens,
            &user,
            row.family_id,
        )?))
    })
    .await?;
    match outcome {
        Outcome::Issued(pair) => Ok(web::Json(pair)),
        Outcome::Refused(why) => Err(ApiError::Unauthorized(why.into())),
    }
}
