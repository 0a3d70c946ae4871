//! Each agency's report for a period: drafted and submitted by the agency,
//! accepted or returned by the coordinator, tracked for who is missing or late.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::evidence::{citable_file, EvidenceFile};
use super::indicators::{self, FigureIn};
use super::periods::lock_open;
use super::Actor;
use crate::domain::enums::{AgencyReportStatus, PeriodStatus, ReviewDecision};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{AgencyId, FileId, PeriodId, UserId};
use crate::domain::input::{Checker, IsoDate};
use crate::domain::overdue::province_date;
use crate::domain::policy::Action;
use crate::domain::text::{DocumentNumber, LongText, ReportSection};
use crate::domain::workflow::{report_transition, AgencyReportEvent};
use crate::store;
use crate::store::files::FileMeta;
use crate::store::periods::{AgencyReportRow, PeriodRow};
use std::collections::HashMap;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveAgencyReport {
    /// The report's number and symbol, e.g. `125/BC-STP` (required to submit).
    pub document_number: Option<DocumentNumber>,
    /// The day the report was signed (required to submit).
    #[schema(value_type = Option<String>, format = Date)]
    pub issued_on: Option<IsoDate>,
    /// Kết quả thực hiện (required to submit).
    pub results: Option<ReportSection>,
    /// Hạn chế, tồn tại.
    pub limitations: Option<ReportSection>,
    /// Nguyên nhân.
    pub causes: Option<ReportSection>,
    /// Phương hướng, nhiệm vụ kỳ tới.
    pub next_steps: Option<ReportSection>,
    /// The agency's own figures for the plan's indicators (at most 100).
    #[serde(default)]
    #[schema(max_items = 100)]
    pub indicator_values: Vec<FigureIn>,
    /// The signed report itself, uploaded first (`POST /files`) by an account of
    /// the agency.
    #[serde(default)]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub file_id: Option<FileId>,
}

/// An agency's report for a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyReport {
    pub period_id: PeriodId,
    pub agency_id: AgencyId,
    pub status: AgencyReportStatus,
    pub document_number: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub results: String,
    pub limitations: String,
    pub causes: String,
    pub next_steps: String,
    pub author_id: UserId,
    /// The latest submission.
    pub submitted_at: Option<DateTime<Utc>>,
    /// The first submission: it decides `on_time`.
    pub first_submitted_at: Option<DateTime<Utc>>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_comment: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// The signed report, when uploaded (`GET /files/{id}` serves it).
    pub file: Option<EvidenceFile>,
}

impl From<AgencyReportRow> for AgencyReport {
    fn from(r: AgencyReportRow) -> AgencyReport {
        AgencyReport {
            period_id: r.period_id,
            agency_id: r.agency_id,
            status: r.status,
            document_number: r.document_number,
            issued_on: r.issued_on,
            results: r.results,
            limitations: r.limitations,
            causes: r.causes,
            next_steps: r.next_steps,
            author_id: r.author_id,
            submitted_at: r.submitted_at,
            first_submitted_at: r.first_submitted_at,
            reviewed_at: r.reviewed_at,
            review_comment: r.review_comment,
            updated_at: r.updated_at,
            file: None,
        }
    }
}

/// The report as shown, with what is shown of its file.
fn shown(conn: &mut PgConnection, row: AgencyReportRow) -> DomainResult<AgencyReport> {
    let file = match row.file_id {
        Some(id) => store::files::metas(conn, &[id])?
            .pop()
            .map(EvidenceFile::from),
        None => None,
    };
    Ok(AgencyReport { file, ..row.into() })
}

/// Whether an agency reported on time: by its first submission's province
/// day; without one, late once the due day has passed, undecided before.
pub fn on_time(
    first_submitted_at: Option<DateTime<Utc>>,
    report_due_on: NaiveDate,
    today: NaiveDate,
) -> Option<bool> {
    match first_submitted_at {
        Some(at) => Some(province_date(at) <= report_due_on),
        None if today > report_due_on => Some(false),
        None => None,
    }
}

/// The period, locked against closing, and the agency, which must owe it a
/// report (it leads or supports a task of the plan).
fn open_period_for(
    conn: &mut PgConnection,
    period_id: PeriodId,
    agency_id: AgencyId,
    refused: &'static str,
) -> DomainResult<PeriodRow> {
    let period = lock_open(conn, period_id, refused)?;
    let owing = store::periods::reporting_agencies(conn, period.plan_id, None)?;
    if !owing.iter().any(|(id, _, _)| *id == agency_id) {
        store::agencies::find(conn, agency_id)?.ok_or(DomainError::not_found("agency"))?;
        return Err(DomainError::rule(
            "agency_id",
            "the agency leads or supports no task of the plan, so owes it no report",
        ));
    }
    Ok(period)
}

