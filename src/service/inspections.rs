//! Inspections (kiểm tra CCHC) of a plan's programme: planned, carried out
//! and concluded by the inspectors (or the coordinator); the findings each
//! records; the inspected agency's remedies, verified by the inspectors.
//! Every step goes through `domain::workflow` and into the audit trail.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::evidence::{self, check_evidence, Cited, Evidence, EvidenceDocument};
use super::tasks::AgencySummary;
use super::{merge_patch, Actor, Page};
use crate::domain::enums::{
    FindingSeverity, FindingStatus, InspectionStatus, ReformArea, RemedyStatus, ReviewDecision,
};
use crate::domain::error::{DomainError, DomainResult, ProblemType};
use crate::domain::ids::{AgencyId, FindingId, InspectionId, PlanId, RemedyId, UserId};
use crate::domain::input::{Checker, IsoDate};
use crate::domain::overdue::{province_date, FindingAsOf};
use crate::domain::policy::Action;
use crate::domain::text::{DocumentNumber, LongText, Name, OutputText, ReportSection};
use crate::domain::workflow::{
    finding_transition, inspection_transition, FindingEvent, InspectionEvent,
};
use crate::store;
use crate::store::inspections::{
    AgencyName, FindingFilter, FindingRow, InspectionFilter, InspectionRow, RemedyRow,
};
use crate::store::After;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInspection {
    /// The agency inspected.
    pub agency_id: AgencyId,
    /// The day the programme sets for it.
    #[schema(value_type = String, format = Date)]
    pub scheduled_on: IsoDate,
    /// The reform areas it covers: at least one, each once.
    #[schema(min_items = 1, max_items = 7)]
    pub scope: Vec<ReformArea>,
    /// Who inspects: the team's head and members, as the plan names them.
    pub team: OutputText,
    /// The inspection plan's number and symbol, e.g. `45/KH-UBND`.
    pub plan_document: Option<DocumentNumber>,
}

/// The conclusion's document (thông báo kết luận kiểm tra), as sent.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConclusionDocumentIn {
    /// Number and symbol, e.g. `125/TB-SNV`.
    pub document_number: DocumentNumber,
    /// Not in the future, not before `conducted_on`.
    #[schema(value_type = String, format = Date)]
    pub issued_on: IsoDate,
    /// Who issued it, e.g. `Sở Nội vụ`.
    pub issuer: Name,
}

/// The conclusion's document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConclusionDocument {
    pub document_number: String,
    pub issued_on: NaiveDate,
    pub issuer: String,
}

/// A merge patch of an inspection (inspector or coordinator). While it is
/// `planned`, its day, scope, team and plan document change, and `status:
/// cancelled` takes it out of the programme; `conducted_on` records it as
/// carried out (`conducted`), `conclusion_document` (with `conclusion`)
/// concludes it. A concluded or cancelled inspection changes no more.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInspection {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub scheduled_on: Option<IsoDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(min_items = 1, max_items = 7)]
    pub scope: Option<Vec<ReformArea>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<OutputText>,
    /// `null` clears it.
    #[serde(
        default,
        deserialize_with = "crate::domain::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<DocumentNumber>)]
    pub plan_document: Option<Option<DocumentNumber>>,
    /// `cancelled` only (while planned): the other statuses follow from
    /// `conducted_on` and `conclusion_document`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<InspectionStatus>,
    /// The day it was carried out: not before `scheduled_on`, not in the future.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub conducted_on: Option<IsoDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conclusion_document: Option<ConclusionDocumentIn>,
    /// The conclusion's words; sent with `conclusion_document`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<ReportSection>,
}

/// An inspection of an agency.
#[derive(Debug, Serialize, ToSchema)]
pub struct Inspection {
    pub id: InspectionId,
    pub plan_id: PlanId,
    pub agency: AgencySummary,
    pub scheduled_on: NaiveDate,
    pub scope: Vec<ReformArea>,
    pub team: String,
    pub plan_document: Option<String>,
    pub status: InspectionStatus,
    pub conducted_on: Option<NaiveDate>,
    pub conclusion_document: Option<ConclusionDocument>,
    pub conclusion: Option<String>,
    /// The province day it was cancelled.
    pub cancelled_on: Option<NaiveDate>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An inspection with its findings.
#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionDetail {
    #[serde(flatten)]
    pub inspection: Inspection,
    /// By due day; `overdue` judged today (UTC+7).
    pub findings: Vec<Finding>,
}

