//! Agencies of the province, kept by the coordinator.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::{merge_patch, Actor};
use crate::domain::enums::AgencyKind;
use crate::domain::error::{Conflict, DomainError, DomainResult};
use crate::domain::ids::AgencyId;
use crate::domain::policy::Action;
use crate::domain::text::{Code, Name};
use crate::store;
use crate::store::agencies::{AgencyChangeset, AgencyRow, NewAgency};

/// An agency of the province.
#[derive(Debug, Serialize, ToSchema)]
pub struct Agency {
    pub id: AgencyId,
    /// Short code, unique in the system (e.g. `SNV` for Sở Nội vụ); officers' demo usernames are it in lower case.
    pub code: String,
    /// Official Vietnamese name.
    pub name: String,
    pub kind: AgencyKind,
    /// The agency it belongs to (a commune's district), if any.
    pub parent_id: Option<AgencyId>,
    /// First day the agency exists (province date, inclusive); `null`: since
    /// before the records.
    pub valid_from: Option<NaiveDate>,
    /// Day the agency ceased to exist (exclusive: its last day is the day
    /// before); `null`: still in being. Set by a merge, split or dissolution.
    pub valid_to: Option<NaiveDate>,
    /// The agencies that took over its work (`POST /agencies/reorganisations`).
    pub successor_ids: Vec<AgencyId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AgencyRow> for Agency {
    fn from(r: AgencyRow) -> Agency {
        Agency {
            id: r.id,
            code: r.code,
            name: r.name,
            kind: r.kind,
            parent_id: r.parent_id,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            successor_ids: Vec::new(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The agencies of `rows`, each with its successors.
pub fn with_successors(conn: &mut PgConnection, rows: Vec<AgencyRow>) -> DomainResult<Vec<Agency>> {
    let ids: Vec<AgencyId> = rows
        .iter()
        .filter(|r| r.valid_to.is_some())
        .map(|r| r.id)
        .collect();
    let links = if ids.is_empty() {
        Vec::new()
    } else {
        store::agencies::successors_of(conn, &ids)?
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut agency = Agency::from(r);
            agency.successor_ids = links
                .iter()
                .filter(|(p, _)| *p == agency.id)
                .map(|(_, s)| *s)
                .collect();
            agency
        })
        .collect())
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgency {
    /// Unique code, e.g. `SNV`; stored upper-case.
    pub code: Code,
    /// e.g. `Sở Nội vụ`.
    pub name: Name,
    pub kind: AgencyKind,
    pub parent_id: Option<AgencyId>,
}

fn check_parent(conn: &mut PgConnection, parent: AgencyId) -> DomainResult<()> {
    store::agencies::find(conn, parent)?
        .ok_or_else(|| DomainError::rule("parent_id", "no such agency"))?;
    Ok(())
}

/// Adds an agency (coordinator).
pub fn create(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    input: CreateAgency,
) -> DomainResult<Agency> {
    actor.may(Action::EditPlan)?;
    if let Some(parent) = input.parent_id {
        check_parent(conn, parent)?;
    }
    let code = input.code.as_str();
    let duplicate = || Conflict::Duplicate(format!("an agency with code {code} already exists"));
    if store::agencies::find_by_code(conn, code)?.is_some() {
        return Err(duplicate().into());
    }
    let row = store::agencies::insert(
        conn,
        &NewAgency {
            id: AgencyId::new(),
            code,
            name: input.name.as_str(),
            kind: input.kind,
            parent_id: input.parent_id,
            created_at: actor.now,
            updated_at: actor.now,
            valid_from: None,
        },
    )
    .map_err(store::conflict_on_duplicate(duplicate()))?;
    let event = Event::AgencyCreated {
        agency: row.id,
        code: row.code.clone(),
        name: row.name.clone(),
        kind: row.kind,
        parent_id: row.parent_id,
    };
    audit::record(conn, actor.principal.user_id, row.created_at, &event)?;
    Ok(row.into())
}

/// A JSON merge patch of an agency: absent fields are kept, `parent_id: null` clears the parent.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgency {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<AgencyKind>,
    #[serde(
        default,
        deserialize_with = "crate::domain::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub parent_id: Option<Option<AgencyId>>,
}

/// Changes an agency (coordinator); an agency cannot become its own ancestor.
pub fn update(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    id: AgencyId,
    patch: UpdateAgency,
) -> DomainResult<Agency> {
    actor.may(Action::EditPlan)?;
    store::agencies::find(conn, id)?.ok_or(DomainError::not_found("agency"))?;
    if let Some(Some(parent)) = patch.parent_id {
        store::agencies::lock_hierarchy(conn)?;
        check_parent(conn, parent)?;
        if store::agencies::would_cycle(conn, id, parent)? {
            return Err(DomainError::rule(
                "parent_id",
                "would make the agency its own ancestor",
            ));
        }
    }
    let changes = AgencyChangeset {
        code: patch.code.as_ref().map(Code::to_string),
        name: patch.name.as_ref().map(Name::to_string),
        kind: patch.kind,
        parent_id: patch.parent_id,
        updated_at: Some(actor.now),
    };
    let row = store::agencies::update(conn, id, &changes)?;
    let event = Event::AgencyUpdated {
        agency: id,
        patch: merge_patch(&patch),
    };
    audit::record(conn, actor.principal.user_id, row.updated_at, &event)?;
    Ok(with_successors(conn, vec![row])?.remove(0))
}
