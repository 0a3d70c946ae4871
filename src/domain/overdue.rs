//! Overdue arithmetic. Days are calendar days in the province
//! (Asia/Ho_Chi_Minh, UTC+7, no daylight saving): 00:30 UTC is already 07:30 there.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

use super::enums::TaskStatus;

/// Offset of Asia/Ho_Chi_Minh; Vietnam has kept UTC+7 without DST since 1975.
pub fn province_offset() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// The calendar day in the province at instant `now`.
pub fn province_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&province_offset()).date_naive()
}

/// What a task looked like as of a day, for the overdue rule.
#[derive(Debug, Clone, Copy)]
pub struct TaskAsOf {
    pub status: TaskStatus,
    pub completed_on: Option<NaiveDate>,
    /// The due date in force on that day (after extensions approved on or before it).
    pub effective_due_on: NaiveDate,
}

/// Days a task is overdue as of `as_of`, or `None` when it is not: it is overdue
/// when it was not completed on or before `as_of`, is not cancelled, and its
/// effective due date is before `as_of`. Due on `as_of` itself is not yet late.
pub fn days_overdue(task: TaskAsOf, as_of: NaiveDate) -> Option<i64> {
    if task.status == TaskStatus::Cancelled {
        return None;
    }
    let completed_by_then =
        task.status == TaskStatus::Completed && task.completed_on.is_some_and(|c| c <= as_of);
    if completed_by_then || task.effective_due_on >= as_of {
        return None;
    }
    Some((as_of - task.effective_due_on).num_days())
}

/// Completed after its (effective) due date.
pub fn completed_late(completed_on: NaiveDate, effective_due_on: NaiveDate) -> bool {
    completed_on > effective_due_on
}

/// What a finding looked like as of a day, for the overdue rule.
#[derive(Debug, Clone, Copy)]
pub struct FindingAsOf {
    /// The province day it was recorded: before it, the finding did not exist.
    pub recorded_on: NaiveDate,
    /// Its due date. Findings have no extensions: this is the date in force.
    pub due_on: NaiveDate,
    /// The province day its remedy was verified and accepted, if it was.
    pub verified_on: Option<NaiveDate>,
}

impl FindingAsOf {
    /// Recorded on or before `as_of`.
    pub fn exists(&self, as_of: NaiveDate) -> bool {
        self.recorded_on <= as_of
    }

    /// Remedied (its remedy verified) on or before `as_of`.
    pub fn remedied(&self, as_of: NaiveDate) -> bool {
        self.verified_on.is_some_and(|v| v <= as_of)
    }

    /// Days the finding is overdue as of `as_of`, or `None` when it is not:
    /// recorded by then, not remedied by then, and due before then. Due on
    /// `as_of` itself is not yet late, as for tasks.
    pub fn days_overdue(&self, as_of: NaiveDate) -> Option<i64> {
        if !self.exists(as_of) || self.remedied(as_of) || self.due_on >= as_of {
            return None;
        }
        Some((as_of - self.due_on).num_days())
    }

    /// Remedied after its due date.
    pub fn remedied_late(&self) -> bool {
        self.verified_on.is_some_and(|v| v > self.due_on)
    }
}

/// "Tình hình thực hiện": a task's standing in the words reports and plan
/// appendices use. Serialised as those words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub enum StatusLabel {
    #[serde(rename = "Đã hoàn thành đúng hạn")]
    CompletedOnTime,
    #[serde(rename = "Đã hoàn thành quá hạn")]
    CompletedLate,
    #[serde(rename = "Đang thực hiện, trong hạn")]
    InProgressOnTime,
    #[serde(rename = "Đang thực hiện, quá hạn")]
    InProgressLate,
    #[serde(rename = "Chưa thực hiện")]
    NotStarted,
    #[serde(rename = "Đã hủy")]
    Cancelled,
}

impl StatusLabel {
    pub const ALL: [StatusLabel; 6] = [
        StatusLabel::CompletedOnTime,
        StatusLabel::CompletedLate,
        StatusLabel::InProgressOnTime,
        StatusLabel::InProgressLate,
        StatusLabel::NotStarted,
        StatusLabel::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StatusLabel::CompletedOnTime => "Đã hoàn thành đúng hạn",
            StatusLabel::CompletedLate => "Đã hoàn thành quá hạn",
            StatusLabel::InProgressOnTime => "Đang thực hiện, trong hạn",
            StatusLabel::InProgressLate => "Đang thực hiện, quá hạn",
            StatusLabel::NotStarted => "Chưa thực hiện",
            StatusLabel::Cancelled => "Đã hủy",
        }
    }
}

