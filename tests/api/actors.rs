//! The people who use the API, each with their bearer token, and what they do.
//!
//! `get`/`post`/`patch` return the raw `Reply` for any path, to assert refusals
//! with `.problem(403)` and the like; the named operations (`create_task`,
//! `post_report`, `review` ...) assert success and return the parsed body.

use actix_web::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::bodies::{
    Body, ClaimBody, DecisionBody, ExtensionBody, FindingBody, InspectionBody, ObjectiveBody,
    PlanBody, RemedyBody, ReportBody, ReviewBody, TaskBody,
};
use crate::common::{Call, JsonExt, Reply, TestApp};
use crate::demo;

/// The API's paths.
pub mod path {
    pub const TOKEN: &str = "/api/v1/auth/token";
    pub const REFRESH: &str = "/api/v1/auth/refresh";
    pub const ME: &str = "/api/v1/me";
    pub const USERS: &str = "/api/v1/users";
    pub const PLANS: &str = "/api/v1/plans";

    pub fn user(id: &str) -> String {
        format!("/api/v1/users/{id}")
    }
    pub fn plan_tasks(plan: &str) -> String {
        format!("/api/v1/plans/{plan}/tasks")
    }
    pub fn plan_objectives(plan: &str) -> String {
        format!("/api/v1/plans/{plan}/objectives")
    }
    pub fn plan_summary(plan: &str, as_of: &str) -> String {
        format!("/api/v1/plans/{plan}/summary?as_of={as_of}")
    }
    /// The task list with a query string (without the `?`).
    pub fn tasks(query: &str) -> String {
        format!("/api/v1/tasks?{query}")
    }
    pub fn task(task: &str) -> String {
        format!("/api/v1/tasks/{task}")
    }
    pub fn task_as_of(task: &str, as_of: &str) -> String {
        format!("/api/v1/tasks/{task}?as_of={as_of}")
    }
    pub fn reports(task: &str) -> String {
        format!("/api/v1/tasks/{task}/reports")
    }
    pub fn completion(task: &str) -> String {
        format!("/api/v1/tasks/{task}/completion")
    }
    pub fn review(task: &str) -> String {
        format!("/api/v1/tasks/{task}/review")
    }
    pub fn extension_requests(task: &str) -> String {
        format!("/api/v1/tasks/{task}/extension-requests")
    }
    pub fn decision(extension_request: &str) -> String {
        format!("/api/v1/extension-requests/{extension_request}/decision")
    }
    pub fn history(task: &str) -> String {
        format!("/api/v1/tasks/{task}/history")
    }
    pub fn plan_periods(plan: &str) -> String {
        format!("/api/v1/plans/{plan}/periods")
    }
    /// A period, or one of its parts (`""`, `"/tasks?…"`, `"/summary"`, `"/close"` …).
    pub fn period(period: &str, part: &str) -> String {
        format!("/api/v1/periods/{period}{part}")
    }
    /// An agency's report for a period, or its `/submit`, `/review`.
    pub fn agency_report(period: &str, agency: &str, part: &str) -> String {
        format!("/api/v1/periods/{period}/agency-reports/{agency}{part}")
    }
    pub fn plan_indicators(plan: &str) -> String {
        format!("/api/v1/plans/{plan}/indicators")
    }
    /// An indicator's figure for a period; `agency` for one agency's.
    pub fn figure(indicator: &str, period: &str, agency: Option<&str>) -> String {
        let whose = agency
            .map(|a| format!("?agency_id={a}"))
            .unwrap_or_default();
        format!("/api/v1/indicators/{indicator}/observations/{period}{whose}")
    }
    /// The completion claims list (the review queue) with a query string (without the `?`).
    pub fn claim_queue(query: &str) -> String {
        format!("/api/v1/completion-claims?{query}")
    }
    /// The extension requests list (the decision queue) with a query string (without the `?`).
    pub fn extension_queue(query: &str) -> String {
        format!("/api/v1/extension-requests?{query}")
    }
    pub fn plan_inspections(plan: &str) -> String {
        format!("/api/v1/plans/{plan}/inspections")
    }
    pub fn inspection_summary(plan: &str, as_of: &str) -> String {
        format!("/api/v1/plans/{plan}/inspections/summary?as_of={as_of}")
    }
    /// An inspection, or one of its parts (`""`, `"/findings"`, `"/history"` …).
    pub fn inspection(inspection: &str, part: &str) -> String {
        format!("/api/v1/inspections/{inspection}{part}")
    }
    /// The inspection list with a query string (without the `?`).
    pub fn inspections(query: &str) -> String {
        format!("/api/v1/inspections?{query}")
    }
    /// A finding, or one of its parts (`""`, `"/remedy"`, `"/verification"`).
    pub fn finding(finding: &str, part: &str) -> String {
        format!("/api/v1/findings/{finding}{part}")
    }
    /// The finding list with a query string (without the `?`).
    pub const FILES: &str = "/api/v1/files";
    pub fn file(file: &str) -> String {
        format!("/api/v1/files/{file}")
    }
    pub fn findings(query: &str) -> String {
        format!("/api/v1/findings?{query}")
    }
}

