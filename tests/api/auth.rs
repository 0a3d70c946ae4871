//! Tokens and accounts through HTTP: login, the current user, lockout after
//! repeated failures, refresh-token rotation and reuse detection, deactivated
//! accounts, every way an access token can be wrong, and user administration.
//!
//! The token builders at the top are shared with `authz.rs`.

use actix_web::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{TestApp, AUDIENCE, ISSUER, SECRET};

pub const PASSWORD: &str = "khanhhoa-2023";

/// The claims the server issues for `username` (a user of this database),
/// issued now and valid for 15 minutes.
pub fn claims_for(app: &TestApp, username: &str) -> Value {
    let mut conn = app.pool().get().unwrap();
    let user = par_tracker::store::users::find_by_username(&mut conn, username)
        .unwrap()
        .unwrap_or_else(|| panic!("no user {username}"));
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "sub": user.id,
        "preferred_username": user.username,
        "role": user.role,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 900,
        "jti": Uuid::new_v4(),
    });
    if let Some(agency) = user.agency_id {
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

/// POST /api/v1/auth/token.
async fn login(app: &TestApp, username: &str, password: &str) -> crate::common::Reply {
    app.post("/api/v1/auth/token")
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
}

/// POST /api/v1/auth/refresh.
async fn refresh(app: &TestApp, refresh_token: &str) -> crate::common::Reply {
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": refresh_token}))
        .send()
        .await
}

/// A token pair from a successful login.
async fn pair(app: &TestApp, username: &str, password: &str) -> Value {
    let r = login(app, username, password).await;
    assert_eq!(r.status, StatusCode::OK, "login {username}: {}", r.raw);
    r.body
}

fn str_of<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not a string in {v}"))
}

/// Asserts a 401 problem document with a Bearer challenge; returns its detail.
fn assert_unauthorized(r: &crate::common::Reply, what: &str) -> String {
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}: {}", r.raw);
    r.problem(401);
    let challenge = r
        .header("www-authenticate")
        .unwrap_or_else(|| panic!("{what}: 401 without WWW-Authenticate"));
    assert!(
        challenge.starts_with("Bearer"),
        "{what}: WWW-Authenticate is {challenge:?}"
    );
    r.body["detail"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn demo_accounts_log_in_and_see_themselves() {
    let app = TestApp::demo().await;
    let cases = [
        ("admin", "admin", None),
        ("sonoivu", "coordinator", Some("SNV")),
        ("thanhtra", "inspector", None),
        ("stp", "agency_officer", Some("STP")),
        ("nhatrang", "agency_officer", Some("NHATRANG")),
    ];
    for (username, role, agency) in cases {
        let r = login(&app, username, PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "{username}: {}", r.raw);
        assert!(r.content_type().starts_with("application/json"));
        let tokens = r.body.clone();
        assert_eq!(tokens["token_type"], "Bearer");
        let expires_in = tokens["expires_in"]
            .as_i64()
            .expect("expires_in is an integer");
        assert!(expires_in > 0, "{expires_in}");
        let access = str_of(&tokens, "access_token");
        assert_eq!(access.split('.').count(), 3, "a JWT");
        assert!(str_of(&tokens, "refresh_token").len() >= 32);
        assert!(!r.raw.contains("$argon2"));

        let me = app.get("/api/v1/me").token(access).send().await;
        assert_eq!(me.status, StatusCode::OK, "{username}: {}", me.raw);
        let user_id = Uuid::parse_str(str_of(&me.body, "id")).expect("id is a uuid");
        assert_eq!(me.body["username"], username);
        assert_eq!(me.body["role"], role);
        assert!(!str_of(&me.body, "display_name").is_empty());
        assert!(
            me.body.get("agency_id").is_some(),
            "agency_id is present, even when null"
        );
        match agency {
            Some(code) if role == "agency_officer" => {
                assert_eq!(me.body["agency_id"], app.agency_id(code).to_string())
            }
            Some(_) => {}
            None => assert!(me.body["agency_id"].is_null(), "{}", me.raw),
        }
        assert!(!me.raw.contains("$argon2") && !me.raw.contains("password"));

        // the access token carries the claims the contract names, for this user
        let payload = access.split('.').nth(1).unwrap();
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(claims["sub"], user_id.to_string());
        assert_eq!(claims["preferred_username"], username);
        assert_eq!(claims["role"], role);
        assert_eq!(claims["iss"], ISSUER);
        assert_eq!(claims["aud"], AUDIENCE);
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            expires_in
        );
        Uuid::parse_str(str_of(&claims, "jti")).expect("jti is a uuid");
    }
}