/// The words for a task as of `as_of`: `status` is its status on that day,
/// `completed_on` its completion day (if by then), `effective_due_on` the due
/// date in force then. Completed on the due day is on time; a submitted claim
/// is still being done (the coordinator has not accepted it); an open task is
/// late from the day after its due date, as `days_overdue` says.
pub fn status_label(
    status: TaskStatus,
    completed_on: Option<NaiveDate>,
    effective_due_on: NaiveDate,
    as_of: NaiveDate,
) -> StatusLabel {
    match (status, completed_on) {
        (TaskStatus::Cancelled, _) => StatusLabel::Cancelled,
        (TaskStatus::Completed, Some(on)) if completed_late(on, effective_due_on) => {
            StatusLabel::CompletedLate
        }
        (TaskStatus::Completed, _) => StatusLabel::CompletedOnTime,
        (TaskStatus::NotStarted, _) => StatusLabel::NotStarted,
        (TaskStatus::InProgress | TaskStatus::Submitted, _) => {
            let task = TaskAsOf {
                status,
                completed_on,
                effective_due_on,
            };
            if days_overdue(task, as_of).is_some() {
                StatusLabel::InProgressLate
            } else {
                StatusLabel::InProgressOnTime
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_province_day_starts_at_17_utc() {
        assert_eq!(
            province_date(Utc.with_ymd_and_hms(2023, 9, 30, 16, 59, 59).unwrap()),
            d(2023, 9, 30)
        );
        assert_eq!(
            province_date(Utc.with_ymd_and_hms(2023, 9, 30, 17, 0, 0).unwrap()),
            d(2023, 10, 1)
        );
    }

    #[test]
    fn overdue_starts_the_day_after_the_due_date() {
        let open = TaskAsOf {
            status: TaskStatus::InProgress,
            completed_on: None,
            effective_due_on: d(2023, 9, 30),
        };
        assert_eq!(days_overdue(open, d(2023, 9, 30)), None);
        assert_eq!(days_overdue(open, d(2023, 10, 1)), Some(1));
        assert_eq!(days_overdue(open, d(2023, 12, 31)), Some(92));
    }

    #[test]
    fn completion_counts_from_its_date() {
        let done = TaskAsOf {
            status: TaskStatus::Completed,
            completed_on: Some(d(2023, 10, 15)),
            effective_due_on: d(2023, 9, 30),
        };
        assert_eq!(days_overdue(done, d(2023, 10, 10)), Some(10));
        assert_eq!(days_overdue(done, d(2023, 10, 15)), None);
        assert!(completed_late(d(2023, 10, 15), d(2023, 9, 30)));
        let cancelled = TaskAsOf {
            status: TaskStatus::Cancelled,
            completed_on: None,
            effective_due_on: d(2023, 1, 1),
        };
        assert_eq!(days_overdue(cancelled, d(2023, 12, 31)), None);
    }

    #[test]
    fn completed_on_due_day_is_on_time() {
        let due = d(2024, 2, 29);
        assert!(!completed_late(d(2024, 2, 28), due));
        assert!(!completed_late(due, due), "on the due day itself");
        assert!(completed_late(d(2024, 3, 1), due), "the day after");
    }

    #[test]
    fn a_finding_is_overdue_from_the_day_after_its_due_day_until_verified() {
        let finding = FindingAsOf {
            recorded_on: d(2023, 6, 20),
            due_on: d(2023, 8, 31),
            verified_on: Some(d(2023, 9, 12)),
        };
        assert_eq!(finding.days_overdue(d(2023, 8, 31)), None, "due that day");
        assert_eq!(finding.days_overdue(d(2023, 9, 1)), Some(1));
        assert_eq!(finding.days_overdue(d(2023, 9, 11)), Some(11));
        assert_eq!(
            finding.days_overdue(d(2023, 9, 12)),
            None,
            "verified that day"
        );
        assert!(!finding.remedied(d(2023, 9, 11)) && finding.remedied(d(2023, 9, 12)));
        assert!(finding.remedied_late());
        // before it was recorded it was nothing, not overdue
        let recorded_late = FindingAsOf {
            recorded_on: d(2023, 10, 2),
            due_on: d(2023, 9, 30),
            verified_on: None,
        };
        assert!(!recorded_late.exists(d(2023, 10, 1)));
        assert_eq!(recorded_late.days_overdue(d(2023, 10, 1)), None);
        assert_eq!(recorded_late.days_overdue(d(2023, 10, 2)), Some(2));
        let on_time = FindingAsOf {
            verified_on: Some(d(2023, 8, 31)),
            ..finding
        };
        assert!(!on_time.remedied_late(), "verified on the due day");
        assert!(!FindingAsOf {
            verified_on: None,
            ..finding
        }
        .remedied_late());
    }

    #[test]
    fn status_labels_turn_on_the_day_after_the_due_day() {
        use TaskStatus::*;
        let due = d(2023, 9, 30);
        let label = |status, completed_on, as_of| status_label(status, completed_on, due, as_of);
        // completed on the due day is on time, the day after is late
        assert_eq!(
            label(Completed, Some(due), d(2023, 12, 31)),
            StatusLabel::CompletedOnTime
        );
        assert_eq!(
            label(Completed, Some(d(2023, 10, 1)), d(2023, 12, 31)),
            StatusLabel::CompletedLate
        );
        // open work: in time on the due day, late from the day after
        for open in [InProgress, Submitted] {
            assert_eq!(label(open, None, due), StatusLabel::InProgressOnTime);
            assert_eq!(
                label(open, None, d(2023, 10, 1)),
                StatusLabel::InProgressLate
            );
        }
        assert_eq!(
            label(NotStarted, None, d(2023, 10, 1)),
            StatusLabel::NotStarted
        );
        assert_eq!(
            label(Cancelled, None, d(2024, 1, 1)),
            StatusLabel::Cancelled
        );
        assert_eq!(
            StatusLabel::InProgressLate.as_str(),
            "Đang thực hiện, quá hạn"
        );
        assert_eq!(
            serde_json::to_value(StatusLabel::Cancelled).unwrap(),
            serde_json::json!("Đã hủy")
        );
        for l in StatusLabel::ALL {
            assert_eq!(
                serde_json::to_value(l).unwrap(),
                serde_json::json!(l.as_str())
            );
        }
    }
}
