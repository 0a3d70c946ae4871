//! Progress reports and the evidence documents they cite.

mod create;
mod list;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::domain::input::Checker;
use crate::domain::text::{DocumentNumber, HttpUrl, Name, Title};
use crate::store::reports::{EvidenceRow, NewEvidence, ReportRow};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list_reports)
        .service(create::create_report);
}

/// A document cited as evidence: a decision, plan, report or official letter.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Document number and symbol, e.g. `123/QĐ-UBND`.
    pub document_number: DocumentNumber,
    pub issued_on: NaiveDate,
    /// Who issued it, e.g. `UBND tỉnh`.
    pub issuer: Name,
    pub title: Title,
    /// Optional http(s) link to the document.
    pub url: Option<HttpUrl>,
}

pub const MAX_EVIDENCE: usize = 20;

/// Turns evidence items into rows for one report or claim. Their shapes were
/// checked by their types; what remains is the issue date's range.
pub fn check_evidence(
    check: &mut Checker,
    items: &[Evidence],
    report_id: Option<Uuid>,
    claim_id: Option<Uuid>,
) -> Vec<NewEvidence> {
    if items.len() > MAX_EVIDENCE {
        check.add("evidence", format!("at most {MAX_EVIDENCE} documents"));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, e)| NewEvidence {
            id: Uuid::new_v4(),
            report_id,
            completion_claim_id: claim_id,
            position: i as i16,
            document_number: e.document_number.to_string(),
            issued_on: check.date_in_range(&format!("evidence[{i}].issued_on"), e.issued_on),
            issuer: e.issuer.to_string(),
            title: e.title.to_string(),
            url: e.url.as_ref().map(HttpUrl::to_string),
        })
        .collect()
}

/// Evidence as stored, in responses.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EvidenceDocument {
    /// Document number and symbol, e.g. `123/QĐ-UBND`.
    pub document_number: String,
    pub issued_on: NaiveDate,
    pub issuer: String,
    pub title: String,
    pub url: Option<String>,
}

pub fn evidence_out(row: EvidenceRow) -> EvidenceDocument {
    EvidenceDocument {
        document_number: row.document_number,
        issued_on: row.issued_on,
        issuer: row.issuer,
        title: row.title,
        url: row.url,
    }
}

/// A progress report. Reports are never edited or deleted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Report {
    pub id: Uuid,
    pub task_id: Uuid,
    /// The agency the report speaks for.
    pub agency_id: Uuid,
    pub author_id: Uuid,
    #[schema(minimum = 0, maximum = 100)]
    pub progress_percent: i16,
    pub summary: String,
    pub evidence: Vec<EvidenceDocument>,
    pub created_at: DateTime<Utc>,
}

pub fn to_reports(rows: Vec<ReportRow>, evidence: Vec<EvidenceRow>) -> Vec<Report> {
    let mut by_report: HashMap<Uuid, Vec<EvidenceDocument>> = HashMap::new();
    for e in evidence {
        if let Some(r) = e.report_id {
            by_report.entry(r).or_default().push(evidence_out(e));
        }
    }
    rows.into_iter()
        .map(|r| Report {
            evidence: by_report.remove(&r.id).unwrap_or_default(),
            id: r.id,
            task_id: r.task_id,
            agency_id: r.agency_id,
            author_id: r.author_id,
            progress_percent: r.progress_percent,
            summary: r.summary,
            created_at: r.created_at,
        })
        .collect()
}

crate::api::common::page_type!(ReportPage, Report, "A page of reports, oldest first.");
