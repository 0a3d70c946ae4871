//! Request bodies in the domain's words. Agencies are named by code and
//! resolved to ids only when a body is sent, against the app it is sent to,
//! so one builder serves any test database.

use serde_json::{json, Map, Value};

use crate::common::TestApp;

/// Something that can be sent as a JSON body to an app.
pub trait Body {
    fn to_json(&self, app: &TestApp) -> Value;
}

/// Hand-written JSON, e.g. a body the API must refuse.
impl Body for Value {
    fn to_json(&self, _: &TestApp) -> Value {
        self.clone()
    }
}

/// Applies hand-set fields last, so they win over what the builder wrote.
fn with_overrides(mut body: Value, overrides: &Map<String, Value>) -> Value {
    for (field, value) in overrides {
        body[field] = value.clone();
    }
    body
}

/// A yearly reform plan.
pub struct PlanBody {
    code: String,
    year: i32,
    title: String,
}

impl PlanBody {
    /// Plan `CCHC-<year>`.
    pub fn year(year: i32) -> PlanBody {
        PlanBody::new(&format!("CCHC-{year}"), year)
    }
    pub fn new(code: &str, year: i32) -> PlanBody {
        PlanBody {
            code: code.to_string(),
            year,
            title: format!("Kế hoạch CCHC năm {year}"),
        }
    }
    pub fn title(mut self, title: &str) -> PlanBody {
        self.title = title.to_string();
        self
    }
}

impl Body for PlanBody {
    fn to_json(&self, _: &TestApp) -> Value {
        json!({"code": self.code, "year": self.year, "title": self.title})
    }
}

/// An objective of a plan.
pub struct ObjectiveBody {
    code: String,
    title: String,
}

impl ObjectiveBody {
    pub fn new(code: &str, title: &str) -> ObjectiveBody {
        ObjectiveBody {
            code: code.to_string(),
            title: title.to_string(),
        }
    }
}

impl Body for ObjectiveBody {
    fn to_json(&self, _: &TestApp) -> Value {
        json!({"code": self.code, "title": self.title})
    }
}

/// A task of a plan. Defaults: an administrative-procedure task, ongoing,
/// answered by a provincial decision; no lead agency until `lead` names one.
#[derive(Clone)]
pub struct TaskBody {
    code: String,
    title: String,
    area: String,
    lead_agency: Option<String>,
    supporting_agencies: Option<Vec<String>>,
    deadline: Value,
    expected_output: String,
    overrides: Map<String, Value>,
}

impl TaskBody {
    pub fn new(code: &str) -> TaskBody {
        TaskBody {
            code: code.to_string(),
            title: format!("Nhiệm vụ {code}: cải cách thủ tục hành chính"),
            area: "admin_procedure".to_string(),
            lead_agency: None,
            supporting_agencies: None,
            deadline: json!({"kind": "ongoing"}),
            expected_output: "Quyết định của UBND tỉnh".to_string(),
            overrides: Map::new(),
        }
    }
    pub fn title(mut self, title: &str) -> TaskBody {
        self.title = title.to_string();
        self
    }
    pub fn area(mut self, area: &str) -> TaskBody {
        self.area = area.to_string();
        self
    }
    pub fn expected_output(mut self, expected_output: &str) -> TaskBody {
        self.expected_output = expected_output.to_string();
        self
    }
    /// The lead agency, by code.
    pub fn lead(mut self, agency_code: &str) -> TaskBody {
        self.lead_agency = Some(agency_code.to_string());
        self
    }
    /// The supporting agencies, by code.
    pub fn supporting(mut self, agency_codes: &[&str]) -> TaskBody {
        self.supporting_agencies = Some(agency_codes.iter().map(|c| c.to_string()).collect());
        self
    }
    /// Due on a day, `YYYY-MM-DD`.
    pub fn date(self, day: &str) -> TaskBody {
        self.deadline(json!({"kind": "date", "value": day}))
    }
    /// Due by the end of a month, `YYYY-MM`.
    pub fn month(self, month: &str) -> TaskBody {
        self.deadline(json!({"kind": "month", "value": month}))
    }
    /// Due by the end of a quarter, `YYYY-Qn`.
    pub fn quarter(self, quarter: &str) -> TaskBody {
        self.deadline(json!({"kind": "quarter", "value": quarter}))
    }
    /// A standing task ("Thường xuyên"), due by the end of the plan's year.
    pub fn ongoing(self) -> TaskBody {
        self.deadline(json!({"kind": "ongoing"}))
    }
    /// Any deadline document, including ones the API must refuse.
    pub fn deadline(mut self, deadline: Value) -> TaskBody {
        self.deadline = deadline;
        self
    }
    /// Sets a field as given, over whatever the builder would send.
    pub fn set(mut self, field: &str, value: Value) -> TaskBody {
        self.overrides.insert(field.to_string(), value);
        self
    }
}

