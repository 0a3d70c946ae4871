use actix_web::{post, web, HttpRequest};

use super::{answer, TokenResponse};
use crate::api::common::transaction;
use crate::api::docs::LoginErrors;
use crate::api::extract::JsonBody;
use crate::auth::password::PasswordChecks;
use crate::auth::TokenService;
use crate::clock::Clock;
use crate::config::ClientAddress;
use crate::db::DbPool;
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::service;
use crate::service::auth::{Login, Outcome, Screened, TokenRequest};
use std::sync::Arc;

/// The client's address (see `ClientAddress`). Only a parsed IP is used: the
/// value becomes a key in PostgreSQL.
fn client_ip(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".into();
    };
    let forwarded_for = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok());
    match req.app_data::<web::Data<ClientAddress>>() {
        Some(addresses) => addresses.resolve(peer, forwarded_for).to_string(),
        None => peer.to_string(),
    }
}

/// Exchanges a username and password for tokens.
///
/// Wrong credentials get the same 401, in the same time, whether or not the
/// user exists. Repeated failures of one username from one address, or of
/// many usernames from one address, are refused with 429 and `Retry-After`;
/// failures of one username from anywhere slow its logins down but never
/// lock out its owner. Password checks run a few at a time: a login beyond
/// them gets 503 with `Retry-After` at once. No database connection is held
/// while a password is checked.
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
    checks: web::Data<PasswordChecks>,
    body: JsonBody<TokenRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let body = Arc::new(body.into_inner());
    let address = Arc::new(client_ip(&req));
    let checks = checks.into_inner();
    let busy = || ApiError::Busy {
        retry_after_seconds: 1,
    };
    // A place among the password checks first: a login beyond capacity is
    // refused before anything is counted or locked.
    let mut slot = checks.try_start().ok_or_else(busy)?;
    let (b, a, now) = (body.clone(), address.clone(), clock.now());
    let screened = transaction(&pool, move |conn| {
        service::auth::screen(conn, &attempt(&b, &a), now)
    })
    .await?;
    let (account, delay) = match screened {
        Screened::Locked(seconds) => return answer(Outcome::Locked(seconds)),
        Screened::Check { account, delay } => (account, delay),
    };
    if !delay.is_zero() {
        // A username under attack waits without holding a place.
        drop(slot);
        actix_web::rt::time::sleep(delay).await;
        slot = match checks.try_start() {
            Some(slot) => slot,
            None => {
                let (b, a) = (body.clone(), address.clone());
                transaction(&pool, move |conn| {
                    service::auth::withdraw(conn, &attempt(&b, &a))
                })
                .await?;
                return Err(busy());
            }
        };
    }
    let b = body.clone();
    let verified = slot
        .run(move |hasher| {
            service::auth::check_password(hasher, account.as_ref(), &b.password).then_some(account)
        })
        .await
        .ok_or_else(|| ApiError::internal("the password-check threads are gone"))?
        .flatten();
    let tokens = tokens.into_inner();
    let now = clock.now();
    let outcome = transaction(&pool, move |conn| {
        service::auth::conclude(
            conn,
            &tokens,
            &attempt(&body, &address),
            verified.as_ref(),
            now,
        )
    })
    .await?;
    answer(outcome)
}

fn attempt<'a>(body: &'a TokenRequest, address: &'a str) -> Login<'a> {
    Login {
        username: &body.username,
        password: &body.password,
        address,
    }
}
