use actix_web::{post, web, HttpRequest};

use super::{answer, TokenResponse};
use crate::api::common::transaction;
use crate::api::docs::LoginErrors;
use crate::api::extract::JsonBody;
use crate::auth::password::{CheckSlot, PasswordChecks};
use crate::auth::TokenService;
use crate::clock::Clock;
use crate::config::ClientAddress;
use crate::db::DbPool;
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::service;
use crate::service::auth::{Login, Outcome, Screened, TokenRequest};
use crate::store::users::UserRow;
use std::sync::Arc;

/// The client's address (see `ClientAddress`). Only a parsed IP is used: the
/// value becomes a key in PostgreSQL.
pub(crate) fn client_ip(req: &HttpRequest) -> String {
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
    let (tokens, body) = (tokens.into_inner(), body.into_inner());
    let outcome = log_in(
        &req,
        &pool,
        &clock,
        &checks,
        body,
        move |conn, login, verified, now| {
            service::auth::conclude(conn, &tokens, login, verified, now)
        },
    )
    .await?;
    answer(outcome.unwrap_or_else(Outcome::Locked))
}

/// A login's steps, shared by the API's tokens and the web pages' sessions:
/// a place among the password checks, the throttles, the password checked
/// off the database, then `finish` in a short transaction with the verified
/// account (`None`: refused). `Err(seconds)` when the attempt is locked out.
pub(crate) async fn log_in<T, F>(
    req: &HttpRequest,
    pool: &web::Data<DbPool>,
    clock: &web::Data<Clock>,
    checks: &web::Data<PasswordChecks>,
    body: TokenRequest,
    finish: F,
) -> ApiResult<Result<T, i64>>
where
    T: Send + 'static,
    F: FnOnce(
            &mut diesel::PgConnection,
            &Login<'_>,
            Option<&UserRow>,
            chrono::DateTime<chrono::Utc>,
        ) -> crate::domain::error::DomainResult<T>
        + Send
        + 'static,
{
    let login = Arc::new(Attempt {
        body,
        address: client_ip(req),
    });
    // A place among the password checks first: a login beyond capacity is
    // refused before anything is counted or locked.
    let slot = checks.clone().into_inner().try_start().ok_or_else(busy)?;
    let (l, now) = (login.clone(), clock.now());
    let screened = transaction(pool, move |conn| {
        service::auth::screen(conn, &l.login(), now)
    })
    .await?;
    let (account, delay) = match screened {
        Screened::Locked(seconds) => return Ok(Err(seconds)),
        Screened::Check { account, delay } => (account, delay),
    };
    let slot = wait_out(delay, slot, checks, pool, &login).await?;
    let verified = check(slot, account, login.clone()).await?;
    let now = clock.now();
    let finished = transaction(pool, move |conn| {
        finish(conn, &login.login(), verified.as_ref(), now)
    })
    .await?;
    Ok(Ok(finished))
}

/// The account if the password opens it, checked on a password-check thread.
async fn check(
    slot: CheckSlot,
    account: Option<UserRow>,
    login: Arc<Attempt>,
) -> ApiResult<Option<UserRow>> {
    let verified = slot
        .run(move |hasher| {
            service::auth::check_password(hasher, account.as_ref(), &login.body.password)
                .then_some(account)
        })
        .await
        .ok_or_else(|| ApiError::internal("the password-check threads are gone"))?;
    Ok(verified.flatten())
}

fn busy() -> ApiError {
    ApiError::Busy {
        retry_after_seconds: 1,
        detail: "the server is checking as many passwords as it can; retry in a moment",
    }
}

/// A username under attack waits out its delay without holding a place
/// among the password checks, then needs one again.
async fn wait_out(
    delay: std::time::Duration,
    slot: CheckSlot,
    checks: &web::Data<PasswordChecks>,
    pool: &web::Data<DbPool>,
    login: &Arc<Attempt>,
) -> ApiResult<CheckSlot> {
    if delay.is_zero() {
        return Ok(slot);
    }
    drop(slot);
    actix_web::rt::time::sleep(delay).await;
    if let Some(slot) = checks.clone().into_inner().try_start() {
        return Ok(slot);
    }
    let l = login.clone();
    transaction(pool, move |conn| service::auth::withdraw(conn, &l.login())).await?;
    Err(busy())
}

/// A login request and where it came from.
struct Attempt {
    body: TokenRequest,
    address: String,
}

impl Attempt {
    fn login(&self) -> Login<'_> {
        Login {
            username: &self.body.username,
            password: &self.body.password,
            address: &self.address,
        }
    }
}
