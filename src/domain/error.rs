//! Why a use case refused, in the domain's words. Each reason has its own
//! problem type (`ProblemType`), so clients branch on `type`, not on `detail`;
//! `crate::error` alone turns these into HTTP responses.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::enums::{
    AgencyReportStatus, ExtensionStatus, FindingStatus, InspectionStatus, TaskStatus,
};
use super::policy::Denied;

/// One offending input field.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// The field, as a JSON path (`evidence[0].url`), a query parameter or a header name.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

macro_rules! problem_types {
    ($($variant:ident => $slug:literal, $status:literal, $title:literal;)+) => {
        /// Every distinct failure the API reports, as the `type` of its problem document
        /// (`urn:par-tracker:problem:<slug>`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ProblemType { $($variant),+ }

        impl ProblemType {
            pub const ALL: &'static [ProblemType] = &[$(ProblemType::$variant),+];

            pub fn slug(self) -> &'static str {
                match self { $(ProblemType::$variant => $slug),+ }
            }

            /// The HTTP status this problem is sent with.
            pub fn status(self) -> u16 {
                match self { $(ProblemType::$variant => $status),+ }
            }

            pub fn title(self) -> &'static str {
                match self { $(ProblemType::$variant => $title),+ }
            }

            pub fn uri(self) -> String {
                format!("urn:par-tracker:problem:{}", self.slug())
            }
        }
    };
}

problem_types! {
    Validation => "validation", 400, "Invalid request";
    Unauthorized => "unauthorized", 401, "Authentication required";
    InvalidToken => "invalid-token", 401, "The access token is refused";
    NotAdmin => "not-admin", 403, "Only an administrator may do this";
    NotCoordinator => "not-coordinator", 403, "Only the coordinator may do this";
    NotTaskAgency => "not-task-agency", 403, "Not an agency of this task";
    NotLeadAgency => "not-lead-agency", 403, "Not the task's lead agency";
    NotOwnAgency => "not-own-agency", 403, "Not the caller's own agency";
    NotFigureAgency => "not-figure-agency", 403, "Not the agency this figure belongs to";
    NotInspector => "not-inspector", 403, "Only an inspector or the coordinator may do this";
    NotInspectedAgency => "not-inspected-agency", 403, "Not the inspected agency";
    NotEvidenceWriter => "not-evidence-writer", 403, "May not upload evidence files";
    NotFound => "not-found", 404, "Not found";
    MethodNotAllowed => "method-not-allowed", 405, "Method not allowed";
    RequestTimeout => "request-timeout", 408, "The request body did not arrive in time";
    TaskClosed => "task-closed", 409, "The task is completed or cancelled";
    TaskNotClaimable => "task-not-claimable", 409, "The task cannot be claimed complete";
    TaskNotSubmitted => "task-not-submitted", 409, "The task has no pending completion claim";
    ExtensionDecided => "extension-decided", 409, "The extension request is already decided";
    ExtensionPending => "extension-pending", 409, "An extension request is already pending";
    DeadlineNotLater => "deadline-not-later", 409, "The task is already due later";
    Duplicate => "duplicate", 409, "Already exists";
    PeriodClosed => "period-closed", 409, "The reporting period is closed";
    PeriodNotOver => "period-not-over", 409, "The reporting period's figures are not yet complete";
    AgencyReportState => "agency-report-state", 409, "The agency report's status forbids this";
    InspectionState => "inspection-state", 409, "The inspection's status forbids this";
    InspectionNotConducted => "inspection-not-conducted", 409, "The inspection has not been carried out";
    FindingState => "finding-state", 409, "The finding's status forbids this";
    ConcurrentChange => "concurrent-change", 409, "Changed concurrently";
    OwnAccount => "own-account", 409, "Not on your own account";
    LastAdmin => "last-admin", 409, "The last active administrator";
    StaleEtag => "stale-etag", 412, "Precondition failed";
    PayloadTooLarge => "payload-too-large", 413, "Request body too large";
    RangeNotSatisfiable => "range-not-satisfiable", 416, "Range not satisfiable";
    UriTooLong => "uri-too-long", 414, "URL too long";
    UnsupportedMediaType => "unsupported-media-type", 415, "Unsupported media type";
    Unprocessable => "unprocessable", 422, "Request cannot be processed";
    IdempotencyKeyReused => "idempotency-key-reused", 422, "Idempotency-Key reused with another body";
    InvalidCursor => "invalid-cursor", 422, "Not a cursor of this list";
    ImportRejected => "import-rejected", 422, "The sheet has errors; nothing was imported";
    PreconditionRequired => "precondition-required", 428, "Precondition required";
    TooManyRequests => "too-many-requests", 429, "Too many requests";
    Internal => "internal", 500, "Internal error";
    Unavailable => "unavailable", 503, "Service unavailable";
    Busy => "busy", 503, "At capacity; retry shortly";
}

