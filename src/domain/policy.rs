//! Who may do what, in one place. Handlers ask `authorize` before any write.

use super::enums::Role;
use super::error::ProblemType;
use super::ids::{AgencyId, UserId};

/// The authenticated caller, as carried by a verified access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub username: String,
    pub role: Role,
    /// Set for agency officers (and optionally others): the agency they speak for.
    pub agency_id: Option<AgencyId>,
    /// The account's credential version when the token was issued; a password
    /// change moves it, and older tokens stop working.
    pub credential_version: i32,
}

/// A write, with what the rule needs to know about its object.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    ManageUsers,
    /// Create or edit agencies, plans, objectives, tasks.
    EditPlan,
    /// Mark a plan public (its read-only page, without login) or private again.
    PublishPlan,
    /// Post a progress report on a task.
    ReportOnTask {
        lead_agency_id: AgencyId,
        supporting_agency_ids: &'a [AgencyId],
    },
    /// Claim completion of, or request an extension for, a task.
    ActAsLeadAgency {
        lead_agency_id: AgencyId,
    },
    /// Accept or return claims and agency period reports; approve or reject extensions.
    Review,
    /// Write or submit an agency's period report.
    ReportForAgency {
        agency_id: AgencyId,
    },
    /// Subscribe other systems to events (webhooks) and see their deliveries.
    ManageWebhooks,
    /// Record an indicator's figure: one agency's, or the province's (then
    /// `agency_id` is the indicator's responsible agency, if it has one).
    RecordFigure {
        agency_id: Option<AgencyId>,
    },
    /// Plan and record inspections, record their findings, verify remedies.
    Inspect,
    /// Report how a finding on `agency_id` was remedied.
    RemedyFinding {
        agency_id: AgencyId,
    },
    /// Upload an evidence file, to cite in its agency's (or its own) evidence.
    UploadEvidence,
    /// Record a reorganisation of agencies: merge, split, rename, dissolve.
    Reorganise,
}

/// Why the policy refused: each reason is a problem type of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    NotAdmin,
    NotCoordinator { reviewing: bool },
    NotTaskAgency,
    NotLeadAgency,
    NotOwnAgency,
    NotFigureAgency,
    NotInspector,
    NotInspectedAgency,
    NotEvidenceWriter,
}

impl Denied {
    pub fn problem_type(self) -> ProblemType {
        match self {
            Denied::NotAdmin => ProblemType::NotAdmin,
            Denied::NotCoordinator { .. } => ProblemType::NotCoordinator,
            Denied::NotTaskAgency => ProblemType::NotTaskAgency,
            Denied::NotLeadAgency => ProblemType::NotLeadAgency,
            Denied::NotOwnAgency => ProblemType::NotOwnAgency,
            Denied::NotFigureAgency => ProblemType::NotFigureAgency,
            Denied::NotInspector => ProblemType::NotInspector,
            Denied::NotInspectedAgency => ProblemType::NotInspectedAgency,
            Denied::NotEvidenceWriter => ProblemType::NotEvidenceWriter,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Denied::NotAdmin => "only an administrator may manage user accounts",
            Denied::NotCoordinator { reviewing: false } => {
                "only the coordinator may change the plan, its tasks and agencies, and manage webhooks"
            }
            Denied::NotCoordinator { reviewing: true } => {
                "only the coordinator may review claims and agency reports and decide extensions"
            }
            Denied::NotTaskAgency => {
                "only an officer of the task's lead or a supporting agency may report on it"
            }
            Denied::NotLeadAgency => "only an officer of the task's lead agency may do this",
            Denied::NotOwnAgency => "only an officer of the agency may write its period report",
            Denied::NotFigureAgency => {
                "only the coordinator, or an officer of the agency the figure belongs to \
                 (for the province's figure: the indicator's responsible agency), may record it"
            }
            Denied::NotInspector => {
                "only an inspector or the coordinator may plan and record inspections, \
                 their findings and the verification of remedies"
            }
            Denied::NotInspectedAgency => {
                "only an officer of the inspected agency may report how its finding was remedied"
            }
            Denied::NotEvidenceWriter => {
                "only those who write evidence (an agency's officers, the coordinator, \
                 inspectors) may upload evidence files"
            }
        }
    }
}

