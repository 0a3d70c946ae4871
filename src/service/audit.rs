//! The audit trail's events, typed: each variant is one kind of change, and
//! its fields are what the history shows. `record` writes one in the
//! transaction of the change it reports.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde::Serialize;
use uuid::Uuid;

use crate::domain::enums::{
    AgencyKind, AgencyReportStatus, DeadlineKind, ExtensionDecision, FindingSeverity,
    FindingStatus, InspectionStatus, PeriodKind, ReformArea, ReorganisationKind, ReviewDecision,
    Role, TaskRole, TaskStatus,
};
use crate::domain::error::DomainResult;
use crate::domain::ids::{
    AgencyId, ClaimId, ExtensionId, FindingId, IndicatorId, InspectionId, ObjectiveId, PeriodId,
    PlanId, RemedyId, ReorganisationId, ReportId, TaskId, UserId,
};
use crate::store;
use crate::store::audit::NewAuditEvent;

/// A deadline as the history records it.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineRecord {
    pub kind: DeadlineKind,
    pub value: Option<String>,
    pub label: String,
}

/// What a workflow step did to its task (only the fields it changed).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TaskEffect {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress_percent: Option<i16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_due_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_due_on: Option<NaiveDate>,
}

/// The decision a reorganisation cites, as the history records it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DecisionRecord {
    pub document_number: String,
    pub issued_on: NaiveDate,
    pub issuer: String,
}

/// One task role handed on by a reorganisation.
#[derive(Debug, Clone, Serialize)]
pub struct RoleMove {
    pub role: TaskRole,
    pub from_agency_id: AgencyId,
    pub to_agency_id: AgencyId,
}

