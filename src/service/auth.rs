//! Logging in and refreshing tokens. Refusals that must still commit (a
//! failure counter, a revoked chain) are returned as values, not errors, so
//! the caller's transaction keeps them.

use chrono::Duration;
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::password::Hasher;
use crate::auth::tokens::{new_refresh_token, refresh_token_hash};
use crate::auth::TokenService;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::policy::Principal;
use crate::domain::text::{Password, Username};

use crate::store;
use crate::store::users::UserRow;

/// Failures of one username from one address before that pair is locked out for a while.
const PAIR_FAILURE_THRESHOLD: i32 = 5;
/// Failures from one address (across usernames) before it is locked out. High,
/// because many officials may share one office or proxy address.
const ADDRESS_FAILURE_THRESHOLD: i32 = 100;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    // No real or demo account here: the example shows in every deployment's Swagger UI.
    #[schema(example = "ten.dang.nhap")]
    pub username: String,
    #[schema(format = Password)]
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
        credential_version: user.credential_version,
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

impl Login<'_> {
    fn username(&self) -> String {
        self.username.trim().to_lowercase()
    }
    /// Failures of this username from this address: locked out after a few.
    fn pair_subject(&self) -> String {
        format!("pair:{}|{}", self.username(), self.address)
    }
    /// Failures from this address across usernames (password spraying).
    fn address_subject(&self) -> String {
        format!("addr:{}", self.address)
    }
    /// Failures of this username from anywhere: they slow its logins down,
    /// but never lock it, so no one can lock another out.
    fn user_subject(&self) -> String {
        format!("user:{}", self.username())
    }
    /// A name no account can have, or a password no account can have, is
    /// refused like a wrong password, without looking anything up.
    fn well_formed(&self) -> bool {
        // (counted in characters, as when a password is set)
        Username::parse(&self.username()).is_ok()
            && !self.password.is_empty()
            && self.password.chars().count() <= Password::MAX
    }
}

/// What a login needs checked before its password is: the stored account
/// (none for an unknown name), and how long to slow it down.
#[derive(Debug)]
pub enum Screened {
    Locked(i64),
    Check {
        account: Option<UserRow>,
        delay: std::time::Duration,
    },
}

/// Failures of one username (from anywhere) before its logins slow down.
const USER_SLOWDOWN_AFTER: i32 = 10;

/// First step of a login, in a short transaction: throttles, the account.
/// The password is checked afterwards, off the database (`check_password`).
pub fn screen(
    conn: &mut PgConnection,
    attempt: &Login<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> DomainResult<Screened> {
    if let Some(seconds) = store::auth::locked_for(conn, &attempt.address_subject(), now)? {
        return Ok(Screened::Locked(seconds));
    }
    if !attempt.well_formed() {
        return Ok(Screened::Check {
            account: None,
            delay: std::time::Duration::ZERO,
        });
    }
    // The attempt counts as a failure of its pair until the password proves
    // right, under the pair's row lock: parallel guesses are judged one after
    // another and at most the threshold of them reach a password check.
    let pair = attempt.pair_subject();
    if let Some(seconds) = store::auth::lock_and_check(conn, &pair, now)? {
        return Ok(Screened::Locked(seconds));
    }
    store::auth::record_failure(conn, &pair, PAIR_FAILURE_THRESHOLD, now)?;
    let failures = store::auth::recent_failures(conn, &attempt.user_subject(), now)?;
    // 0.5 s doubling from the threshold on, at most 8 s: guessing one
    // account from many addresses gets slow, its owner still gets in.
    let delay = match failures - USER_SLOWDOWN_AFTER {
        n if n < 0 => std::time::Duration::ZERO,
        n => std::time::Duration::from_millis(500 << n.min(4)),
    };
    let account = store::users::find_by_username(conn, &attempt.username())?;
    Ok(Screened::Check { account, delay })
}

/// Second step, off the database, in a password-check slot: whether
/// `password` opens `account`. An unknown account costs the same check, so
/// timing reveals nothing.
pub fn check_password(hasher: &mut Hasher, account: Option<&UserRow>, password: &str) -> bool {
    match account {
        Some(user) => hasher.verify(password, &user.password_hash) && user.active,
        None => {
            hasher.burn_verification_time(password);
            false
        }
    }
}

/// Last step, in a short transaction: tokens for a verified account, or the
/// failure counted against the address, the pair and the username.
pub fn conclude(
    conn: &mut PgConnection,
    tokens: &TokenService,
    attempt: &Login<'_>,
    verified: Option<&UserRow>,
    now: chrono::DateTime<chrono::Utc>,
) -> DomainResult<Outcome> {
    match settle(conn, attempt, verified, now)? {
        Some(user) => Ok(Outcome::Issued(issue_pair(
            conn,
            tokens,
            user,
            Uuid::new_v4(),
            now,
        )?)),
        None => Ok(Outcome::Refused("wrong username or password")),
    }
}

/// The counters' side of a login's last step, shared by the API's tokens and
/// the web pages' sessions: a verified account clears its failures; a refusal
/// is counted against the address, the pair and the username.
pub fn settle<'u>(
    conn: &mut PgConnection,
    attempt: &Login<'_>,
    verified: Option<&'u UserRow>,
    now: chrono::DateTime<chrono::Utc>,
) -> DomainResult<Option<&'u UserRow>> {
    match verified {
        Some(user) => {
            store::auth::clear_failures(conn, &attempt.pair_subject())?;
            store::auth::clear_failures(conn, &attempt.user_subject())?;
            Ok(Some(user))
        }
        None => {
            store::auth::record_failure(
                conn,
                &attempt.address_subject(),
                ADDRESS_FAILURE_THRESHOLD,
                now,
            )?;
            if attempt.well_formed() {
                // (the pair counted it already, in `screen`)
                store::auth::record_failure(conn, &attempt.user_subject(), i32::MAX, now)?;
            }
            Ok(None)
        }
    }
}

