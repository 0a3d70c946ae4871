//! A plan's focal objectives (mục tiêu trọng tâm).

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::{merge_patch, Actor};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{ObjectiveId, PlanId};
use crate::domain::policy::Action;
use crate::domain::text::{Code, Title};
use crate::store;
use crate::store::plans::{NewObjective, ObjectiveChangeset, ObjectiveRow};

#[derive(Debug, Serialize, ToSchema)]
pub struct Objective {
    pub id: ObjectiveId,
    pub plan_id: PlanId,
    /// Unique within the plan, e.g. `MT01`.
    pub code: String,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ObjectiveRow> for Objective {
    fn from(r: ObjectiveRow) -> Objective {
        Objective {
            id: r.id,
            plan_id: r.plan_id,
            code: r.code,
            title: r.title,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateObjective {
    /// e.g. `MT01`.
    pub code: Code,
    pub title: Title,
}

/// Adds an objective to a plan (coordinator).
pub fn create(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    plan_id: PlanId,
    input: CreateObjective,
) -> DomainResult<Objective> {
    actor.may(Action::EditPlan)?;
    store::plans::find(conn, plan_id)?.ok_or(DomainError::not_found("plan"))?;
    let code = input.code.as_str();
    let row = store::plans::insert_objective(
        conn,
        &NewObjective {
            id: ObjectiveId::new(),
            plan_id,
            code,
            title: input.title.as_str(),
            created_at: actor.now,
            updated_at: actor.now,
        },
    )
    .map_err(store::duplicate_as(format!(
        "the plan already has an objective {code}"
    )))?;
    let event = Event::ObjectiveCreated {
        objective: row.id,
        plan_id,
        code: row.code.clone(),
        title: row.title.clone(),
    };
    audit::record(conn, actor.principal.user_id, row.created_at, &event)?;
    Ok(row.into())
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateObjective {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Title>,
}

/// Changes an objective (coordinator).
pub fn update(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    id: ObjectiveId,
    patch: UpdateObjective,
) -> DomainResult<Objective> {
    actor.may(Action::EditPlan)?;
    store::plans::find_objective(conn, id)?.ok_or(DomainError::not_found("objective"))?;
    let changes = ObjectiveChangeset {
        code: patch.code.as_ref().map(Code::to_string),
        title: patch.title.as_ref().map(Title::to_string),
        updated_at: Some(actor.now),
    };
    let row = store::plans::update_objective(conn, id, &changes)?;
    let event = Event::ObjectiveUpdated {
        objective: id,
        patch: merge_patch(&patch),
    };
    audit::record(conn, actor.principal.user_id, row.updated_at, &event)?;
    Ok(row.into())
}
