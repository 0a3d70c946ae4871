//! Closed sets of values, stored as text in PostgreSQL (with CHECK constraints)
//! and serialised as snake_case strings.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The accepted spellings, for error messages.
            pub fn expected() -> String {
                [$($text),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum! {
    /// What a user may do: see the README, "Who may do what".
    Role {
        /// Everything, including user accounts.
        Admin => "admin",
        /// Department of Home Affairs: keeps the plan, reviews claims, decides extensions.
        Coordinator => "coordinator",
        /// An agency's reform focal point: reports on its agency's tasks.
        AgencyOfficer => "agency_officer",
        /// Reads everything; plans and records inspections, their findings and
        /// the verification of remedies, and writes nothing else.
        Inspector => "inspector",
    }
}

text_enum! {
    /// A reform area (lĩnh vực CCHC); names in Vietnamese at `/api/v1/areas`.
    ReformArea {
        /// Công tác chỉ đạo, điều hành CCHC: a section of the plan beside the six
        /// reform areas, not one of them (the areas list marks it `is_reform_area: false`).
        Direction => "direction",
        /// Cải cách thể chế.
        Institution => "institution",
        /// Cải cách thủ tục hành chính (one-stop shop).
        AdminProcedure => "admin_procedure",
        /// Cải cách tổ chức bộ máy.
        Organisation => "organisation",
        /// Cải cách chế độ công vụ.
        CivilService => "civil_service",
        /// Cải cách tài chính công.
        PublicFinance => "public_finance",
        /// Xây dựng và phát triển Chính quyền điện tử, Chính quyền số.
        DigitalGovernment => "digital_government",
    }
}

text_enum! {
    /// Where a task stands.
    TaskStatus {
        NotStarted => "not_started",
        InProgress => "in_progress",
        /// The lead agency has claimed completion; the coordinator has not yet reviewed it.
        Submitted => "submitted",
        Completed => "completed",
        Cancelled => "cancelled",
    }
}

text_enum! {
    /// How the plan writes a deadline.
    DeadlineKind {
        /// A calendar day ("30/6/2023", as Nghị định 30/2020 writes dates).
        Date => "date",
        /// A month ("Tháng 9/2023"): due on its last day.
        Month => "month",
        /// A quarter ("Quý II/2023"): due on its last day.
        Quarter => "quarter",
        /// "Thường xuyên": ongoing all year, due on the plan year's last day.
        Ongoing => "ongoing",
    }
}

text_enum! {
    /// Kind of agency.
    AgencyKind {
        /// The provincial people's committee.
        Province => "province",
        /// A provincial department (Sở) or equivalent.
        Department => "department",
        /// A district-level people's committee.
        District => "district",
        /// A management board, such as the Vân Phong economic-zone board.
        Board => "board",
        /// A vertical agency of a ministry located in the province (police, tax, treasury...).
        Vertical => "vertical",
        /// A commune, ward or town below a district.
        Commune => "commune",
        /// A public service unit (đơn vị sự nghiệp công lập), such as a hospital,
        /// a school or the provincial public-administration service centre.
        PublicServiceUnit => "public_service_unit",
    }
}

text_enum! {
    /// The coordinator's decision on a completion claim.
    ReviewDecision {
        Accept => "accept",
        /// Send the claim back to the lead agency; the task returns to `in_progress`.
        Return => "return",
    }
}

text_enum! {
    /// The coordinator's decision on an extension request.
    ExtensionDecision {
        Approve => "approve",
        Reject => "reject",
    }
}

text_enum! {
    /// State of a completion claim.
    ClaimStatus {
        /// Awaiting the coordinator's review.
        Pending => "pending",
        Accepted => "accepted",
        /// Sent back; the task returned to `in_progress`.
        Returned => "returned",
    }
}

text_enum! {
    /// State of a deadline extension request.
    ExtensionStatus {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
    }
}

text_enum! {
    /// What a reorganisation of agencies does.
    ReorganisationKind {
        /// Several agencies into one new or existing agency.
        Merge => "merge",
        /// One agency into several, with a rule per task: to which successor.
        Split => "split",
        /// The same body under a new name (a new name version, the same id).
        Rename => "rename",
        /// The agency ends; a successor takes its open work.
        Dissolve => "dissolve",
    }
}

text_enum! {
    /// An agency's role in a task.
    TaskRole {
        Lead => "lead",
        Supporting => "supporting",
    }
}

text_enum! {
    /// Which of its tasks an agency filter means.
    AgencyRole {
        Lead => "lead",
        Supporting => "supporting",
        Any => "any",
    }
}

text_enum! {
    /// Sort orders of the task list; every order is completed by id for a stable keyset.
    TaskSort {
        #[serde(rename = "due_on")]
        DueOn => "due_on",
        #[serde(rename = "-due_on")]
        DueOnDesc => "-due_on",
        #[serde(rename = "code")]
        Code => "code",
        #[serde(rename = "-updated_at")]
        UpdatedAtDesc => "-updated_at",
        #[serde(rename = "-days_overdue")]
        DaysOverdueDesc => "-days_overdue",
    }
}

text_enum! {
    /// How long a reporting period is (kỳ báo cáo).
    PeriodKind {
        /// A quarter: `2023-Q1` … `2023-Q4` (Quý I/2023).
        Quarter => "quarter",
        /// The first six months: `2023-H1` (6 tháng đầu năm 2023).
        HalfYear => "half_year",
        /// The first nine months: `2023-9M` (9 tháng đầu năm 2023).
        NineMonths => "nine_months",
        /// The year: `2023` (Năm 2023).
        Year => "year",
    }
}

text_enum! {
    /// Whether a period still changes with the plan.
    PeriodStatus {
        /// Its tasks and summary are computed as of `data_to` on each read.
        Open => "open",
        /// Frozen: its tasks and summary are the copy taken at closing.
        Closed => "closed",
    }
}

text_enum! {
    /// Where an agency's report for a period stands.
    AgencyReportStatus {
        /// Nothing saved yet (never stored: the tracker's word for an absent report).
        Missing => "missing",
        /// Saved, not yet sent to the coordinator.
        Draft => "draft",
        /// Sent; awaiting the coordinator's review.
        Submitted => "submitted",
        Accepted => "accepted",
        /// Sent back with a comment; the agency edits and submits again.
        Returned => "returned",
    }
}

text_enum! {
    /// What an indicator counts.
    IndicatorUnit {
        /// 0 to 100.
        Percent => "percent",
        /// A whole number, 0 or more.
        Count => "count",
        /// Đồng, 0 or more.
        AmountVnd => "amount_vnd",
        /// A place in a ranking, 1 or more (lower is better).
        Rank => "rank",
        /// A score, 0 or more.
        Score => "score",
    }
}

text_enum! {
    /// Which way an indicator is better.
    IndicatorDirection {
        Increase => "increase",
        Decrease => "decrease",
    }
}

text_enum! {
    /// How agencies' figures add up to the province's when no province-wide figure is recorded.
    Aggregation {
        /// The sum of the agencies' values.
        Sum => "sum",
        /// Σ numerators / Σ denominators (× 100 for a percent).
        Ratio => "ratio",
        /// Agencies' figures are shown but not added up.
        None => "none",
    }
}

text_enum! {
    /// Where an inspection stands.
    InspectionStatus {
        /// In the programme, not yet carried out.
        Planned => "planned",
        /// Carried out (`conducted_on`); its conclusion not yet issued.
        Conducted => "conducted",
        /// Its conclusion is issued (`conclusion_document`).
        Concluded => "concluded",
        /// Taken out of the programme before it was carried out.
        Cancelled => "cancelled",
    }
}

text_enum! {
    /// How grave a finding is.
    FindingSeverity {
        /// Hạn chế, thiếu sót.
        Shortcoming => "shortcoming",
        /// Vi phạm.
        Violation => "violation",
    }
}

text_enum! {
    /// Where a finding stands.
    FindingStatus {
        /// Nothing reported yet on its remedy.
        Open => "open",
        /// The agency reported its remedy; awaiting verification.
        RemedyReported => "remedy_reported",
        /// The remedy was verified and accepted: the finding is remedied.
        Verified => "verified",
        /// The remedy was found wanting; the agency reports again.
        Returned => "returned",
    }
}

text_enum! {
    /// State of one remedy report of a finding.
    RemedyStatus {
        /// Awaiting verification.
        Pending => "pending",
        Accepted => "accepted",
        /// Found wanting: the finding is `returned`.
        Returned => "returned",
    }
}
