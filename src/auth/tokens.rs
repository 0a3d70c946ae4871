//! Access tokens (HS256 JWT, short-lived) and opaque refresh tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::enums::Role;
use crate::domain::ids::{AgencyId, UserId};
use crate::domain::policy::Principal;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: UserId,
    preferred_username: String,
    role: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    agency_id: Option<AgencyId>,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
    jti: Uuid,
    /// The account's credential version at issue (absent in old tokens: 0).
    #[serde(default)]
    ver: i32,
}

/// Signs and verifies tokens with one configured key. Cheap to clone.
#[derive(Clone)]
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    pub access_ttl_seconds: i64,
    pub refresh_ttl_seconds: i64,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TokenRejected(pub String);

impl TokenService {
    pub fn new(
        secret: &[u8],
        issuer: &str,
        audience: &str,
        access_ttl_seconds: i64,
        refresh_ttl_seconds: i64,
    ) -> Self {
        // The algorithm is pinned: a token whose header names another one
        // (including "none") is rejected before its signature is looked at.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 30;
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        TokenService {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            access_ttl_seconds,
            refresh_ttl_seconds,
        }
    }

    pub fn issue_access_token(&self, principal: &Principal) -> String {
        self.issue_access_token_at(principal, Utc::now().timestamp())
    }

    /// Issues a token as if it were `issued_at` (seconds since the epoch).
    pub fn issue_access_token_at(&self, principal: &Principal, issued_at: i64) -> String {
        let claims = Claims {
            sub: principal.user_id,
            preferred_username: principal.username.clone(),
            role: principal.role.as_str().to_string(),
            agency_id: principal.agency_id,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: issued_at,
            exp: issued_at + self.access_ttl_seconds,
            jti: Uuid::new_v4(),
            ver: principal.credential_version,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    pub fn verify(&self, token: &str) -> Result<Principal, TokenRejected> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| TokenRejected(plain_reason(e.kind()).into()))?;
        let claims = data.claims;
        let role = Role::parse(&claims.role)
            .ok_or_else(|| TokenRejected("the access token names an unknown role".into()))?;
        Ok(Principal {
            user_id: claims.sub,
            username: claims.preferred_username,
            role,
            agency_id: claims.agency_id,
            credential_version: claims.ver,
        })
    }
}

/// Why a token was refused, in words a client developer can act on (the
/// library's own messages name its internals). A token without a claim the
/// service needs fails to parse, before the library could call it missing;
/// `nbf` is not checked: neither can happen here, so neither has an arm.
fn plain_reason(kind: &jsonwebtoken::errors::ErrorKind) -> &'static str {
    use jsonwebtoken::errors::ErrorKind;
    match kind {
        ErrorKind::ExpiredSignature => "the access token has expired; refresh it or log in again",
        ErrorKind::InvalidSignature => "the access token's signature is invalid",
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            "the access token is not signed with HS256"
        }
        ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
            "the access token was issued for another service"
        }
        _ => "the access token is malformed",
    }
}

/// A new opaque refresh token: 256 random bits, URL-safe.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a refresh token: its SHA-256, so a database leak yields no usable token.
pub fn refresh_token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh random secret for local mode.
pub fn random_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; 48];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal() -> Principal {
        Principal {
            user_id: UserId::new(),
            username: "snv".into(),
            role: Role::AgencyOfficer,
            agency_id: Some(AgencyId::new()),
            credential_version: 3,
        }
    }

    fn service(secret: &[u8]) -> TokenService {
        TokenService::new(secret, "par-tracker", "par-tracker-api", 900, 3600)
    }

    #[test]
    fn round_trip() {
        let s = service(&[7u8; 32]);
        let p = principal();
        assert_eq!(s.verify(&s.issue_access_token(&p)).unwrap(), p);
    }

    #[test]
    fn rejects_foreign_expired_and_unsigned_tokens() {
        let s = service(&[7u8; 32]);
        let p = principal();
        assert!(service(&[8u8; 32])
            .verify(&s.issue_access_token(&p))
            .is_err());
        assert!(s
            .verify(&s.issue_access_token_at(&p, Utc::now().timestamp() - 3600))
            .is_err());
        let other_aud = TokenService::new(&[7u8; 32], "par-tracker", "someone-else", 900, 3600);
        assert!(s.verify(&other_aud.issue_access_token(&p)).is_err());
        let other_iss = TokenService::new(&[7u8; 32], "elsewhere", "par-tracker-api", 900, 3600);
        assert!(s.verify(&other_iss.issue_access_token(&p)).is_err());
        // alg: none, with the claims of a valid token
        let valid = s.issue_access_token(&p);
        let payload = valid.split('.').nth(1).unwrap();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(s.verify(&format!("{none_header}.{payload}.")).is_err());
        assert!(s.verify("not-a-token").is_err());
    }

    #[test]
    fn each_refusal_says_why_in_plain_words() {
        let s = service(&[7u8; 32]);
        let p = principal();
        let why = |token: &str| s.verify(token).unwrap_err().0;
        // a token signed with these claims as they are, with `alg`
        let signed = |alg: Algorithm, claims: serde_json::Value| {
            encode(
                &Header::new(alg),
                &claims,
                &EncodingKey::from_secret(&[7u8; 32]),
            )
            .unwrap()
        };
        let now = Utc::now().timestamp();
        let claims = serde_json::json!({
            "sub": p.user_id, "preferred_username": "snv", "role": "agency_officer",
            "iss": "par-tracker", "aud": "par-tracker-api", "iat": now, "exp": now + 900,
            "jti": Uuid::new_v4(),
        });
        assert_eq!(
            s.verify(&signed(Algorithm::HS256, claims.clone()))
                .unwrap()
                .username,
            "snv"
        );

        assert_eq!(
            why(&s.issue_access_token_at(&p, now - 3600)),
            "the access token has expired; refresh it or log in again"
        );
        assert_eq!(
            why(&service(&[8u8; 32]).issue_access_token(&p)),
            "the access token's signature is invalid"
        );
        assert_eq!(
            why(&signed(Algorithm::HS384, claims.clone())),
            "the access token is not signed with HS256"
        );
        for other in [
            TokenService::new(&[7u8; 32], "par-tracker", "someone-else", 900, 3600),
            TokenService::new(&[7u8; 32], "elsewhere", "par-tracker-api", 900, 3600),
        ] {
            assert_eq!(
                why(&other.issue_access_token(&p)),
                "the access token was issued for another service"
            );
        }
        let mut no_exp = claims.clone();
        no_exp.as_object_mut().unwrap().remove("exp");
        assert_eq!(
            why(&signed(Algorithm::HS256, no_exp)),
            "the access token is malformed"
        );
        assert_eq!(why("not-a-token"), "the access token is malformed");
        let mut odd_role = claims;
        odd_role["role"] = "overlord".into();
        assert_eq!(
            why(&signed(Algorithm::HS256, odd_role)),
            "the access token names an unknown role"
        );
    }

    #[test]
    fn local_secret_is_random_and_long() {
        let a = random_secret();
        let b = random_secret();
        assert!(
            a.len() >= 32,
            "HS256 wants at least 256 bits, got {}",
            a.len()
        );
        assert_ne!(a, b, "each data folder gets its own secret");
        assert!(a.iter().any(|&x| x != a[0]), "not one repeated byte");
    }

    #[test]
    fn refresh_tokens_are_256_random_bits_and_stored_only_as_their_sha256() {
        let a = new_refresh_token();
        let b = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_eq!(
            refresh_token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(refresh_token_hash(&a), refresh_token_hash(&b));
        assert!(!refresh_token_hash(&a).contains(&a));
    }
}
