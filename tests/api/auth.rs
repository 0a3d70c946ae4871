//! Tokens and accounts through HTTP: login, the current user, lockout after
//! repeated failures, refresh-token rotation and reuse detection, deactivated
//! accounts, every way an access token can be wrong, and user administration.

use actix_web::http::{Method, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::actors::{login, login_from, path, refresh, token_pair, Actor};
use crate::bodies::{PlanBody, UserBody};
use crate::common::{JsonExt, TestApp, AUDIENCE, ISSUER};
use crate::demo::{self, officer, ADMIN, COORDINATOR, INSPECTOR, NHATRANG, PASSWORD, SNV, STP};
use crate::tokens::{
    alg_none_token, claims_for, expired_token, forged_token, good, hs384_token, with,
    wrong_audience_token, wrong_issuer_token,
};

#[actix_web::test]
async fn demo_accounts_log_in_and_see_themselves() {
    let app = TestApp::demo().await;
    let (stp, nhatrang) = (officer(STP), officer(NHATRANG));
    let cases = [
        (ADMIN, "admin", None),
        (COORDINATOR, "coordinator", Some(SNV)),
        (INSPECTOR, "inspector", None),
        (stp.as_str(), "agency_officer", Some(STP)),
        (nhatrang.as_str(), "agency_officer", Some(NHATRANG)),
    ];
    for (username, role, agency) in cases {
        let r = login(&app, username, PASSWORD).await;
        let tokens = r.ok();
        assert!(r.content_type().starts_with("application/json"));
        assert_eq!(tokens["token_type"], "Bearer");
        let expires_in = tokens["expires_in"]
            .as_i64()
            .expect("expires_in is an integer");
        assert!(expires_in > 0, "{expires_in}");
        let access = tokens.text("access_token");
        assert_eq!(access.split('.').count(), 3, "a JWT");
        assert!(tokens.text("refresh_token").len() >= 32);
        assert!(!r.raw.contains("$argon2"));

        let me = Actor::bearer(&app, access).get(path::ME).await;
        let user = me.ok();
        let user_id = Uuid::parse_str(user.text("id")).expect("id is a uuid");
        assert_eq!(user["username"], username);
        assert_eq!(user["role"], role);
        assert!(!user.text("display_name").is_empty());
        assert!(
            user.get("agency_id").is_some(),
            "agency_id is present, even when null"
        );
        match agency {
            Some(code) if role == "agency_officer" => {
                assert_eq!(user["agency_id"], app.agency_id(code))
            }
            Some(_) => {}
            None => assert!(user["agency_id"].is_null(), "{}", me.raw),
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
        Uuid::parse_str(claims.text("jti")).expect("jti is a uuid");
    }
}

#[actix_web::test]
async fn wrong_password_and_unknown_user_are_the_same_401() {
    let app = TestApp::demo().await;
    let stp = officer(STP);
    let wrong = login(&app, &stp, "not-the-password").await;
    let unknown = login(&app, "no-such-user", PASSWORD).await;
    let wrong_detail = wrong.unauthorized("wrong password");
    let unknown_detail = unknown.unauthorized("unknown user");
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
    let empty = login(&app, &stp, "").await;
    assert_eq!(empty.unauthorized("empty password"), wrong_detail);
    let blank = login(&app, "   ", PASSWORD).await;
    assert_eq!(blank.unauthorized("blank username"), wrong_detail);
}

#[actix_web::test]
async fn login_and_refresh_bodies_are_strict_json() {
    let app = TestApp::demo().await;
    let anonymous = Actor::anonymous(&app);
    let stp = officer(STP);
    anonymous
        .post(
            path::TOKEN,
            &json!({"username": stp, "password": PASSWORD, "scope": "admin"}),
        )
        .await
        .field_error(400, "scope")
        .alone();
    anonymous
        .post(path::TOKEN, &json!({"username": stp}))
        .await
        .field_error(400, "password")
        .alone();
    anonymous
        .request(Method::POST, path::TOKEN)
        .raw(
            "application/json",
            format!(r#"{{"username": "{stp}", "password": "#),
        )
        .send()
        .await
        .problem(400);
    anonymous
        .post(
            path::REFRESH,
            &json!({"refresh_token": "x", "user": "admin"}),
        )
        .await
        .field_error(400, "user")
        .alone();

    // not JSON: 415, even when the body itself would be fine
    let body = json!({"username": stp, "password": PASSWORD}).to_string();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        anonymous
            .request(Method::POST, path::TOKEN)
            .raw(content_type, body.clone())
            .send()
            .await
            .problem(415);
    }
    anonymous
        .request(Method::POST, path::TOKEN)
        .raw(
            "application/x-www-form-urlencoded",
            format!("username={stp}&password={PASSWORD}"),
        )
        .send()
        .await
        .problem(415);
    anonymous
        .request(Method::POST, path::REFRESH)
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
    token_pair(&app, &stp, PASSWORD).await;
}

#[actix_web::test]
async fn repeated_failures_lock_the_username_out_for_a_while() {
    let app = TestApp::demo().await;
    let snv = officer(SNV);
    // failures before a success do not accumulate: four, a success, four more, a success
    for _ in 0..2 {
        for _ in 0..4 {
            login(&app, &snv, "wrong-password")
                .await
                .unauthorized("wrong password");
        }
        token_pair(&app, &snv, PASSWORD).await;
    }

    // five failures in a row lock the username
    for i in 0..5 {
        login(&app, &snv, "wrong-password")
            .await
            .unauthorized(&format!("failure {i}"));
    }
    for (username, password) in [
        (snv.clone(), PASSWORD),
        (snv.to_uppercase(), PASSWORD),
        (snv.clone(), "wrong-password"),
    ] {
        let r = login(&app, &username, password).await;
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
    token_pair(&app, &officer(STP), PASSWORD).await;
    // a locked-out account's still-valid token is not affected; only logins are refused
    Actor::officer(&app, SNV).me().await;
}

#[actix_web::test]
async fn refresh_rotates_and_reuse_revokes_the_chain() {
    let app = TestApp::demo().await;
    let stp = officer(STP);
    let first = token_pair(&app, &stp, PASSWORD).await;
    let other_session = token_pair(&app, &stp, PASSWORD).await;

    // rotation: a new pair, the old refresh token is spent
    let second = refresh(&app, first.text("refresh_token")).await.ok();
    assert_eq!(second["token_type"], "Bearer");
    assert!(second["expires_in"].as_i64().unwrap() > 0);
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_ne!(second["access_token"], first["access_token"]);
    let me = Actor::bearer(&app, second.text("access_token")).me().await;
    assert_eq!(me["username"], stp);

    // presenting the spent token again: 401, and the chain is revoked
    refresh(&app, first.text("refresh_token"))
        .await
        .unauthorized("reused refresh token");
    refresh(&app, second.text("refresh_token"))
        .await
        .unauthorized("the newer token of a revoked chain");
    // and it stays revoked
    refresh(&app, second.text("refresh_token"))
        .await
        .unauthorized("again");

    // another login's chain is untouched
    refresh(&app, other_session.text("refresh_token"))
        .await
        .ok();

    // tokens the server never issued
    refresh(&app, "made-up-token")
        .await
        .unauthorized("unknown refresh token");
    refresh(&app, first.text("access_token"))
        .await
        .unauthorized("an access token is not a refresh token");
}

#[actix_web::test]
async fn a_deactivated_user_can_neither_log_in_nor_refresh() {
    let app = TestApp::demo().await;
    let admin = Actor::admin(&app);
    let id = app.create_user(
        "canbo.stp",
        "agency_officer",
        Some(STP),
        "mat-khau-dai-2024",
    );
    let first = token_pair(&app, "canbo.stp", "mat-khau-dai-2024").await;
    let wrong_detail = login(&app, &officer(STP), "nope-nope-nope")
        .await
        .unauthorized("wrong");
    // an edit that neither deactivates nor sets a password leaves the sessions be
    admin
        .update_user(&id, &json!({"display_name": "Cán bộ Sở Tư pháp"}))
        .await;
    let tokens = refresh(&app, first.text("refresh_token")).await.ok();

    let r = admin
        .request(Method::PATCH, &path::user(&id))
        .merge_patch(&json!({"active": false}))
        .send()
        .await;
    assert_eq!(r.ok()["active"], false);
    assert!(!r.raw.contains("$argon2"));

    let r = login(&app, "canbo.stp", "mat-khau-dai-2024").await;
    assert_eq!(
        r.unauthorized("deactivated login"),
        wrong_detail,
        "a deactivated account looks like a wrong password"
    );
    refresh(&app, tokens.text("refresh_token"))
        .await
        .unauthorized("deactivated refresh");
    Actor::bearer(&app, tokens.text("access_token"))
        .get(path::ME)
        .await
        .unauthorized("deactivated /me");

    // reactivated: logins work again, the refresh tokens revoked on deactivation stay dead
    admin.update_user(&id, &json!({"active": true})).await;
    token_pair(&app, "canbo.stp", "mat-khau-dai-2024").await;
    refresh(&app, tokens.text("refresh_token"))
        .await
        .unauthorized("old refresh token after reactivation");
}

#[actix_web::test]
async fn only_sound_bearer_tokens_are_accepted() {
    let app = TestApp::demo().await;
    let claims = claims_for(&app, ADMIN);
    // the control: a token built here the way the server builds them is accepted,
    // so each rejection below is due to its one defect
    let me = Actor::bearer(&app, &good(&claims)).me().await;
    assert_eq!(me["username"], ADMIN);
    let r = Actor::bearer(&app, &good(&claims_for(&app, &officer(STP))))
        .get(path::ME)
        .await;
    assert_eq!(r.body["agency_id"], app.agency_id(STP));

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
                let t = good(&claims_for(&app, INSPECTOR));
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
        // the header exactly as given, so no Actor
        let mut call = Actor::anonymous(&app).request(Method::GET, path::ME);
        if let Some(h) = &header {
            call = call.header("Authorization", h);
        }
        let r = call.send().await;
        let detail = r.unauthorized(what);
        assert!(!r.raw.contains("admin"), "{what}: {}", r.raw);
        // plain words, never the token library's internals
        for internal in [
            "variant",
            "Signature",
            "InvalidToken",
            "Json",
            "Base64",
            "expected one of",
        ] {
            assert!(!detail.contains(internal), "{what}: {detail}");
        }
        // RFC 6750: a token that was sent and refused is `invalid_token`
        let challenge = r.header("www-authenticate").unwrap_or("");
        let sent_a_token = header
            .as_deref()
            .is_some_and(|h| h.starts_with("Bearer ") && h.trim().len() > "Bearer".len());
        assert_eq!(
            challenge.contains("error=\"invalid_token\""),
            sent_a_token,
            "{what}: {challenge}"
        );
    }
    let expired = Actor::anonymous(&app)
        .request(Method::GET, path::ME)
        .header("Authorization", &bearer(expired_token(&claims)))
        .send()
        .await
        .unauthorized("expired");
    assert!(expired.contains("expired"), "{expired}");
    let forged = Actor::anonymous(&app)
        .request(Method::GET, path::ME)
        .header("Authorization", &bearer(forged_token(&claims)))
        .send()
        .await
        .unauthorized("forged");
    assert!(forged.contains("signature"), "{forged}");
    // the same on a write: nothing is created with a forged admin token
    let before = app.count("SELECT count(*) AS n FROM users");
    let mallory = UserBody::new("mallory", "M", "0123456789ab", "admin");
    Actor::bearer(&app, &forged_token(&claims))
        .post(path::USERS, &mallory)
        .await
        .unauthorized("forged admin token on POST /users");
    assert_eq!(app.count("SELECT count(*) AS n FROM users"), before);
}

#[actix_web::test]
async fn admin_manages_users_and_password_hashes_never_leak() {
    let app = TestApp::demo().await;
    let admin = Actor::admin(&app);
    let new_officer = UserBody::new(
        "nguyen.van.a",
        "Nguyễn Văn A - Sở Tư pháp",
        "mat-khau-rat-dai-2024",
        "agency_officer",
    )
    .agency(STP);
    let r = admin.post(path::USERS, &new_officer).await;
    let user = r.created();
    assert!(
        !r.raw.contains("$argon2") && !r.raw.contains("password"),
        "{}",
        r.raw
    );
    let id = user.id();
    assert_eq!(user["username"], "nguyen.van.a");
    assert_eq!(user["role"], "agency_officer");
    assert_eq!(user["agency_id"], app.agency_id(STP));
    assert_eq!(user["active"], true);
    // stored as an Argon2 hash, which is what must never be sent
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM users WHERE id = '{id}' AND password_hash LIKE '$argon2id$%'"
        )),
        1
    );

    // the new account works
    let tokens = token_pair(&app, "nguyen.van.a", "mat-khau-rat-dai-2024").await;
    let me = Actor::bearer(&app, tokens.text("access_token"))
        .get(path::ME)
        .await;
    assert_eq!(me.body["id"], id.as_str());
    assert!(!me.raw.contains("$argon2"));

    // a second account with the same name is a conflict
    admin.post(path::USERS, &new_officer).await.problem(409);

    // the list has it, and no hash
    let r = admin.get(&format!("{}?limit=200", path::USERS)).await;
    let items = r.ok().items();
    assert!(
        items.len() > demo::ACCOUNTS,
        "demo accounts plus the new one: {}",
        items.len()
    );
    assert!(items.iter().any(|u| u["id"] == id.as_str()));
    assert!(items.iter().all(|u| u.get("password_hash").is_none()));
    assert!(!r.raw.contains("$argon2") && !r.raw.contains("password"));

    // a change of password: the response carries no hash either, and the new password works
    let r = admin
        .request(Method::PATCH, &path::user(&id))
        .merge_patch(&json!({"password": "mat-khau-moi-2024-xyz", "display_name": "Nguyễn Văn A"}))
        .send()
        .await;
    assert_eq!(r.ok()["display_name"], "Nguyễn Văn A");
    assert!(!r.raw.contains("$argon2"));
    login(&app, "nguyen.van.a", "mat-khau-rat-dai-2024")
        .await
        .unauthorized("old password");
    token_pair(&app, "nguyen.van.a", "mat-khau-moi-2024-xyz").await;

    // nor does the audit trail keep it
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE changes::text LIKE '%argon2%' OR changes::text LIKE '%mat-khau%'"),
        0
    );

    // the coordinator, the inspector and an officer may neither list nor create accounts
    let users_before = app.count("SELECT count(*) AS n FROM users");
    let other = UserBody::new(
        "nguoi.moi",
        "Người mới",
        "mat-khau-rat-dai-2024",
        "coordinator",
    );
    for who in [
        Actor::coordinator(&app),
        Actor::inspector(&app),
        Actor::officer(&app, STP),
    ] {
        let r = who.get(path::USERS).await;
        r.problem(403);
        assert!(!r.raw.contains("$argon2"));
        who.post(path::USERS, &other).await.problem(403);
        who.patch(&path::user(&id), &json!({"active": false}))
            .await
            .problem(403);
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM users"), users_before);
    token_pair(&app, "nguyen.van.a", "mat-khau-moi-2024-xyz").await;
}