impl Body for TaskBody {
    fn to_json(&self, app: &TestApp) -> Value {
        let mut body = json!({
            "code": self.code,
            "title": self.title,
            "area": self.area,
            "deadline": self.deadline,
            "expected_output": self.expected_output,
        });
        // a hand-set id is sent as it is: the code may not even exist
        if let Some(code) = &self.lead_agency {
            if !self.overrides.contains_key("lead_agency_id") {
                body["lead_agency_id"] = json!(app.agency_id(code));
            }
        }
        if let Some(codes) = &self.supporting_agencies {
            let ids: Vec<String> = codes.iter().map(|c| app.agency_id(c)).collect();
            body["supporting_agency_ids"] = json!(ids);
        }
        with_overrides(body, &self.overrides)
    }
}

/// A document cited as evidence: a decision, plan, report...
#[derive(Clone)]
pub struct Evidence {
    fields: Map<String, Value>,
}

impl Evidence {
    /// A document without a link.
    pub fn new(document_number: &str, issued_on: &str, issuer: &str, title: &str) -> Evidence {
        let mut fields = Map::new();
        fields.insert("document_number".into(), json!(document_number));
        fields.insert("issued_on".into(), json!(issued_on));
        fields.insert("issuer".into(), json!(issuer));
        fields.insert("title".into(), json!(title));
        Evidence { fields }
    }
    pub fn issued_on(mut self, day: &str) -> Evidence {
        self.fields.insert("issued_on".into(), json!(day));
        self
    }
    pub fn url(mut self, url: &str) -> Evidence {
        self.fields.insert("url".into(), json!(url));
        self
    }
    /// The uploaded document itself.
    pub fn file_id(mut self, file: &str) -> Evidence {
        self.fields.insert("file_id".into(), json!(file));
        self
    }
    /// An explicit `"url": null`.
    pub fn no_url(mut self) -> Evidence {
        self.fields.insert("url".into(), Value::Null);
        self
    }
    fn to_json(&self) -> Value {
        Value::Object(self.fields.clone())
    }
}

/// A progress report of an agency on a task.
pub struct ReportBody {
    progress_percent: Value,
    summary: String,
    evidence: Option<Vec<Evidence>>,
    overrides: Map<String, Value>,
}

impl ReportBody {
    /// `progress_percent` is JSON so that non-integers can be sent too.
    pub fn new(progress_percent: impl Into<Value>, summary: &str) -> ReportBody {
        ReportBody {
            progress_percent: progress_percent.into(),
            summary: summary.to_string(),
            evidence: None,
            overrides: Map::new(),
        }
    }
    pub fn evidence(mut self, document: Evidence) -> ReportBody {
        self.evidence.get_or_insert_with(Vec::new).push(document);
        self
    }
    /// An explicit, empty `evidence` list.
    pub fn no_evidence(mut self) -> ReportBody {
        self.evidence = Some(Vec::new());
        self
    }
    /// Sets a field as given, over whatever the builder would send.
    pub fn set(mut self, field: &str, value: Value) -> ReportBody {
        self.overrides.insert(field.to_string(), value);
        self
    }
}