#[actix_web::test]
async fn wrong_password_and_unknown_user_are_the_same_401() {
    let app = TestApp::demo().await;
    let wrong = login(&app, "stp", "not-the-password").await;
    let unknown = login(&app, "no-such-user", PASSWORD).await;
    let wrong_detail = assert_unauthorized(&wrong, "wrong password");
    let unknown_detail = assert_unauthorized(&unknown, "unknown user");
    assert_eq!(
        wrong_detail, unknown_detail,
        "the answer does not reveal who has an account"
    );
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(
        wrong.header("www-authenticate"),
        unknown.header("www-authenticate")
    );
    for r in [&wrong, &unknown] {
        assert!(r.body.get("access_token").is_none() && !r.raw.contains("refresh_token"));
    }
    // an empty password or username is just as wrong
    let empty = login(&app, "stp", "").await;
    assert_eq!(assert_unauthorized(&empty, "empty password"), wrong_detail);
    let blank = login(&app, "   ", PASSWORD).await;
    assert_eq!(assert_unauthorized(&blank, "blank username"), wrong_detail);
}

#[actix_web::test]
async fn login_and_refresh_bodies_are_strict_json() {
    let app = TestApp::demo().await;
    let r = app
        .post("/api/v1/auth/token")
        .json(&json!({"username": "stp", "password": PASSWORD, "scope": "admin"}))
        .send()
        .await;
    r.problem(400);
    assert_eq!(r.error_fields(), ["scope"], "{}", r.raw);
    let r = app
        .post("/api/v1/auth/token")
        .json(&json!({"username": "stp"}))
        .send()
        .await;
    r.problem(400);
    assert_eq!(r.error_fields(), ["password"], "{}", r.raw);
    app.post("/api/v1/auth/token")
        .raw("application/json", r#"{"username": "stp", "password": "#)
        .send()
        .await
        .problem(400);
    let r = app
        .post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": "x", "user": "admin"}))
        .send()
        .await;
    r.problem(400);
    assert_eq!(r.error_fields(), ["user"], "{}", r.raw);

    // not JSON: 415, even when the body itself would be fine
    let body = json!({"username": "stp", "password": PASSWORD}).to_string();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        app.post("/api/v1/auth/token")
            .raw(content_type, body.clone())
            .send()
            .await
            .problem(415);
    }
    app.post("/api/v1/auth/token")
        .raw(
            "application/x-www-form-urlencoded",
            format!("username=stp&password={PASSWORD}"),
        )
        .send()
        .await
        .problem(415);
    app.post("/api/v1/auth/refresh")
        .raw("text/plain", r#"{"refresh_token": "x"}"#)
        .send()
        .await
        .problem(415);
    // none of that counted as a failed login
    assert_eq!(
        app.count("SELECT count(*) AS n FROM login_failures"),
        0,
        "malformed requests are not failed logins"
    );
    pair(&app, "stp", PASSWORD).await;
}

#[actix_web::test]
async fn repeated_failures_lock_the_username_out_for_a_while() {
    let app = TestApp::demo().await;
    // failures before a success do not accumulate: four, a success, four more, a success
    for _ in 0..2 {
        for _ in 0..4 {
            assert_unauthorized(
                &login(&app, "snv", "wrong-password").await,
                "wrong password",
            );
        }
        pair(&app, "snv", PASSWORD).await;
    }

    // five failures in a row lock the username
    for i in 0..5 {
        assert_unauthorized(
            &login(&app, "snv", "wrong-password").await,
            &format!("failure {i}"),
        );
    }
    for (username, password) in [
        ("snv", PASSWORD),
        ("SNV", PASSWORD),
        ("snv", "wrong-password"),
    ] {
        let r = login(&app, username, password).await;
        r.problem(429);
        let retry_after = r
            .header("retry-after")
            .unwrap_or_else(|| panic!("429 without Retry-After: {:?}", r.headers));
        let seconds: u64 = retry_after
            .parse()
            .unwrap_or_else(|_| panic!("Retry-After {retry_after:?} is not a number of seconds"));
        assert!((1..=900).contains(&seconds), "Retry-After {seconds}");
        assert!(r.body.get("access_token").is_none());
    }
    // the lock is for that username only
    pair(&app, "stp", PASSWORD).await;
    // a locked-out account's still-valid token is not affected; only logins are refused
    let r = app.get("/api/v1/me").token(&app.token("snv")).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
}

#[actix_web::test]
async fn refresh_rotates_and_reuse_revokes_the_chain() {
    let app = TestApp::demo().await;
    let first = pair(&app, "stp", PASSWORD).await;
    let other_session = pair(&app, "stp", PASSWORD).await;

    // rotation: a new pair, the old refresh token is spent
    let r = refresh(&app, str_of(&first, "refresh_token")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    let second = r.body.clone();
    assert_eq!(second["token_type"], "Bearer");
    assert!(second["expires_in"].as_i64().unwrap() > 0);
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_ne!(second["access_token"], first["access_token"]);
    let me = app
        .get("/api/v1/me")
        .token(str_of(&second, "access_token"))
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.raw);
    assert_eq!(me.body["username"], "stp");

    // presenting the spent token again: 401, and the chain is revoked
    let reuse = refresh(&app, str_of(&first, "refresh_token")).await;
    assert_unauthorized(&reuse, "reused refresh token");
    let after = refresh(&app, str_of(&second, "refresh_token")).await;
    assert_unauthorized(&after, "the newer token of a revoked chain");
    // and it stays revoked
    assert_unauthorized(
        &refresh(&app, str_of(&second, "refresh_token")).await,
        "again",
    );

    // another login's chain is untouched
    let r = refresh(&app, str_of(&other_session, "refresh_token")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);

    // tokens the server never issued
    assert_unauthorized(
        &refresh(&app, "made-up-token").await,
        "unknown refresh token",
    );
    assert_unauthorized(
        &refresh(&app, str_of(&first, "access_token")).await,
        "an access token is not a refresh token",
    );
}

#[actix_web::test]
async fn a_deactivated_user_can_neither_log_in_nor_refresh() {
    let app = TestApp::demo().await;
    let id = app.create_user(
        "canbo.stp",
        "agency_officer",
        Some("STP"),
        "mat-khau-dai-2024",
    );
    let tokens = pair(&app, "canbo.stp", "mat-khau-dai-2024").await;
    let wrong_detail = assert_unauthorized(&login(&app, "stp", "nope-nope-nope").await, "wrong");

    let r = app
        .patch(&format!("/api/v1/users/{id}"))
        .token(&app.token("admin"))
        .raw(
            "application/merge-patch+json",
            json!({"active": false}).to_string(),
        )
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["active"], false);
    assert!(!r.raw.contains("$argon2"));

    let r = login(&app, "canbo.stp", "mat-khau-dai-2024").await;
    assert_eq!(
        assert_unauthorized(&r, "deactivated login"),
        wrong_detail,
        "a deactivated account looks like a wrong password"
    );
    assert_unauthorized(
        &refresh(&app, str_of(&tokens, "refresh_token")).await,
        "deactivated refresh",
    );
    assert_unauthorized(
        &app.get("/api/v1/me")
            .token(str_of(&tokens, "access_token"))
            .send()
            .await,
        "deactivated /me",
    );

    // reactivated: logins work again, the refresh tokens revoked on deactivation stay dead
    let r = app
        .patch(&format!("/api/v1/users/{id}"))
        .token(&app.token("admin"))
        .json(&json!({"active": true}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    pair(&app, "canbo.stp", "mat-khau-dai-2024").await;
    assert_unauthorized(
        &refresh(&app, str_of(&tokens, "refresh_token")).await,
        "old refresh token after reactivation",
    );
}

#[actix_web::test]
async fn only_sound_bearer_tokens_are_accepted() {
    let app = TestApp::demo().await;
    let claims = claims_for(&app, "admin");
    // the control: a token built here the way the server builds them is accepted,
    // so each rejection below is due to its one defect
    let r = app.get("/api/v1/me").token(&good(&claims)).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["username"], "admin");
    let r = app
        .get("/api/v1/me")
        .token(&good(&claims_for(&app, "stp")))
        .send()
        .await;
    assert_eq!(r.body["agency_id"], app.agency_id("STP").to_string());

    let without = |field: &str| {
        let mut c = claims.clone();
        c.as_object_mut().unwrap().remove(field);
        good(&c)
    };
    let bearer = |t: String| format!("Bearer {t}");
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no Authorization header", None),
        ("Basic scheme", Some("Basic xyz".into())),
        (
            "Basic with credentials",
            Some("Basic YWRtaW46a2hhbmhob2EtMjAyMw==".into()),
        ),
        ("Bearer without a token", Some("Bearer".into())),
        ("Bearer with blanks", Some("Bearer    ".into())),
        ("not a JWT", Some(bearer("not-a-token".into()))),
        ("the token without a scheme", Some(good(&claims))),
        ("expired an hour ago", Some(bearer(expired_token(&claims)))),
        (
            "signed with another secret",
            Some(bearer(forged_token(&claims))),
        ),
        ("alg: none", Some(bearer(alg_none_token(&claims)))),
        (
            "alg: none with the original signature",
            Some(bearer({
                let t = good(&claims);
                let sig = t.rsplit('.').next().unwrap().to_string();
                format!("{}{sig}", alg_none_token(&claims))
            })),
        ),
        (
            "wrong audience",
            Some(bearer(wrong_audience_token(&claims))),
        ),
        ("wrong issuer", Some(bearer(wrong_issuer_token(&claims)))),
        (
            "HS384 with the right secret",
            Some(bearer(hs384_token(&claims))),
        ),
        (
            "payload changed after signing",
            Some(bearer({
                let t = good(&claims_for(&app, "thanhtra"));
                let parts: Vec<&str> = t.split('.').collect();
                let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
                format!("{}.{payload}.{}", parts[0], parts[2])
            })),
        ),
        ("without exp", Some(bearer(without("exp")))),
        ("without aud", Some(bearer(without("aud")))),
        ("without iss", Some(bearer(without("iss")))),
        ("without sub", Some(bearer(without("sub")))),
        (
            "an unknown role",
            Some(bearer(good(&with(&claims, json!({"role": "superuser"}))))),
        ),
    ];
    for (what, header) in cases {
        let mut call = app.get("/api/v1/me");
        if let Some(h) = &header {
            call = call.header("Authorization", h);
        }
        let r = call.send().await;
        assert_unauthorized(&r, what);
        assert!(!r.raw.contains("admin"), "{what}: {}", r.raw);
    }
    // the same on a write: nothing is created with a forged admin token
    let before = app.count("SELECT count(*) AS n FROM users");
    let r = app
        .post("/api/v1/users")
        .token(&forged_token(&claims))
        .json(&json!({"username": "mallory", "display_name": "M", "password": "0123456789ab", "role": "admin"}))
        .send()
        .await;
    assert_unauthorized(&r, "forged admin token on POST /users");
    assert_eq!(app.count("SELECT count(*) AS n FROM users"), before);
}