/// A state conflict: the object's current state forbids the change (409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// Completed or cancelled: no reports, no deadline moves.
    TaskClosed {
        current: TaskStatus,
        refused: &'static str,
    },
    /// Only a `not_started` or `in_progress` task can be claimed complete.
    TaskNotClaimable {
        current: TaskStatus,
    },
    /// Only a `submitted` task can be reviewed.
    TaskNotSubmitted {
        current: TaskStatus,
    },
    ExtensionDecided {
        current: ExtensionStatus,
    },
    ExtensionPending,
    DeadlineNotLater {
        due_on: NaiveDate,
        requested: NaiveDate,
    },
    /// A unique code or name is taken; the text names it in the caller's terms.
    Duplicate(String),
    /// A closed period is frozen: nothing in it changes.
    PeriodClosed {
        refused: &'static str,
    },
    /// A period is closed only once its last day of figures has passed.
    PeriodNotOver {
        data_to: NaiveDate,
    },
    /// The agency's period report is not in a status that allows this.
    AgencyReportState {
        current: AgencyReportStatus,
        refused: &'static str,
    },
    /// The inspection's status does not allow this (cancelled, concluded…).
    InspectionState {
        current: InspectionStatus,
        refused: &'static str,
    },
    /// Concluding an inspection, or recording a finding on it, before it was carried out.
    InspectionNotConducted {
        current: InspectionStatus,
    },
    /// The finding's status does not allow this (a remedy on a verified finding…).
    FindingState {
        current: FindingStatus,
        refused: &'static str,
    },
    /// The row changed between read and write inside this request (a race).
    ConcurrentChange,
    OwnAccount,
    /// The change would leave no active administrator.
    LastAdmin,
}

impl Conflict {
    pub fn problem_type(&self) -> ProblemType {
        match self {
            Conflict::TaskClosed { .. } => ProblemType::TaskClosed,
            Conflict::TaskNotClaimable { .. } => ProblemType::TaskNotClaimable,
            Conflict::TaskNotSubmitted { .. } => ProblemType::TaskNotSubmitted,
            Conflict::ExtensionDecided { .. } => ProblemType::ExtensionDecided,
            Conflict::ExtensionPending => ProblemType::ExtensionPending,
            Conflict::DeadlineNotLater { .. } => ProblemType::DeadlineNotLater,
            Conflict::Duplicate(_) => ProblemType::Duplicate,
            Conflict::PeriodClosed { .. } => ProblemType::PeriodClosed,
            Conflict::PeriodNotOver { .. } => ProblemType::PeriodNotOver,
            Conflict::AgencyReportState { .. } => ProblemType::AgencyReportState,
            Conflict::InspectionState { .. } => ProblemType::InspectionState,
            Conflict::InspectionNotConducted { .. } => ProblemType::InspectionNotConducted,
            Conflict::FindingState { .. } => ProblemType::FindingState,
            Conflict::ConcurrentChange => ProblemType::ConcurrentChange,
            Conflict::OwnAccount => ProblemType::OwnAccount,
            Conflict::LastAdmin => ProblemType::LastAdmin,
        }
    }

