//! Logging in and refreshing tokens. Refusals that must still commit (a
//! failure counter, a revoked chain) are returned as values, not errors, so
//! the caller's transaction keeps them.

use chrono::Duration;
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::password::{burn_verification_time, verify_password};
use crate::auth::tokens::{new_refresh_token, refresh_token_hash};
use crate::auth::TokenService;
use crate::domain::error::DomainResult;
use crate::domain::policy::Principal;
use crate::domain::text::{Password, Username};
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
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

/// How a login or refresh ended.
#[derive(Debug)]
pub enum Outcome {
    Issued(TokenResponse),
    /// 401, with the reason to give.
    Refused(&'static str),
    /// 429: retry after this many seconds.
    Locked(i64),
}

/// Issues an access and refresh token pair for `user`, storing the refresh token's hash.
fn issue_pair(
    conn: &mut PgConnection,
    tokens: &TokenService,
    user: &UserRow,
    family_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> DomainResult<TokenResponse> {
    let principal = Principal {
        user_id: user.id,
        username: user.username.clone(),
        role: user.role,
        agency_id: user.agency_id,
    };
    let refresh = new_refresh_token();
    let expires_at = now + Duration::seconds(tokens.refresh_ttl_seconds);
    let hash = refresh_token_hash(&refresh);
    store::auth::insert_refresh_token(conn, user.id, family_id, &hash, expires_at)?;
    Ok(TokenResponse {
        access_token: tokens.issue_access_token(&principal),
        token_type: "Bearer".into(),
        expires_in: tokens.access_ttl_seconds,
        refresh_token: refresh,
    })
}

/// A login attempt: who, with what, from where.
pub struct Login<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// The client's address, the key of per-address throttling.
    pub address: &'a str,
}

/// Exchanges a username and password for tokens. Wrong credentials cost the
/// same time whether or not the user exists.
pub fn login(
    conn: &mut PgConnection,
    tokens: &TokenService,
    attempt: &Login<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> DomainResult<Outcome> {
    let username = attempt.username.trim().to_lowercase();
    let user_subject = format!("user:{username}");
    let address_subject = format!("addr:{}", attempt.address);
    let password = attempt.password;
    if let Some(seconds) = store::auth::locked_for(conn, &address_subject, false, now)? {
        return Ok(Outcome::Locked(seconds));
    }
    // A name no account can have (empty, too long, control characters), or a
    // password longer than any that can be set (counted in characters, as
    // when it is set), is refused like a wrong password, without a look-up.
    if Username::parse(&username).is_err()
        || password.is_empty()
        || password.chars().count() > Password::MAX
    {
        burn_verification_time(password);
        store::auth::record_failure(conn, &address_subject, ADDRESS_FAILURE_THRESHOLD, now)?;
        return Ok(Outcome::Refused("wrong username or password"));
    }
    if let Some(seconds) = store::auth::locked_for(conn, &user_subject, true, now)? {
        return Ok(Outcome::Locked(seconds));
    }
    let user = store::users::find_by_username(conn, &username)?;
    let verified = match &user {
        Some(u) => verify_password(password, &u.password_hash) && u.active,
        None => {
            burn_verification_time(password);
            false
        }
    };
    match user.filter(|_| verified) {
        Some(user) => {
            store::auth::clear_failures(conn, &user_subject)?;
            let pair = issue_pair(conn, tokens, &user, Uuid::new_v4(), now)?;
            Ok(Outcome::Issued(pair))
        }
        None => {
            store::auth::record_failure(conn, &user_subject, USER_FAILURE_THRESHOLD, now)?;
            store::auth::record_failure(conn, &address_subject, ADDRESS_FAILURE_THRESHOLD, now)?;
            Ok(Outcome::Refused("wrong username or password"))
        }
    }
}

/// Exchanges a refresh token for a new pair. The old one stops working;
/// presenting one already used revokes its whole chain (it has leaked).
pub fn refresh(
    conn: &mut PgConnection,
    tokens: &TokenService,
    refresh_token: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> DomainResult<Outcome> {
    let hash = refresh_token_hash(refresh_token.trim());
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
        tokens,
        &user,
        row.family_id,
        now,
    )?))
}
