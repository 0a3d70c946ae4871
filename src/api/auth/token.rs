use actix_web::{post, web, HttpRequest};

use super::{answer, TokenResponse};
use crate::api::common::transaction;
use crate::api::docs::LoginErrors;
use crate::api::extract::JsonBody;
use crate::auth::TokenService;
use crate::clock::Clock;
use crate::config::ClientAddress;
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::service;
use crate::service::auth::{Login, TokenRequest};

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
    clock: web::Data<Clock>,
    body: JsonBody<TokenRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let body = body.into_inner();
    let address = client_ip(&req);
    let tokens = tokens.into_inner();
    let now = clock.now();
    let outcome = transaction(&pool, move |conn| {
        let attempt = Login {
            username: &body.username,
            password: &body.password,
            address: &address,
        };
        service::auth::login(conn, &tokens, &attempt, now)
    })
    .await?;
    answer(outcome)
}
