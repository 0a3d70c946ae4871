//! An ILLUSTRATIVE 2025 plan (`CCHC-2025-SX`) living through the March 2025
//! reorganisation of the provincial departments: from 1 March 2025 Sở Kế
//! hoạch và Đầu tư was merged into Sở Tài chính and Sở Giao thông vận tải
//! into Sở Xây dựng (the national reorganisation of provincial departments;
//! the issue names both). The tasks, reports, dates and the decision's
//! number are invented for the demo; the mergers and their day are the
//! public record. Loaded through the same use cases as everything else.

use chrono::NaiveDate;
use diesel::PgConnection;

use super::{at, parse, BoxError, People};
use crate::domain::enums::{DeadlineKind, ReformArea, ReviewDecision};
use crate::domain::input::IsoDate;
use crate::domain::text::{Code, DocumentNumber, LongText, Name, OutputText, PlanTitle, Title};
use crate::service::completion::{CreateCompletionClaim, ReviewRequest};
use crate::service::plans::CreatePlan;
use crate::service::reorganisations::{Change, Decision, Reorganise, SuccessorRef};
use crate::service::reports::CreateReport;
use crate::service::tasks::{CreateTask, DeadlineIn};
use crate::service::{self, Actor};

const PLAN_CODE: &str = "CCHC-2025-SX";
/// The first day under the merged departments.
const EFFECTIVE_ON: (i32, u32, u32) = (2025, 3, 1);

struct DemoTask {
    code: &'static str,
    title: &'static str,
    area: ReformArea,
    lead: &'static str,
    supporting: &'static [&'static str],
    due_on: &'static str,
    output: &'static str,
    /// (agency, day, percent, summary)
    reports: &'static [(&'static str, &'static str, i16, &'static str)],
    /// completed on, by its lead, accepted the next day
    completed_on: Option<&'static str>,
}

const TASKS: [DemoTask; 6] = [
    DemoTask {
        code: "SX01",
        title: "Rà soát, cắt giảm thủ tục hành chính lĩnh vực đầu tư (minh họa)",
        area: ReformArea::AdminProcedure,
        lead: "SKHDT",
        supporting: &[],
        due_on: "2025-06-30",
        output: "Quyết định công bố danh mục TTHC được cắt giảm",
        reports: &[
            (
                "SKHDT",
                "2025-02-10",
                40,
                "Đã rà soát 35/80 thủ tục (minh họa).",
            ),
            (
                "STC",
                "2025-03-20",
                60,
                "Sở Tài chính tiếp nhận, rà soát tiếp 13 thủ tục (minh họa).",
            ),
        ],
        completed_on: None,
    },
    DemoTask {
        code: "SX02",
        title: "Công bố danh mục thủ tục hành chính lĩnh vực đầu tư năm 2025 (minh họa)",
        area: ReformArea::AdminProcedure,
        lead: "SKHDT",
        supporting: &[],
        due_on: "2025-02-15",
        output: "Quyết định công bố danh mục TTHC",
        reports: &[],
        completed_on: Some("2025-02-14"),
    },
    DemoTask {
        code: "SX03",
        title: "Số hóa hồ sơ đăng ký doanh nghiệp (minh họa)",
        area: ReformArea::DigitalGovernment,
        lead: "SKHDT",
        supporting: &["STTTT"],
        due_on: "2025-09-30",
        output: "Kho dữ liệu hồ sơ đăng ký doanh nghiệp",
        reports: &[],
        completed_on: None,
    },
    DemoTask {
        code: "SX04",
        title: "Công khai dự toán ngân sách địa phương năm 2025 (minh họa)",
        area: ReformArea::PublicFinance,
        lead: "STC",
        supporting: &["SKHDT"],
        due_on: "2025-03-31",
        output: "Quyết định công khai dự toán",
        reports: &[],
        completed_on: None,
    },
    DemoTask {
        code: "SX05",
        title: "Rà soát thủ tục hành chính lĩnh vực giao thông vận tải (minh họa)",
        area: ReformArea::AdminProcedure,
        lead: "SGTVT",
        supporting: &[],
        due_on: "2025-06-30",
        output: "Báo cáo rà soát",
        reports: &[(
            "SGTVT",
            "2025-02-20",
            30,
            "Đã rà soát 12 thủ tục (minh họa).",
        )],
        completed_on: None,
    },
    DemoTask {
        code: "SX06",
        title: "Trình phương án sắp xếp các cơ quan chuyên môn thuộc UBND tỉnh (minh họa)",
        area: ReformArea::Organisation,
        lead: "SNV",
        supporting: &["SKHDT", "STC", "SGTVT", "SXD"],
        due_on: "2025-02-28",
        output: "Tờ trình phương án sắp xếp",
        reports: &[],
        completed_on: Some("2025-02-20"),
    },
];

