//! The task state machine: every change of a task's status goes through
//! `transition`, in the API and in the demo loader alike.
//!
//! ```text
//! not_started ──lead report──▶ in_progress ──claim──▶ submitted ──accept──▶ completed
//!      └──────────────claim──────────────────────────▲    └──return──▶ in_progress
//! ```
//! Completed and cancelled tasks take no reports, claims or deadline moves.

use super::enums::{AgencyReportStatus, FindingStatus, InspectionStatus, TaskStatus};
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

/// Something that happens to an inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspectionEvent {
    /// Its plan changes: the day, the areas, the team, the plan document.
    Replanned,
    /// It is recorded as carried out (or its day is corrected before the conclusion).
    Conducted,
    /// Its conclusion is issued.
    Concluded,
    /// It is taken out of the programme.
    Cancelled,
    /// A finding is recorded on it.
    FindingRecorded,
}

/// An inspection:
/// ```text
/// planned ──conducted_on──▶ conducted ──conclusion──▶ concluded
///    └──cancel──▶ cancelled
/// ```
/// Findings are recorded once it was carried out (conducted or concluded);
/// a concluded or cancelled inspection changes no more.
pub fn inspection_transition(
    current: InspectionStatus,
    event: InspectionEvent,
) -> Result<InspectionStatus, Conflict> {
    use InspectionEvent as E;
    use InspectionStatus as S;
    let refused = |refused: &'static str| Conflict::InspectionState { current, refused };
    match (event, current) {
        (_, S::Cancelled) => Err(refused("a cancelled inspection changes no more")),
        (E::Replanned, S::Planned) => Ok(S::Planned),
        (E::Replanned, _) => Err(refused("only a planned inspection is planned again")),
        (E::Conducted, S::Planned | S::Conducted) => Ok(S::Conducted),
        (E::Conducted, S::Concluded) => Err(refused("its conclusion is issued")),
        (E::Concluded, S::Conducted) => Ok(S::Concluded),
        (E::Concluded, S::Planned) => Err(Conflict::InspectionNotConducted { current }),
        (E::Concluded, S::Concluded) => Err(refused("its conclusion is already issued")),
        (E::Cancelled, S::Planned) => Ok(S::Cancelled),
        (E::Cancelled, _) => Err(refused("an inspection carried out is not cancelled")),
        (E::FindingRecorded, S::Conducted | S::Concluded) => Ok(current),
        (E::FindingRecorded, S::Planned) => Err(Conflict::InspectionNotConducted { current }),
    }
}

/// Something that happens to a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingEvent {
    /// The inspected agency reports how it remedied it.
    RemedyReported,
    /// An inspector (or the coordinator) accepts the remedy.
    RemedyAccepted,
    /// An inspector (or the coordinator) returns the remedy.
    RemedyReturned,
}

/// A finding:
/// ```text
/// open ──remedy──▶ remedy_reported ──accept──▶ verified
///                     ▲     └──return──▶ returned
///                     └──────remedy───────┘
/// ```
/// A verified finding takes no more remedies.
pub fn finding_transition(
    current: FindingStatus,
    event: FindingEvent,
) -> Result<FindingStatus, Conflict> {
    use FindingEvent as E;
    use FindingStatus as S;
    let refused = |refused: &'static str| Conflict::FindingState { current, refused };
    match (event, current) {
        (E::RemedyReported, S::Open | S::Returned) => Ok(S::RemedyReported),
        (E::RemedyReported, S::RemedyReported) => {
            Err(refused("its remedy already awaits verification"))
        }
        (E::RemedyReported, S::Verified) => {
            Err(refused("it is remedied; it takes no more remedies"))
        }
        (E::RemedyAccepted, S::RemedyReported) => Ok(S::Verified),
        (E::RemedyReturned, S::RemedyReported) => Ok(S::Returned),
        (E::RemedyAccepted | E::RemedyReturned, _) => {
            Err(refused("only a reported remedy is verified"))
        }
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

    #[test]
    fn an_inspection_is_carried_out_then_concluded_or_cancelled_before() {
        use InspectionEvent as E;
        use InspectionStatus as S;
        let all = [S::Planned, S::Conducted, S::Concluded, S::Cancelled];
        let events = [
            E::Replanned,
            E::Conducted,
            E::Concluded,
            E::Cancelled,
            E::FindingRecorded,
        ];
        for current in all {
            for event in events {
                let expected = match (event, current) {
                    (_, S::Cancelled) => None,
                    (E::Replanned, S::Planned) => Some(S::Planned),
                    (E::Conducted, S::Planned | S::Conducted) => Some(S::Conducted),
                    (E::Concluded, S::Conducted) => Some(S::Concluded),
                    (E::Cancelled, S::Planned) => Some(S::Cancelled),
                    (E::FindingRecorded, S::Conducted | S::Concluded) => Some(current),
                    _ => None,
                };
                let got = inspection_transition(current, event);
                assert_eq!(got.clone().ok(), expected, "{event:?} on {current}");
                if let Err(conflict) = got {
                    // a refusal names the status it was in
                    assert!(conflict.detail().contains(current.as_str()), "{conflict:?}");
                }
            }
        }
        // concluding, or recording a finding on, an inspection never carried out
        for event in [E::Concluded, E::FindingRecorded] {
            assert_eq!(
                inspection_transition(S::Planned, event),
                Err(Conflict::InspectionNotConducted {
                    current: S::Planned
                })
            );
        }
        assert!(matches!(
            inspection_transition(S::Cancelled, E::FindingRecorded),
            Err(Conflict::InspectionState {
                current: S::Cancelled,
                ..
            })
        ));
    }

    #[test]
    fn a_finding_is_remedied_once_verified_and_reported_again_once_returned() {
        use FindingEvent as E;
        use FindingStatus as S;
        let all = [S::Open, S::RemedyReported, S::Verified, S::Returned];
        for current in all {
            let expected = matches!(current, S::Open | S::Returned).then_some(S::RemedyReported);
            assert_eq!(
                finding_transition(current, E::RemedyReported).ok(),
                expected,
                "remedy on {current}"
            );
            let reported = current == S::RemedyReported;
            assert_eq!(
                finding_transition(current, E::RemedyAccepted).ok(),
                reported.then_some(S::Verified),
                "accept on {current}"
            );
            assert_eq!(
                finding_transition(current, E::RemedyReturned).ok(),
                reported.then_some(S::Returned),
                "return on {current}"
            );
            for event in [E::RemedyReported, E::RemedyAccepted, E::RemedyReturned] {
                if let Err(conflict) = finding_transition(current, event) {
                    assert!(
                        matches!(conflict, Conflict::FindingState { current: c, .. } if c == current),
                        "{conflict:?}"
                    );
                    assert!(conflict.detail().contains(current.as_str()));
                }
            }
        }
    }
}
