//! The 2023 plan's reporting year: its four periods, every agency's year
//! report (a few late, one returned and submitted again), the indicators of
//! the province's year-end report with its published figures, and the year
//! period closed. All through the same use cases as the API, at their days.

use chrono::NaiveDate;
use diesel::PgConnection;
use serde::Deserialize;

use super::{at, parse, BoxError, People};
use crate::domain::enums::{
    Aggregation, IndicatorDirection, IndicatorUnit, PeriodKind, ReviewDecision,
};
use crate::domain::ids::PlanId;
use crate::domain::input::IsoDate;
use crate::domain::text::{Code, DocumentNumber, LongText, Name, OutputText, ReportSection};
use crate::service::agency_reports::{ReviewAgencyReport, SaveAgencyReport};
use crate::service::indicators::{CreateIndicator, FigureIn, Target};
use crate::service::periods::CreatePeriod;
use crate::service::{self, Actor};
use crate::store;

const PERIODS_JSON: &str = include_str!("demo_2023_periods.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoYear {
    #[allow(dead_code)]
    note: String,
    periods: Vec<DemoPeriod>,
    year_reports: YearReports,
    indicators: Vec<DemoIndicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoPeriod {
    kind: PeriodKind,
    value: String,
    created_on: NaiveDate,
    data_to: Option<NaiveDate>,
    report_due_on: Option<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearReports {
    issued_on: NaiveDate,
    submitted_on: NaiveDate,
    /// Agencies that submitted after the due day, and when.
    late: std::collections::BTreeMap<String, NaiveDate>,
    returned: Returned,
    accepted_on: NaiveDate,
    closed_on: NaiveDate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Returned {
    agency: String,
    returned_on: NaiveDate,
    resubmitted_on: NaiveDate,
    comment: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoIndicator {
    code: String,
    name: String,
    unit: IndicatorUnit,
    direction: IndicatorDirection,
    target: Option<Target>,
    note: Option<String>,
    figure: DemoFigure,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoFigure {
    value: f64,
    numerator: Option<f64>,
    denominator: Option<f64>,
    note: Option<String>,
}

const SOURCE: &str = "Báo cáo kết quả CCHC năm 2023 của UBND tỉnh";

pub(super) fn load(
    conn: &mut PgConnection,
    people: &People,
    plan_id: PlanId,
) -> Result<(), BoxError> {
    let year: DemoYear = serde_json::from_str(PERIODS_JSON)?;
    let coordinator = |day: NaiveDate| Actor::new(&people.coordinator, at(day, 9));
    let mut year_period = None;
    for p in &year.periods {
        let input = CreatePeriod {
            kind: p.kind,
            value: p.value.clone(),
            data_from: None,
            data_to: p.data_to.map(IsoDate),
            report_due_on: p.report_due_on.map(IsoDate),
        };
        let period = service::periods::create(conn, &coordinator(p.created_on), plan_id, input)?;
        if p.kind == PeriodKind::Year {
            year_period = Some(period);
        }
    }
    let period = year_period.ok_or("the demo year has no year period")?;
    let r = &year.year_reports;
    let owing = store::periods::reporting_agencies(conn, plan_id, None)?;
    for (n, (agency_id, code, name)) in owing.iter().enumerate() {
        let officer = people.officer(code)?;
        let submitted_on = r.late.get(code).copied().unwrap_or(r.submitted_on);
        let officer_at = |day: NaiveDate| Actor::new(officer, at(day, 15));
        let draft = SaveAgencyReport {
            document_number: Some(parse(DocumentNumber::parse(&format!(
                "{}/BC-{code}",
                100 + n
            )))?),
            issued_on: Some(IsoDate(r.issued_on.min(submitted_on))),
            results: Some(parse(ReportSection::parse(&format!(
                "{name} đã triển khai các nhiệm vụ CCHC năm 2023 được giao theo Kế hoạch của UBND tỉnh."
            )))?),
            limitations: Some(parse(ReportSection::parse(
                "Một số nhiệm vụ hoàn thành chậm so với thời hạn của Kế hoạch.",
            ))?),
            causes: None,
            next_steps: Some(parse(ReportSection::parse(&format!(
                "{name} tiếp tục thực hiện các nhiệm vụ CCHC năm 2024."
            )))?),
            indicator_values: Vec::new(),
            file_id: None,
        };
        let actor = officer_at(submitted_on);
        service::agency_reports::save(conn, &actor, period.id, *agency_id, draft)?;
        service::agency_reports::submit(conn, &actor, period.id, *agency_id)?;
        if *code == r.returned.agency {
            let returned = ReviewAgencyReport {
                decision: ReviewDecision::Return,
                comment: Some(parse(LongText::parse(&r.returned.comment))?),
            };
            let coordinator = coordinator(r.returned.returned_on);
            service::agency_reports::review(conn, &coordinator, period.id, *agency_id, returned)?;
            let again = officer_at(r.returned.resubmitted_on);
            service::agency_reports::submit(conn, &again, period.id, *agency_id)?;
        }
    }
    if !owing.iter().any(|(_, code, _)| *code == r.returned.agency) {
        return Err(format!("{} owes the year no report", r.returned.agency).into());
    }
    let accept = coordinator(r.accepted_on);
    for (agency_id, _, _) in &owing {
        let accepted = ReviewAgencyReport {
            decision: ReviewDecision::Accept,
            comment: None,
        };
        service::agency_reports::review(conn, &accept, period.id, *agency_id, accepted)?;
    }
    let closing = coordinator(r.closed_on);
    for i in &year.indicators {
        let input = CreateIndicator {
            code: parse(Code::parse(&i.code))?,
            name: parse(Name::parse(&i.name))?,
            unit: i.unit,
            direction: i.direction,
            target: i.target.clone(),
            responsible_agency_id: None,
            aggregation: Some(Aggregation::None),
            note: i.note.as_deref().map(OutputText::parse).transpose()?,
        };
        let indicator = service::indicators::create(conn, &closing, plan_id, input)?;
        let figure = FigureIn {
            indicator_id: None,
            value: Some(i.figure.value),
            numerator: i.figure.numerator,
            denominator: i.figure.denominator,
            source: Some(parse(Name::parse(SOURCE))?),
            note: i
                .figure
                .note
                .as_deref()
                .map(OutputText::parse)
                .transpose()?,
        };
        service::indicators::record(conn, &closing, indicator.id, period.id, None, figure)?;
    }
    service::periods::close(conn, &closing, period.id)?;
    Ok(())
}