/// Saves the agency's draft (an officer of that agency); a returned report stays returned until submitted again.
pub fn save(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    period_id: PeriodId,
    agency_id: AgencyId,
    input: SaveAgencyReport,
) -> DomainResult<AgencyReport> {
    store::periods::find(conn, period_id)?.ok_or(DomainError::not_found("period"))?;
    actor.may(Action::ReportForAgency { agency_id })?;
    let mut check = Checker::new();
    let issued_on = input.issued_on.map(|d| check.date_in_range("issued_on", d));
    if issued_on.is_some_and(|d| d > actor.today()) {
        check.rule("issued_on", "must not be in the future");
    }
    check.finish()?;
    if let Some(id) = input.file_id {
        citable_file(conn, actor.principal, id, "file_id")?;
    }
    let period = open_period_for(conn, period_id, agency_id, "its reports cannot change")?;
    let existing = store::periods::agency_report(conn, period_id, agency_id)?;
    let current = existing
        .as_ref()
        .map_or(AgencyReportStatus::Missing, |r| r.status);
    let status = report_transition(current, AgencyReportEvent::Saved)?;
    let text = |t: Option<ReportSection>| t.map(|t| t.to_string()).unwrap_or_default();
    let document_number = input.document_number.as_ref().map(|d| d.to_string());
    let row = AgencyReportRow {
        period_id,
        agency_id,
        status,
        document_number: document_number.clone(),
        issued_on,
        results: text(input.results),
        limitations: text(input.limitations),
        causes: text(input.causes),
        next_steps: text(input.next_steps),
        author_id: actor.principal.user_id,
        first_submitted_at: existing.as_ref().and_then(|r| r.first_submitted_at),
        submitted_at: existing.as_ref().and_then(|r| r.submitted_at),
        reviewer_id: existing.as_ref().and_then(|r| r.reviewer_id),
        reviewed_at: existing.as_ref().and_then(|r| r.reviewed_at),
        review_comment: existing.as_ref().and_then(|r| r.review_comment.clone()),
        created_at: existing.as_ref().map_or(actor.now, |r| r.created_at),
        updated_at: actor.now,
        file_id: input.file_id,
    };
    let row = store::periods::save_agency_report(conn, &row)?;
    let source = document_number
        .clone()
        .unwrap_or_else(|| "báo cáo định kỳ của cơ quan".into());
    indicators::record_for_agency(
        conn,
        actor,
        &period,
        agency_id,
        &input.indicator_values,
        &source,
    )?;
    let event = Event::AgencyReportChanged {
        period: period_id,
        step: "agency_report.saved",
        agency_id,
        status,
        document_number,
        comment: None,
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    shown(conn, row)
}

/// Sends the agency's report to the coordinator (an officer of that agency).
pub fn submit(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    period_id: PeriodId,
    agency_id: AgencyId,
) -> DomainResult<AgencyReport> {
    store::periods::find(conn, period_id)?.ok_or(DomainError::not_found("period"))?;
    actor.may(Action::ReportForAgency { agency_id })?;
    open_period_for(
        conn,
        period_id,
        agency_id,
        "its reports cannot be submitted",
    )?;
    let existing = store::periods::agency_report(conn, period_id, agency_id)?;
    let current = existing
        .as_ref()
        .map_or(AgencyReportStatus::Missing, |r| r.status);
    let status = report_transition(current, AgencyReportEvent::Submitted)?;
    let mut row = existing.ok_or(DomainError::not_found("agency report"))?;
    let mut check = Checker::new();
    if row.document_number.is_none() {
        check.rule("document_number", "is required to submit: save it first");
    }
    if row.issued_on.is_none() {
        check.rule("issued_on", "is required to submit: save it first");
    }
    if row.results.trim().is_empty() {
        check.rule("results", "is required to submit: save it first");
    }
    check.finish()?;
    row.status = status;
    row.submitted_at = Some(actor.now);
    row.first_submitted_at = row.first_submitted_at.or(Some(actor.now));
    row.updated_at = actor.now;
    let row = store::periods::save_agency_report(conn, &row)?;
    let event = Event::AgencyReportChanged {
        period: period_id,
        step: "agency_report.submitted",
        agency_id,
        status,
        document_number: row.document_number.clone(),
        comment: None,
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    shown(conn, row)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewAgencyReport {
    pub decision: ReviewDecision,
    /// Required when returning a report: what to fix.
    pub comment: Option<LongText>,
}

/// Accepts or returns a submitted report (coordinator).
pub fn review(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    period_id: PeriodId,
    agency_id: AgencyId,
    input: ReviewAgencyReport,
) -> DomainResult<AgencyReport> {
    actor.may(Action::Review)?;
    let comment = input.comment.as_ref().map(LongText::to_string);
    if input.decision == ReviewDecision::Return && comment.is_none() {
        return Err(DomainError::rule(
            "comment",
            "is required when returning a report",
        ));
    }
    lock_open(conn, period_id, "its reports cannot be reviewed")?;
    let mut row = store::periods::agency_report(conn, period_id, agency_id)?
        .ok_or(DomainError::not_found("agency report"))?;
    let event = match input.decision {
        ReviewDecision::Accept => AgencyReportEvent::Accepted,
        ReviewDecision::Return => AgencyReportEvent::Returned,
    };
    row.status = report_transition(row.status, event)?;
    row.reviewer_id = Some(actor.principal.user_id);
    row.reviewed_at = Some(actor.now);
    row.review_comment = comment.clone();
    row.updated_at = actor.now;
    let row = store::periods::save_agency_report(conn, &row)?;
    let step = match input.decision {
        ReviewDecision::Accept => "agency_report.accepted",
        ReviewDecision::Return => "agency_report.returned",
    };
    let event = Event::AgencyReportChanged {
        period: period_id,
        step,
        agency_id,
        status: row.status,
        document_number: None,
        comment,
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    shown(conn, row)
}

/// One line of the tracker: an agency that owes the period a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyReportLine {
    pub agency_id: AgencyId,
    pub agency_code: String,
    pub agency_name: String,
    pub status: AgencyReportStatus,
    pub document_number: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// By the first submission against `report_due_on`; `false` for a report
    /// still missing after its due day, `null` before it.
    pub on_time: Option<bool>,
    pub review_comment: Option<String>,
    /// The signed report, when uploaded.
    pub file: Option<EvidenceFile>,
}

/// Counts of the tracker's lines.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct TrackerCounts {
    pub owed: i64,
    pub missing: i64,
    pub draft: i64,
    pub submitted: i64,
    pub accepted: i64,
    pub returned: i64,
    /// Submitted after the due day, or still not submitted once it has passed.
    pub late: i64,
}

/// Who owes the period a report, and where each stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyReportTracker {
    pub period_id: PeriodId,
    pub report_due_on: NaiveDate,
    /// The day `on_time` is judged on for reports not yet submitted (today, UTC+7).
    pub as_of: NaiveDate,
    pub counts: TrackerCounts,
    pub items: Vec<AgencyReportLine>,
}

/// The tracker as of `today`. Once the period is closed, the agencies owing
/// it are those of its frozen tasks.
pub fn tracker(
    conn: &mut PgConnection,
    period_id: PeriodId,
    today: NaiveDate,
) -> DomainResult<AgencyReportTracker> {
    let period = store::periods::find(conn, period_id)?.ok_or(DomainError::not_found("period"))?;
    let frozen = (period.status == PeriodStatus::Closed).then_some(period_id);
    let owing = store::periods::reporting_agencies(conn, period.plan_id, frozen)?;
    let reports = store::periods::agency_reports(conn, period_id)?;
    let file_ids: Vec<FileId> = reports.iter().filter_map(|r| r.file_id).collect();
    let mut files: HashMap<FileId, FileMeta> = store::files::metas(conn, &file_ids)?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    let mut counts = TrackerCounts::default();
    let mut items = Vec::with_capacity(owing.len());
    for (agency_id, code, name) in owing {
        let report = reports.iter().find(|r| r.agency_id == agency_id);
        let status = report.map_or(AgencyReportStatus::Missing, |r| r.status);
        let on_time = on_time(
            report.and_then(|r| r.first_submitted_at),
            period.report_due_on,
            today,
        );
        counts.owed += 1;
        match status {
            AgencyReportStatus::Missing => counts.missing += 1,
            AgencyReportStatus::Draft => counts.draft += 1,
            AgencyReportStatus::Submitted => counts.submitted += 1,
            AgencyReportStatus::Accepted => counts.accepted += 1,
            AgencyReportStatus::Returned => counts.returned += 1,
        }
        if on_time == Some(false) {
            counts.late += 1;
        }
        items.push(AgencyReportLine {
            agency_id,
            agency_code: code,
            agency_name: name,
            status,
            document_number: report.and_then(|r| r.document_number.clone()),
            issued_on: report.and_then(|r| r.issued_on),
            submitted_at: report.and_then(|r| r.submitted_at),
            on_time,
            review_comment: report.and_then(|r| r.review_comment.clone()),
            file: report
                .and_then(|r| r.file_id)
                .and_then(|id| files.remove(&id))
                .map(EvidenceFile::from),
        });
    }
    Ok(AgencyReportTracker {
        period_id,
        report_due_on: period.report_due_on,
        as_of: today,
        counts,
        items,
    })
}

/// The reports' own words, gathered for the consolidated report.
pub fn sections(
    conn: &mut PgConnection,
    period_id: PeriodId,
) -> DomainResult<Vec<AgencyReportRow>> {
    Ok(store::periods::agency_reports(conn, period_id)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_report_is_on_time_through_its_due_day_in_the_province() {
        let due = NaiveDate::from_ymd_opt(2023, 12, 15).unwrap();
        // 23:59 on 15/12 in UTC+7 is 16:59 UTC: on time; 00:00 on 16/12 (17:00 UTC) is late
        let last_minute = Utc.with_ymd_and_hms(2023, 12, 15, 16, 59, 0).unwrap();
        let midnight = Utc.with_ymd_and_hms(2023, 12, 15, 17, 0, 0).unwrap();
        let today = NaiveDate::from_ymd_opt(2024, 1, 5).unwrap();
        assert_eq!(on_time(Some(last_minute), due, today), Some(true));
        assert_eq!(on_time(Some(midnight), due, today), Some(false));
        assert_eq!(
            on_time(None, due, due),
            None,
            "not late on the due day itself"
        );
        assert_eq!(on_time(None, due, due.succ_opt().unwrap()), Some(false));
    }
}