fn evidence_json(evidence: &[Evidence]) -> Value {
    Value::Array(evidence.iter().map(Evidence::to_json).collect())
}

impl Body for ReportBody {
    fn to_json(&self, _: &TestApp) -> Value {
        let mut body = json!({
            "progress_percent": self.progress_percent,
            "summary": self.summary,
        });
        if let Some(evidence) = &self.evidence {
            body["evidence"] = evidence_json(evidence);
        }
        with_overrides(body, &self.overrides)
    }
}

/// The lead agency's claim that a task is done.
pub struct ClaimBody {
    completed_on: String,
    summary: String,
    evidence: Vec<Evidence>,
}

impl ClaimBody {
    pub fn new(completed_on: &str, summary: &str) -> ClaimBody {
        ClaimBody {
            completed_on: completed_on.to_string(),
            summary: summary.to_string(),
            evidence: Vec::new(),
        }
    }
    pub fn evidence(mut self, document: Evidence) -> ClaimBody {
        self.evidence.push(document);
        self
    }
}

impl Body for ClaimBody {
    fn to_json(&self, _: &TestApp) -> Value {
        json!({
            "completed_on": self.completed_on,
            "summary": self.summary,
            "evidence": evidence_json(&self.evidence),
        })
    }
}

/// The coordinator's review of a completion claim.
pub struct ReviewBody {
    decision: &'static str,
    comment: Option<String>,
}

impl ReviewBody {
    pub fn accept() -> ReviewBody {
        ReviewBody {
            decision: "accept",
            comment: None,
        }
    }
    /// Decision `return`: the task goes back to the lead agency.
    pub fn send_back() -> ReviewBody {
        ReviewBody {
            decision: "return",
            comment: None,
        }
    }
    pub fn comment(mut self, comment: &str) -> ReviewBody {
        self.comment = Some(comment.to_string());
        self
    }
}

impl Body for ReviewBody {
    fn to_json(&self, _: &TestApp) -> Value {
        decision_json(self.decision, &self.comment)
    }
}

fn decision_json(decision: &str, comment: &Option<String>) -> Value {
    let mut body = json!({"decision": decision});
    if let Some(comment) = comment {
        body["comment"] = json!(comment);
    }
    body
}

/// The lead agency's request for a later due date.
pub struct ExtensionBody {
    requested_due_on: String,
    reason: String,
    evidence: Vec<Evidence>,
}

impl ExtensionBody {
    pub fn new(requested_due_on: &str, reason: &str) -> ExtensionBody {
        ExtensionBody {
            requested_due_on: requested_due_on.to_string(),
            reason: reason.to_string(),
            evidence: Vec::new(),
        }
    }
    pub fn evidence(mut self, document: Evidence) -> ExtensionBody {
        self.evidence.push(document);
        self
    }
}

impl Body for ExtensionBody {
    fn to_json(&self, _: &TestApp) -> Value {
        let mut body = json!({"requested_due_on": self.requested_due_on, "reason": self.reason});
        if !self.evidence.is_empty() {
            body["evidence"] = evidence_json(&self.evidence);
        }
        body
    }
}

/// The coordinator's decision on an extension request.
pub struct DecisionBody {
    decision: &'static str,
    comment: Option<String>,
}

impl DecisionBody {
    pub fn approve() -> DecisionBody {
        DecisionBody {
            decision: "approve",
            comment: None,
        }
    }
    pub fn reject() -> DecisionBody {
        DecisionBody {
            decision: "reject",
            comment: None,
        }
    }
    pub fn comment(mut self, comment: &str) -> DecisionBody {
        self.comment = Some(comment.to_string());
        self
    }
}

impl Body for DecisionBody {
    fn to_json(&self, _: &TestApp) -> Value {
        decision_json(self.decision, &self.comment)
    }
}

/// A user account, as the administrator creates it.
pub struct UserBody {
    username: String,
    display_name: String,
    password: String,
    role: String,
    agency: Option<String>,
}

