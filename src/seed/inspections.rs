//! The 2023 plan's inspection programme: 27 agencies inspected, their 34
//! findings remedied by year end (a few verified late, one returned first).
//! Every step goes through the same use cases as the API, at its own day:
//! planned by the inspector, carried out, concluded, each finding recorded,
//! its remedy reported by the agency's officer and verified by the inspector.

use chrono::NaiveDate;
use diesel::PgConnection;
use serde::Deserialize;

use super::{at, evidence, parse, BoxError, DemoEvidence, People};
use crate::domain::enums::{FindingSeverity, ReformArea, ReviewDecision};
use crate::domain::ids::PlanId;
use crate::domain::input::IsoDate;
use crate::domain::text::{DocumentNumber, LongText, Name, OutputText, ReportSection};
use crate::service::inspections::{
    ConclusionDocumentIn, CreateFinding, CreateInspection, ReportRemedy, UpdateInspection,
    VerifyRemedy,
};
use crate::service::{self, Actor};

const INSPECTIONS_JSON: &str = include_str!("demo_2023_inspections.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Programme {
    /// What in the data is invented; the loader requires it.
    #[allow(dead_code)]
    pub(super) note: String,
    programme: Defaults,
    pub(super) inspections: Vec<DemoInspection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    plan_document: String,
    created_on: NaiveDate,
    team: String,
    scope: Vec<ReformArea>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoInspection {
    pub(super) agency: String,
    scheduled_on: NaiveDate,
    conducted_on: NaiveDate,
    conclusion: DemoConclusion,
    pub(super) findings: Vec<DemoFinding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoConclusion {
    document_number: String,
    issued_on: NaiveDate,
    issuer: String,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoFinding {
    area: ReformArea,
    severity: FindingSeverity,
    description: String,
    required_action: String,
    due_on: NaiveDate,
    pub(super) remedies: Vec<DemoRemedy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoRemedy {
    reported_on: NaiveDate,
    summary: String,
    evidence: Vec<DemoEvidence>,
    /// The day the inspector decided on it.
    verified_on: NaiveDate,
    pub(super) decision: ReviewDecision,
    comment: Option<String>,
}

pub(super) fn programme() -> Result<Programme, BoxError> {
    Ok(serde_json::from_str(INSPECTIONS_JSON)?)
}

pub(super) fn load(
    conn: &mut PgConnection,
    people: &People,
    plan_id: PlanId,
) -> Result<(), BoxError> {
    let programme = programme()?;
    let defaults = &programme.programme;
    let inspector = |day: NaiveDate, hour: u32| Actor::new(&people.inspector, at(day, hour));
    for i in &programme.inspections {
        let officer = people.officer(&i.agency)?;
        let agency_id = officer.agency_id.ok_or("an officer without an agency")?;
        let input = CreateInspection {
            agency_id,
            scheduled_on: IsoDate(i.scheduled_on),
            scope: defaults.scope.clone(),
            team: parse(OutputText::parse(&defaults.team))?,
            plan_document: Some(parse(DocumentNumber::parse(&defaults.plan_document))?),
        };
        let planned = inspector(defaults.created_on, 9);
        let inspection = service::inspections::create(conn, &planned, plan_id, input)
            .map_err(|e| format!("inspection of {}: {e}", i.agency))?;
        let conducted = UpdateInspection {
            conducted_on: Some(IsoDate(i.conducted_on)),
            ..Default::default()
        };
        service::inspections::update(
            conn,
            &inspector(i.conducted_on, 17),
            inspection.id,
            conducted,
        )
        .map_err(|e| format!("inspection of {}: {e}", i.agency))?;
        let c = &i.conclusion;
        let concluded = UpdateInspection {
            conclusion_document: Some(ConclusionDocumentIn {
                document_number: parse(DocumentNumber::parse(&c.document_number))?,
                issued_on: IsoDate(c.issued_on),
                issuer: parse(Name::parse(&c.issuer))?,
            }),
            conclusion: Some(parse(ReportSection::parse(&c.text))?),
            ..Default::default()
        };
        let concluding = inspector(c.issued_on, 16);
        service::inspections::update(conn, &concluding, inspection.id, concluded)
            .map_err(|e| format!("inspection of {}: {e}", i.agency))?;
        for f in &i.findings {
            let input = CreateFinding {
                area: f.area,
                description: parse(LongText::parse(&f.description))?,
                severity: f.severity,
                required_action: parse(LongText::parse(&f.required_action))?,
                due_on: IsoDate(f.due_on),
            };
            let finding =
                service::inspections::record_finding(conn, &concluding, inspection.id, input)
                    .map_err(|e| format!("finding of {}: {e}", i.agency))?;
            for r in &f.remedies {
                let input = ReportRemedy {
                    summary: parse(LongText::parse(&r.summary))?,
                    evidence: evidence(&r.evidence)?,
                };
                let reported = Actor::new(officer, at(r.reported_on, 15));
                service::inspections::report_remedy(conn, &reported, finding.id, input)
                    .map_err(|e| format!("remedy of {}: {e}", i.agency))?;
                let input = VerifyRemedy {
                    decision: r.decision,
                    comment: r.comment.as_deref().map(LongText::parse).transpose()?,
                };
                service::inspections::verify_remedy(
                    conn,
                    &inspector(r.verified_on, 10),
                    finding.id,
                    input,
                )
                .map_err(|e| format!("verification for {}: {e}", i.agency))?;
            }
        }
    }
    Ok(())
}