/// A caller of the API: whoever presents `token` (or no token at all).
pub struct Actor<'a> {
    app: &'a TestApp,
    token: Option<String>,
}

impl<'a> Actor<'a> {
    pub fn admin(app: &'a TestApp) -> Actor<'a> {
        Actor::named(app, demo::ADMIN)
    }
    /// Sở Nội vụ's reform coordinator: plans, tasks, reviews, decisions.
    pub fn coordinator(app: &'a TestApp) -> Actor<'a> {
        Actor::named(app, demo::COORDINATOR)
    }
    /// Reads everything; writes inspections, findings and verifications only.
    pub fn inspector(app: &'a TestApp) -> Actor<'a> {
        Actor::named(app, demo::INSPECTOR)
    }
    /// The demo officer of an agency, by agency code.
    pub fn officer(app: &'a TestApp, agency_code: &str) -> Actor<'a> {
        Actor::named(app, &demo::officer(agency_code))
    }
    /// Any account of the app's database, with a token minted for it.
    pub fn named(app: &'a TestApp, username: &str) -> Actor<'a> {
        Actor {
            app,
            token: Some(app.token(username)),
        }
    }
    /// Whoever presents this token, e.g. one from a real login or a forged one.
    pub fn bearer(app: &'a TestApp, token: &str) -> Actor<'a> {
        Actor {
            app,
            token: Some(token.to_string()),
        }
    }
    /// No Authorization header.
    pub fn anonymous(app: &'a TestApp) -> Actor<'a> {
        Actor { app, token: None }
    }

    /// A request with this actor's Authorization header, to add headers or a body to.
    pub fn request(&self, method: Method, path: &str) -> Call<'a> {
        let call = self.app.call(method, path);
        match &self.token {
            Some(token) => call.token(token),
            None => call,
        }
    }
    pub async fn get(&self, path: &str) -> Reply {
        self.request(Method::GET, path).send().await
    }
    pub async fn post(&self, path: &str, body: &impl Body) -> Reply {
        self.request(Method::POST, path).body(body).send().await
    }
    pub async fn put(&self, path: &str, body: &impl Body) -> Reply {
        self.request(Method::PUT, path).body(body).send().await
    }
    /// A POST without a body.
    pub async fn post_empty(&self, path: &str) -> Reply {
        self.request(Method::POST, path).send().await
    }
    /// A PATCH sent as plain `application/json`.
    pub async fn patch(&self, path: &str, body: &impl Body) -> Reply {
        self.request(Method::PATCH, path).body(body).send().await
    }
    /// A PATCH on the version tagged `etag`.
    pub async fn patch_if_match(&self, path: &str, etag: &str, body: &impl Body) -> Reply {
        self.request(Method::PATCH, path)
            .header("If-Match", etag)
            .body(body)
            .send()
            .await
    }
    /// A POST that may be retried under the same `Idempotency-Key`.
    pub async fn post_idempotent(
        &self,
        path: &str,
        idempotency_key: &str,
        body: &impl Body,
    ) -> Reply {
        self.request(Method::POST, path)
            .header("Idempotency-Key", idempotency_key)
            .body(body)
            .send()
            .await
    }

    /// GET /me.
    pub async fn me(&self) -> Value {
        self.get(path::ME).await.ok()
    }
    /// A merge patch of a user account.
    pub async fn update_user(&self, id: &str, changes: &Value) -> Value {
        self.patch(&path::user(id), changes).await.ok()
    }
    pub async fn create_plan(&self, plan: &PlanBody) -> Value {
        self.post(path::PLANS, plan).await.created()
    }
    pub async fn create_objective(&self, plan: &str, objective: &ObjectiveBody) -> Value {
        self.post(&path::plan_objectives(plan), objective)
            .await
            .created()
    }
    /// Creates a task; it comes with an ETag for later edits.
    pub async fn create_task(&self, plan: &str, task: &TaskBody) -> Value {
        let r = self.post(&path::plan_tasks(plan), task).await;
        let created = r.created();
        assert!(r.header("etag").is_some());
        created
    }
    pub async fn task(&self, task: &str) -> Value {
        self.get(&path::task(task)).await.ok()
    }
    /// A task as it stood on `as_of` (overdue, days_overdue).
    pub async fn task_as_of(&self, task: &str, as_of: &str) -> Value {
        self.get(&path::task_as_of(task, as_of)).await.ok()
    }
    /// The items of one page of the task list.
    pub async fn tasks(&self, query: &str) -> Vec<Value> {
        self.get(&path::tasks(query)).await.ok().items()
    }
    /// The codes of the tasks of one page of the task list.
    pub async fn task_codes(&self, query: &str) -> Vec<String> {
        let tasks = self.tasks(query).await;
        tasks.iter().map(|t| t.text("code").to_string()).collect()
    }
    pub async fn post_report(&self, task: &str, report: &ReportBody) -> Value {
        self.post(&path::reports(task), report).await.created()
    }
    pub async fn reports(&self, task: &str) -> Vec<Value> {
        self.get(&path::reports(task)).await.ok().items()
    }
    pub async fn claim_completion(&self, task: &str, claim: &ClaimBody) -> Value {
        self.post(&path::completion(task), claim).await.created()
    }
    /// Reviews the task's claim; returns the task.
    pub async fn review(&self, task: &str, review: &ReviewBody) -> Value {
        self.post(&path::review(task), review).await.ok()
    }
    pub async fn request_extension(&self, task: &str, extension: &ExtensionBody) -> Value {
        self.post(&path::extension_requests(task), extension)
            .await
            .created()
    }
    pub async fn decide_extension(&self, request: &str, decision: &DecisionBody) -> Value {
        self.post(&path::decision(request), decision).await.ok()
    }
    /// One page of the completion claims this actor sees.
    pub async fn claim_queue(&self, query: &str) -> Vec<Value> {
        self.get(&path::claim_queue(query)).await.ok().items()
    }
    /// One page of the extension requests this actor sees.
    pub async fn extension_queue(&self, query: &str) -> Vec<Value> {
        self.get(&path::extension_queue(query)).await.ok().items()
    }
    /// The audit events of a task, oldest first.
    pub async fn history(&self, task: &str) -> Vec<Value> {
        self.get(&path::history(task)).await.ok().items()
    }
    pub async fn plan_summary(&self, plan: &str, as_of: &str) -> Value {
        self.get(&path::plan_summary(plan, as_of)).await.ok()
    }
    pub async fn scorecard(&self, agency_code: &str, plan: &str, as_of: &str) -> Value {
        let agency = self.app.agency_id(agency_code);
        self.get(&format!(
            "/api/v1/agencies/{agency}/scorecard?plan_id={plan}&as_of={as_of}"
        ))
        .await
        .ok()
    }

    /// Plans an inspection in `plan`; returns it.
    pub async fn plan_inspection(&self, plan: &str, inspection: &InspectionBody) -> Value {
        let r = self.post(&path::plan_inspections(plan), inspection).await;
        let created = r.created();
        assert_eq!(
            r.header("location"),
            Some(path::inspection(&created.id(), "").as_str())
        );
        created
    }
    /// A merge patch of an inspection; returns it.
    pub async fn update_inspection(&self, inspection: &str, patch: &Value) -> Value {
        self.request(Method::PATCH, &path::inspection(inspection, ""))
            .merge_patch(patch)
            .send()
            .await
            .ok()
    }
    /// Records a finding of an inspection; returns it.
    pub async fn record_finding(&self, inspection: &str, finding: &FindingBody) -> Value {
        self.post(&path::inspection(inspection, "/findings"), finding)
            .await
            .created()
    }
    /// Reports a finding's remedy; returns the finding.
    pub async fn report_remedy(&self, finding: &str, remedy: &RemedyBody) -> Value {
        self.post(&path::finding(finding, "/remedy"), remedy)
            .await
            .created()
    }
    /// Accepts or returns a finding's remedy; returns the finding.
    pub async fn verify_remedy(&self, finding: &str, verification: &ReviewBody) -> Value {
        self.post(&path::finding(finding, "/verification"), verification)
            .await
            .ok()
    }
    /// The items of one page of the finding list.
    pub async fn findings(&self, query: &str) -> Vec<Value> {
        self.get(&path::findings(query)).await.ok().items()
    }
    /// Every page of a list from `first` (a URL with a query), following
    /// `next_cursor` to the end: the items of each page.
    pub async fn every_page(&self, first: &str) -> Vec<Vec<Value>> {
        let mut pages = Vec::new();
        let mut url = first.to_string();
        loop {
            let page = self.get(&url).await.ok();
            pages.push(page.items());
            match page["next_cursor"].as_str() {
                Some(cursor) => url = format!("{first}&cursor={cursor}"),
                None => return pages,
            }
        }
    }

    /// The id of the demo plan, the only plan of a demo database.
    pub async fn demo_plan_id(&self) -> String {
        let plans = format!("{}?year={}", path::PLANS, demo::YEAR);
        self.get(&plans).await.ok()["items"][0].id()
    }
    /// A task of the 2023 demo plan, by code (this year's plan reuses codes).
    pub async fn demo_task(&self, code: &str) -> Value {
        let plan = self.demo_plan_id().await;
        self.tasks(&format!("plan_id={plan}&q={code}&limit=200"))
            .await
            .into_iter()
            .find(|t| t["code"] == code)
            .unwrap_or_else(|| panic!("no task {code}"))
    }
}

/// POST /auth/token with a username and password.
pub async fn login(app: &TestApp, username: &str, password: &str) -> Reply {
    let credentials = json!({"username": username, "password": password});
    Actor::anonymous(app).post(path::TOKEN, &credentials).await
}

/// POST /auth/token from the TCP peer `address` (`ip:port`).
pub async fn login_from(app: &TestApp, address: &str, username: &str, password: &str) -> Reply {
    let credentials = json!({"username": username, "password": password});
    Actor::anonymous(app)
        .request(Method::POST, path::TOKEN)
        .peer(address)
        .json(&credentials)
        .send()
        .await
}

/// POST /auth/refresh.
pub async fn refresh(app: &TestApp, refresh_token: &str) -> Reply {
    let body = json!({"refresh_token": refresh_token});
    Actor::anonymous(app).post(path::REFRESH, &body).await
}

/// The token pair of a successful login.
pub async fn token_pair(app: &TestApp, username: &str, password: &str) -> Value {
    let r = login(app, username, password).await;
    assert_eq!(r.status, StatusCode::OK, "login {username}: {}", r.raw);
    r.body
}

/// A new task in `plan`, led by STP and supported by STTTT (the cast of the
/// agency-flow tests), created by the coordinator; returns its id.
pub async fn fresh_task(app: &TestApp, plan: &str, task: TaskBody) -> String {
    let task = task.lead(demo::STP).supporting(&[demo::STTTT]);
    Actor::coordinator(app).create_task(plan, &task).await.id()
}
