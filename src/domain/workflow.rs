//! The task state machine: every change of a task's status goes through
//! `transition`, in the API and in the demo loader alike.
//!
//! ```text
//! not_started ──lead report──▶ in_progress ──claim──▶ submitted ──accept──▶ completed
//!      └──────────────claim──────────────────────────▲    └──return──▶ in_progress
//! ```
//! Completed and cancelled tasks take no reports, claims or deadline moves.

use super::enums::{AgencyReportStatus, TaskStatus};
use super::error::Conflict;

/// Something that happens to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskEvent {
    /// A progress report by the lead agency: an open task is then in progress.
    LeadReported,
    /// A progress report by a supporting agency: the task's status stays.
    SupportReported,
    /// The lead agency claims completion.
    CompletionClaimed,
    /// The coordinator accepts the claim.
    ClaimAccepted,
    /// The coordinator returns the claim.
    ClaimReturned,
    /// The lead agency asks for a later due date.
    ExtensionRequested,
    /// The coordinator approves a later due date.
    ExtensionApproved,
}

/// The status after `event`, or why `event` cannot happen to a task in `current`.
pub fn transition(current: TaskStatus, event: TaskEvent) -> Result<TaskStatus, Conflict> {
    use TaskEvent::*;
    use TaskStatus::*;
    let closed = |refused: &'static str| Conflict::TaskClosed { current, refused };
    match (event, current) {
        (LeadReported | SupportReported, Completed | Cancelled) => {
            Err(closed("it takes no more reports"))
        }
        (LeadReported, NotStarted | InProgress) => Ok(InProgress),
        (LeadReported | SupportReported, other) => Ok(other),
        (CompletionClaimed, NotStarted | InProgress) => Ok(Submitted),
        (CompletionClaimed, _) => Err(Conflict::TaskNotClaimable { current }),
        (ClaimAccepted, Submitted) => Ok(Completed),
        (ClaimReturned, Submitted) => Ok(InProgress),
        (ClaimAccepted | ClaimReturned, _) => Err(Conflict::TaskNotSubmitted { current }),
        (ExtensionRequested | ExtensionApproved, Completed | Cancelled) => {
            Err(closed("its deadline can no longer move"))
        }
        (ExtensionRequested | ExtensionApproved, other) => Ok(other),
    }
}

/// Something that happens to an agency's report for a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgencyReportEvent {
    /// The agency saves its text and figures.
    Saved,
    /// The agency sends it to the coordinator.
    Submitted,
    Accepted,
    Returned,
}

/// An agency's period report:
/// ```text
/// missing ──save──▶ draft ──submit──▶ submitted ──accept──▶ accepted
///                     ▲                   └──return──▶ returned ──submit──▶ submitted
///                     └─save (stays draft)      (save keeps it returned)
/// ```
/// A submitted or accepted report is not edited.
pub fn report_transition(
    current: AgencyReportStatus,
    event: AgencyReportEvent,
) -> Result<AgencyReportStatus, Conflict> {
    use AgencyReportEvent as E;
    use AgencyReportStatus as S;
    let refused = |refused: &'static str| Conflict::AgencyReportState { current, refused };
    match (event, current) {
        (E::Saved, S::Missing | S::Draft) => Ok(S::Draft),
        (E::Saved, S::Returned) => Ok(S::Returned),
        (E::Saved, _) => Err(refused("a submitted or accepted report is not edited")),
        (E::Submitted, S::Draft | S::Returned) => Ok(S::Submitted),
        (E::Submitted, S::Missing) => Err(refused("save it before submitting")),
        (E::Submitted, _) => Err(refused("it is already submitted")),
        (E::Accepted, S::Submitted) => Ok(S::Accepted),
        (E::Returned, S::Submitted) => Ok(S::Returned),
        (E::Accepted | E::Returned, _) => Err(refused("only a submitted report is reviewed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskEvent::*;
    use TaskStatus::*;

    const ALL: [TaskStatus; 5] = [NotStarted, InProgress, Submitted, Completed, Cancelled];

    #[test]
    fn a_lead_report_starts_an_open_task_and_leaves_a_submitted_one() {
        assert_eq!(transition(NotStarted, LeadReported), Ok(InProgress));
        assert_eq!(transition(InProgress, LeadReported), Ok(InProgress));
        assert_eq!(transition(Submitted, LeadReported), Ok(Submitted));
        assert_eq!(transition(NotStarted, SupportReported), Ok(NotStarted));
        for closed in [Completed, Cancelled] {
            for event in [
                LeadReported,
                SupportReported,
                ExtensionRequested,
                ExtensionApproved,
            ] {
                assert!(matches!(
                    transition(closed, event),
                    Err(Conflict::TaskClosed { current, .. }) if current == closed
                ));
            }
        }
    }

    #[test]
    fn only_open_tasks_are_claimed_and_only_submitted_ones_reviewed() {
        for status in ALL {
            let claim = transition(status, CompletionClaimed);
            assert_eq!(
                claim.is_ok(),
                matches!(status, NotStarted | InProgress),
                "{status}"
            );
            if claim.is_ok() {
                assert_eq!(claim, Ok(Submitted));
            }
            let accept = transition(status, ClaimAccepted);
            let give_back = transition(status, ClaimReturned);
            if status == Submitted {
                assert_eq!(accept, Ok(Completed));
                assert_eq!(give_back, Ok(InProgress));
            } else {
                assert_eq!(accept, Err(Conflict::TaskNotSubmitted { current: status }));
                assert_eq!(
                    give_back,
                    Err(Conflict::TaskNotSubmitted { current: status })
                );
            }
        }
    }

    #[test]
    fn extensions_keep_the_status_of_an_open_task() {
        for status in [NotStarted, InProgress, Submitted] {
            assert_eq!(transition(status, ExtensionRequested), Ok(status));
            assert_eq!(transition(status, ExtensionApproved), Ok(status));
        }
    }

    #[test]
    fn an_agency_report_is_edited_until_submitted_and_again_once_returned() {
        use AgencyReportEvent as E;
        use AgencyReportStatus as S;
        let all = [S::Missing, S::Draft, S::Submitted, S::Accepted, S::Returned];
        for current in all {
            let expected = match current {
                S::Missing | S::Draft => Some(S::Draft),
                S::Returned => Some(S::Returned),
                _ => None,
            };
            assert_eq!(
                report_transition(current, E::Saved).ok(),
                expected,
                "save {current}"
            );
            let expected = matches!(current, S::Draft | S::Returned).then_some(S::Submitted);
            assert_eq!(
                report_transition(current, E::Submitted).ok(),
                expected,
                "submit {current}"
            );
            let reviewed = |e| report_transition(current, e).ok();
            let submitted = current == S::Submitted;
            assert_eq!(
                reviewed(E::Accepted),
                submitted.then_some(S::Accepted),
                "accept {current}"
            );
            assert_eq!(
                reviewed(E::Returned),
                submitted.then_some(S::Returned),
                "return {current}"
            );
        }
    }
}