/// One change, as the audit trail and a task's history show it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Event {
    TaskCreated {
        #[serde(skip)]
        task: TaskId,
        code: String,
        title: String,
        area: ReformArea,
        lead_agency_id: AgencyId,
        supporting_agency_ids: Vec<AgencyId>,
        deadline: DeadlineRecord,
        due_on: NaiveDate,
    },
    /// `patch` is the merge patch as sent: what the coordinator changed.
    TaskUpdated {
        #[serde(skip)]
        task: TaskId,
        #[serde(flatten)]
        patch: serde_json::Map<String, serde_json::Value>,
    },
    ReportCreated {
        #[serde(skip)]
        task: TaskId,
        #[serde(skip)]
        report: ReportId,
        agency_id: AgencyId,
        progress_percent: i16,
        summary: String,
        evidence_count: usize,
        task_effect: TaskEffect,
    },
    CompletionClaimed {
        #[serde(skip)]
        task: TaskId,
        #[serde(skip)]
        claim: ClaimId,
        completed_on: NaiveDate,
        summary: String,
        evidence_count: usize,
        task_effect: TaskEffect,
    },
    CompletionReviewed {
        #[serde(skip)]
        task: TaskId,
        #[serde(skip)]
        claim: ClaimId,
        decision: ReviewDecision,
        comment: Option<String>,
        task_effect: TaskEffect,
    },
    ExtensionRequested {
        #[serde(skip)]
        task: TaskId,
        #[serde(skip)]
        request: ExtensionId,
        previous_due_on: NaiveDate,
        requested_due_on: NaiveDate,
        reason: String,
    },
    ExtensionDecided {
        #[serde(skip)]
        task: TaskId,
        #[serde(skip)]
        request: ExtensionId,
        decision: ExtensionDecision,
        comment: Option<String>,
        requested_due_on: NaiveDate,
        task_effect: TaskEffect,
    },
    PlanCreated {
        #[serde(skip)]
        plan: PlanId,
        code: String,
        year: i32,
        title: String,
    },
    PlanUpdated {
        #[serde(skip)]
        plan: PlanId,
        #[serde(flatten)]
        patch: serde_json::Map<String, serde_json::Value>,
    },
    ObjectiveCreated {
        #[serde(skip)]
        objective: ObjectiveId,
        plan_id: PlanId,
        code: String,
        title: String,
    },
    ObjectiveUpdated {
        #[serde(skip)]
        objective: ObjectiveId,
        #[serde(flatten)]
        patch: serde_json::Map<String, serde_json::Value>,
    },
    AgencyCreated {
        #[serde(skip)]
        agency: AgencyId,
        code: String,
        name: String,
        kind: AgencyKind,
        parent_id: Option<AgencyId>,
    },
    AgencyUpdated {
        #[serde(skip)]
        agency: AgencyId,
        #[serde(flatten)]
        patch: serde_json::Map<String, serde_json::Value>,
    },
    UserCreated {
        #[serde(skip)]
        user: UserId,
        username: String,
        role: Role,
        agency_id: Option<AgencyId>,
    },
    UserUpdated {
        #[serde(skip)]
        user: UserId,
        display_name: Option<String>,
        role: Option<Role>,
        agency_id: Option<Option<AgencyId>>,
        active: Option<bool>,
        password_changed: bool,
    },
    PeriodCreated {
        #[serde(skip)]
        period: PeriodId,
        plan_id: PlanId,
        kind: PeriodKind,
        value: String,
        data_from: NaiveDate,
        data_to: NaiveDate,
        report_due_on: NaiveDate,
    },
    PeriodClosed {
        #[serde(skip)]
        period: PeriodId,
        data_to: NaiveDate,
        tasks_frozen: usize,
    },
    /// Saved, submitted or reviewed: `status` is the report's status after it.
    AgencyReportChanged {
        #[serde(skip)]
        period: PeriodId,
        #[serde(skip)]
        step: &'static str,
        agency_id: AgencyId,
        status: AgencyReportStatus,
        #[serde(skip_serializing_if = "Option::is_none")]
        document_number: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    IndicatorCreated {
        #[serde(skip)]
        indicator: IndicatorId,
        plan_id: PlanId,
        code: String,
        name: String,
    },
    FigureRecorded {
        #[serde(skip)]
        indicator: IndicatorId,
        period_id: PeriodId,
        agency_id: Option<AgencyId>,
        value: f64,
        numerator: Option<f64>,
        denominator: Option<f64>,
    },
    InspectionCreated {
        #[serde(skip)]
        inspection: InspectionId,
        plan_id: PlanId,
        agency_id: AgencyId,
        scheduled_on: NaiveDate,
        scope: Vec<ReformArea>,
        team: String,
        plan_document: Option<String>,
    },
    /// `patch` is the merge patch as sent; `step` names what it did
    /// (`inspection.updated`, `.conducted`, `.concluded`, `.cancelled`).
    InspectionChanged {
        #[serde(skip)]
        inspection: InspectionId,
        #[serde(skip)]
        step: &'static str,
        status: InspectionStatus,
        #[serde(flatten)]
        patch: serde_json::Map<String, serde_json::Value>,
    },
    FindingRecorded {
        #[serde(skip)]
        finding: FindingId,
        inspection_id: InspectionId,
        agency_id: AgencyId,
        area: ReformArea,
        severity: FindingSeverity,
        description: String,
        required_action: String,
        due_on: NaiveDate,
    },
    RemedyReported {
        #[serde(skip)]
        remedy: RemedyId,
        #[serde(skip)]
        inspection: InspectionId,
        finding_id: FindingId,
        agency_id: AgencyId,
        summary: String,
        evidence_count: usize,
        /// The finding's status after it.
        status: FindingStatus,
    },
    /// A reorganisation, filed under itself.
    AgenciesReorganised {
        #[serde(skip)]
        reorganisation: ReorganisationId,
        kind: ReorganisationKind,
        effective_on: NaiveDate,
        decision: DecisionRecord,
        predecessor_ids: Vec<AgencyId>,
        successor_ids: Vec<AgencyId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        roles_moved: usize,
    },
    /// A task's roles handed on by a reorganisation, citing its decision.
    TaskReorganised {
        #[serde(skip)]
        task: TaskId,
        reorganisation_id: ReorganisationId,
        effective_on: NaiveDate,
        decision: DecisionRecord,
        moves: Vec<RoleMove>,
    },
    RemedyVerified {
        #[serde(skip)]
        remedy: RemedyId,
        #[serde(skip)]
        inspection: InspectionId,
        finding_id: FindingId,
        decision: ReviewDecision,
        comment: Option<String>,
        /// The finding's status after it.
        status: FindingStatus,
    },
}

