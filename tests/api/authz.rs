//! The authorisation matrix: every operation of the app's own OpenAPI spec,
//! called by every kind of caller, against an explicit table of expected
//! statuses. An operation without a row fails the suite, so a new endpoint
//! cannot ship without a rule; a row without an operation fails it too.
//!
//! Writes are sent with valid bodies on fresh objects, so an allowed caller
//! gets its 2xx and a refused one gets 401/403 for that reason alone; every
//! refused call is checked to have changed nothing in the database.

use std::collections::BTreeSet;

use actix_web::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{Reply, TestApp};
use crate::demo::PASSWORD;
use crate::tokens::{
    alg_none_token, claims_for, expired_token, forged_token, wrong_audience_token,
};

/// The lead agency of the tasks written to, one supporting it, and one with nothing to do with them.
const LEAD: &str = "STP";
const SUPPORTING: &str = "STTTT";
const UNRELATED: &str = "NHATRANG";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Expired,
    Forged,
    AlgNone,
    WrongAudience,
    Admin,
    Coordinator,
    Inspector,
    LeadOfficer,
    SupportingOfficer,
    UnrelatedOfficer,
}

use Caller::*;

/// The callers, in the order of the columns of `TABLE`.
const CALLERS: [Caller; 11] = [
    Anonymous,
    Expired,
    Forged,
    AlgNone,
    WrongAudience,
    Admin,
    Coordinator,
    Inspector,
    LeadOfficer,
    SupportingOfficer,
    UnrelatedOfficer,
];

impl Caller {
    /// The Authorization header value it sends, if any. The bad tokens all
    /// claim to be the administrator, so accepting one would be noticed.
    fn authorization(self, app: &TestApp) -> Option<String> {
        let admin = || claims_for(app, "admin");
        let token = match self {
            Anonymous => return None,
            Expired => expired_token(&admin()),
            Forged => forged_token(&admin()),
            AlgNone => alg_none_token(&admin()),
            WrongAudience => wrong_audience_token(&admin()),
            Admin => app.token("admin"),
            Coordinator => app.token("sonoivu"),
            Inspector => app.token("thanhtra"),
            LeadOfficer => app.token(&LEAD.to_lowercase()),
            SupportingOfficer => app.token(&SUPPORTING.to_lowercase()),
            UnrelatedOfficer => app.token(&UNRELATED.to_lowercase()),
        };
        Some(format!("Bearer {token}"))
    }
}

