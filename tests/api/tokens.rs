//! Access tokens built by hand, each sound or wrong in one way, for the
//! authentication tests and the authorisation matrix.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{TestApp, AUDIENCE, ISSUER, SECRET};

/// The claims the server issues for `username` (a user of this database),
/// issued now and valid for 15 minutes.
pub fn claims_for(app: &TestApp, username: &str) -> Value {
    let account = app.account(username);
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "sub": account.id,
        "preferred_username": account.username,
        "role": account.role,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 900,
        "jti": Uuid::new_v4(),
    });
    if let Some(agency) = account.agency_id {
        claims["agency_id"] = json!(agency);
    }
    claims
}

/// A JWT over `claims`, signed with `alg` and `secret`.
pub fn sign(alg: Algorithm, claims: &Value, secret: &[u8]) -> String {
    encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

/// The test secret, HS256: what the server itself would issue for these claims.
pub fn good(claims: &Value) -> String {
    sign(Algorithm::HS256, claims, SECRET)
}

/// `claims` with some fields replaced.
pub fn with(claims: &Value, changes: Value) -> Value {
    let mut claims = claims.clone();
    for (k, v) in changes.as_object().unwrap() {
        claims[k] = v.clone();
    }
    claims
}

/// An expired token: issued two hours ago, expired one hour ago (well past any leeway).
pub fn expired_token(claims: &Value) -> String {
    let now = chrono::Utc::now().timestamp();
    good(&with(claims, json!({"iat": now - 7200, "exp": now - 3600})))
}

/// Signed with a key the server does not know.
pub fn forged_token(claims: &Value) -> String {
    sign(
        Algorithm::HS256,
        claims,
        b"another-secret-another-secret-another!!",
    )
}

/// `alg: none`: a header naming no algorithm, the claims, and an empty signature.
pub fn alg_none_token(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

pub fn wrong_audience_token(claims: &Value) -> String {
    good(&with(claims, json!({"aud": "someone-else"})))
}

pub fn wrong_issuer_token(claims: &Value) -> String {
    good(&with(claims, json!({"iss": "https://idp.example.org"})))
}

/// Right key, but HS384: the server pins HS256.
pub fn hs384_token(claims: &Value) -> String {
    sign(Algorithm::HS384, claims, SECRET)
}
