//! `Authenticated`: the extractor every protected handler takes. A missing,
//! malformed or rejected bearer token ends the request with 401.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};

use super::TokenService;
use crate::domain::policy::{authorize, Action, Principal};
use crate::error::ApiError;

/// The verified caller of this request.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

impl Authenticated {
    /// Checks `action` against the policy; a refusal is 403.
    pub fn require(&self, action: Action<'_>) -> Result<(), ApiError> {
        authorize(&self.0, action).map_err(|d| ApiError::Forbidden(d.0))
    }
}

impl std::ops::Deref for Authenticated {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

fn principal_from(req: &HttpRequest) -> Result<Principal, ApiError> {
    let tokens = req
        .app_data::<web::Data<TokenService>>()
        .ok_or_else(|| ApiError::Internal("token service not configured".into()))?;
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
        .map_err(|e| ApiError::Unauthorized(e.0))
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(principal_from(req).map(Authenticated))
    }
}