/// Expected status per caller, columns in the order of `CALLERS`:
///
/// no token, expired, forged (other secret), alg:none, wrong aud |
/// admin, coordinator (sonoivu), inspector (thanhtra), lead agency's officer (stp),
/// supporting agency's officer (stttt), unrelated agency's officer (nhatrang).
///
/// Public operations ignore the Authorization header; every other one answers
/// 401 to every bad token. Everyone signed in reads everything except the user
/// accounts (admin only). Writes per DESIGN.md, "The v1 contract".
#[rustfmt::skip]
const TABLE: &[(&str, &str, [u16; 11])] = &[
    //                                                     anon expd forg none waud   admin coord insp lead supp unrel
    ("GET",   "/healthz",                                 [200, 200, 200, 200, 200,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/readyz",                                  [200, 200, 200, 200, 200,   200, 200, 200, 200, 200, 200]),
    ("POST",  "/api/v1/auth/token",                       [200, 200, 200, 200, 200,   200, 200, 200, 200, 200, 200]),
    ("POST",  "/api/v1/auth/refresh",                     [200, 200, 200, 200, 200,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/me",                               [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/users",                            [401, 401, 401, 401, 401,   200, 403, 403, 403, 403, 403]),
    ("POST",  "/api/v1/users",                            [401, 401, 401, 401, 401,   201, 403, 403, 403, 403, 403]),
    ("PATCH", "/api/v1/users/{id}",                       [401, 401, 401, 401, 401,   200, 403, 403, 403, 403, 403]),
    ("GET",   "/api/v1/areas",                            [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/agencies",                         [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("POST",  "/api/v1/agencies",                         [401, 401, 401, 401, 401,   201, 201, 403, 403, 403, 403]),
    ("GET",   "/api/v1/agencies/{id}",                    [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("PATCH", "/api/v1/agencies/{id}",                    [401, 401, 401, 401, 401,   200, 200, 403, 403, 403, 403]),
    ("GET",   "/api/v1/agencies/{id}/scorecard",          [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/plans",                            [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("POST",  "/api/v1/plans",                            [401, 401, 401, 401, 401,   201, 201, 403, 403, 403, 403]),
    ("GET",   "/api/v1/plans/{id}",                       [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("PATCH", "/api/v1/plans/{id}",                       [401, 401, 401, 401, 401,   200, 200, 403, 403, 403, 403]),
    ("GET",   "/api/v1/plans/{id}/summary",               [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/plans/{id}/objectives",            [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("POST",  "/api/v1/plans/{id}/objectives",            [401, 401, 401, 401, 401,   201, 201, 403, 403, 403, 403]),
    ("PATCH", "/api/v1/objectives/{id}",                  [401, 401, 401, 401, 401,   200, 200, 403, 403, 403, 403]),
    ("POST",  "/api/v1/plans/{id}/tasks",                 [401, 401, 401, 401, 401,   201, 201, 403, 403, 403, 403]),
    ("GET",   "/api/v1/tasks",                            [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/tasks/{id}",                       [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("PATCH", "/api/v1/tasks/{id}",                       [401, 401, 401, 401, 401,   200, 200, 403, 403, 403, 403]),
    ("GET",   "/api/v1/tasks/{id}/history",               [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/tasks/{id}/reports",               [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("POST",  "/api/v1/tasks/{id}/reports",               [401, 401, 401, 401, 401,   201, 403, 403, 201, 201, 403]),
    ("POST",  "/api/v1/tasks/{id}/completion",            [401, 401, 401, 401, 401,   201, 403, 403, 201, 403, 403]),
    ("POST",  "/api/v1/tasks/{id}/review",                [401, 401, 401, 401, 401,   200, 200, 403, 403, 403, 403]),
    ("POST",  "/api/v1/tasks/{id}/extension-requests",    [401, 401, 401, 401, 401,   201, 403, 403, 201, 403, 403]),
    ("POST",  "/api/v1/extension-requests/{id}/decision", [401, 401, 401, 401, 401,   200, 200, 403, 403, 403, 403]),
];

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every (METHOD, path template) the spec lists, with whether it declares bearer security
/// and the statuses it documents.
fn spec_operations(spec: &Value) -> Vec<(String, String, bool, BTreeSet<u16>)> {
    let paths = spec["paths"].as_object().expect("the spec has paths");
    let mut ops = Vec::new();
    for (path, item) in paths {
        for method in HTTP_METHODS {
            let Some(op) = item.get(method) else { continue };
            // an operation's own `security`, else the document's; an empty
            // requirement (`{}`) among the alternatives makes the token optional
            let requirements = op.get("security").or(spec.get("security"));
            let secured = requirements
                .and_then(Value::as_array)
                .is_some_and(|alternatives| {
                    alternatives.iter().any(|r| r.get("bearer").is_some())
                        && !alternatives
                            .iter()
                            .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
                });
            let documented = op["responses"]
                .as_object()
                .map(|r| r.keys().filter_map(|k| k.parse().ok()).collect())
                .unwrap_or_default();
            ops.push((method.to_uppercase(), path.clone(), secured, documented));
        }
    }
    ops
}

/// What the test writes to and reads from.
struct Fixtures {
    plan: String,
    demo_task: String,
    agency: String,
    objective: String,
    user: String,
    /// A fresh task led by LEAD and supported by SUPPORTING: reports and edits go to it.
    task: String,
}

/// A request ready to send for one (operation, caller).
struct Prepared {
    path: String,
    body: Option<(&'static str, Value)>,
    headers: Vec<(&'static str, String)>,
}

impl Prepared {
    fn get(path: String) -> Prepared {
        Prepared {
            path,
            body: None,
            headers: Vec::new(),
        }
    }
    fn json(path: String, body: Value) -> Prepared {
        Prepared {
            path,
            body: Some(("application/json", body)),
            headers: Vec::new(),
        }
    }
    fn merge_patch(path: String, body: Value) -> Prepared {
        Prepared {
            path,
            body: Some(("application/merge-patch+json", body)),
            headers: Vec::new(),
        }
    }
}

fn ok(r: &Reply, what: &str) {
    assert!(r.status.is_success(), "{what}: {} {}", r.status, r.raw);
}

fn id_of(r: &Reply) -> String {
    r.body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {}", r.raw))
        .to_string()
}

/// A new task of the demo plan (admin), led by LEAD and supported by SUPPORTING, due 2023-12-31.
async fn fresh_task(app: &TestApp, plan: &str, code: &str) -> String {
    let body = json!({
        "code": code,
        "title": format!("Nhiệm vụ {code}: rà soát thủ tục hành chính"),
        "area": "admin_procedure",
        "lead_agency_id": app.agency_id(LEAD),
        "supporting_agency_ids": [app.agency_id(SUPPORTING)],
        "deadline": {"kind": "date", "value": "2023-12-31"},
        "expected_output": "Báo cáo kết quả rà soát",
    });
    let r = app
        .post(&format!("/api/v1/plans/{plan}/tasks"))
        .token(&app.token("admin"))
        .json(&body)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "fresh task: {}", r.raw);
    id_of(&r)
}

fn completion_body() -> Value {
    json!({
        "completed_on": "2023-12-20",
        "summary": "Đã hoàn thành rà soát, ban hành quyết định",
        "evidence": [{"document_number": "2468/QĐ-STP", "issued_on": "2023-12-20",
                      "issuer": "Sở Tư pháp", "title": "Quyết định công bố kết quả rà soát"}],
    })
}

fn extension_body() -> Value {
    json!({"requested_due_on": "2024-03-31", "reason": "Chờ hướng dẫn của Bộ Tư pháp"})
}

async fn login(app: &TestApp, username: &str) -> Value {
    let r = app
        .post("/api/v1/auth/token")
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "login {username}: {}", r.raw);
    r.body
}

/// Builds the request for `method path` (the spec's template) as sent by one caller;
/// `n` makes codes unique. Writes that consume their object get a fresh one.
async fn prepare(app: &TestApp, fx: &Fixtures, n: usize, method: &str, path: &str) -> Prepared {
    let lead = app.token(&LEAD.to_lowercase());
    match (method, path) {
        ("GET", "/api/v1/agencies/{id}" | "/api/v1/agencies/{id}/scorecard") => {
            Prepared::get(path.replace("{id}", &fx.agency))
        }
        ("GET", "/api/v1/plans/{id}" | "/api/v1/plans/{id}/summary" | "/api/v1/plans/{id}/objectives") => {
            Prepared::get(path.replace("{id}", &fx.plan))
        }
        ("GET", "/api/v1/tasks/{id}" | "/api/v1/tasks/{id}/history" | "/api/v1/tasks/{id}/reports") => {
            Prepared::get(path.replace("{id}", &fx.demo_task))
        }
        ("GET", p) if !p.contains('{') => Prepared::get(p.to_string()),

        ("POST", "/api/v1/auth/token") => Prepared::json(
            path.into(),
            json!({"username": "thanhtra", "password": PASSWORD}),
        ),
        ("POST", "/api/v1/auth/refresh") => {
            let pair = login(app, "thanhtra").await;
            Prepared::json(path.into(), json!({"refresh_token": pair["refresh_token"]}))
        }
        ("POST", "/api/v1/users") => Prepared::json(
            path.into(),
            json!({"username": format!("authz-{n}"), "display_name": format!("Tài khoản {n}"),
                   "password": "mat-khau-dai-2024", "role": "inspector"}),
        ),
        ("PATCH", "/api/v1/users/{id}") => Prepared::merge_patch(
            path.replace("{id}", &fx.user),
            json!({"display_name": format!("Đoàn kiểm tra CCHC ({n})")}),
        ),
        ("POST", "/api/v1/agencies") => Prepared::json(
            path.into(),
            json!({"code": format!("AZ{n}"), "name": format!("Cơ quan thử {n}"), "kind": "department"}),
        ),
        ("PATCH", "/api/v1/agencies/{id}") => Prepared::merge_patch(
            path.replace("{id}", &fx.agency),
            json!({"name": format!("Sở Tư pháp ({n})")}),
        ),
        ("POST", "/api/v1/plans") => Prepared::json(
            path.into(),
            json!({"code": format!("CCHC-AZ{n}"), "year": 2024, "title": format!("Kế hoạch thử {n}")}),
        ),
        ("PATCH", "/api/v1/plans/{id}") => Prepared::merge_patch(
            path.replace("{id}", &fx.plan),
            json!({"title": format!("Kế hoạch CCHC năm 2023 ({n})")}),
        ),
        ("POST", "/api/v1/plans/{id}/objectives") => Prepared::json(
            path.replace("{id}", &fx.plan),
            json!({"code": format!("MT-AZ{n}"), "title": format!("Mục tiêu thử {n}")}),
        ),
        ("PATCH", "/api/v1/objectives/{id}") => Prepared::merge_patch(
            path.replace("{id}", &fx.objective),
            json!({"title": format!("Mục tiêu đã sửa ({n})")}),
        ),
        ("POST", "/api/v1/plans/{id}/tasks") => Prepared::json(
            path.replace("{id}", &fx.plan),
            json!({
                "code": format!("AZ-{n}"), "title": "Nhiệm vụ thử", "area": "digital_government",
                "lead_agency_id": app.agency_id(LEAD), "supporting_agency_ids": [app.agency_id(SUPPORTING)],
                "deadline": {"kind": "quarter", "value": "2023-Q4"}, "expected_output": "Hệ thống đưa vào sử dụng",
            }),
        ),
        ("PATCH", "/api/v1/tasks/{id}") => {
            let task = format!("/api/v1/tasks/{}", fx.task);
            let current = app.get(&task).token(&app.token("thanhtra")).send().await;
            let etag = current.header("etag").expect("a task has an ETag").to_string();
            let mut p = Prepared::merge_patch(task, json!({"title": format!("Nhiệm vụ đã sửa ({n})")}));
            p.headers.push(("If-Match", etag));
            p
        }
        ("POST", "/api/v1/tasks/{id}/reports") => Prepared::json(
            path.replace("{id}", &fx.task),
            json!({"progress_percent": 40, "summary": format!("Báo cáo tiến độ {n}"), "evidence": []}),
        ),
        ("POST", "/api/v1/tasks/{id}/completion") => {
            let task = fresh_task(app, &fx.plan, &format!("HT-{n}")).await;
            Prepared::json(path.replace("{id}", &task), completion_body())
        }
        ("POST", "/api/v1/tasks/{id}/review") => {
            let task = fresh_task(app, &fx.plan, &format!("DG-{n}")).await;
            let r = app
                .post(&format!("/api/v1/tasks/{task}/completion"))
                .token(&lead)
                .json(&completion_body())
                .send()
                .await;
            ok(&r, "claim before review");
            Prepared::json(
                path.replace("{id}", &task),
                json!({"decision": "accept", "comment": "Đạt yêu cầu"}),
            )
        }
        ("POST", "/api/v1/tasks/{id}/extension-requests") => {
            let task = fresh_task(app, &fx.plan, &format!("GH-{n}")).await;
            Prepared::json(path.replace("{id}", &task), extension_body())
        }
        ("POST", "/api/v1/extension-requests/{id}/decision") => {
            let task = fresh_task(app, &fx.plan, &format!("QD-{n}")).await;
            let r = app
                .post(&format!("/api/v1/tasks/{task}/extension-requests"))
                .token(&lead)
                .json(&extension_body())
                .send()
                .await;
            ok(&r, "extension request before the decision");
            assert_eq!(r.body["status"], "pending");
            Prepared::json(
                path.replace("{id}", &id_of(&r)),
                json!({"decision": "approve", "comment": "Đồng ý gia hạn"}),
            )
        }
        _ => panic!(
            "{method} {path} has a row in TABLE but the test does not know how to call it: add it to `prepare`"
        ),
    }
}

/// A digest of everything the API can change, to prove a refused call changed nothing.
fn fingerprint(app: &TestApp) -> String {
    #[derive(diesel::QueryableByName)]
    struct Digest {
        #[diesel(sql_type = diesel::sql_types::Text)]
        h: String,
    }
    const TABLES: [&str; 14] = [
        "agencies",
        "users",
        "plans",
        "objectives",
        "tasks",
        "task_supporting_agencies",
        "progress_reports",
        "completion_claims",
        "evidence_documents",
        "extension_requests",
        "audit_events",
        "refresh_tokens",
        "idempotency_records",
        "login_failures",
    ];
    let parts: Vec<String> = TABLES
        .iter()
        .map(|t| {
            format!(
                "coalesce((SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM {t} x), '-')"
            )
        })
        .collect();
    let sql = format!("SELECT md5({}) AS h", parts.join(" || "));
    let mut conn = app.pool().get().unwrap();
    use diesel::RunQueryDsl;
    diesel::sql_query(&sql)
        .get_result::<Digest>(&mut conn)
        .unwrap()
        .h
}

async fn fixtures(app: &TestApp) -> Fixtures {
    let plan = app.demo_plan_id().await;
    let (demo_task, _) = app.demo_task("NV15").await;
    let r = app
        .post(&format!("/api/v1/plans/{plan}/objectives"))
        .token(&app.token("sonoivu"))
        .json(&json!({"code": "MT-AUTHZ", "title": "Mục tiêu dùng cho kiểm thử phân quyền"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    let objective = id_of(&r);
    let user = {
        let mut conn = app.pool().get().unwrap();
        par_tracker::store::users::find_by_username(&mut conn, "thanhtra")
            .unwrap()
            .unwrap()
            .id
            .to_string()
    };
    let task = fresh_task(app, &plan, "PQ-01").await;
    Fixtures {
        plan,
        demo_task,
        agency: app.agency_id(LEAD).to_string(),
        objective,
        user,
        task,
    }
}

#[actix_web::test]
async fn every_operation_of_the_spec_has_a_rule_and_keeps_it() {
    let app = TestApp::demo().await;
    let spec = app.get("/openapi.json").send().await;
    assert_eq!(spec.status, StatusCode::OK, "{}", spec.raw);
    let ops = spec_operations(&spec.body);
    assert!(ops.len() >= 30, "the spec lists {} operations", ops.len());

    // the table and the spec name the same operations, once each
    let rows: Vec<(String, String)> = TABLE
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let row_set: BTreeSet<_> = rows.iter().cloned().collect();
    assert_eq!(row_set.len(), rows.len(), "TABLE has duplicate rows");
    let spec_set: BTreeSet<(String, String)> = ops
        .iter()
        .map(|(m, p, _, _)| (m.clone(), p.clone()))
        .collect();
    let unruled: Vec<String> = spec_set
        .difference(&row_set)
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        unruled.is_empty(),
        "operations in the spec without a row in the authorisation TABLE: {unruled:?}"
    );
    let stale: Vec<String> = row_set
        .difference(&spec_set)
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        stale.is_empty(),
        "TABLE rows for operations the spec does not list: {stale:?}"
    );

    let fx = fixtures(&app).await;
    let mut failures: Vec<String> = Vec::new();
    let mut n = 0;
    let mut calls = 0;
    for (method, path, secured, documented) in &ops {
        let expected = TABLE
            .iter()
            .find(|(m, p, _)| m == method && p == path)
            .map(|(_, _, e)| e)
            .unwrap();
        // the spec tells clients the truth: bearer security exactly where a token is needed,
        // and every status the table expects is a documented response
        let public = expected[0] != 401;
        if *secured == public {
            failures.push(format!(
                "{method} {path}: the spec {} bearer security but the table has it {}",
                if *secured {
                    "declares"
                } else {
                    "does not declare"
                },
                if public { "public" } else { "secured" },
            ));
        }
        for status in expected.iter().collect::<BTreeSet<_>>() {
            if !documented.contains(status) {
                failures.push(format!(
                    "{method} {path}: {status} is not documented in the spec"
                ));
            }
        }

        for (caller, want) in CALLERS.iter().zip(expected) {
            n += 1;
            let prepared = prepare(&app, &fx, n, method, path).await;
            let mut call = app.call(
                Method::from_bytes(method.as_bytes()).unwrap(),
                &prepared.path,
            );
            if let Some(authorization) = caller.authorization(&app) {
                call = call.header("Authorization", &authorization);
            }
            for (name, value) in &prepared.headers {
                call = call.header(name, value);
            }
            if let Some((content_type, body)) = &prepared.body {
                call = call.raw(content_type, body.to_string());
            }
            let before = fingerprint(&app);
            let r = call.send().await;
            calls += 1;
            let what = format!("{method} {} as {caller:?}", prepared.path);
            if r.status.as_u16() != *want {
                failures.push(format!(
                    "{what}: expected {want}, got {} {}",
                    r.status.as_u16(),
                    r.raw
                ));
                continue;
            }
            if r.status.is_success() {
                continue;
            }
            if fingerprint(&app) != before {
                failures.push(format!(
                    "{what}: refused with {} but the database changed",
                    r.status
                ));
            }
            if r.content_type() != "application/problem+json" || r.body["status"] != *want {
                failures.push(format!(
                    "{what}: not a problem document: {} {}",
                    r.content_type(),
                    r.raw
                ));
            }
            if *want == 401
                && !r
                    .header("www-authenticate")
                    .is_some_and(|h| h.starts_with("Bearer"))
            {
                failures.push(format!("{what}: 401 without a Bearer challenge"));
            }
        }
    }
    assert_eq!(calls, ops.len() * CALLERS.len());
    assert!(
        failures.is_empty(),
        "{} of {calls} calls broke the authorisation table:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn reports_of(app: &TestApp, task: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) AS n FROM progress_reports WHERE task_id = '{task}'"
    ))
}

#[actix_web::test]
async fn forbidden_writes_are_403_and_change_nothing() {
    let app = TestApp::demo().await;
    let plan = app.demo_plan_id().await;
    let task = fresh_task(&app, &plan, "PQ-02").await;
    let path = format!("/api/v1/tasks/{task}");
    let reader = app.token("thanhtra");
    let before = app.get(&path).token(&reader).send().await;
    let etag = before.header("etag").unwrap().to_string();
    let history = app
        .get(&format!("{path}/history"))
        .token(&reader)
        .send()
        .await;

    // an unrelated agency's report, the coordinator's report
    for who in [
        UNRELATED.to_lowercase(),
        "sonoivu".into(),
        "thanhtra".into(),
    ] {
        let r = app
            .post(&format!("{path}/reports"))
            .token(&app.token(&who))
            .json(&json!({"progress_percent": 90, "summary": "Không được phép", "evidence": []}))
            .send()
            .await;
        r.problem(403);
        assert_eq!(reports_of(&app, &task), 0, "{who}");
    }
    let r = app
        .get(&format!("{path}/reports"))
        .token(&reader)
        .send()
        .await;
    assert_eq!(r.body["items"], json!([]));

    // the inspector's edit, even with the right ETag
    let r = app
        .patch(&path)
        .token(&reader)
        .header("If-Match", &etag)
        .json(&json!({"title": "Sửa trái phép"}))
        .send()
        .await;
    r.problem(403);
    // and without one: refused for who it is, not for the missing precondition
    app.patch(&path)
        .token(&reader)
        .json(&json!({"title": "Sửa trái phép"}))
        .send()
        .await
        .problem(403);

    // the supporting agency may not claim completion nor ask for more time
    let supporting = app.token(&SUPPORTING.to_lowercase());
    app.post(&format!("{path}/completion"))
        .token(&supporting)
        .json(&completion_body())
        .send()
        .await
        .problem(403);
    app.post(&format!("{path}/extension-requests"))
        .token(&supporting)
        .json(&extension_body())
        .send()
        .await
        .problem(403);
    // nor may the lead agency review its own claim
    let lead = app.token(&LEAD.to_lowercase());
    let r = app
        .post(&format!("{path}/completion"))
        .token(&lead)
        .json(&completion_body())
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    let submitted = app.get(&path).token(&reader).send().await;
    assert_eq!(submitted.body["status"], "submitted");
    for who in [LEAD.to_lowercase(), "thanhtra".into()] {
        app.post(&format!("{path}/review"))
            .token(&app.token(&who))
            .json(&json!({"decision": "accept", "comment": "Tự duyệt"}))
            .send()
            .await
            .problem(403);
    }

    let after = app.get(&path).token(&reader).send().await;
    assert_eq!(
        after.body["status"], "submitted",
        "only the lead's claim moved it"
    );
    assert_eq!(after.body["title"], before.body["title"]);
    assert_eq!(after.body["due_on"], before.body["due_on"]);
    assert_eq!(
        after.body["version"], submitted.body["version"],
        "no refused write bumped the version"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM extension_requests WHERE task_id = '{task}'"
        )),
        0
    );
    let history_after = app
        .get(&format!("{path}/history"))
        .token(&reader)
        .send()
        .await;
    let events = |h: &Reply| h.body["items"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(
        events(&history_after),
        events(&history) + 1,
        "one audit event, for the claim: {}",
        history_after.raw
    );
}

#[actix_web::test]
async fn task_edits_need_the_current_etag() {
    let app = TestApp::demo().await;
    let plan = app.demo_plan_id().await;
    let task = fresh_task(&app, &plan, "PQ-03").await;
    let path = format!("/api/v1/tasks/{task}");
    let coordinator = app.token("sonoivu");
    let current = app.get(&path).token(&coordinator).send().await;
    let etag = current.header("etag").unwrap().to_string();
    let patch = json!({"title": "Nhiệm vụ đã chỉnh sửa"});

    app.patch(&path)
        .token(&coordinator)
        .json(&patch)
        .send()
        .await
        .problem(428);
    let r = app
        .patch(&path)
        .token(&coordinator)
        .header("If-Match", &etag)
        .raw("application/merge-patch+json", patch.to_string())
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["title"], "Nhiệm vụ đã chỉnh sửa");
    let new_etag = r.header("etag").unwrap().to_string();
    assert_ne!(new_etag, etag);
    // the old ETag is stale now
    app.patch(&path)
        .token(&app.token("admin"))
        .header("If-Match", &etag)
        .json(&json!({"title": "Ghi đè"}))
        .send()
        .await
        .problem(412);
    let r = app.get(&path).token(&coordinator).send().await;
    assert_eq!(r.body["title"], "Nhiệm vụ đã chỉnh sửa");
    assert_eq!(r.header("etag"), Some(new_etag.as_str()));
}