fn day(text: &str) -> Result<NaiveDate, BoxError> {
    Ok(NaiveDate::parse_from_str(text, "%Y-%m-%d")?)
}

/// Loads the plan, its tasks up to the end of February 2025, the two
/// mergers effective 2025-03-01, and a March report by the successor.
pub(super) fn load(conn: &mut PgConnection, people: &People) -> Result<(), BoxError> {
    let agency = |code: &str| {
        people
            .officer(code)
            .and_then(|p| p.agency_id.ok_or("no agency".into()))
    };
    let coordinator = &people.coordinator;
    let created = Actor::new(coordinator, at(day("2025-01-10")?, 9));
    let plan = service::plans::create(
        conn,
        &created,
        CreatePlan {
            code: parse(Code::parse(PLAN_CODE))?,
            year: 2025,
            title: parse(PlanTitle::parse(
                "Kế hoạch CCHC năm 2025 qua sắp xếp các sở từ 01/3/2025 (minh họa)",
            ))?,
            programme: None,
        },
    )?;
    let mut later_reports = Vec::new();
    for t in &TASKS {
        let input = CreateTask {
            code: parse(Code::parse(t.code))?,
            title: parse(Title::parse(t.title))?,
            area: t.area,
            objective_id: None,
            lead_agency_id: agency(t.lead)?,
            supporting_agency_ids: t
                .supporting
                .iter()
                .map(|c| agency(c))
                .collect::<Result<_, _>>()?,
            deadline: DeadlineIn {
                kind: DeadlineKind::Date,
                value: Some(Some(t.due_on.to_string())),
            },
            expected_output: parse(OutputText::parse(t.output))?,
        };
        let task = service::tasks::create(conn, &created, plan.id, input)
            .map_err(|e| format!("task {}: {e}", t.code))?
            .id;
        for (code, on, percent, summary) in t.reports {
            let on = day(on)?;
            if on >= day("2025-03-01")? {
                later_reports.push((task, *code, on, *percent, *summary));
                continue;
            }
            let input = CreateReport {
                progress_percent: i64::from(*percent),
                summary: parse(LongText::parse(summary))?,
                evidence: Vec::new(),
            };
            service::reports::post(
                conn,
                &Actor::new(people.officer(code)?, at(on, 10)),
                task,
                input,
                None,
            )
            .map_err(|e| format!("task {}: {e}", t.code))?;
        }
        if let Some(done) = t.completed_on {
            let done = day(done)?;
            let input = CreateCompletionClaim {
                completed_on: IsoDate(done),
                summary: parse(LongText::parse("Đã hoàn thành (minh họa)"))?,
                evidence: Vec::new(),
            };
            let lead = Actor::new(people.officer(t.lead)?, at(done, 11));
            service::completion::claim(conn, &lead, task, input)?;
            let review = ReviewRequest {
                decision: ReviewDecision::Accept,
                comment: None,
            };
            let next = done.succ_opt().ok_or("date out of range")?;
            service::completion::review(
                conn,
                &Actor::new(coordinator, at(next, 16)),
                task,
                review,
            )?;
        }
    }
    let (y, m, d) = EFFECTIVE_ON;
    let effective_on = NaiveDate::from_ymd_opt(y, m, d).ok_or("bad date")?;
    let on_the_day = Actor::new(coordinator, at(effective_on, 8));
    for (from, into, number) in [
        ("SKHDT", "STC", "01/NQ-HĐND (minh họa)"),
        ("SGTVT", "SXD", "02/NQ-HĐND (minh họa)"),
    ] {
        let input = Reorganise {
            effective_on: IsoDate(effective_on),
            decision: Decision {
                document_number: parse(DocumentNumber::parse(number))?,
                issued_on: IsoDate(day("2025-02-18")?),
                issuer: parse(Name::parse("HĐND tỉnh Khánh Hòa"))?,
            },
            change: Change::Merge {
                predecessor_ids: vec![agency(from)?],
                successor: SuccessorRef {
                    agency_id: Some(agency(into)?),
                    new_agency: None,
                },
            },
        };
        service::reorganisations::reorganise(conn, &on_the_day, input, false)
            .map_err(|e| format!("merging {from} into {into}: {e}"))?;
    }
    for (task, code, on, percent, summary) in later_reports {
        let input = CreateReport {
            progress_percent: i64::from(percent),
            summary: parse(LongText::parse(summary))?,
            evidence: Vec::new(),
        };
        service::reports::post(
            conn,
            &Actor::new(people.officer(code)?, at(on, 10)),
            task,
            input,
            None,
        )?;
    }
    log::info!(
        "loaded the illustrative plan {PLAN_CODE}: SKHDT into STC and SGTVT into SXD from {effective_on}"
    );
    Ok(())
}