impl Event {
    /// The action's name in the trail, e.g. `completion.accepted`.
    pub fn action(&self) -> &'static str {
        match self {
            Event::TaskCreated { .. } => "task.created",
            Event::TaskUpdated { .. } => "task.updated",
            Event::ReportCreated { .. } => "report.created",
            Event::CompletionClaimed { .. } => "completion.claimed",
            Event::CompletionReviewed {
                decision: ReviewDecision::Accept,
                ..
            } => "completion.accepted",
            Event::CompletionReviewed { .. } => "completion.returned",
            Event::ExtensionRequested { .. } => "extension.requested",
            Event::ExtensionDecided {
                decision: ExtensionDecision::Approve,
                ..
            } => "extension.approved",
            Event::ExtensionDecided { .. } => "extension.rejected",
            Event::PlanCreated { .. } => "plan.created",
            Event::PlanUpdated { .. } => "plan.updated",
            Event::ObjectiveCreated { .. } => "objective.created",
            Event::ObjectiveUpdated { .. } => "objective.updated",
            Event::AgencyCreated { .. } => "agency.created",
            Event::AgencyUpdated { .. } => "agency.updated",
            Event::UserCreated { .. } => "user.created",
            Event::UserUpdated { .. } => "user.updated",
            Event::PeriodCreated { .. } => "period.created",
            Event::PeriodClosed { .. } => "period.closed",
            Event::AgencyReportChanged { step, .. } => step,
            Event::IndicatorCreated { .. } => "indicator.created",
            Event::FigureRecorded { .. } => "indicator.figure_recorded",
            Event::InspectionCreated { .. } => "inspection.created",
            Event::InspectionChanged { step, .. } => step,
            Event::FindingRecorded { .. } => "finding.recorded",
            Event::RemedyReported { .. } => "finding.remedy_reported",
            Event::RemedyVerified {
                decision: ReviewDecision::Accept,
                ..
            } => "finding.verified",
            Event::RemedyVerified { .. } => "finding.returned",
            Event::AgenciesReorganised { .. } => "agency.reorganised",
            Event::TaskReorganised { .. } => "task.reorganised",
        }
    }

    /// The event type the outbox publishes it as (`domain::notify::EVENT_TYPES`),
    /// if it is published: account, agency and plan edits are not.
    pub fn published_type(&self) -> Option<&'static str> {
        Some(match self {
            Event::TaskCreated { .. } => "task.created",
            // a task handed on by a reorganisation is a change of the task:
            // its new lead agency's officers hear of it
            Event::TaskUpdated { .. } | Event::TaskReorganised { .. } => "task.updated",
            Event::ReportCreated { .. } => "report.created",
            Event::CompletionClaimed { .. } => "claim.submitted",
            Event::CompletionReviewed {
                decision: ReviewDecision::Accept,
                ..
            } => "claim.accepted",
            Event::CompletionReviewed { .. } => "claim.returned",
            Event::ExtensionRequested { .. } => "extension.requested",
            Event::ExtensionDecided {
                decision: ExtensionDecision::Approve,
                ..
            } => "extension.approved",
            Event::ExtensionDecided { .. } => "extension.rejected",
            Event::PeriodCreated { .. } => "period.created",
            Event::PeriodClosed { .. } => "period.closed",
            Event::AgencyReportChanged { step, .. } => match *step {
                "agency_report.submitted" => "agency_report.submitted",
                "agency_report.accepted" => "agency_report.accepted",
                "agency_report.returned" => "agency_report.returned",
                // a draft is the agency's own business
                _ => return None,
            },
            Event::InspectionCreated { .. }
            | Event::InspectionChanged { .. }
            | Event::FindingRecorded { .. }
            | Event::RemedyReported { .. }
            | Event::RemedyVerified { .. } => self.action(),
            _ => return None,
        })
    }

    /// The object changed (its kind and id), and the task whose history shows it.
    fn subject(&self) -> (&'static str, Uuid, Option<TaskId>) {
        match self {
            Event::TaskCreated { task, .. }
            | Event::TaskUpdated { task, .. }
            | Event::TaskReorganised { task, .. } => ("task", task.0, Some(*task)),
            Event::AgenciesReorganised { reorganisation, .. } => {
                ("reorganisation", reorganisation.0, None)
            }
            Event::ReportCreated { task, report, .. } => ("report", report.0, Some(*task)),
            Event::CompletionClaimed { task, claim, .. }
            | Event::CompletionReviewed { task, claim, .. } => {
                ("completion_claim", claim.0, Some(*task))
            }
            Event::ExtensionRequested { task, request, .. }
            | Event::ExtensionDecided { task, request, .. } => {
                ("extension_request", request.0, Some(*task))
            }
            Event::PlanCreated { plan, .. } | Event::PlanUpdated { plan, .. } => {
                ("plan", plan.0, None)
            }
            Event::ObjectiveCreated { objective, .. }
            | Event::ObjectiveUpdated { objective, .. } => ("objective", objective.0, None),
            Event::AgencyCreated { agency, .. } | Event::AgencyUpdated { agency, .. } => {
                ("agency", agency.0, None)
            }
            Event::UserCreated { user, .. } | Event::UserUpdated { user, .. } => {
                ("user", user.0, None)
            }
            Event::PeriodCreated { period, .. } | Event::PeriodClosed { period, .. } => {
                ("period", period.0, None)
            }
            // filed under the period; `agency_id` says whose report
            Event::AgencyReportChanged { period, .. } => ("agency_report", period.0, None),
            Event::IndicatorCreated { indicator, .. } | Event::FigureRecorded { indicator, .. } => {
                ("indicator", indicator.0, None)
            }
            Event::InspectionCreated { inspection, .. }
            | Event::InspectionChanged { inspection, .. } => ("inspection", inspection.0, None),
            Event::FindingRecorded { finding, .. } => ("finding", finding.0, None),
            Event::RemedyReported { remedy, .. } | Event::RemedyVerified { remedy, .. } => {
                ("finding_remedy", remedy.0, None)
            }
        }
    }

    /// The inspection whose history shows it.
    fn inspection(&self) -> Option<InspectionId> {
        match self {
            Event::InspectionCreated { inspection, .. }
            | Event::InspectionChanged { inspection, .. }
            | Event::RemedyReported { inspection, .. }
            | Event::RemedyVerified { inspection, .. } => Some(*inspection),
            Event::FindingRecorded { inspection_id, .. } => Some(*inspection_id),
            _ => None,
        }
    }

    /// The recorded fields. The history has always shown a workflow step's
    /// effect on its task under `task`.
    fn changes(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            if let Some(effect) = map.remove("task_effect") {
                map.insert("task".into(), effect);
            }
        }
        value
    }
}