    pub fn detail(&self) -> String {
        match self {
            Conflict::TaskClosed { current, refused } => format!("the task is {current}; {refused}"),
            Conflict::TaskNotClaimable { current } => format!(
                "the task is {current}; only a not_started or in_progress task can be claimed complete"
            ),
            Conflict::TaskNotSubmitted { current } => {
                format!("the task is {current}; only a submitted task can be reviewed")
            }
            Conflict::ExtensionDecided { current } => format!("the request is already {current}"),
            Conflict::ExtensionPending => "the task already has a pending extension request".into(),
            Conflict::DeadlineNotLater { due_on, requested } => format!(
                "the task is already due on {due_on}, not before the requested {requested}"
            ),
            Conflict::Duplicate(what) => what.clone(),
            Conflict::PeriodClosed { refused } => format!("the period is closed; {refused}"),
            Conflict::PeriodNotOver { data_to } => format!(
                "the period's figures run to {data_to}; it can be closed from the day after"
            ),
            Conflict::AgencyReportState { current, refused } => {
                format!("the agency's report is {current}; {refused}")
            }
            Conflict::InspectionState { current, refused } => {
                format!("the inspection is {current}; {refused}")
            }
            Conflict::InspectionNotConducted { current } => format!(
                "the inspection is {current}: it has not been carried out; record conducted_on first"
            ),
            Conflict::FindingState { current, refused } => {
                format!("the finding is {current}; {refused}")
            }
            Conflict::ConcurrentChange => "it changed meanwhile; retry".into(),
            Conflict::OwnAccount => {
                "you cannot deactivate your own account or give up your own admin role".into()
            }
            Conflict::LastAdmin => {
                "the account is the last active administrator; make another one first".into()
            }
        }
    }
}

/// Why a use case did not happen. Nothing was written.
#[derive(Debug, Clone, PartialEq)]
pub enum DomainError {
    /// Malformed input: the spec's own rules (400).
    Invalid(Vec<FieldError>),
    /// Well-formed input that breaks a rule no schema states (422).
    Unprocessable {
        problem: ProblemType,
        errors: Vec<FieldError>,
        detail: String,
    },
    NotFound {
        what: &'static str,
    },
    Forbidden(Denied),
    Conflict(Conflict),
    /// `If-Match` names an older version (412).
    StaleVersion {
        detail: String,
    },
    /// A change that needs `If-Match` came without it (428).
    PreconditionMissing(String),
    /// A well-formed, signed token whose account no longer stands behind it
    /// (deactivated, or its password changed): 401 `invalid_token`.
    TokenRefused(String),
    /// The database cannot be reached; the cause is for the log.
    Unavailable(String),
    /// A bug or broken data; the cause is for the log, never the client.
    Internal(String),
}

pub type DomainResult<T> = Result<T, DomainError>;

impl DomainError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> DomainError {
        DomainError::Invalid(vec![FieldError::new(field, message)])
    }

    /// A rule broken by one field (422).
    pub fn rule(field: impl Into<String>, message: impl Into<String>) -> DomainError {
        let error = FieldError::new(field, message);
        DomainError::Unprocessable {
            problem: ProblemType::Unprocessable,
            detail: format!("{}: {}", error.field, error.message),
            errors: vec![error],
        }
    }

    /// A 422 of a kind of its own (a reused idempotency key, a foreign cursor).
    pub fn unprocessable_as(
        problem: ProblemType,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> DomainError {
        match DomainError::rule(field, message) {
            DomainError::Unprocessable { errors, detail, .. } => DomainError::Unprocessable {
                problem,
                errors,
                detail,
            },
            other => other,
        }
    }

    pub fn not_found(what: &'static str) -> DomainError {
        DomainError::NotFound { what }
    }

    pub fn problem_type(&self) -> ProblemType {
        match self {
            DomainError::Invalid(_) => ProblemType::Validation,
            DomainError::Unprocessable { problem, .. } => *problem,
            DomainError::NotFound { .. } => ProblemType::NotFound,
            DomainError::Forbidden(denied) => denied.problem_type(),
            DomainError::Conflict(c) => c.problem_type(),
            DomainError::StaleVersion { .. } => ProblemType::StaleEtag,
            DomainError::PreconditionMissing(_) => ProblemType::PreconditionRequired,
            DomainError::TokenRefused(_) => ProblemType::InvalidToken,
            DomainError::Unavailable(_) => ProblemType::Unavailable,
            DomainError::Internal(_) => ProblemType::Internal,
        }
    }

    /// What the client is told; causes of 500 and 503 stay in the log.
    pub fn detail(&self) -> String {
        match self {
            DomainError::Invalid(errors) => match errors.as_slice() {
                [one] => format!("{}: {}", one.field, one.message),
                _ => format!("{} fields are invalid", errors.len()),
            },
            DomainError::Unprocessable { detail, .. } => detail.clone(),
            DomainError::NotFound { what } => format!("{what} not found"),
            DomainError::Forbidden(denied) => denied.message().to_string(),
            DomainError::Conflict(c) => c.detail(),
            DomainError::StaleVersion { detail } => detail.clone(),
            DomainError::PreconditionMissing(detail) | DomainError::TokenRefused(detail) => {
                detail.clone()
            }
            DomainError::Unavailable(_) => "the database is unavailable; retry shortly".into(),
            DomainError::Internal(_) => "an internal error occurred; it has been logged".into(),
        }
    }

    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            DomainError::Invalid(errors) | DomainError::Unprocessable { errors, .. } => errors,
            _ => &[],
        }
    }
}

