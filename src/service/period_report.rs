//! The consolidated report of a period: what the coordinator sends up.

use diesel::PgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::agency_reports::{self, AgencyReportTracker};
use super::indicators::{self, IndicatorStanding};
use super::periods::{self, Period, PeriodTask};
use super::standing::PlanSummary;
use crate::domain::enums::AgencyReportStatus;
use crate::domain::ids::{AgencyId, PeriodId};

/// One agency's words in its report.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyWords {
    pub agency_id: AgencyId,
    pub agency_code: String,
    pub agency_name: String,
    pub document_number: Option<String>,
    pub text: String,
}

/// A period's consolidated report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsolidatedReport {
    pub period: Period,
    /// The plan summary on `data_to` (frozen once the period is closed).
    pub summary: PlanSummary,
    /// Tasks overdue on `data_to`, most overdue first.
    pub overdue_tasks: Vec<PeriodTask>,
    pub agency_reports: AgencyReportTracker,
    /// Each indicator with its target, its actual for the period and whether it is met.
    pub indicators: Vec<IndicatorStanding>,
    /// Hạn chế, tồn tại from the submitted and accepted reports, by agency code.
    pub limitations: Vec<AgencyWords>,
    /// Phương hướng, nhiệm vụ from the same reports.
    pub next_steps: Vec<AgencyWords>,
}

pub fn report(
    conn: &mut PgConnection,
    period_id: PeriodId,
    today: chrono::NaiveDate,
) -> crate::domain::error::DomainResult<ConsolidatedReport> {
    let period = periods::find(conn, period_id)?;
    let summary = periods::frozen_or_live_summary(conn, &period)?;
    let overdue_tasks = periods::overdue_tasks(conn, &period)?;
    let tracker = agency_reports::tracker(conn, period_id, today)?;
    let indicators = indicators::list(conn, period.plan_id, Some(period_id))?;
    let sent = agency_reports::sections(conn, period_id)?;
    let mut limitations = Vec::new();
    let mut next_steps = Vec::new();
    for report in sent.iter().filter(|r| {
        matches!(
            r.status,
            AgencyReportStatus::Submitted | AgencyReportStatus::Accepted
        )
    }) {
        let line = tracker
            .items
            .iter()
            .find(|l| l.agency_id == report.agency_id);
        let words = |text: &str| AgencyWords {
            agency_id: report.agency_id,
            agency_code: line.map(|l| l.agency_code.clone()).unwrap_or_default(),
            agency_name: line.map(|l| l.agency_name.clone()).unwrap_or_default(),
            document_number: report.document_number.clone(),
            text: text.to_string(),
        };
        if !report.limitations.trim().is_empty() {
            limitations.push(words(&report.limitations));
        }
        if !report.next_steps.trim().is_empty() {
            next_steps.push(words(&report.next_steps));
        }
    }
    Ok(ConsolidatedReport {
        period: Period::from(&period),
        summary,
        overdue_tasks,
        agency_reports: tracker,
        indicators,
        limitations,
        next_steps,
    })
}