fn inspection_of(row: InspectionRow, agency: AgencyName) -> Inspection {
    let conclusion_document = match (
        row.conclusion_document_number,
        row.conclusion_issued_on,
        row.conclusion_issuer,
    ) {
        (Some(document_number), Some(issued_on), Some(issuer)) => Some(ConclusionDocument {
            document_number,
            issued_on,
            issuer,
        }),
        _ => None,
    };
    Inspection {
        id: row.id,
        plan_id: row.plan_id,
        agency: AgencySummary {
            id: row.agency_id,
            code: agency.code,
            name: agency.name,
        },
        scheduled_on: row.scheduled_on,
        scope: row.scope,
        team: row.team,
        plan_document: row.plan_document,
        status: row.status,
        conducted_on: row.conducted_on,
        conclusion_document,
        conclusion: row.conclusion,
        cancelled_on: row.cancelled_on,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// A scope: one area at least, each once (the count and the values are the
/// spec's; a repeat is a rule no schema states here).
fn check_scope(check: &mut Checker, field: &str, scope: &[ReformArea]) {
    if scope.is_empty() || scope.len() > 7 {
        check.add(field, "must name 1 to 7 areas");
    }
    let distinct: BTreeSet<&str> = scope.iter().map(|a| a.as_str()).collect();
    if distinct.len() != scope.len() {
        check.rule(field, "names an area more than once");
    }
}

/// A day that must have come: in range and not after today.
fn past_day(check: &mut Checker, field: &str, day: IsoDate, today: NaiveDate) -> NaiveDate {
    let day = check.date_in_range(field, day);
    if day > today {
        check.rule(field, "must not be in the future");
    }
    day
}

/// Plans an inspection of an agency in a plan's programme (inspector or coordinator).
pub fn create(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    plan_id: PlanId,
    input: CreateInspection,
) -> DomainResult<Inspection> {
    actor.may(Action::Inspect)?;
    store::plans::find(conn, plan_id)?.ok_or(DomainError::not_found("plan"))?;
    let mut check = Checker::new();
    let scheduled_on = check.date_in_range("scheduled_on", input.scheduled_on);
    check_scope(&mut check, "scope", &input.scope);
    let agency = store::agencies::find(conn, input.agency_id)?;
    if agency.is_none() {
        check.rule("agency_id", "no such agency");
    }
    check.finish()?;
    let agency = agency.ok_or(DomainError::not_found("agency"))?;
    let row = store::inspections::insert_inspection(
        conn,
        &InspectionRow {
            id: InspectionId::new(),
            plan_id,
            agency_id: input.agency_id,
            scheduled_on,
            scope: input.scope.clone(),
            team: input.team.to_string(),
            plan_document: input.plan_document.as_ref().map(|d| d.to_string()),
            status: InspectionStatus::Planned,
            conducted_on: None,
            conclusion_document_number: None,
            conclusion_issued_on: None,
            conclusion_issuer: None,
            conclusion: None,
            created_by: actor.principal.user_id,
            created_at: actor.now,
            updated_at: actor.now,
            cancelled_on: None,
        },
    )?;
    let event = Event::InspectionCreated {
        inspection: row.id,
        plan_id,
        agency_id: row.agency_id,
        scheduled_on,
        scope: row.scope.clone(),
        team: row.team.clone(),
        plan_document: row.plan_document.clone(),
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    let name = AgencyName {
        code: agency.code,
        name: agency.name,
    };
    Ok(inspection_of(row, name))
}

/// Changes an inspection (inspector or coordinator): see `UpdateInspection`.
pub fn update(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    id: InspectionId,
    patch: UpdateInspection,
) -> DomainResult<Inspection> {
    actor.may(Action::Inspect)?;
    let mut row = store::inspections::lock_inspection(conn, id)?
        .ok_or(DomainError::not_found("inspection"))?;
    let today = actor.today();
    let mut check = Checker::new();
    if let Some(scope) = &patch.scope {
        check_scope(&mut check, "scope", scope);
    }
    let scheduled_on = patch
        .scheduled_on
        .map(|d| check.date_in_range("scheduled_on", d));
    let conducted_on = patch
        .conducted_on
        .map(|d| past_day(&mut check, "conducted_on", d, today));
    let issued_on = patch.conclusion_document.as_ref().map(|c| {
        past_day(
            &mut check,
            "conclusion_document.issued_on",
            c.issued_on,
            today,
        )
    });
    if patch
        .status
        .is_some_and(|s| s != InspectionStatus::Cancelled && s != row.status)
    {
        check.rule(
            "status",
            "only `cancelled` is set here: send conducted_on to record the inspection as \
             carried out, conclusion_document to conclude it",
        );
    }
    if patch.conclusion.is_some() && patch.conclusion_document.is_none() {
        check.rule("conclusion", "is sent with conclusion_document");
    }
    check.finish()?;

    let replanned = patch.scheduled_on.is_some()
        || patch.scope.is_some()
        || patch.team.is_some()
        || patch.plan_document.is_some();
    let cancelled = patch.status == Some(InspectionStatus::Cancelled)
        && row.status != InspectionStatus::Cancelled;
    let mut status = row.status;
    let mut step = "inspection.updated";
    if replanned {
        status = inspection_transition(status, InspectionEvent::Replanned)?;
    }
    if cancelled {
        status = inspection_transition(status, InspectionEvent::Cancelled)?;
        step = "inspection.cancelled";
    }
    if conducted_on.is_some() {
        let before = status;
        status = inspection_transition(status, InspectionEvent::Conducted)?;
        if before == InspectionStatus::Planned {
            step = "inspection.conducted";
        }
    }
    if issued_on.is_some() {
        status = inspection_transition(status, InspectionEvent::Concluded)?;
        step = "inspection.concluded";
    }
    if !(replanned || cancelled || conducted_on.is_some() || issued_on.is_some()) {
        // nothing to change: nothing written
        let agency = agency_name(conn, row.agency_id)?;
        return Ok(inspection_of(row, agency));
    }

    // The days, in order: scheduled, carried out, concluded, findings due.
    if let Some(day) = scheduled_on {
        row.scheduled_on = day;
    }
    if let Some(day) = conducted_on {
        row.conducted_on = Some(day);
    }
    let mut check = Checker::new();
    if let Some(conducted) = row.conducted_on {
        if conducted < row.scheduled_on {
            check.rule(
                "conducted_on",
                format!("must not be before scheduled_on ({})", row.scheduled_on),
            );
        }
    }
    if let (Some(issued), Some(conducted)) = (issued_on, row.conducted_on) {
        if issued < conducted {
            check.rule(
                "conclusion_document.issued_on",
                format!("must not be before conducted_on ({conducted})"),
            );
        }
        if let Some(due) = store::inspections::earliest_due_on(conn, id)? {
            if issued > due {
                check.rule(
                    "conclusion_document.issued_on",
                    format!("must not be after a finding's due_on ({due})"),
                );
            }
        }
    }
    check.finish()?;

    if let Some(scope) = &patch.scope {
        row.scope = scope.clone();
    }
    if let Some(team) = &patch.team {
        row.team = team.to_string();
    }
    if let Some(document) = &patch.plan_document {
        row.plan_document = document.as_ref().map(|d| d.to_string());
    }
    if let Some(conclusion) = &patch.conclusion_document {
        row.conclusion_document_number = Some(conclusion.document_number.to_string());
        row.conclusion_issued_on = Some(conclusion.issued_on.0);
        row.conclusion_issuer = Some(conclusion.issuer.to_string());
        row.conclusion = patch.conclusion.as_ref().map(|c| c.to_string());
    }
    if cancelled {
        row.cancelled_on = Some(today);
    }
    row.status = status;
    row.updated_at = actor.now;
    let row = store::inspections::save_inspection(conn, &row)?;
    let event = Event::InspectionChanged {
        inspection: id,
        step,
        status,
        patch: merge_patch(&patch),
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    let agency = agency_name(conn, row.agency_id)?;
    Ok(inspection_of(row, agency))
}

fn agency_name(conn: &mut PgConnection, id: AgencyId) -> DomainResult<AgencyName> {
    let agency = store::agencies::find(conn, id)?.ok_or(DomainError::not_found("agency"))?;
    Ok(AgencyName {
        code: agency.code,
        name: agency.name,
    })
}

/// One inspection with its findings, `overdue` judged on `as_of`.
pub fn get(
    conn: &mut PgConnection,
    id: InspectionId,
    as_of: NaiveDate,
) -> DomainResult<InspectionDetail> {
    let (row, agency) = store::inspections::find_inspection(conn, id)?
        .ok_or(DomainError::not_found("inspection"))?;
    let rows = store::inspections::findings_of_inspection(conn, id)?;
    let findings = findings_of(conn, rows, as_of)?;
    Ok(InspectionDetail {
        inspection: inspection_of(row, agency),
        findings,
    })
}

/// Where a page of the inspection list ends: its scheduled day and id.
pub type InspectionPosition = After<NaiveDate, InspectionId>;
/// Where a page of the finding list ends: its due day and id.
pub type FindingPosition = After<NaiveDate, FindingId>;

/// Cursors are opaque but not signed: a day PostgreSQL cannot hold is
/// refused before any query.
fn check_position<I>(after: Option<&After<NaiveDate, I>>) -> DomainResult<()> {
    if after.is_some_and(|a| !(1..=9999).contains(&a.key.year())) {
        return Err(DomainError::unprocessable_as(
            ProblemType::InvalidCursor,
            "cursor",
            "is not a cursor returned by this list",
        ));
    }
    Ok(())
}

/// Inspections matching `filter`, by scheduled day, after `after`.
pub fn list(
    conn: &mut PgConnection,
    filter: &InspectionFilter,
    after: Option<&InspectionPosition>,
    limit: i64,
) -> DomainResult<Page<Inspection, InspectionPosition>> {
    check_position(after)?;
    let mut rows = store::inspections::list_inspections(conn, filter, after, limit + 1)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = rows.last().filter(|_| more).map(|(last, _)| After {
        key: last.scheduled_on,
        id: last.id,
    });
    let items = rows
        .into_iter()
        .map(|(row, agency)| inspection_of(row, agency))
        .collect();
    Ok(Page { items, next })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFinding {
    /// The reform area it belongs to: one of the inspection's scope.
    pub area: ReformArea,
    pub description: LongText,
    pub severity: FindingSeverity,
    /// What the agency must do to remedy it.
    pub required_action: LongText,
    /// When the remedy is due: not before the conclusion (or, before one is
    /// issued, the day the inspection was carried out).
    #[schema(value_type = String, format = Date)]
    pub due_on: IsoDate,
}

/// A report of how a finding was remedied, with its verification.
#[derive(Debug, Serialize, ToSchema)]
pub struct Remedy {
    pub id: RemedyId,
    pub author_id: UserId,
    pub summary: String,
    pub evidence: Vec<EvidenceDocument>,
    pub status: RemedyStatus,
    pub reviewer_id: Option<UserId>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A finding of an inspection (hạn chế, thiếu sót, vi phạm) and its remedies.
#[derive(Debug, Serialize, ToSchema)]
pub struct Finding {
    pub id: FindingId,
    pub inspection_id: InspectionId,
    pub plan_id: PlanId,
    /// The inspected agency, which remedies it.
    pub agency: AgencySummary,
    pub area: ReformArea,
    pub severity: FindingSeverity,
    pub description: String,
    pub required_action: String,
    pub due_on: NaiveDate,
    pub status: FindingStatus,
    /// The province day it was recorded.
    pub recorded_on: NaiveDate,
    /// The province day its remedy was verified and accepted: it is remedied from then on.
    pub verified_on: Option<NaiveDate>,
    /// The day `overdue` is judged on.
    pub as_of: NaiveDate,
    /// Recorded by `as_of`, due before it, and not verified by then.
    pub overdue: bool,
    pub days_overdue: i64,
    /// Oldest first.
    pub remedies: Vec<Remedy>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn as_of_view(row: &FindingRow) -> FindingAsOf {
    FindingAsOf {
        recorded_on: row.recorded_on,
        due_on: row.due_on,
        verified_on: row.verified_on,
    }
}

/// The findings as responses: each with its remedies and their evidence.
fn findings_of(
    conn: &mut PgConnection,
    rows: Vec<(FindingRow, AgencyName)>,
    as_of: NaiveDate,
) -> DomainResult<Vec<Finding>> {
    let ids: Vec<FindingId> = rows.iter().map(|(f, _)| f.id).collect();
    let remedies = store::inspections::remedies_of(conn, &ids)?;
    let remedy_ids: Vec<RemedyId> = remedies.iter().map(|r| r.id).collect();
    let mut evidence =
        evidence::by_remedy(store::inspections::evidence_of_remedies(conn, &remedy_ids)?);
    let mut by_finding: HashMap<FindingId, Vec<Remedy>> = HashMap::new();
    for r in remedies {
        by_finding.entry(r.finding_id).or_default().push(Remedy {
            evidence: evidence.remove(&r.id).unwrap_or_default(),
            id: r.id,
            author_id: r.author_id,
            summary: r.summary,
            status: r.status,
            reviewer_id: r.reviewer_id,
            reviewed_at: r.reviewed_at,
            review_comment: r.review_comment,
            created_at: r.created_at,
        });
    }
    Ok(rows
        .into_iter()
        .map(|(f, agency)| {
            let days = as_of_view(&f).days_overdue(as_of);
            Finding {
                remedies: by_finding.remove(&f.id).unwrap_or_default(),
                id: f.id,
                inspection_id: f.inspection_id,
                plan_id: f.plan_id,
                agency: AgencySummary {
                    id: f.agency_id,
                    code: agency.code,
                    name: agency.name,
                },
                area: f.area,
                severity: f.severity,
                description: f.description,
                required_action: f.required_action,
                due_on: f.due_on,
                status: f.status,
                recorded_on: f.recorded_on,
                verified_on: f.verified_on,
                as_of,
                overdue: days.is_some(),
                days_overdue: days.unwrap_or(0),
                created_at: f.created_at,
                updated_at: f.updated_at,
            }
        })
        .collect())
}

fn one_finding(conn: &mut PgConnection, id: FindingId, as_of: NaiveDate) -> DomainResult<Finding> {
    let row =
        store::inspections::find_finding(conn, id)?.ok_or(DomainError::not_found("finding"))?;
    findings_of(conn, vec![row], as_of)?
        .pop()
        .ok_or(DomainError::not_found("finding"))
}

/// One finding with its remedies, `overdue` judged on `as_of`.
pub fn get_finding(
    conn: &mut PgConnection,
    id: FindingId,
    as_of: NaiveDate,
) -> DomainResult<Finding> {
    one_finding(conn, id, as_of)
}

/// Records a finding of an inspection carried out (inspector or coordinator).
pub fn record_finding(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    inspection_id: InspectionId,
    input: CreateFinding,
) -> DomainResult<Finding> {
    actor.may(Action::Inspect)?;
    let inspection = store::inspections::lock_inspection(conn, inspection_id)?
        .ok_or(DomainError::not_found("inspection"))?;
    inspection_transition(inspection.status, InspectionEvent::FindingRecorded)?;
    let mut check = Checker::new();
    let due_on = check.date_in_range("due_on", input.due_on);
    let (from, what) = match (inspection.conclusion_issued_on, inspection.conducted_on) {
        (Some(issued), _) => (Some(issued), "the conclusion's issued_on"),
        (None, conducted) => (conducted, "the inspection's conducted_on"),
    };
    if let Some(from) = from.filter(|from| due_on < *from) {
        check.rule("due_on", format!("must not be before {what} ({from})"));
    }
    if !inspection.scope.contains(&input.area) {
        let scope: Vec<&str> = inspection.scope.iter().map(|a| a.as_str()).collect();
        check.rule(
            "area",
            format!("is not in the inspection's scope ({})", scope.join(", ")),
        );
    }
    check.finish()?;
    let row = store::inspections::insert_finding(
        conn,
        &FindingRow {
            id: FindingId::new(),
            inspection_id,
            plan_id: inspection.plan_id,
            agency_id: inspection.agency_id,
            area: input.area,
            description: input.description.to_string(),
            severity: input.severity,
            required_action: input.required_action.to_string(),
            due_on,
            status: FindingStatus::Open,
            recorded_on: actor.today(),
            verified_on: None,
            created_by: actor.principal.user_id,
            created_at: actor.now,
            updated_at: actor.now,
        },
    )?;
    let event = Event::FindingRecorded {
        finding: row.id,
        inspection_id,
        agency_id: row.agency_id,
        area: row.area,
        severity: row.severity,
        description: row.description.clone(),
        required_action: row.required_action.clone(),
        due_on,
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    one_finding(conn, row.id, actor.today())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRemedy {
    /// What the agency did.
    pub summary: LongText,
    /// Documents issued as evidence (at most 20).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub evidence: Vec<Evidence>,
}

/// Reports how a finding was remedied (an officer of the inspected agency):
/// the finding awaits verification (`remedy_reported`).
pub fn report_remedy(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    finding_id: FindingId,
    input: ReportRemedy,
) -> DomainResult<Finding> {
    let remedy_id = RemedyId::new();
    let mut check = Checker::new();
    let mut evidence = check_evidence(&mut check, &input.evidence, Cited::Remedy(remedy_id));
    check.finish()?;
    let finding = store::inspections::lock_finding(conn, finding_id)?
        .ok_or(DomainError::not_found("finding"))?;
    actor.may(Action::RemedyFinding {
        agency_id: finding.agency_id,
    })?;
    let status = finding_transition(finding.status, FindingEvent::RemedyReported)?;
    let remedy = store::inspections::insert_remedy(
        conn,
        &RemedyRow {
            id: remedy_id,
            finding_id,
            agency_id: finding.agency_id,
            author_id: actor.principal.user_id,
            summary: input.summary.to_string(),
            status: RemedyStatus::Pending,
            reviewer_id: None,
            reviewed_at: None,
            review_comment: None,
            created_at: actor.now,
        },
    )?;
    super::evidence::attach_files(conn, actor.principal, &mut evidence)?;
    store::reports::insert_evidence(conn, &evidence)?;
    store::inspections::set_finding_status(conn, finding_id, status, None, actor.now)?;
    let event = Event::RemedyReported {
        remedy: remedy.id,
        inspection: finding.inspection_id,
        finding_id,
        agency_id: finding.agency_id,
        summary: remedy.summary,
        evidence_count: evidence.len(),
        status,
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    one_finding(conn, finding_id, actor.today())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRemedy {
    /// `accept`: the finding is remedied (`verified`); `return`: the agency reports again.
    pub decision: ReviewDecision,
    /// Required when returning: what is still missing.
    pub comment: Option<LongText>,
}

/// Verifies the reported remedy of a finding (inspector or coordinator).
pub fn verify_remedy(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    finding_id: FindingId,
    input: VerifyRemedy,
) -> DomainResult<Finding> {
    actor.may(Action::Inspect)?;
    let comment = input.comment.as_ref().map(LongText::to_string);
    if input.decision == ReviewDecision::Return && comment.is_none() {
        return Err(DomainError::rule(
            "comment",
            "is required when returning a remedy",
        ));
    }
    let finding = store::inspections::lock_finding(conn, finding_id)?
        .ok_or(DomainError::not_found("finding"))?;
    let (event, remedy_status) = match input.decision {
        ReviewDecision::Accept => (FindingEvent::RemedyAccepted, RemedyStatus::Accepted),
        ReviewDecision::Return => (FindingEvent::RemedyReturned, RemedyStatus::Returned),
    };
    let status = finding_transition(finding.status, event)?;
    let remedy = store::inspections::pending_remedy(conn, finding_id)?.ok_or_else(|| {
        DomainError::Internal(format!(
            "finding {finding_id} is remedy_reported without a pending remedy"
        ))
    })?;
    store::inspections::review_remedy(
        conn,
        remedy.id,
        remedy_status,
        actor.principal.user_id,
        actor.now,
        comment.as_deref(),
    )?;
    let verified_on = (status == FindingStatus::Verified).then(|| actor.today());
    store::inspections::set_finding_status(conn, finding_id, status, verified_on, actor.now)?;
    let event = Event::RemedyVerified {
        remedy: remedy.id,
        inspection: finding.inspection_id,
        finding_id,
        decision: input.decision,
        comment,
        status,
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    one_finding(conn, finding_id, actor.today())
}

/// Findings matching `filter`, by due day, after `after`.
pub fn list_findings(
    conn: &mut PgConnection,
    filter: &FindingFilter,
    after: Option<&FindingPosition>,
    limit: i64,
) -> DomainResult<Page<Finding, FindingPosition>> {
    check_position(after)?;
    let mut rows = store::inspections::list_findings(conn, filter, after, limit + 1)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = rows.last().filter(|_| more).map(|(last, _)| After {
        key: last.due_on,
        id: last.id,
    });
    let items = findings_of(conn, rows, filter.as_of)?;
    Ok(Page { items, next })
}

/// A finding's status on `as_of`, from its remedies: the latest remedy
/// reported by then, and its verification if that came by then too.
pub fn finding_status_as_of(remedies: &[&RemedyRow], as_of: NaiveDate) -> FindingStatus {
    let latest = remedies
        .iter()
        .filter(|r| province_date(r.created_at) <= as_of)
        .max_by_key(|r| (r.created_at, r.id));
    let Some(remedy) = latest else {
        return FindingStatus::Open;
    };
    let reviewed_by_then = remedy
        .reviewed_at
        .is_some_and(|at| province_date(at) <= as_of);
    match (remedy.status, reviewed_by_then) {
        (RemedyStatus::Accepted, true) => FindingStatus::Verified,
        (RemedyStatus::Returned, true) => FindingStatus::Returned,
        _ => FindingStatus::RemedyReported,
    }
}

/// Findings by severity.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct SeverityCounts {
    pub shortcoming: i64,
    pub violation: i64,
}

/// Findings by status on the day.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct FindingStatusCounts {
    pub open: i64,
    pub remedy_reported: i64,
    pub verified: i64,
    pub returned: i64,
}

/// The findings recorded by the day.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct FindingCounts {
    pub total: i64,
    pub by_severity: SeverityCounts,
    pub by_status: FindingStatusCounts,
    /// Verified after their due day.
    pub verified_late: i64,
}

/// A plan's inspection programme on a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionSummary {
    pub plan_id: PlanId,
    pub as_of: NaiveDate,
    /// Inspections in the programme on the day (recorded by then, not cancelled by then).
    pub planned: i64,
    /// Carried out on or before the day (`conducted_on`), concluded ones included.
    pub conducted: i64,
    /// Their conclusion issued on or before the day.
    pub concluded: i64,
    /// Cancelled on or before the day.
    pub cancelled: i64,
    /// Agencies with an inspection in the programme.
    pub agencies_planned: i64,
    /// Agencies with an inspection carried out by the day.
    pub agencies_inspected: i64,
    pub findings: FindingCounts,
    /// Findings recorded by the day, due before it and not verified by then.
    pub findings_overdue: i64,
}

/// Where a plan's inspection programme stands on `as_of`.
pub fn summary(
    conn: &mut PgConnection,
    plan_id: PlanId,
    as_of: NaiveDate,
) -> DomainResult<InspectionSummary> {
    store::plans::find(conn, plan_id)?.ok_or(DomainError::not_found("plan"))?;
    let inspections = store::inspections::inspections_of_plan(conn, plan_id)?;
    let mut summary = InspectionSummary {
        plan_id,
        as_of,
        planned: 0,
        conducted: 0,
        concluded: 0,
        cancelled: 0,
        agencies_planned: 0,
        agencies_inspected: 0,
        findings: FindingCounts::default(),
        findings_overdue: 0,
    };
    let (mut planned, mut inspected) = (BTreeSet::new(), BTreeSet::new());
    for i in inspections
        .iter()
        .filter(|i| province_date(i.created_at) <= as_of)
    {
        if i.cancelled_on.is_some_and(|c| c <= as_of) {
            summary.cancelled += 1;
            continue;
        }
        summary.planned += 1;
        planned.insert(i.agency_id);
        if i.conducted_on.is_some_and(|c| c <= as_of) {
            summary.conducted += 1;
            inspected.insert(i.agency_id);
        }
        if i.conclusion_issued_on.is_some_and(|c| c <= as_of) {
            summary.concluded += 1;
        }
    }
    summary.agencies_planned = planned.len() as i64;
    summary.agencies_inspected = inspected.len() as i64;
    let findings = store::inspections::findings_for_counts(conn, Some(plan_id), None)?;
    let ids: Vec<FindingId> = findings.iter().map(|f| f.id).collect();
    let remedies = store::inspections::remedies_of(conn, &ids)?;
    let counts = &mut summary.findings;
    for f in findings.iter().filter(|f| as_of_view(f).exists(as_of)) {
        counts.total += 1;
        match f.severity {
            FindingSeverity::Shortcoming => counts.by_severity.shortcoming += 1,
            FindingSeverity::Violation => counts.by_severity.violation += 1,
        }
        let own: Vec<&RemedyRow> = remedies.iter().filter(|r| r.finding_id == f.id).collect();
        match finding_status_as_of(&own, as_of) {
            FindingStatus::Open => counts.by_status.open += 1,
            FindingStatus::RemedyReported => counts.by_status.remedy_reported += 1,
            FindingStatus::Verified => counts.by_status.verified += 1,
            FindingStatus::Returned => counts.by_status.returned += 1,
        }
        let view = as_of_view(f);
        if view.remedied(as_of) && view.remedied_late() {
            counts.verified_late += 1;
        }
        if view.days_overdue(as_of).is_some() {
            summary.findings_overdue += 1;
        }
    }
    Ok(summary)
}

/// An agency's findings on a day, for its scorecard.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct AgencyFindings {
    /// Recorded by the day and not remedied by then (overdue ones included).
    pub open: i64,
    /// Remedies verified by the day.
    pub remedied: i64,
    /// Open, and due before the day.
    pub overdue: i64,
}

/// How an agency stands on its findings on `as_of` (in one plan, or all).
pub fn agency_findings(
    conn: &mut PgConnection,
    agency_id: AgencyId,
    plan_id: Option<PlanId>,
    as_of: NaiveDate,
) -> DomainResult<AgencyFindings> {
    let mut tally = AgencyFindings::default();
    for f in store::inspections::findings_for_counts(conn, plan_id, Some(agency_id))? {
        let view = as_of_view(&f);
        if !view.exists(as_of) {
            continue;
        }
        if view.remedied(as_of) {
            tally.remedied += 1;
            continue;
        }
        tally.open += 1;
        if view.days_overdue(as_of).is_some() {
            tally.overdue += 1;
        }
    }
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn remedy(
        reported: DateTime<Utc>,
        status: RemedyStatus,
        reviewed: Option<DateTime<Utc>>,
    ) -> RemedyRow {
        RemedyRow {
            id: RemedyId::new(),
            finding_id: FindingId::new(),
            agency_id: AgencyId::new(),
            author_id: UserId::new(),
            summary: "Đã khắc phục".into(),
            status,
            reviewer_id: None,
            reviewed_at: reviewed,
            review_comment: None,
            created_at: reported,
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_finding_s_status_on_a_day_follows_its_remedies_in_the_province_s_days() {
        // reported 2023-09-20 10:00 (UTC+7), returned 2023-09-25, reported
        // again 2023-10-02 at 23:30 UTC+7 (16:30 UTC), accepted 2023-10-09
        let first = remedy(
            Utc.with_ymd_and_hms(2023, 9, 20, 3, 0, 0).unwrap(),
            RemedyStatus::Returned,
            Some(Utc.with_ymd_and_hms(2023, 9, 25, 3, 0, 0).unwrap()),
        );
        let second = remedy(
            Utc.with_ymd_and_hms(2023, 10, 2, 16, 30, 0).unwrap(),
            RemedyStatus::Accepted,
            Some(Utc.with_ymd_and_hms(2023, 10, 9, 8, 0, 0).unwrap()),
        );
        let both = [&first, &second];
        let on = |day| finding_status_as_of(&both, day);
        assert_eq!(on(d(2023, 9, 19)), FindingStatus::Open);
        assert_eq!(on(d(2023, 9, 20)), FindingStatus::RemedyReported);
        assert_eq!(on(d(2023, 9, 24)), FindingStatus::RemedyReported);
        assert_eq!(on(d(2023, 9, 25)), FindingStatus::Returned);
        assert_eq!(on(d(2023, 10, 1)), FindingStatus::Returned);
        assert_eq!(
            on(d(2023, 10, 2)),
            FindingStatus::RemedyReported,
            "23:30 in the province"
        );
        assert_eq!(on(d(2023, 10, 8)), FindingStatus::RemedyReported);
        assert_eq!(on(d(2023, 10, 9)), FindingStatus::Verified);
        let pending = remedy(
            Utc.with_ymd_and_hms(2023, 9, 20, 3, 0, 0).unwrap(),
            RemedyStatus::Pending,
            None,
        );
        assert_eq!(
            finding_status_as_of(&[&pending], d(2024, 1, 1)),
            FindingStatus::RemedyReported
        );
        assert_eq!(
            finding_status_as_of(&[], d(2024, 1, 1)),
            FindingStatus::Open
        );
    }

    #[test]
    fn a_scope_names_each_area_once() {
        let mut check = Checker::new();
        check_scope(
            &mut check,
            "scope",
            &[ReformArea::Direction, ReformArea::Institution],
        );
        assert!(check.finish().is_ok());
        let mut check = Checker::new();
        check_scope(
            &mut check,
            "scope",
            &[ReformArea::Direction, ReformArea::Direction],
        );
        assert!(matches!(
            check.finish(),
            Err(DomainError::Unprocessable { .. })
        ));
        let mut check = Checker::new();
        check_scope(&mut check, "scope", &[]);
        assert!(matches!(check.finish(), Err(DomainError::Invalid(_))));
    }
}
