//! `Authenticated`: the extractor every protected handler takes. A missing,
//! malformed or rejected bearer token ends the request with 401, and so does
//! a token whose account has since been deactivated: the role and agency are
//! read from the account, not trusted from the token, so a change by the
//! admin takes effect at the next request rather than at token expiry.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};

use chrono::{DateTime, NaiveDate, Utc};

use super::TokenService;
use crate::clock::Clock;
use crate::db::DbPool;
use crate::domain::overdue::province_date;
use crate::domain::policy::{authorize, Action, Principal};
use crate::error::ApiError;
use crate::store;

/// The verified caller of this request, and the moment the request is served at.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub principal: Principal,
    pub now: DateTime<Utc>,
}

impl Authenticated {
    /// Today in the province, as of this request.
    pub fn today(&self) -> NaiveDate {
        province_date(self.now)
    }

    /// Checks `action` against the policy; a refusal is 403.
    pub fn require(&self, action: Action<'_>) -> Result<(), ApiError> {
        authorize(&self.principal, action).map_err(|d| ApiError::Domain(d.into()))
    }
}

impl std::ops::Deref for Authenticated {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.principal
    }
}

fn token_principal(req: &HttpRequest) -> Result<Principal, ApiError> {
    let tokens = req
        .app_data::<web::Data<TokenService>>()
        .ok_or_else(|| ApiError::internal("token service not configured"))?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("a bearer token is required".into()))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is malformed".into()))?;
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be 'Bearer <token>'".into())
        })?;
    tokens
        .verify(token)
        .map_err(|e| ApiError::InvalidToken(e.0))
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let claimed = token_principal(req);
        let pool = req.app_data::<web::Data<DbPool>>().cloned();
        let clock = req
            .app_data::<web::Data<Clock>>()
            .map(|c| *c.get_ref())
            .unwrap_or_default();
        Box::pin(async move {
            let claimed = claimed?;
            let pool = pool.ok_or_else(|| ApiError::internal("database pool not configured"))?;
            let user_id = claimed.user_id;
            let user = web::block(move || {
                crate::db::transaction(&pool, |conn| Ok(store::users::find(conn, user_id)?))
            })
            .await??;
            let user = user.filter(|u| u.active).ok_or_else(|| {
                ApiError::InvalidToken("the account is deactivated or no longer exists".into())
            })?;
            if user.credential_version != claimed.credential_version {
                return Err(ApiError::InvalidToken(
                    "the password was changed after this token was issued; log in again".into(),
                ));
            }
            Ok(Authenticated {
                principal: Principal {
                    user_id: user.id,
                    username: user.username,
                    role: user.role,
                    agency_id: user.agency_id,
                    credential_version: user.credential_version,
                },
                now: clock.now(),
            })
        })
    }
}