/// Whose completion claims and extension requests a caller sees in the queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadScope {
    /// Every agency's.
    Everything,
    /// One agency's: the claims it made, the requests on tasks it leads.
    Agency(AgencyId),
    /// None: an officer bound to no agency (the database forbids one, but
    /// the rule does not rely on it).
    Nothing,
}

impl ReadScope {
    /// Whether rows of `agency` are in the scope.
    pub fn includes(self, agency: AgencyId) -> bool {
        match self {
            ReadScope::Everything => true,
            ReadScope::Agency(own) => own == agency,
            ReadScope::Nothing => false,
        }
    }
}

/// An agency officer sees its own agency's claims and extension requests:
/// they are its work in progress, not yet the plan's record. The coordinator
/// (who decides them), inspectors and administrators see every agency's.
pub fn queue_scope(principal: &Principal) -> ReadScope {
    match (principal.role, principal.agency_id) {
        (Role::AgencyOfficer, Some(agency)) => ReadScope::Agency(agency),
        (Role::AgencyOfficer, None) => ReadScope::Nothing,
        (Role::Admin | Role::Coordinator | Role::Inspector, _) => ReadScope::Everything,
    }
}

pub fn authorize(principal: &Principal, action: Action<'_>) -> Result<(), Denied> {
    let role = principal.role;
    if role == Role::Admin {
        return Ok(());
    }
    let allowed = match action {
        Action::ManageUsers => false,
        Action::EditPlan
        | Action::PublishPlan
        | Action::Review
        | Action::ManageWebhooks
        | Action::Reorganise => role == Role::Coordinator,
        Action::ReportOnTask {
            lead_agency_id,
            supporting_agency_ids,
        } => {
            role == Role::AgencyOfficer
                && principal
                    .agency_id
                    .is_some_and(|a| a == lead_agency_id || supporting_agency_ids.contains(&a))
        }
        Action::ActAsLeadAgency { lead_agency_id } => {
            role == Role::AgencyOfficer && principal.agency_id == Some(lead_agency_id)
        }
        Action::ReportForAgency { agency_id } => {
            role == Role::AgencyOfficer && principal.agency_id == Some(agency_id)
        }
        Action::RecordFigure { agency_id } => {
            role == Role::Coordinator
                || (role == Role::AgencyOfficer
                    && agency_id.is_some()
                    && principal.agency_id == agency_id)
        }
        Action::Inspect => matches!(role, Role::Coordinator | Role::Inspector),
        Action::RemedyFinding { agency_id } => {
            role == Role::AgencyOfficer && principal.agency_id == Some(agency_id)
        }
        // an officer speaks for an agency; one bound to none writes no evidence
        Action::UploadEvidence => match role {
            Role::AgencyOfficer => principal.agency_id.is_some(),
            _ => true,
        },
    };
    if allowed {
        return Ok(());
    }
    Err(match action {
        Action::ManageUsers => Denied::NotAdmin,
        Action::EditPlan | Action::PublishPlan | Action::ManageWebhooks | Action::Reorganise => {
            Denied::NotCoordinator { reviewing: false }
        }
        Action::Review => Denied::NotCoordinator { reviewing: true },
        Action::ReportOnTask { .. } => Denied::NotTaskAgency,
        Action::ActAsLeadAgency { .. } => Denied::NotLeadAgency,
        Action::ReportForAgency { .. } => Denied::NotOwnAgency,
        Action::RecordFigure { .. } => Denied::NotFigureAgency,
        Action::Inspect => Denied::NotInspector,
        Action::RemedyFinding { .. } => Denied::NotInspectedAgency,
        Action::UploadEvidence => Denied::NotEvidenceWriter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, agency: Option<AgencyId>) -> Principal {
        Principal {
            user_id: UserId::new(),
            username: "x".into(),
            role,
            agency_id: agency,
            credential_version: 0,
        }
    }

    #[test]
    fn agency_officers_write_only_for_their_agency() {
        let (lead, support, other) = (AgencyId::new(), AgencyId::new(), AgencyId::new());
        let report = Action::ReportOnTask {
            lead_agency_id: lead,
            supporting_agency_ids: &[support],
        };
        assert!(authorize(&who(Role::AgencyOfficer, Some(lead)), report).is_ok());
        assert!(authorize(&who(Role::AgencyOfficer, Some(support)), report).is_ok());
        assert!(authorize(&who(Role::AgencyOfficer, Some(other)), report).is_err());
        let claim = Action::ActAsLeadAgency {
            lead_agency_id: lead,
        };
        assert!(authorize(&who(Role::AgencyOfficer, Some(support)), claim).is_err());
        assert!(authorize(&who(Role::AgencyOfficer, Some(lead)), claim).is_ok());
    }

    #[test]
    fn inspectors_write_inspections_only_and_coordinators_no_users() {
        let inspector = who(Role::Inspector, None);
        let agency = AgencyId::new();
        for action in [
            Action::EditPlan,
            Action::Review,
            Action::ManageUsers,
            Action::ReportOnTask {
                lead_agency_id: agency,
                supporting_agency_ids: &[],
            },
            Action::ActAsLeadAgency {
                lead_agency_id: agency,
            },
            Action::ReportForAgency { agency_id: agency },
            Action::RecordFigure {
                agency_id: Some(agency),
            },
            Action::RemedyFinding { agency_id: agency },
        ] {
            assert!(authorize(&inspector, action).is_err(), "{action:?}");
        }
        // even one bound to an agency by mistake
        let bound = who(Role::Inspector, Some(agency));
        assert_eq!(
            authorize(&bound, Action::RemedyFinding { agency_id: agency }),
            Err(Denied::NotInspectedAgency)
        );
        assert!(authorize(&inspector, Action::Inspect).is_ok());
        assert!(authorize(&who(Role::Coordinator, None), Action::Inspect).is_ok());
        assert_eq!(
            authorize(&who(Role::AgencyOfficer, Some(agency)), Action::Inspect),
            Err(Denied::NotInspector)
        );
        assert!(authorize(&who(Role::Coordinator, None), Action::ManageUsers).is_err());
        assert!(authorize(&who(Role::Coordinator, None), Action::EditPlan).is_ok());
        assert!(authorize(&who(Role::Admin, None), Action::ManageUsers).is_ok());
    }

    /// The README's "Who may do what" table says what the policy does, cell by cell.
    #[test]
    fn the_readme_table_matches_the_policy() {
        let readme = include_str!("../../README.md");
        let section = readme
            .split("## Who may do what")
            .nth(1)
            .expect("the README has a 'Who may do what' section");
        let rows: Vec<Vec<&str>> = section
            .lines()
            .take_while(|l| !l.starts_with("## "))
            .filter(|l| {
                l.starts_with("| ") && !l.starts_with("| action") && !l.starts_with("| ---")
            })
            .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
            .collect();
        assert_eq!(rows.len(), 16, "one row per kind of action");
        let (own, other) = (AgencyId::new(), AgencyId::new());
        let roles = [
            Role::Admin,
            Role::Coordinator,
            Role::AgencyOfficer,
            Role::Inspector,
        ];
        for row in rows {
            let (action, cells) = (row[0], &row[1..]);
            assert_eq!(cells.len(), roles.len(), "{action}");
            for (role, cell) in roles.iter().zip(cells) {
                // (allowed for an officer of the agency, allowed for an officer of another)
                let expected = match *cell {
                    "yes" => (true, true),
                    "no" => (false, false),
                    "own agency, lead or supporting" | "own agency, lead only" | "own agency" => {
                        (true, false)
                    }
                    other => panic!("{action}: unknown cell {other:?}"),
                };
                let check = |agency: AgencyId| -> bool {
                    let who = who(*role, Some(agency));
                    let supporting = [AgencyId::new(), own];
                    let decide = |a: Action<'_>| authorize(&who, a).is_ok();
                    match action {
                        "read plans, tasks, reports, history, summaries, periods, indicators, inspections" => {
                            true
                        }
                        "manage user accounts" => decide(Action::ManageUsers),
                        "manage webhooks and see their deliveries" => {
                            decide(Action::ManageWebhooks)
                        }
                        // each account reads and marks its own, and only its own
                        "read and mark one's own notifications" => true,
                        "change agencies, plans, objectives, tasks, periods, indicators; import tasks from a sheet" => {
                            decide(Action::EditPlan)
                        }
                        "report progress on a task" => {
                            // as lead, and as a supporting agency
                            decide(Action::ReportOnTask {
                                lead_agency_id: own,
                                supporting_agency_ids: &[],
                            }) && decide(Action::ReportOnTask {
                                lead_agency_id: AgencyId::new(),
                                supporting_agency_ids: &supporting,
                            })
                        }
                        // (a supporting agency cannot: the action names the lead only)
                        "claim completion, request an extension" => {
                            decide(Action::ActAsLeadAgency {
                                lead_agency_id: own,
                            })
                        }
                        "review claims and agency reports, decide extensions" => {
                            decide(Action::Review)
                        }
                        "write and submit its agency's period report" => {
                            decide(Action::ReportForAgency { agency_id: own })
                        }
                        // one agency's figure, and the province's when the
                        // officer's agency is the indicator's responsible one
                        "record an indicator's figure" => decide(Action::RecordFigure {
                            agency_id: Some(own),
                        }),
                        "plan and record inspections and findings, verify remedies" => {
                            decide(Action::Inspect)
                        }
                        "report the remedy of a finding" => {
                            decide(Action::RemedyFinding { agency_id: own })
                        }
                        "upload an evidence file" => decide(Action::UploadEvidence),
                        "record reorganisations of agencies (merge, split, rename, dissolve)" => {
                            decide(Action::Reorganise)
                        }
                        // the rows of an agency's claims and requests
                        "mark a plan public (its page without login)" => {
                            decide(Action::PublishPlan)
                        }
                        "see completion claims and extension requests in the queues" => {
                            queue_scope(&who).includes(own)
                        }
                        other => panic!("unknown action {other:?}"),
                    }
                };
                assert_eq!((check(own), check(other)), expected, "{action} as {role}");
            }
        }
    }

    #[test]
    fn a_figure_without_an_agency_is_the_coordinators() {
        let own = AgencyId::new();
        let officer = who(Role::AgencyOfficer, Some(own));
        let province = Action::RecordFigure { agency_id: None };
        assert_eq!(authorize(&officer, province), Err(Denied::NotFigureAgency));
        assert!(authorize(&who(Role::Coordinator, None), province).is_ok());
        assert!(authorize(&who(Role::Inspector, None), province).is_err());
        assert_eq!(
            authorize(&who(Role::AgencyOfficer, None), Action::UploadEvidence),
            Err(Denied::NotEvidenceWriter)
        );
        let other = Action::RecordFigure {
            agency_id: Some(AgencyId::new()),
        };
        assert_eq!(authorize(&officer, other), Err(Denied::NotFigureAgency));
        let report = Action::ReportForAgency { agency_id: own };
        assert!(authorize(&who(Role::Coordinator, None), report).is_err());
        assert!(authorize(&who(Role::Inspector, Some(own)), report).is_err());
    }

    #[test]
    fn officers_see_their_own_agency_s_queue_and_the_others_all() {
        let (own, other) = (AgencyId::new(), AgencyId::new());
        let officer = queue_scope(&who(Role::AgencyOfficer, Some(own)));
        assert_eq!(officer, ReadScope::Agency(own));
        assert!(officer.includes(own) && !officer.includes(other));
        let unbound = queue_scope(&who(Role::AgencyOfficer, None));
        assert!(!unbound.includes(own));
        for role in [Role::Admin, Role::Coordinator, Role::Inspector] {
            // an agency on the account of a non-officer narrows nothing
            for agency in [None, Some(own)] {
                assert_eq!(queue_scope(&who(role, agency)), ReadScope::Everything);
            }
        }
    }

    #[test]
    fn each_refusal_says_who_may() {
        let messages = [
            (Denied::NotAdmin, "administrator"),
            (
                Denied::NotCoordinator { reviewing: false },
                "change the plan",
            ),
            (Denied::NotCoordinator { reviewing: true }, "review claims"),
            (Denied::NotTaskAgency, "lead or a supporting agency"),
            (Denied::NotLeadAgency, "lead agency"),
            (Denied::NotOwnAgency, "period report"),
            (Denied::NotFigureAgency, "responsible agency"),
            (Denied::NotInspector, "inspector"),
            (Denied::NotInspectedAgency, "inspected agency"),
            (Denied::NotEvidenceWriter, "evidence files"),
        ];
        for (denied, says) in messages {
            assert!(denied.message().contains(says), "{denied:?}");
        }
        let inspector = who(Role::Inspector, None);
        assert_eq!(
            authorize(&inspector, Action::Review),
            Err(Denied::NotCoordinator { reviewing: true })
        );
        assert_eq!(
            authorize(&inspector, Action::EditPlan),
            Err(Denied::NotCoordinator { reviewing: false })
        );
    }
}
