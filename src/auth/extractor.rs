//! `Authenticated`: the extractor every protected handler takes. A missing,
//! malformed or rejected bearer token ends the request with 401 here. The
//! account behind a good token is then confirmed on the connection the
//! request's own work uses (`service::auth::confirm`, called by
//! `api::common::{act, read}`): role and agency are read from the account,
//! not trusted from the token, so deactivation, a role change or a password
//! change takes effect at the next request rather than at token expiry.

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};

use chrono::{DateTime, NaiveDate, Utc};

use super::TokenService;
use crate::clock::Clock;
use crate::domain::overdue::province_date;
use crate::domain::policy::{authorize, Action, Principal};
use crate::error::ApiError;

/// The caller as its verified token claims it (confirmed against the account
/// with the request's work), and the moment the request is served at.
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
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let clock = req
            .app_data::<web::Data<Clock>>()
            .map(|c| *c.get_ref())
            .unwrap_or_default();
        let claimed = token_principal(req).map(|principal| Authenticated {
            principal,
            now: clock.now(),
        });
        std::future::ready(claimed)
    }
}