/// How long a web session lasts from its login (a working day and then some).
pub const SESSION_HOURS: i64 = 12;

/// A new web session: the cookie's value (stored only as its hash) and the
/// CSRF token its forms carry.
#[derive(Debug)]
pub struct NewSession {
    pub cookie: String,
    pub csrf_token: String,
}

/// Opens a web session for a verified account (the pages' login).
pub fn open_session(
    conn: &mut PgConnection,
    user: &UserRow,
    now: chrono::DateTime<chrono::Utc>,
) -> DomainResult<NewSession> {
    let session = NewSession {
        cookie: new_refresh_token(),
        csrf_token: new_refresh_token(),
    };
    store::web_sessions::insert(
        conn,
        &refresh_token_hash(&session.cookie),
        user.id,
        user.credential_version,
        &session.csrf_token,
        now + Duration::hours(SESSION_HOURS),
    )?;
    Ok(session)
}

/// The account behind a session cookie, as it is now, and the session's CSRF
/// token; `None` for an unknown or expired session, an inactive account, or
/// one whose password changed since the login.
pub fn session(
    conn: &mut PgConnection,
    cookie: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> DomainResult<Option<(Principal, String)>> {
    let hash = refresh_token_hash(cookie);
    let Some((user_id, version, csrf)) = store::web_sessions::find(conn, &hash, now)? else {
        return Ok(None);
    };
    let current = store::users::find(conn, user_id)?;
    let Some(user) = current.filter(|u| u.active && u.credential_version == version) else {
        return Ok(None);
    };
    let principal = Principal {
        user_id: user.id,
        username: user.username,
        role: user.role,
        agency_id: user.agency_id,
        credential_version: user.credential_version,
    };
    Ok(Some((principal, csrf)))
}

/// Ends a web session (logout).
pub fn close_session(conn: &mut PgConnection, cookie: &str) -> DomainResult<()> {
    store::web_sessions::delete(conn, &refresh_token_hash(cookie))?;
    Ok(())
}

/// A screened login whose password was never checked (no capacity): its
/// provisional failure is taken back.
pub fn withdraw(conn: &mut PgConnection, attempt: &Login<'_>) -> DomainResult<()> {
    if attempt.well_formed() {
        store::auth::forget_one_failure(conn, &attempt.pair_subject())?;
    }
    Ok(())
}

/// The account behind a verified token, as it is now: refused if it was
/// deactivated or its password changed since the token was issued. Read on
/// the connection the request's work uses, so it costs no extra checkout.
pub fn confirm(conn: &mut PgConnection, claimed: &Principal) -> DomainResult<Principal> {
    let account = store::users::find(conn, claimed.user_id)?.map(Into::into);
    confirm_account(account, claimed)
}

/// `confirm`'s rule, over the account as read (`None`: no such account).
pub fn confirm_account(
    account: Option<store::users::AccountState>,
    claimed: &Principal,
) -> DomainResult<Principal> {
    let user = account.filter(|u| u.active).ok_or_else(|| {
        DomainError::TokenRefused("the account is deactivated or no longer exists".into())
    })?;
    if user.credential_version != claimed.credential_version {
        return Err(DomainError::TokenRefused(
            "the password was changed after this token was issued; log in again".into(),
        ));
    }
    Ok(Principal {
        user_id: user.id,
        username: user.username,
        role: user.role,
        agency_id: user.agency_id,
        credential_version: user.credential_version,
    })
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
