//! The 2023 demo plan of Khánh Hòa (src/seed/demo_2023.json), as the tests
//! rely on it: its accounts, the agencies the tests cast, and its figures.
//! The values are written out here rather than taken from the library, so a
//! change to the demo data shows up as a failing test.

/// The password of every demo account.
pub const PASSWORD: &str = "khanhhoa-2023";

pub const ADMIN: &str = "admin";
/// The coordinator works for Sở Nội vụ (SNV) but is not its officer (`snv`).
pub const COORDINATOR: &str = "sonoivu";
pub const INSPECTOR: &str = "thanhtra";

/// Sở Nội vụ, the coordinator's department; leads many demo tasks.
pub const SNV: &str = "SNV";
/// Sở Tư pháp: the lead agency of the tasks the tests create.
pub const STP: &str = "STP";
/// Sở Thông tin và Truyền thông: supports the tasks the tests create.
pub const STTTT: &str = "STTTT";
/// Thành phố Nha Trang: an agency with no part in the tasks the tests create.
pub const NHATRANG: &str = "NHATRANG";

/// The username of an agency's demo officer: its code, lower-cased.
pub fn officer(agency_code: &str) -> String {
    agency_code.to_lowercase()
}

pub const PLAN_CODE: &str = "CCHC-2023";
pub const YEAR: i32 = 2023;
/// Plans in the demo: 2023's, an illustrative one for the current year, and
/// the illustrative 2025 plan through the March 2025 mergers (`CCHC-2025-SX`).
pub const PLANS: usize = 3;
/// Tasks of the current year's illustrative plan, all open.
pub const CURRENT_YEAR_TASKS: usize = 8;
/// Tasks of the illustrative 2025 plan (`CCHC-2025-SX`).
pub const TASKS_2025: usize = 6;
/// Tasks in the demo plan; all of them completed by the end of the year.
pub const TASKS: usize = 64;
/// Entries of the areas list: the direction section and the six reform areas.
pub const AREAS: usize = 7;
/// Agencies in the demo: at least this many (42 today).
pub const AGENCIES_AT_LEAST: usize = 40;
/// Demo accounts: admin, coordinator, inspector, and one officer per agency.
pub const ACCOUNTS: usize = 45;

/// The end of the third quarter, when some tasks were late.
pub const Q3_END: &str = "2023-09-30";
/// Tasks overdue at `Q3_END`.
pub const OVERDUE_AT_Q3_END: i64 = 11;
pub const YEAR_END: &str = "2023-12-31";

/// The demo task with an approved extension: due 2023-05-31, extended to
/// 2023-07-31 on 2023-05-26, completed 2023-07-25.
pub const EXTENDED_TASK: &str = "NV15";
pub const EXTENDED_TASK_ORIGINAL_DUE_ON: &str = "2023-05-31";
pub const EXTENDED_TASK_DUE_ON: &str = "2023-07-31";

/// The 2023 inspection programme (src/seed/demo_2023_inspections.json):
/// one inspection per agency, all carried out, and their findings, all
/// remedied by the year's end.
pub const INSPECTED: i64 = 27;
pub const FINDINGS: i64 = 34;
/// Inspections carried out by `Q3_END`.
pub const INSPECTED_AT_Q3_END: i64 = 25;
/// Findings recorded by `Q3_END`, those still open then (no remedy
/// reported), and those overdue then.
pub const FINDINGS_AT_Q3_END: i64 = 29;
pub const FINDINGS_OPEN_AT_Q3_END: i64 = 7;
pub const FINDINGS_OVERDUE_AT_Q3_END: i64 = 1;
/// Findings whose remedy was verified after their due day.
pub const FINDINGS_VERIFIED_LATE: i64 = 3;