/// Writes `event`, done by `actor` at `at`, in the caller's transaction.
pub fn record(
    conn: &mut PgConnection,
    actor: UserId,
    at: DateTime<Utc>,
    event: &Event,
) -> DomainResult<()> {
    let (entity_type, entity_id, task_id) = event.subject();
    let row = NewAuditEvent {
        occurred_at: at,
        actor_id: Some(actor),
        action: event.action(),
        entity_type,
        entity_id,
        task_id,
        changes: event.changes(),
        inspection_id: event.inspection(),
    };
    // The outbox row commits with the change or not at all: nothing is sent
    // from here; the workers fan it out.
    match event.published_type() {
        Some(event_type) => {
            store::audit::record_and_publish(conn, &row, uuid::Uuid::new_v4(), event_type)?
        }
        None => store::audit::record(conn, &row)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(decision: ReviewDecision) -> Event {
        Event::CompletionReviewed {
            task: TaskId::new(),
            claim: ClaimId::new(),
            decision,
            comment: Some("Thiếu văn bản".into()),
            task_effect: TaskEffect {
                status: Some(TaskStatus::InProgress),
                ..Default::default()
            },
        }
    }

    #[test]
    fn a_decision_is_named_by_its_outcome() {
        assert_eq!(
            review(ReviewDecision::Accept).action(),
            "completion.accepted"
        );
        assert_eq!(
            review(ReviewDecision::Return).action(),
            "completion.returned"
        );
        let decided = |decision| Event::ExtensionDecided {
            task: TaskId::new(),
            request: ExtensionId::new(),
            decision,
            comment: None,
            requested_due_on: NaiveDate::from_ymd_opt(2024, 6, 30).unwrap(),
            task_effect: TaskEffect::default(),
        };
        assert_eq!(
            decided(ExtensionDecision::Approve).action(),
            "extension.approved"
        );
        assert_eq!(
            decided(ExtensionDecision::Reject).action(),
            "extension.rejected"
        );
    }

    #[test]
    fn a_workflow_step_is_filed_under_its_object_and_shown_in_its_task_history() {
        let (task, report) = (TaskId::new(), ReportId::new());
        let reported = Event::ReportCreated {
            task,
            report,
            agency_id: AgencyId::new(),
            progress_percent: 40,
            summary: "Đã xây dựng dự thảo".into(),
            evidence_count: 1,
            task_effect: TaskEffect {
                status: Some(TaskStatus::InProgress),
                progress_percent: Some(40),
                ..Default::default()
            },
        };
        assert_eq!(reported.subject(), ("report", report.0, Some(task)));
        let changes = reported.changes();
        assert_eq!(
            changes["task"],
            serde_json::json!({"status": "in_progress", "progress_percent": 40})
        );
        assert!(changes.get("task_effect").is_none());
        assert_eq!(changes["summary"], "Đã xây dựng dự thảo");

        let plan = PlanId::new();
        let mut patch = serde_json::Map::new();
        patch.insert("title".into(), "Kế hoạch CCHC năm 2024 (sửa đổi)".into());
        let updated = Event::PlanUpdated { plan, patch };
        assert_eq!(updated.subject(), ("plan", plan.0, None));
        assert_eq!(
            updated.changes(),
            serde_json::json!({"title": "Kế hoạch CCHC năm 2024 (sửa đổi)"})
        );
        assert_eq!(updated.inspection(), None);
    }

    #[test]
    fn a_finding_is_shown_in_its_inspection_history() {
        let (inspection, finding) = (InspectionId::new(), FindingId::new());
        let recorded = Event::FindingRecorded {
            finding,
            inspection_id: inspection,
            agency_id: AgencyId::new(),
            area: ReformArea::Institution,
            severity: FindingSeverity::Shortcoming,
            description: "Chưa công khai thủ tục".into(),
            required_action: "Công khai đầy đủ".into(),
            due_on: NaiveDate::from_ymd_opt(2023, 9, 30).unwrap(),
        };
        assert_eq!(recorded.action(), "finding.recorded");
        assert_eq!(recorded.inspection(), Some(inspection));
    }

    #[test]
    fn a_remedy_is_filed_under_itself_and_shown_in_its_inspection_history() {
        let (inspection, remedy, finding) =
            (InspectionId::new(), RemedyId::new(), FindingId::new());
        let verified = |decision| Event::RemedyVerified {
            remedy,
            inspection,
            finding_id: finding,
            decision,
            comment: None,
            status: FindingStatus::Verified,
        };
        let accepted = verified(ReviewDecision::Accept);
        assert_eq!(accepted.action(), "finding.verified");
        assert_eq!(
            verified(ReviewDecision::Return).action(),
            "finding.returned"
        );
        assert_eq!(accepted.subject(), ("finding_remedy", remedy.0, None));
        assert_eq!(accepted.inspection(), Some(inspection));
        assert_eq!(accepted.changes()["finding_id"], serde_json::json!(finding));
        let mut patch = serde_json::Map::new();
        patch.insert("conducted_on".into(), "2023-05-10".into());
        let conducted = Event::InspectionChanged {
            inspection,
            step: "inspection.conducted",
            status: InspectionStatus::Conducted,
            patch,
        };
        assert_eq!(conducted.action(), "inspection.conducted");
        assert_eq!(
            conducted.changes(),
            serde_json::json!({"status": "conducted", "conducted_on": "2023-05-10"})
        );
    }
}
