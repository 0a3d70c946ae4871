use actix_web::{post, web, HttpRequest};
use chrono::{Duration, Utc};
use diesel::PgConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::TokenResponse;
use crate::api::common::transaction;
use crate::api::docs::LoginErrors;
use crate::api::extract::JsonBody;
use crate::auth::password::{burn_verification_time, verify_password};
use crate::auth::tokens::{new_refresh_token, refresh_token_hash};
use crate::auth::TokenService;
use crate::db::DbPool;
use crate::domain::enums::Role;
use crate::domain::policy::Principal;
use crate::domain::text::Username;
use crate::error::{ApiError, ApiResult};
use crate::startup::ClientAddress;
use crate::store;
use crate::store::users::UserRow;

/// Failures before a username is locked out for a while.
const USER_FAILURE_THRESHOLD: i32 = 5;
/// Failures from one address (across usernames) before it is locked out. High,
/// because many officials may share one office or proxy address.
const ADDRESS_FAILURE_THRESHOLD: i32 = 100;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    #[schema(example = "snv")]
    pub username: String,
    #[schema(example = "khanhhoa-2023", format = Password)]
    pub password: String,
}

/// Issues an access and refresh token pair for `user`, storing the refresh token's hash.
pub fn issue_pair(
    conn: &mut PgConnection,
    tokens: &TokenService,
    user: &UserRow,
    family_id: Uuid,
) -> ApiResult<TokenResponse> {
    let role = Role::parse(&user.role)
        .ok_or_else(|| ApiError::Internal(format!("user {} has role {}", user.id, user.role)))?;
    let principal = Principal {
        user_id: user.id,
        username: user.username.clone(),
        role,
        agency_id: user.agency_id,
    };
    let refresh = new_refresh_token();
    let expires_at = Utc::now() + Duration::seconds(tokens.refresh_ttl_seconds);
    store::auth::insert_refresh_token(
        conn,
        user.id,
        family_id,
        &refresh_token_hash(&refresh),
        expires_at,
    )?;
    Ok(TokenResponse {
        access_token: tokens.issue_access_token(&principal),
        token_type: "Bearer".into(),
        expires_in: tokens.access_ttl_seconds,
        refresh_token: refresh,
    })
}

/// The client's IP address, from the TCP peer or, when configured behind a
/// proxy, from the forwarding headers. Only a well-formed IP is used: the
/// value becomes a key in PostgreSQL.
fn client_ip(req: &HttpRequest) -> String {
    let trust_forwarded = req
        .app_data::<web::Data<ClientAddress>>()
        .is_some_and(|c| *c.get_ref() == ClientAddress::Forwarded);
    let forwarded = trust_forwarded
        .then(|| {
            req.connection_info()
                .realip_remote_addr()
                .map(str::to_string)
        })
        .flatten()
        .and_then(|raw| {
            let raw = raw.trim().trim_start_matches('[');
            raw.parse::<std::net::IpAddr>()
                .ok()
                .or_else(|| raw.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
                .or_else(|| raw.split(']').next().and_then(|h| h.parse().ok()))
        });
    forwarded
        .or_else(|| req.peer_addr().map(|a| a.ip()))
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
}

enum Outcome {
    Issued(TokenResponse),
    Refused,
    Locked(i64),
}

/// Exchanges a username and password for tokens.
///
/// Wrong credentials get the same 401, in the same time, whether or not the
/// user exists. Repeated failures for one username or one address are refused
/// with 429 and `Retry-After`; the counters live in PostgreSQL.
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), LoginErrors)
)]
#[post("/auth/token")]
pub async fn issue_token(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    tokens: web::Data<TokenService>,
    body: JsonBody<TokenRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let body = body.into_inner();
    let username = body.username.trim().to_lowercase();
    // A name no account can have (empty, too long, control characters) is
    // refused like a wrong password, without looking it up.
    let username_ok = Username::parse(&username).is_ok();
    let address = client_ip(&req);
    let user_subject = format!("user:{username}");
    let address_subject = format!("addr:{address}");
    let tokens = tokens.into_inner();
    let outcome = transaction(&pool, move |conn| {
        let now = Utc::now();
        if let Some(seconds) = store::auth::locked_for(conn, &address_subject, false, now)? {
            return Ok(Outcome::Locked(seconds));
        }
        if !username_ok || body.password.is_empty() || body.password.len() > 1024 {
            burn_verification_time(&body.password);
            store::auth::record_failure(conn, &address_subject, ADDRESS_FAILURE_THRESHOLD, now)?;
            return Ok(Outcome::Refused);
        }
        if let Some(seconds) = store::auth::locked_for(conn, &user_subject, true, now)? {
            return Ok(Outcome::Locked(seconds));
        }
        let user = store::users::find_by_username(conn, &username)?;
        let verified = match &user {
            Some(u) => verify_password(&body.password, &u.password_hash) && u.active,
            None => {
                burn_verification_time(&body.password);
                false
            }
        };
        match user.filter(|_| verified) {
            Some(user) => {
                store::auth::clear_failures(conn, &user_subject)?;
                Ok(Outcome::Issued(issue_pair(
                    conn,
                    &tokens,
                    &user,
                    Uuid::new_v4(),
                )?))
            }
            None => {
                store::auth::record_failure(conn, &user_subject, USER_FAILURE_THRESHOLD, now)?;
                store::auth::record_failure(
                    conn,
                    &address_subject,
                    ADDRESS_FAILURE_THRESHOLD,
                    now,
                )?;
                Ok(Outcome::Refused)
            }
        }
    })
    .await?;
    match outcome {
        Outcome::Issued(pair) => Ok(web::Json(pair)),
        Outcome::Refused => Err(ApiError::Unauthorized("wrong username or password".into())),
        Outcome::Locked(seconds) => Err(ApiError::TooManyRequests {
            retry_after_seconds: seconds as u64,
        }),
    }
}