#[actix_web::test]
async fn admin_manages_users_and_password_hashes_never_leak() {
    let app = TestApp::demo().await;
    let admin = app.token("admin");
    let stp = app.agency_id("STP");
    let body = json!({
        "username": "nguyen.van.a",
        "display_name": "Nguyễn Văn A - Sở Tư pháp",
        "password": "mat-khau-rat-dai-2024",
        "role": "agency_officer",
        "agency_id": stp,
    });
    let r = app
        .post("/api/v1/users")
        .token(&admin)
        .json(&body)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    assert!(
        !r.raw.contains("$argon2") && !r.raw.contains("password"),
        "{}",
        r.raw
    );
    let id = str_of(&r.body, "id").to_string();
    assert_eq!(r.body["username"], "nguyen.van.a");
    assert_eq!(r.body["role"], "agency_officer");
    assert_eq!(r.body["agency_id"], stp.to_string());
    assert_eq!(r.body["active"], true);
    // stored as an Argon2 hash, which is what must never be sent
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM users WHERE id = '{id}' AND password_hash LIKE '$argon2id$%'"
        )),
        1
    );

    // the new account works
    let tokens = pair(&app, "nguyen.van.a", "mat-khau-rat-dai-2024").await;
    let me = app
        .get("/api/v1/me")
        .token(str_of(&tokens, "access_token"))
        .send()
        .await;
    assert_eq!(me.body["id"], id.as_str());
    assert!(!me.raw.contains("$argon2"));

    // a second account with the same name is a conflict
    let r = app
        .post("/api/v1/users")
        .token(&admin)
        .json(&body)
        .send()
        .await;
    r.problem(409);

    // the list has it, and no hash
    let r = app
        .get("/api/v1/users?limit=200")
        .token(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    let items = r.body["items"].as_array().unwrap();
    assert!(
        items.len() >= 45,
        "demo accounts plus the new one: {}",
        items.len()
    );
    assert!(items.iter().any(|u| u["id"] == id.as_str()));
    assert!(items.iter().all(|u| u.get("password_hash").is_none()));
    assert!(!r.raw.contains("$argon2") && !r.raw.contains("password"));

    // a change of password: the response carries no hash either, and the new password works
    let r = app
        .patch(&format!("/api/v1/users/{id}"))
        .token(&admin)
        .raw(
            "application/merge-patch+json",
            json!({"password": "mat-khau-moi-2024-xyz", "display_name": "Nguyễn Văn A"})
                .to_string(),
        )
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert!(!r.raw.contains("$argon2"));
    assert_eq!(r.body["display_name"], "Nguyễn Văn A");
    assert_unauthorized(
        &login(&app, "nguyen.van.a", "mat-khau-rat-dai-2024").await,
        "old password",
    );
    pair(&app, "nguyen.van.a", "mat-khau-moi-2024-xyz").await;

    // nor does the audit trail keep it
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE changes::text LIKE '%argon2%' OR changes::text LIKE '%mat-khau%'"),
        0
    );

    // the coordinator, the inspector and an officer may neither list nor create accounts
    let users_before = app.count("SELECT count(*) AS n FROM users");
    let other = json!({
        "username": "nguoi.moi",
        "display_name": "Người mới",
        "password": "mat-khau-rat-dai-2024",
        "role": "coordinator",
    });
    for who in ["sonoivu", "thanhtra", "stp"] {
        let token = app.token(who);
        let r = app.get("/api/v1/users").token(&token).send().await;
        r.problem(403);
        assert!(!r.raw.contains("$argon2"));
        app.post("/api/v1/users")
            .token(&token)
            .json(&other)
            .send()
            .await
            .problem(403);
        app.patch(&format!("/api/v1/users/{id}"))
            .token(&token)
            .json(&json!({"active": false}))
            .send()
            .await
            .problem(403);
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM users"), users_before);
    pair(&app, "nguyen.van.a", "mat-khau-moi-2024-xyz").await;
}

