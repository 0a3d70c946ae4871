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
}

/// A write, with what the rule needs to know about its object.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    ManageUsers,
    /// Create or edit agencies, plans, objectives, tasks.
    EditPlan,
    /// Post a progress report on a task.
    ReportOnTask {
        lead_agency_id: AgencyId,
        supporting_agency_ids: &'a [AgencyId],
    },
    /// Claim completion of, or request an extension for, a task.
    ActAsLeadAgency {
        lead_agency_id: AgencyId,
    },
    /// Accept or return claims; approve or reject extensions.
    Review,
}

/// Why the policy refused: each reason is a problem type of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    NotAdmin,
    NotCoordinator { reviewing: bool },
    NotTaskAgency,
    NotLeadAgency,
}

impl Denied {
    pub fn problem_type(self) -> ProblemType {
        match self {
            Denied::NotAdmin => ProblemType::NotAdmin,
            Denied::NotCoordinator { .. } => ProblemType::NotCoordinator,
            Denied::NotTaskAgency => ProblemType::NotTaskAgency,
            Denied::NotLeadAgency => ProblemType::NotLeadAgency,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Denied::NotAdmin => "only an administrator may manage user accounts",
            Denied::NotCoordinator { reviewing: false } => {
                "only the coordinator may change the plan, its tasks and agencies"
            }
            Denied::NotCoordinator { reviewing: true } => {
                "only the coordinator may review claims and decide extensions"
            }
            Denied::NotTaskAgency => {
                "only an officer of the task's lead or a supporting agency may report on it"
            }
            Denied::NotLeadAgency => "only an officer of the task's lead agency may do this",
        }
    }
}

pub fn authorize(principal: &Principal, action: Action<'_>) -> Result<(), Denied> {
    let role = principal.role;
    if role == Role::Admin {
        return Ok(());
    }
    let allowed = match action {
        Action::ManageUsers => false,
        Action::EditPlan | Action::Review => role == Role::Coordinator,
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
    };
    if allowed {
        return Ok(());
    }
    Err(match action {
        Action::ManageUsers => Denied::NotAdmin,
        Action::EditPlan => Denied::NotCoordinator { reviewing: false },
        Action::Review => Denied::NotCoordinator { reviewing: true },
        Action::ReportOnTask { .. } => Denied::NotTaskAgency,
        Action::ActAsLeadAgency { .. } => Denied::NotLeadAgency,
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
    fn inspectors_write_nothing_and_coordinators_no_users() {
        let inspector = who(Role::Inspector, None);
        for action in [Action::EditPlan, Action::Review, Action::ManageUsers] {
            assert!(authorize(&inspector, action).is_err());
        }
        assert!(authorize(&who(Role::Coordinator, None), Action::ManageUsers).is_err());
        assert!(authorize(&who(Role::Coordinator, None), Action::EditPlan).is_ok());
        assert!(authorize(&who(Role::Admin, None), Action::ManageUsers).is_ok());
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