#[actix_web::test]
async fn deactivation_and_role_changes_apply_at_the_next_request() {
    let app = TestApp::demo().await;
    let city_officer = Actor::officer(&app, NHATRANG);
    let coordinator = Actor::coordinator(&app);
    let admin = Actor::admin(&app);
    city_officer.get(path::PLANS).await.ok();

    let id = city_officer.me().await.id();
    admin.update_user(&id, &json!({"active": false})).await;
    city_officer
        .get(path::PLANS)
        .await
        .unauthorized("a still-valid token of a deactivated account");

    // a coordinator demoted to inspector loses the right to write at once
    let coordinator_id = coordinator.me().await.id();
    admin
        .update_user(&coordinator_id, &json!({"role": "inspector"}))
        .await;
    coordinator
        .post(
            path::PLANS,
            &PlanBody::new("CCHC-2030", 2030).title("Kế hoạch"),
        )
        .await
        .problem(403);
}

#[actix_web::test]
async fn parallel_guesses_do_not_slip_past_the_lockout() {
    let app = TestApp::demo().await;
    let stp = officer(STP);
    let attempts: Vec<_> = (0..12)
        .map(|i| {
            login(
                &app,
                &stp,
                if i == 11 { PASSWORD } else { "wrong-password" },
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
    let admin = Actor::admin(&app);
    let own_account = path::user(&admin.me().await.id());
    admin
        .patch(&own_account, &json!({"active": false}))
        .await
        .problem(409)
        .problem_type("own-account");
    admin
        .patch(&own_account, &json!({"role": "inspector"}))
        .await
        .problem(409)
        .problem_type("own-account");
    assert_eq!(admin.me().await["role"], "admin");
    // what keeps them an active admin is theirs to change, even as the only one
    let only_admins = app.count("SELECT count(*) AS n FROM users WHERE role = 'admin' AND active");
    assert_eq!(only_admins, 1);
    admin
        .patch(
            &own_account,
            &json!({"role": "admin", "active": true, "display_name": "Quản trị hệ thống"}),
        )
        .await
        .ok();
    assert_eq!(admin.me().await["display_name"], "Quản trị hệ thống");
}

#[actix_web::test]
async fn behind_a_proxy_failures_count_per_forwarded_address() {
    let subjects = |app: &TestApp| {
        app.texts(
            "SELECT subject AS t FROM login_failures WHERE subject LIKE 'addr:%' ORDER BY subject",
        )
    };
    let wrong = json!({"username": officer(STP), "password": "sai-mat-khau"});
    let proxied = TestApp::demo_behind_proxy().await;
    for (peer, forwarded_for) in [
        ("10.0.0.1:4000", "203.0.113.7"),
        // a chain of trusted proxies is skipped
        ("10.0.0.1:4000", "203.0.113.7, 10.0.0.2"),
        // the client wrote the left-most value; the proxy appended the real one
        ("10.0.0.1:4000", "198.51.100.66, 203.0.113.8"),
        ("10.0.0.1:4000", "'; DROP TABLE users; --"),
        // not from the trusted proxy: the header proves nothing
        ("192.0.2.50:4000", "203.0.113.9"),
    ] {
        let r = Actor::anonymous(&proxied)
            .request(Method::POST, path::TOKEN)
            .peer(peer)
            .header("X-Forwarded-For", forwarded_for)
            .body(&wrong)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // the right-most hop that is not a trusted proxy is the client; a
    // malformed header falls back to the peer
    assert_eq!(
        subjects(&proxied),
        vec![
            "addr:10.0.0.1",
            "addr:192.0.2.50",
            "addr:203.0.113.7",
            "addr:203.0.113.8"
        ]
    );

    let direct = TestApp::demo().await;
    let r = Actor::anonymous(&direct)
        .request(Method::POST, path::TOKEN)
        .header("X-Forwarded-For", "203.0.113.7")
        .body(&wrong)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        subjects(&direct),
        vec!["addr:unknown"],
        "headers are ignored unless the proxy is trusted"
    );
}

#[actix_web::test]
async fn guesses_from_one_address_never_lock_the_owner_out_from_another() {
    let app = TestApp::demo().await;
    let (stp, snv) = (officer(STP), officer(SNV));
    let attacker = "203.0.113.66:40000";
    for i in 0..5 {
        login_from(&app, attacker, &stp, "doan-mat-khau")
            .await
            .unauthorized(&format!("guess {i}"));
    }
    // that address is locked out of that account, even with the right password
    login_from(&app, attacker, &stp, PASSWORD)
        .await
        .problem(429)
        .problem_type("too-many-requests");
    // the owner, from their own office, gets in
    assert_eq!(
        login_from(&app, "198.51.100.20:5000", &stp, PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
    // and another official behind the attacker's address is not locked out
    assert_eq!(
        login_from(&app, attacker, &snv, PASSWORD).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn spraying_many_accounts_from_one_address_locks_that_address() {
    let app = TestApp::demo().await;
    let sprayer = "203.0.113.77:40000";
    // four guesses each at 25 accounts: no account's pair reaches its lockout
    let accounts = app.texts(
        "SELECT username AS t FROM users WHERE role = 'agency_officer' ORDER BY username LIMIT 25",
    );
    assert_eq!(accounts.len(), 25);
    for account in &accounts {
        for _ in 0..4 {
            login_from(&app, sprayer, account, "Password123!")
                .await
                .unauthorized(account);
        }
    }
    // the 100 failures lock the address, for every account
    login_from(&app, sprayer, ADMIN, PASSWORD)
        .await
        .problem(429);
    // everyone else is unaffected
    assert_eq!(
        login_from(&app, "198.51.100.21:5000", ADMIN, PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_password_change_ends_earlier_access_tokens_at_once() {
    let app = TestApp::demo().await;
    let stp = officer(STP);
    let session = token_pair(&app, &stp, PASSWORD).await;
    let officer_now = Actor::bearer(&app, session.text("access_token"));
    let id = officer_now.me().await.id();
    Actor::admin(&app)
        .update_user(&id, &json!({"password": "mat-khau-moi-2024"}))
        .await;
    let detail = officer_now
        .get(path::ME)
        .await
        .unauthorized("an access token issued before the password change");
    assert!(detail.contains("password"), "{detail}");
    // its refresh token is revoked too; the new password works
    refresh(&app, session.text("refresh_token"))
        .await
        .unauthorized("a refresh token issued before the password change");
    let fresh = token_pair(&app, &stp, "mat-khau-moi-2024").await;
    Actor::bearer(&app, fresh.text("access_token")).me().await;
    // a change of display name alone keeps sessions
    let other = token_pair(&app, &officer(SNV), PASSWORD).await;
    let snv_now = Actor::bearer(&app, other.text("access_token"));
    let snv_id = snv_now.me().await.id();
    Actor::admin(&app)
        .update_user(&snv_id, &json!({"display_name": "Đầu mối CCHC Sở Nội vụ"}))
        .await;
    snv_now.me().await;
}

/// A password no account can have (empty, or longer than 1,024 characters)
/// is refused as a wrong one at once, without consulting the account's
/// lockout: it could not have been a guess that counts.
#[actix_web::test]
async fn a_password_no_account_can_have_is_wrong_even_when_the_account_is_locked() {
    let app = TestApp::demo().await;
    let stp = officer(STP);
    let attacker = "203.0.113.67:40000";
    for i in 0..5 {
        login_from(&app, attacker, &stp, "doan-mat-khau")
            .await
            .unauthorized(&format!("guess {i}"));
    }
    login_from(&app, attacker, &stp, "doan-mat-khau-nua")
        .await
        .problem(429);
    let longest = "a".repeat(1024);
    let too_long = "a".repeat(1025);
    for password in ["", too_long.as_str()] {
        login_from(&app, attacker, &stp, password)
            .await
            .unauthorized(&format!("a password of {} characters", password.len()));
    }
    // one that an account could have is judged by the lockout
    login_from(&app, attacker, &stp, &longest)
        .await
        .problem(429);
}

/// Failures of one username from anywhere slow its logins down from the
/// tenth on (0.5 s, doubling), without locking anyone out.
#[actix_web::test]
async fn ten_failures_of_a_username_from_many_addresses_slow_its_logins_down() {
    let app = TestApp::demo().await;
    let stp = officer(STP);
    // two from each address: no address nor pair reaches its lockout
    for i in 0..10 {
        login_from(
            &app,
            &format!("203.0.113.{}:40000", 100 + i / 2),
            &stp,
            "doan-mat-khau",
        )
        .await
        .unauthorized(&format!("guess {i}"));
    }
    let timed = |address: &'static str, password: &'static str| {
        let (app, stp) = (&app, &stp);
        async move {
            let started = std::time::Instant::now();
            let r = login_from(app, address, stp, password).await;
            (r, started.elapsed())
        }
    };
    // after ten: 0.5 s
    let (r, took) = timed("203.0.113.120:40000", "doan-mat-khau").await;
    r.unauthorized("the eleventh guess");
    assert!(
        took >= std::time::Duration::from_millis(500),
        "after ten failures, {took:?}"
    );
    // after eleven: 1 s, and the owner still gets in
    let (r, took) = timed("198.51.100.30:5000", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "slowed down, not locked out");
    assert!(
        took >= std::time::Duration::from_millis(1000),
        "after eleven failures, {took:?}"
    );
}

/// An agency officer works for an agency; no other role has one to need.
#[actix_web::test]
async fn an_agency_officer_needs_an_agency_and_no_other_role_does() {
    let app = TestApp::demo().await;
    let admin = Actor::admin(&app);
    let coordinator = admin
        .post(
            path::USERS,
            &UserBody::new(
                "dieuphoi2",
                "Điều phối 2",
                "mat-khau-dieu-phoi-2",
                "coordinator",
            ),
        )
        .await
        .created();
    let account = path::user(&coordinator.id());
    // a coordinator, without an agency, changes as any account does
    admin
        .patch(&account, &json!({"display_name": "Điều phối viên 2"}))
        .await
        .ok();
    // made an officer, it needs one
    admin
        .patch(&account, &json!({"role": "agency_officer"}))
        .await
        .field_error(422, "agency_id");
    let officer = admin
        .patch(
            &account,
            &json!({"role": "agency_officer", "agency_id": app.agency_id(STP)}),
        )
        .await
        .ok();
    assert_eq!(officer["role"], "agency_officer");
    // and cannot lose it
    admin
        .patch(&account, &json!({"agency_id": null}))
        .await
        .field_error(422, "agency_id");
}