impl UserBody {
    pub fn new(username: &str, display_name: &str, password: &str, role: &str) -> UserBody {
        UserBody {
            username: username.to_string(),
            display_name: display_name.to_string(),
            password: password.to_string(),
            role: role.to_string(),
            agency: None,
        }
    }
    /// The officer's agency, by code.
    pub fn agency(mut self, agency_code: &str) -> UserBody {
        self.agency = Some(agency_code.to_string());
        self
    }
}

impl Body for UserBody {
    fn to_json(&self, app: &TestApp) -> Value {
        let mut body = json!({
            "username": self.username,
            "display_name": self.display_name,
            "password": self.password,
            "role": self.role,
        });
        if let Some(code) = &self.agency {
            body["agency_id"] = json!(app.agency_id(code));
        }
        body
    }
}

/// An inspection of an agency. Defaults: the administrative-procedure and
/// digital-government areas, the province's team, no plan document.
pub struct InspectionBody {
    agency: String,
    scheduled_on: String,
    scope: Vec<String>,
    overrides: Map<String, Value>,
}

impl InspectionBody {
    /// The inspection of an agency (by code) on a day.
    pub fn new(agency_code: &str, scheduled_on: &str) -> InspectionBody {
        InspectionBody {
            agency: agency_code.to_string(),
            scheduled_on: scheduled_on.to_string(),
            scope: vec!["admin_procedure".into(), "digital_government".into()],
            overrides: Map::new(),
        }
    }
    pub fn scope(mut self, areas: &[&str]) -> InspectionBody {
        self.scope = areas.iter().map(|a| a.to_string()).collect();
        self
    }
    /// Sets a field as given, over whatever the builder would send.
    pub fn set(mut self, field: &str, value: Value) -> InspectionBody {
        self.overrides.insert(field.to_string(), value);
        self
    }
}

impl Body for InspectionBody {
    fn to_json(&self, app: &TestApp) -> Value {
        let body = json!({
            "agency_id": app.agency_id(&self.agency),
            "scheduled_on": self.scheduled_on,
            "scope": self.scope,
            "team": "Đoàn kiểm tra CCHC tỉnh",
        });
        with_overrides(body, &self.overrides)
    }
}

/// A finding of an inspection: a shortcoming in the administrative-procedure area.
pub struct FindingBody {
    due_on: String,
    overrides: Map<String, Value>,
}

impl FindingBody {
    /// A shortcoming whose remedy is due on a day.
    pub fn due(due_on: &str) -> FindingBody {
        FindingBody {
            due_on: due_on.to_string(),
            overrides: Map::new(),
        }
    }
    /// Sets a field as given, over whatever the builder would send.
    pub fn set(mut self, field: &str, value: Value) -> FindingBody {
        self.overrides.insert(field.to_string(), value);
        self
    }
}

impl Body for FindingBody {
    fn to_json(&self, _: &TestApp) -> Value {
        let body = json!({
            "area": "admin_procedure",
            "description": "Chưa niêm yết công khai đầy đủ thủ tục hành chính",
            "severity": "shortcoming",
            "required_action": "Niêm yết công khai đầy đủ các thủ tục hành chính",
            "due_on": self.due_on,
        });
        with_overrides(body, &self.overrides)
    }
}

/// An agency's report of how it remedied a finding.
pub struct RemedyBody {
    summary: String,
    evidence: Vec<Evidence>,
}

impl RemedyBody {
    pub fn new(summary: &str) -> RemedyBody {
        RemedyBody {
            summary: summary.to_string(),
            evidence: Vec::new(),
        }
    }
    pub fn evidence(mut self, document: Evidence) -> RemedyBody {
        self.evidence.push(document);
        self
    }
}

impl Body for RemedyBody {
    fn to_json(&self, _: &TestApp) -> Value {
        json!({"summary": self.summary, "evidence": evidence_json(&self.evidence)})
    }
}

/// A successor in a reorganisation: an existing agency (by code) or a new one.
#[derive(Clone)]
pub enum Successor {
    Existing(String),
    New { code: String, name: String },
}