/// For logs and the command line: the detail, or the cause of a 500 or 503.
impl std::fmt::Display for DomainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DomainError::Internal(cause) | DomainError::Unavailable(cause) => f.write_str(cause),
            DomainError::Invalid(errors) | DomainError::Unprocessable { errors, .. }
                if !errors.is_empty() =>
            {
                let fields: Vec<String> = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                f.write_str(&fields.join("; "))
            }
            other => f.write_str(&other.detail()),
        }
    }
}

impl std::error::Error for DomainError {}

impl From<Denied> for DomainError {
    fn from(denied: Denied) -> DomainError {
        DomainError::Forbidden(denied)
    }
}

impl From<Conflict> for DomainError {
    fn from(conflict: Conflict) -> DomainError {
        DomainError::Conflict(conflict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_types_are_distinct_and_urns() {
        let mut slugs: Vec<&str> = ProblemType::ALL.iter().map(|p| p.slug()).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), ProblemType::ALL.len());
        assert_eq!(
            ProblemType::TaskClosed.uri(),
            "urn:par-tracker:problem:task-closed"
        );
    }

    #[test]
    fn one_invalid_field_is_named_in_the_detail_and_more_are_counted() {
        let one = DomainError::field("progress_percent", "must be between 0 and 100");
        assert_eq!(one.detail(), "progress_percent: must be between 0 and 100");
        let two = DomainError::Invalid(vec![
            FieldError::new("summary", "must not be empty"),
            FieldError::new("evidence[0].url", "must be an http:// or https:// link"),
        ]);
        assert_eq!(two.detail(), "2 fields are invalid");
        // logs and the command line list every field
        assert_eq!(
            two.to_string(),
            "summary: must not be empty; evidence[0].url: must be an http:// or https:// link"
        );
    }

    #[test]
    fn field_errors_belong_to_400_and_422_only() {
        let invalid = DomainError::field("q", "must be at most 200 characters");
        assert_eq!(invalid.field_errors()[0].field, "q");
        let rule = DomainError::rule("completed_on", "must not be in the future");
        assert_eq!(rule.field_errors()[0].message, "must not be in the future");
        assert!(DomainError::not_found("task").field_errors().is_empty());
        assert!(DomainError::Conflict(Conflict::ConcurrentChange)
            .field_errors()
            .is_empty());
    }

    #[test]
    fn causes_of_500_and_503_reach_the_log_but_not_the_client() {
        let internal = DomainError::Internal("null value in column \"code\"".into());
        assert_eq!(internal.to_string(), "null value in column \"code\"");
        assert!(!internal.detail().contains("null value"));
        let unavailable = DomainError::Unavailable("connection refused".into());
        assert_eq!(unavailable.to_string(), "connection refused");
        assert!(!unavailable.detail().contains("refused"));
        // without field errors, the log says what the client is told
        let empty = DomainError::Unprocessable {
            problem: ProblemType::InvalidCursor,
            errors: vec![],
            detail: "the cursor belongs to another query".into(),
        };
        assert_eq!(empty.to_string(), "the cursor belongs to another query");
        assert_eq!(DomainError::not_found("plan").to_string(), "plan not found");
    }
}
