//! The authorisation matrix: every operation of the app's own OpenAPI spec,
//! called by every kind of caller, against an explicit table of expected
//! statuses. An operation without a row fails the suite, so a new endpoint
//! cannot ship without a rule; a row without an operation fails it too.
//!
//! Writes are sent with valid bodies on fresh objects, so an allowed caller
//! gets its 2xx and a refused one gets 401/403 for that reason alone; every
//! refused call is checked to have changed nothing in the database.

use std::collections::BTreeSet;

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::actors::{fresh_task, path, token_pair, Actor};
use crate::bodies::{
    Body, ClaimBody, DecisionBody, Evidence, ExtensionBody, FindingBody, InspectionBody,
    ObjectiveBody, PlanBody, RemedyBody, ReorgBody, ReportBody, ReviewBody, TaskBody, UserBody,
};
use crate::common::{JsonExt, TestApp};
use crate::demo::{self, INSPECTOR, PASSWORD};
use crate::tokens::{
    alg_none_token, claims_for, expired_token, forged_token, wrong_audience_token,
};

/// The lead agency of the tasks written to, one supporting it, and one with
/// nothing to do with them: the cast `fresh_task` gives its tasks.
const LEAD: &str = demo::STP;
const SUPPORTING: &str = demo::STTTT;
const UNRELATED: &str = demo::NHATRANG;

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
    /// Who makes the call. The bad tokens all claim to be the administrator,
    /// so accepting one would be noticed.
    fn actor(self, app: &TestApp) -> Actor<'_> {
        let admin = || claims_for(app, demo::ADMIN);
        match self {
            Anonymous => Actor::anonymous(app),
            Expired => Actor::bearer(app, &expired_token(&admin())),
            Forged => Actor::bearer(app, &forged_token(&admin())),
            AlgNone => Actor::bearer(app, &alg_none_token(&admin())),
            WrongAudience => Actor::bearer(app, &wrong_audience_token(&admin())),
            Admin => Actor::admin(app),
            Coordinator => Actor::coordinator(app),
            Inspector => Actor::inspector(app),
            LeadOfficer => Actor::officer(app, LEAD),
            SupportingOfficer => Actor::officer(app, SUPPORTING),
            UnrelatedOfficer => Actor::officer(app, UNRELATED),
        }
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
/// accounts (admin only); the queues (claims, extension requests) answer every
/// reader, an officer with its own agency's rows only (tests/api/queues.rs).
/// Writes per the README, "Who may do what": inspectors write inspections,
/// findings and verifications; the remedy of a finding on the lead agency
/// (STP) is its officer's.
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
    ("POST",  "/api/v1/agencies/reorganisations",         [401, 401, 401, 401, 401,   201, 201, 403, 403, 403, 403]),
    ("GET",   "/api/v1/agencies/reorganisations/{id}",    [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/plans",                            [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("POST",  "/api/v1/plans",                            [401, 401, 401, 401, 401,   201, 201, 403, 403, 403, 403]),
    ("GET",   "/api/v1/plans/{id}",                       [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("PATCH", "/api/v1/plans/{id}",                       [401, 401, 401, 401, 401,   200, 200, 403, 403, 403, 403]),
    ("GET",   "/api/v1/plans/{id}/summary",               [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/plans/{id}/appendix",              [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/plans/{id}/objectives",            [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("POST",  "/api/v1/plans/{id}/objectives",            [401, 401, 401, 401, 401,   201, 201, 403, 403, 403, 403]),
    ("PATCH", "/api/v1/objectives/{id}",                  [401, 401, 401, 401, 401,   200, 200, 403, 403, 403, 403]),
    ("POST",  "/api/v1/plans/{id}/tasks",                 [401, 401, 401, 401, 401,   201, 201, 403, 403, 403, 403]),
    ("POST",  "/api/v1/plans/{id}/import",                [401, 401, 401, 401, 401,   200, 200, 403, 403, 403, 403]),
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
    ("GET",   "/api/v1/plans/{id}/periods",               [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("POST",  "/api/v1/plans/{id}/periods",               [401, 401, 401, 401, 401,   201, 201, 403, 403, 403, 403]),
    ("GET",   "/api/v1/periods/{id}",                     [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("POST",  "/api/v1/periods/{id}/close",               [401, 401, 401, 401, 401,   200, 200, 403, 403, 403, 403]),
    ("GET",   "/api/v1/periods/{id}/tasks",               [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/periods/{id}/summary",             [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/periods/{id}/report",              [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/periods/{id}/agency-reports",      [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("PUT",   "/api/v1/periods/{id}/agency-reports/{agency_id}",        [401, 401, 401, 401, 401,   200, 403, 403, 200, 403, 403]),
    ("POST",  "/api/v1/periods/{id}/agency-reports/{agency_id}/submit", [401, 401, 401, 401, 401,   200, 403, 403, 200, 403, 403]),
    ("POST",  "/api/v1/periods/{id}/agency-reports/{agency_id}/review", [401, 401, 401, 401, 401,   200, 200, 403, 403, 403, 403]),
    ("GET",   "/api/v1/plans/{id}/indicators",            [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("POST",  "/api/v1/plans/{id}/indicators",            [401, 401, 401, 401, 401,   201, 201, 403, 403, 403, 403]),
    ("PUT",   "/api/v1/indicators/{id}/observations/{period_id}",       [401, 401, 401, 401, 401,   200, 200, 403, 200, 403, 403]),
    ("GET",   "/api/v1/me/notifications",                 [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    // someone else's notification (or none): not found, for everyone
    ("POST",  "/api/v1/me/notifications/{id}/read",       [401, 401, 401, 401, 401,   404, 404, 404, 404, 404, 404]),
    ("POST",  "/api/v1/me/notifications/read-all",        [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/webhooks",                         [401, 401, 401, 401, 401,   200, 200, 403, 403, 403, 403]),
    ("POST",  "/api/v1/webhooks",                         [401, 401, 401, 401, 401,   201, 201, 403, 403, 403, 403]),
    ("GET",   "/api/v1/webhooks/{id}",                    [401, 401, 401, 401, 401,   200, 200, 403, 403, 403, 403]),
    ("PATCH", "/api/v1/webhooks/{id}",                    [401, 401, 401, 401, 401,   200, 200, 403, 403, 403, 403]),
    ("DELETE", "/api/v1/webhooks/{id}",                   [401, 401, 401, 401, 401,   204, 204, 403, 403, 403, 403]),
    ("GET",   "/api/v1/webhooks/{id}/deliveries",         [401, 401, 401, 401, 401,   200, 200, 403, 403, 403, 403]),
    ("POST",  "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", [401, 401, 401, 401, 401,   202, 202, 403, 403, 403, 403]),
    ("GET",   "/api/v1/completion-claims",                [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/extension-requests",               [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("POST",  "/api/v1/plans/{id}/inspections",           [401, 401, 401, 401, 401,   201, 201, 201, 403, 403, 403]),
    ("GET",   "/api/v1/plans/{id}/inspections/summary",   [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/inspections",                      [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/inspections/{id}",                 [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("PATCH", "/api/v1/inspections/{id}",                 [401, 401, 401, 401, 401,   200, 200, 200, 403, 403, 403]),
    ("GET",   "/api/v1/inspections/{id}/history",         [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("POST",  "/api/v1/inspections/{id}/findings",        [401, 401, 401, 401, 401,   201, 201, 201, 403, 403, 403]),
    ("GET",   "/api/v1/findings",                         [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("GET",   "/api/v1/findings/{id}",                    [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
    ("POST",  "/api/v1/findings/{id}/remedy",             [401, 401, 401, 401, 401,   201, 403, 403, 201, 403, 403]),
    ("POST",  "/api/v1/findings/{id}/verification",       [401, 401, 401, 401, 401,   200, 200, 200, 403, 403, 403]),
    // whoever writes evidence uploads its documents; a cited file is read by every reader
    ("POST",  "/api/v1/files",                            [401, 401, 401, 401, 401,   201, 201, 201, 201, 201, 201]),
    ("GET",   "/api/v1/files/{id}",                       [401, 401, 401, 401, 401,   200, 200, 200, 200, 200, 200]),
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
    /// The demo plan's first quarter (open).
    period: String,
    /// An indicator of the demo plan (a percent).
    indicator: String,
    /// A webhook for every event, and one of its deliveries.
    webhook: String,
    delivery: String,
    /// The demo's inspection of LEAD (concluded), and its finding (remedied).
    inspection: String,
    finding: String,
    /// A PDF of LEAD's, cited by its report on `task`.
    file: String,
    /// A recorded reorganisation (the rename of an agency made for it).
    reorganisation: String,
}

/// A request ready to send for one (operation, caller).
struct Prepared {
    path: String,
    body: Option<(&'static str, Value)>,
    /// A body that is not JSON: its content type and bytes.
    bytes: Option<(String, Vec<u8>)>,
    headers: Vec<(&'static str, String)>,
}

impl Prepared {
    fn get(path: String) -> Prepared {
        Prepared {
            path,
            body: None,
            bytes: None,
            headers: Vec::new(),
        }
    }
    fn json(app: &TestApp, path: String, body: &impl Body) -> Prepared {
        Prepared {
            path,
            body: Some(("application/json", body.to_json(app))),
            bytes: None,
            headers: Vec::new(),
        }
    }
    fn merge_patch(path: String, body: Value) -> Prepared {
        Prepared {
            path,
            body: Some(("application/merge-patch+json", body)),
            bytes: None,
            headers: Vec::new(),
        }
    }
}

/// A task of the demo plan for one write, due at the end of the plan's year.
fn task_due_at_year_end(code: &str) -> TaskBody {
    TaskBody::new(code)
        .title(&format!("Nhiệm vụ {code}: rà soát thủ tục hành chính"))
        .date(demo::YEAR_END)
        .expected_output("Báo cáo kết quả rà soát")
}

fn completion_claim() -> ClaimBody {
    let decision = Evidence::new(
        "2468/QĐ-STP",
        "2023-12-20",
        "Sở Tư pháp",
        "Quyết định công bố kết quả rà soát",
    );
    ClaimBody::new("2023-12-20", "Đã hoàn thành rà soát, ban hành quyết định").evidence(decision)
}

fn extension() -> ExtensionBody {
    ExtensionBody::new("2024-03-31", "Chờ hướng dẫn của Bộ Tư pháp")
}

/// Builds the request for `method path` (the spec's template) as sent by one caller;
/// `n` makes codes unique. Writes that consume their object get a fresh one.
async fn prepare(app: &TestApp, fx: &Fixtures, n: usize, method: &str, template: &str) -> Prepared {
    let lead = Actor::officer(app, LEAD);
    match (method, template) {
        ("GET", "/api/v1/agencies/{id}" | "/api/v1/agencies/{id}/scorecard") => {
            Prepared::get(template.replace("{id}", &fx.agency))
        }
        ("GET", "/api/v1/plans/{id}" | "/api/v1/plans/{id}/summary" | "/api/v1/plans/{id}/objectives" | "/api/v1/plans/{id}/appendix") => {
            Prepared::get(template.replace("{id}", &fx.plan))
        }
        ("GET", "/api/v1/tasks/{id}" | "/api/v1/tasks/{id}/history" | "/api/v1/tasks/{id}/reports") => {
            Prepared::get(template.replace("{id}", &fx.demo_task))
        }
        ("GET", p) if !p.contains('{') => Prepared::get(p.to_string()),
        ("GET", "/api/v1/files/{id}") => Prepared::get(template.replace("{id}", &fx.file)),
        ("GET", "/api/v1/agencies/reorganisations/{id}") => {
            Prepared::get(template.replace("{id}", &fx.reorganisation))
        }
        ("POST", "/api/v1/agencies/reorganisations") => {
            let code = format!("AZR{n}");
            Actor::coordinator(app)
                .post("/api/v1/agencies", &json!({"code": code, "name": format!("Cơ quan thử {n}"), "kind": "department"}))
                .await
                .created();
            Prepared::json(app, template.into(), &ReorgBody::rename(&code, &format!("Cơ quan đổi tên {n}")))
        }
        ("POST", "/api/v1/files") => {
            let mut p = Prepared::get(template.to_string());
            let (content_type, body) = crate::files::upload_body(&format!("Báo cáo {n}.pdf"));
            p.bytes = Some((content_type, body));
            p
        }
        ("POST", "/api/v1/me/notifications/{id}/read") => {
            Prepared::get(template.replace("{id}", &uuid::Uuid::new_v4().to_string()))
        }
        ("POST", "/api/v1/me/notifications/read-all") => Prepared::get(template.to_string()),
        ("GET", "/api/v1/webhooks/{id}" | "/api/v1/webhooks/{id}/deliveries") => {
            Prepared::get(template.replace("{id}", &fx.webhook))
        }
        ("POST", "/api/v1/webhooks") => Prepared::json(
            app,
            template.to_string(),
            &json!({"url": format!("http://127.0.0.1:9/hook-{n}"), "events": ["*"]}),
        ),
        ("PATCH", "/api/v1/webhooks/{id}") => Prepared::json(
            app,
            template.replace("{id}", &fx.webhook),
            &json!({"description": format!("Cổng dịch vụ công ({n})")}),
        ),
        ("DELETE", "/api/v1/webhooks/{id}") => {
            let hook = Actor::coordinator(app)
                .post("/api/v1/webhooks", &json!({"url": "http://127.0.0.1:9/bye", "events": ["*"]}))
                .await
                .created()
                .id();
            Prepared::get(template.replace("{id}", &hook))
        }
        ("POST", "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver") => Prepared::get(
            template
                .replace("{id}", &fx.webhook)
                .replace("{delivery_id}", &fx.delivery),
        ),
                ("GET", "/api/v1/plans/{id}/periods" | "/api/v1/plans/{id}/indicators" | "/api/v1/plans/{id}/inspections/summary") => {
            Prepared::get(template.replace("{id}", &fx.plan))
        }
        ("GET", "/api/v1/inspections/{id}" | "/api/v1/inspections/{id}/history") => {
            Prepared::get(template.replace("{id}", &fx.inspection))
        }
        ("GET", "/api/v1/findings/{id}") => Prepared::get(template.replace("{id}", &fx.finding)),
        ("POST", "/api/v1/plans/{id}/inspections") => Prepared::json(
            app,
            template.replace("{id}", &fx.plan),
            &InspectionBody::new(LEAD, "2023-11-20").set("plan_document", json!(format!("{n}/KH-UBND"))),
        ),
        ("PATCH", "/api/v1/inspections/{id}") => {
            let inspection = Actor::inspector(app)
                .plan_inspection(&fx.plan, &InspectionBody::new(LEAD, "2023-11-20"))
                .await
                .id();
            Prepared::merge_patch(path::inspection(&inspection, ""), json!({"conducted_on": "2023-11-21"}))
        }
        ("POST", "/api/v1/inspections/{id}/findings") => Prepared::json(
            app,
            template.replace("{id}", &fx.inspection),
            &FindingBody::due("2023-12-31").set("description", json!(format!("Hạn chế thử {n}"))),
        ),
        ("POST", "/api/v1/findings/{id}/remedy") => {
            let finding = fresh_finding(app, fx, n).await;
            Prepared::json(app, template.replace("{id}", &finding), &RemedyBody::new(&format!("Đã khắc phục ({n})")))
        }
        ("POST", "/api/v1/findings/{id}/verification") => {
            let finding = fresh_finding(app, fx, n).await;
            lead.report_remedy(&finding, &RemedyBody::new("Đã khắc phục")).await;
            Prepared::json(app, template.replace("{id}", &finding), &ReviewBody::accept().comment("Đạt"))
        }
        ("GET", p) if p.starts_with("/api/v1/periods/{id}") => {
            Prepared::get(template.replace("{id}", &fx.period))
        }
        ("POST", "/api/v1/plans/{id}/periods") => {
            let plan = Actor::coordinator(app)
                .create_plan(&PlanBody::new(&format!("CCHC-KY{n}"), 2024))
                .await
                .id();
            Prepared::json(app, template.replace("{id}", &plan), &json!({"kind": "year", "value": "2024"}))
        }
        ("POST", "/api/v1/periods/{id}/close") => {
            Prepared::get(template.replace("{id}", &fresh_period(app, n).await))
        }
        ("PUT", "/api/v1/periods/{id}/agency-reports/{agency_id}") => Prepared::json(
            app,
            agency_report_path(template, &fx.period, app),
            &agency_report(n),
        ),
        ("POST", "/api/v1/periods/{id}/agency-reports/{agency_id}/submit") => {
            let period = fresh_period(app, n).await;
            lead.put(&agency_report_path("/api/v1/periods/{id}/agency-reports/{agency_id}", &period, app), &agency_report(n))
                .await
                .ok();
            Prepared::get(agency_report_path(template, &period, app))
        }
        ("POST", "/api/v1/periods/{id}/agency-reports/{agency_id}/review") => {
            let period = fresh_period(app, n).await;
            let report = agency_report_path("/api/v1/periods/{id}/agency-reports/{agency_id}", &period, app);
            lead.put(&report, &agency_report(n)).await.ok();
            lead.post_empty(&format!("{report}/submit")).await.ok();
            Prepared::json(app, agency_report_path(template, &period, app), &json!({"decision": "accept"}))
        }
        ("POST", "/api/v1/plans/{id}/indicators") => Prepared::json(
            app,
            template.replace("{id}", &fx.plan),
            &json!({"code": format!("CT-{n}"), "name": "Tỉ lệ hồ sơ trực tuyến", "unit": "percent", "direction": "increase"}),
        ),
        ("PUT", "/api/v1/indicators/{id}/observations/{period_id}") => Prepared::json(
            app,
            format!(
                "{}?agency_id={}",
                template.replace("{id}", &fx.indicator).replace("{period_id}", &fx.period),
                app.agency_id(LEAD)
            ),
            // n counts every call so far: kept below the denominator however many operations come first
            &json!({"numerator": 40 + n % 150, "denominator": 200}),
        ),

        ("POST", "/api/v1/auth/token") => Prepared::json(
            app,
            template.into(),
            &json!({"username": INSPECTOR, "password": PASSWORD}),
        ),
        ("POST", "/api/v1/auth/refresh") => {
            let pair = token_pair(app, INSPECTOR, PASSWORD).await;
            Prepared::json(app, template.into(), &json!({"refresh_token": pair["refresh_token"]}))
        }
        ("POST", "/api/v1/users") => Prepared::json(
            app,
            template.into(),
            &UserBody::new(&format!("authz-{n}"), &format!("Tài khoản {n}"), "mat-khau-dai-2024", "inspector"),
        ),
        ("PATCH", "/api/v1/users/{id}") => Prepared::merge_patch(
            template.replace("{id}", &fx.user),
            json!({"display_name": format!("Đoàn kiểm tra CCHC ({n})")}),
        ),
        ("POST", "/api/v1/agencies") => Prepared::json(
            app,
            template.into(),
            &json!({"code": format!("AZ{n}"), "name": format!("Cơ quan thử {n}"), "kind": "department"}),
        ),
        ("PATCH", "/api/v1/agencies/{id}") => Prepared::merge_patch(
            template.replace("{id}", &fx.agency),
            json!({"name": format!("Sở Tư pháp ({n})")}),
        ),
        ("POST", "/api/v1/plans") => Prepared::json(
            app,
            template.into(),
            &PlanBody::new(&format!("CCHC-AZ{n}"), 2024).title(&format!("Kế hoạch thử {n}")),
        ),
        ("PATCH", "/api/v1/plans/{id}") => Prepared::merge_patch(
            template.replace("{id}", &fx.plan),
            json!({"title": format!("Kế hoạch CCHC năm 2023 ({n})")}),
        ),
        ("POST", "/api/v1/plans/{id}/objectives") => Prepared::json(
            app,
            template.replace("{id}", &fx.plan),
            &ObjectiveBody::new(&format!("MT-AZ{n}"), &format!("Mục tiêu thử {n}")),
        ),
        ("PATCH", "/api/v1/objectives/{id}") => Prepared::merge_patch(
            template.replace("{id}", &fx.objective),
            json!({"title": format!("Mục tiêu đã sửa ({n})")}),
        ),
        ("POST", "/api/v1/plans/{id}/tasks") => Prepared::json(
            app,
            template.replace("{id}", &fx.plan),
            &TaskBody::new(&format!("AZ-{n}"))
                .title("Nhiệm vụ thử")
                .area("digital_government")
                .lead(LEAD)
                .supporting(&[SUPPORTING])
                .quarter("2023-Q4")
                .expected_output("Hệ thống đưa vào sử dụng"),
        ),
        ("POST", "/api/v1/plans/{id}/import") => Prepared {
            path: template.replace("{id}", &fx.plan),
            body: Some((
                "text/csv",
                Value::String(format!(
                    "Mã,Nhiệm vụ,Lĩnh vực,Cơ quan chủ trì,Thời hạn,\"Kết quả, sản phẩm\"\r\n\
                     NK-{n},Nhiệm vụ nhập từ bảng tính {n},institution,{LEAD},Quý IV/2023,Báo cáo\r\n"
                )),
            )),
            bytes: None,
            headers: Vec::new(),
        },
        ("PATCH", "/api/v1/tasks/{id}") => {
            let task = path::task(&fx.task);
            let etag = Actor::inspector(app).get(&task).await.etag();
            let mut p = Prepared::merge_patch(task, json!({"title": format!("Nhiệm vụ đã sửa ({n})")}));
            p.headers.push(("If-Match", etag));
            p
        }
        ("POST", "/api/v1/tasks/{id}/reports") => Prepared::json(
            app,
            template.replace("{id}", &fx.task),
            &ReportBody::new(40, &format!("Báo cáo tiến độ {n}")).no_evidence(),
        ),
        ("POST", "/api/v1/tasks/{id}/completion") => {
            let task = fresh_task(app, &fx.plan, task_due_at_year_end(&format!("HT-{n}"))).await;
            Prepared::json(app, template.replace("{id}", &task), &completion_claim())
        }
        ("POST", "/api/v1/tasks/{id}/review") => {
            let task = fresh_task(app, &fx.plan, task_due_at_year_end(&format!("DG-{n}"))).await;
            lead.claim_completion(&task, &completion_claim()).await;
            Prepared::json(
                app,
                template.replace("{id}", &task),
                &ReviewBody::accept().comment("Đạt yêu cầu"),
            )
        }
        ("POST", "/api/v1/tasks/{id}/extension-requests") => {
            let task = fresh_task(app, &fx.plan, task_due_at_year_end(&format!("GH-{n}"))).await;
            Prepared::json(app, template.replace("{id}", &task), &extension())
        }
        ("POST", "/api/v1/extension-requests/{id}/decision") => {
            let task = fresh_task(app, &fx.plan, task_due_at_year_end(&format!("QD-{n}"))).await;
            let request = lead.request_extension(&task, &extension()).await;
            assert_eq!(request["status"], "pending");
            Prepared::json(
                app,
                template.replace("{id}", &request.id()),
                &DecisionBody::approve().comment("Đồng ý gia hạn"),
            )
        }
        _ => panic!(
            "{method} {template} has a row in TABLE but the test does not know how to call it: add it to `prepare`"
        ),
    }
}

/// An open finding of the demo's concluded inspection of LEAD.
async fn fresh_finding(app: &TestApp, fx: &Fixtures, n: usize) -> String {
    let finding =
        FindingBody::due("2023-12-31").set("description", json!(format!("Thiếu sót {n}")));
    Actor::inspector(app)
        .record_finding(&fx.inspection, &finding)
        .await
        .id()
}

/// A 2024 plan with a task of LEAD's (so LEAD owes its periods a report) and its first quarter.
async fn fresh_period(app: &TestApp, n: usize) -> String {
    let coordinator = Actor::coordinator(app);
    let plan = coordinator
        .create_plan(&PlanBody::new(&format!("CCHC-KB{n}"), 2024))
        .await
        .id();
    fresh_task(
        app,
        &plan,
        TaskBody::new("K1")
            .lead(LEAD)
            .supporting(&[SUPPORTING])
            .date("2024-02-28"),
    )
    .await;
    coordinator
        .post(
            &path::plan_periods(&plan),
            &json!({"kind": "quarter", "value": "2024-Q1"}),
        )
        .await
        .created()
        .id()
}

fn agency_report_path(template: &str, period: &str, app: &TestApp) -> String {
    template
        .replace("{id}", period)
        .replace("{agency_id}", &app.agency_id(LEAD))
}

fn agency_report(n: usize) -> Value {
    json!({"document_number": format!("{n}/BC-STP"), "issued_on": "2023-03-10", "results": "Kết quả quý I"})
}

/// A digest of everything the API can change, to prove a refused call changed nothing.
fn fingerprint(app: &TestApp) -> String {
    const TABLES: [&str; 35] = [
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
        "reporting_periods",
        "period_tasks",
        "agency_period_reports",
        "indicators",
        "indicator_observations",
        "outbox_events",
        "task_reminders",
        "notifications",
        "webhooks",
        "webhook_deliveries",
        "inspections",
        "findings",
        "finding_remedies",
        "files",
        "file_blobs",
        "file_chunks",
        "reorganisations",
        "reorganisation_agencies",
        "agency_successions",
        "agency_names",
        "task_agency_moves",
    ];
    let parts: Vec<String> = TABLES
        .iter()
        .map(|t| {
            format!(
                "coalesce((SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM {t} x), '-')"
            )
        })
        .collect();
    let sql = format!("SELECT md5({}) AS t", parts.join(" || "));
    app.texts(&sql).remove(0)
}

async fn fixtures(app: &TestApp) -> Fixtures {
    let inspector = Actor::inspector(app);
    let plan = inspector.demo_plan_id().await;
    let demo_task = inspector.demo_task(demo::EXTENDED_TASK).await.id();
    let objective = ObjectiveBody::new("MT-AUTHZ", "Mục tiêu dùng cho kiểm thử phân quyền");
    let objective = Actor::coordinator(app)
        .create_objective(&plan, &objective)
        .await
        .id();
    let task = fresh_task(app, &plan, task_due_at_year_end("PQ-01")).await;
    let periods = inspector.get(&path::plan_periods(&plan)).await.ok().items();
    let period = periods
        .iter()
        .find(|p| p["value"] == "2023-Q1")
        .expect("the demo's Q1")
        .id();
    let indicator = Actor::coordinator(app)
        .post(
            &path::plan_indicators(&plan),
            &json!({"code": "CT-PQ", "name": "Tỉ lệ hồ sơ đúng hạn", "unit": "percent", "direction": "increase", "aggregation": "ratio"}),
        )
        .await
        .created()
        .id();
    let webhook = Actor::coordinator(app)
        .post(
            "/api/v1/webhooks",
            &json!({"url": "http://127.0.0.1:9/authz", "events": ["*"]}),
        )
        .await
        .created()
        .id();
    let file = crate::files::uploaded_and_cited(app, LEAD, &task).await;
    par_tracker::worker::fan_out(app.pool(), false, chrono::Utc::now()).unwrap();
    let delivery = app
        .texts(&format!(
            "SELECT id::text AS t FROM webhook_deliveries WHERE webhook_id = '{webhook}' LIMIT 1"
        ))
        .remove(0);
    let inspection = inspector
        .get(&path::inspections(&format!(
            "plan_id={plan}&agency_id={}",
            app.agency_id(LEAD)
        )))
        .await
        .ok()
        .items()[0]
        .id();
    let finding = inspector.get(&path::inspection(&inspection, "")).await.ok()["findings"][0].id();
    Actor::coordinator(app)
        .post(
            "/api/v1/agencies",
            &json!({"code": "AZREORG", "name": "Cơ quan thử", "kind": "department"}),
        )
        .await
        .created();
    let reorganisation = Actor::coordinator(app)
        .post(
            "/api/v1/agencies/reorganisations",
            &ReorgBody::rename("AZREORG", "Cơ quan thử (đổi tên)"),
        )
        .await
        .created()
        .id();
    Fixtures {
        reorganisation,
        inspection,
        finding,
        period,
        indicator,
        webhook,
        delivery,
        plan,
        demo_task,
        agency: app.agency_id(LEAD),
        objective,
        user: app.account(INSPECTOR).id,
        task,
        file,
    }
}

#[actix_web::test]
async fn every_operation_of_the_spec_has_a_rule_and_keeps_it() {
    let app = TestApp::demo().await;
    let spec = Actor::anonymous(&app).get("/openapi.json").await.ok();
    let ops = spec_operations(&spec);
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
            let mut call = caller.actor(&app).request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                &prepared.path,
            );
            for (name, value) in &prepared.headers {
                call = call.header(name, value);
            }
            if let Some((content_type, body)) = &prepared.body {
                // a string is a body of its own (a CSV), not a JSON string
                let text = match body {
                    Value::String(text) => text.clone(),
                    json => json.to_string(),
                };
                call = call.raw(content_type, text);
            }
            if let Some((content_type, bytes)) = &prepared.bytes {
                call = call.raw(content_type, bytes.clone());
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

#[actix_web::test]
async fn forbidden_writes_are_403_and_change_nothing() {
    let app = TestApp::demo().await;
    let reader = Actor::inspector(&app);
    let plan = reader.demo_plan_id().await;
    let task = fresh_task(&app, &plan, task_due_at_year_end("PQ-02")).await;
    let task_path = path::task(&task);
    let before = reader.get(&task_path).await;
    let etag = before.etag();
    let history = reader.history(&task).await;

    // an unrelated agency's report, the coordinator's report
    for who in [
        demo::officer(UNRELATED),
        demo::COORDINATOR.into(),
        INSPECTOR.into(),
    ] {
        let not_allowed = ReportBody::new(90, "Không được phép").no_evidence();
        Actor::named(&app, &who)
            .post(&path::reports(&task), &not_allowed)
            .await
            .problem(403);
        assert_eq!(app.reports_stored(&task), 0, "{who}");
    }
    assert!(reader.reports(&task).await.is_empty());

    // the inspector's edit, even with the right ETag
    let edit = json!({"title": "Sửa trái phép"});
    reader
        .patch_if_match(&task_path, &etag, &edit)
        .await
        .problem(403);
    // and without one: refused for who it is, not for the missing precondition
    reader.patch(&task_path, &edit).await.problem(403);

    // the supporting agency may not claim completion nor ask for more time
    let supporting = Actor::officer(&app, SUPPORTING);
    supporting
        .post(&path::completion(&task), &completion_claim())
        .await
        .problem(403);
    supporting
        .post(&path::extension_requests(&task), &extension())
        .await
        .problem(403);
    // nor may the lead agency review its own claim
    Actor::officer(&app, LEAD)
        .claim_completion(&task, &completion_claim())
        .await;
    let submitted = reader.task(&task).await;
    assert_eq!(submitted["status"], "submitted");
    for who in [demo::officer(LEAD), INSPECTOR.into()] {
        Actor::named(&app, &who)
            .post(
                &path::review(&task),
                &ReviewBody::accept().comment("Tự duyệt"),
            )
            .await
            .problem(403);
    }

    let after = reader.task(&task).await;
    assert_eq!(
        after["status"], "submitted",
        "only the lead's claim moved it"
    );
    assert_eq!(after["title"], before.body["title"]);
    assert_eq!(after["due_on"], before.body["due_on"]);
    assert_eq!(
        after["version"], submitted["version"],
        "no refused write bumped the version"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM extension_requests WHERE task_id = '{task}'"
        )),
        0
    );
    let history_after = reader.history(&task).await;
    assert_eq!(
        history_after.len(),
        history.len() + 1,
        "one audit event, for the claim: {history_after:?}"
    );
}

#[actix_web::test]
async fn task_edits_need_the_current_etag() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator.demo_plan_id().await;
    let task = fresh_task(&app, &plan, task_due_at_year_end("PQ-03")).await;
    let task_path = path::task(&task);
    let etag = coordinator.get(&task_path).await.etag();
    let edit = json!({"title": "Nhiệm vụ đã chỉnh sửa"});

    coordinator.patch(&task_path, &edit).await.problem(428);
    let r = coordinator
        .request(Method::PATCH, &task_path)
        .header("If-Match", &etag)
        .merge_patch(&edit)
        .send()
        .await;
    assert_eq!(r.ok()["title"], "Nhiệm vụ đã chỉnh sửa");
    let new_etag = r.etag();
    assert_ne!(new_etag, etag);
    // the old ETag is stale now
    Actor::admin(&app)
        .patch_if_match(&task_path, &etag, &json!({"title": "Ghi đè"}))
        .await
        .problem(412);
    let r = coordinator.get(&task_path).await;
    assert_eq!(r.body["title"], "Nhiệm vụ đã chỉnh sửa");
    assert_eq!(r.header("etag"), Some(new_etag.as_str()));
}