impl Successor {
    pub fn existing(code: &str) -> Successor {
        Successor::Existing(code.to_string())
    }
    pub fn new(code: &str, name: &str) -> Successor {
        Successor::New {
            code: code.to_string(),
            name: name.to_string(),
        }
    }
    fn to_json(&self, app: &TestApp) -> Value {
        match self {
            Successor::Existing(code) => json!({"agency_id": app.agency_id(code)}),
            Successor::New { code, name } => {
                json!({"new_agency": {"code": code, "name": name, "kind": "department"}})
            }
        }
    }
}

enum ChangeSpec {
    Merge(Vec<String>, Successor),
    Split(String, Vec<Successor>, Vec<(String, String)>),
    Rename(String, String),
    Dissolve(String, String),
}

/// A reorganisation of agencies (named by code), effective 2025-03-01 by
/// default, by decision `15/NQ-HĐND` of 2025-02-18.
pub struct ReorgBody {
    effective_on: String,
    change: ChangeSpec,
    overrides: Map<String, Value>,
}

impl ReorgBody {
    fn with(change: ChangeSpec) -> ReorgBody {
        ReorgBody {
            effective_on: "2025-03-01".into(),
            change,
            overrides: Map::new(),
        }
    }
    pub fn merge(predecessors: &[&str], successor: Successor) -> ReorgBody {
        ReorgBody::with(ChangeSpec::Merge(
            predecessors.iter().map(|c| c.to_string()).collect(),
            successor,
        ))
    }
    pub fn split(agency: &str, successors: &[Successor]) -> ReorgBody {
        ReorgBody::with(ChangeSpec::Split(
            agency.to_string(),
            successors.to_vec(),
            Vec::new(),
        ))
    }
    pub fn rename(agency: &str, name: &str) -> ReorgBody {
        ReorgBody::with(ChangeSpec::Rename(agency.to_string(), name.to_string()))
    }
    pub fn dissolve(agency: &str, successor: &str) -> ReorgBody {
        ReorgBody::with(ChangeSpec::Dissolve(
            agency.to_string(),
            successor.to_string(),
        ))
    }
    /// A split's rule: task (by id) to the successor with this code.
    pub fn task(mut self, task_id: &str, successor_code: &str) -> ReorgBody {
        if let ChangeSpec::Split(_, _, rules) = &mut self.change {
            rules.push((task_id.to_string(), successor_code.to_string()));
        }
        self
    }
    pub fn on(mut self, day: &str) -> ReorgBody {
        self.effective_on = day.to_string();
        self
    }
    pub fn set(mut self, field: &str, value: Value) -> ReorgBody {
        self.overrides.insert(field.to_string(), value);
        self
    }
}

impl Body for ReorgBody {
    fn to_json(&self, app: &TestApp) -> Value {
        let change = match &self.change {
            ChangeSpec::Merge(predecessors, successor) => json!({
                "kind": "merge",
                "predecessor_ids": predecessors.iter().map(|c| app.agency_id(c)).collect::<Vec<_>>(),
                "successor": successor.to_json(app),
            }),
            ChangeSpec::Split(agency, successors, rules) => json!({
                "kind": "split",
                "agency_id": app.agency_id(agency),
                "successors": successors.iter().map(|s| s.to_json(app)).collect::<Vec<_>>(),
                "tasks": rules.iter().map(|(t, c)| json!({"task_id": t, "successor_code": c})).collect::<Vec<_>>(),
            }),
            ChangeSpec::Rename(agency, name) => json!({
                "kind": "rename", "agency_id": app.agency_id(agency), "name": name,
            }),
            ChangeSpec::Dissolve(agency, successor) => json!({
                "kind": "dissolve",
                "agency_id": app.agency_id(agency),
                "successor_id": app.agency_id(successor),
            }),
        };
        let body = json!({
            "effective_on": self.effective_on,
            "decision": {"document_number": "15/NQ-HĐND", "issued_on": "2025-02-18", "issuer": "HĐND tỉnh Khánh Hòa"},
            "change": change,
        });
        with_overrides(body, &self.overrides)
    }
}