#[actix_web::test]
async fn deactivation_and_role_changes_apply_at_the_next_request() {
    let app = TestApp::demo().await;
    let officer = app.token("nhatrang");
    let coordinator = app.token("sonoivu");
    let admin = app.token("admin");
    assert_eq!(
        app.get("/api/v1/plans").token(&officer).send().await.status,
        StatusCode::OK
    );

    let id = app.get("/api/v1/me").token(&officer).send().await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .patch(&format!("/api/v1/users/{id}"))
        .token(&admin)
        .json(&json!({"active": false}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_unauthorized(
        &app.get("/api/v1/plans").token(&officer).send().await,
        "a still-valid token of a deactivated account",
    );

    // a coordinator demoted to inspector loses the right to write at once
    let cid = app.get("/api/v1/me").token(&coordinator).send().await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.patch(&format!("/api/v1/users/{cid}"))
        .token(&admin)
        .json(&json!({"role": "inspector"}))
        .send()
        .await;
    let r = app
        .post("/api/v1/plans")
        .token(&coordinator)
        .json(&json!({"code": "CCHC-2030", "year": 2030, "title": "Kế hoạch"}))
        .send()
        .await;
    r.problem(403);
}

#[actix_web::test]
async fn parallel_guesses_do_not_slip_past_the_lockout() {
    let app = TestApp::demo().await;
    let attempts: Vec<_> = (0..12)
        .map(|i| {
            login(
                &app,
                "stp",
                if i == 11 {
                    "khanhhoa-2023"
                } else {
                    "wrong-password"
                },
            )
        })
        .collect();
    let replies = futures_util::future::join_all(attempts).await;
    let refused = replies
        .iter()
        .filter(|r| r.status == StatusCode::UNAUTHORIZED)
        .count();
    let locked = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(
        refused <= 5,
        "at most the threshold of guesses is checked: {refused} were"
    );
    assert_eq!(
        refused
            + locked
            + replies
                .iter()
                .filter(|r| r.status == StatusCode::OK)
                .count(),
        12
    );
    assert!(locked >= 6);
}

#[actix_web::test]
async fn an_admin_cannot_lock_themselves_out() {
    let app = TestApp::demo().await;
    let admin = app.token("admin");
    let id = app.get("/api/v1/me").token(&admin).send().await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/users/{id}");
    app.patch(&path)
        .token(&admin)
        .json(&json!({"active": false}))
        .send()
        .await
        .problem(409);
    app.patch(&path)
        .token(&admin)
        .json(&json!({"role": "inspector"}))
        .send()
        .await
        .problem(409);
    assert_eq!(
        app.get("/api/v1/me").token(&admin).send().await.body["role"],
        "admin"
    );
}

#[actix_web::test]
async fn behind_a_proxy_failures_count_per_forwarded_address() {
    let subjects = |app: &TestApp| {
        #[derive(diesel::QueryableByName)]
        struct S {
            #[diesel(sql_type = diesel::sql_types::Text)]
            subject: String,
        }
        use diesel::RunQueryDsl;
        let mut conn = app.pool().get().unwrap();
        let rows: Vec<S> = diesel::sql_query(
            "SELECT subject FROM login_failures WHERE subject LIKE 'addr:%' ORDER BY subject",
        )
        .load(&mut conn)
        .unwrap();
        rows.into_iter().map(|s| s.subject).collect::<Vec<_>>()
    };
    let wrong = json!({"username": "stp", "password": "sai-mat-khau"});
    let proxied = TestApp::demo_behind_proxy().await;
    for address in [
        "203.0.113.7",
        "203.0.113.7, 10.0.0.1",
        "'; DROP TABLE users; --",
    ] {
        let r = proxied
            .post("/api/v1/auth/token")
            .header("X-Forwarded-For", address)
            .json(&wrong)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // the first forwarded hop is the client; a malformed header falls back to the peer
    assert_eq!(subjects(&proxied), vec!["addr:203.0.113.7", "addr:unknown"]);

    let direct = TestApp::demo().await;
    let r = direct
        .post("/api/v1/auth/token")
        .header("X-Forwarded-For", "203.0.113.7")
        .json(&wrong)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        subjects(&direct),
        vec!["addr:unknown"],
        "headers are ignored unless the proxy is trusted"
    );
}
