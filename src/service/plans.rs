//! Plans (kế hoạch CCHC năm): created and changed by the coordinator.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::{merge_patch, Actor};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::PlanId;
use crate::domain::input::whole_number;
use crate::domain::policy::Action;
use crate::domain::text::{Code, PlanTitle};
use crate::store;
use crate::store::plans::{NewPlan, PlanChangeset, PlanRow};

/// An annual reform plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct Plan {
    pub id: PlanId,
    /// Unique code, e.g. `CCHC-2023`.
    pub code: String,
    /// The year the plan covers; ongoing tasks are due on its last day.
    pub year: i32,
    pub title: String,
    /// The longer programme the plan belongs to (e.g. 2021-2030).
    pub programme: Option<String>,
    /// Marked public by the coordinator: its read-only page (tasks, their
    /// status, lead agency and deadline) is open without login at `/cong-khai/{id}`.
    pub public: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PlanRow> for Plan {
    fn from(r: PlanRow) -> Plan {
        Plan {
            id: r.id,
            code: r.code,
            year: r.year,
            title: r.title,
            programme: r.programme,
            public: r.public,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePlan {
    /// e.g. `CCHC-2024`.
    pub code: Code,
    #[serde(deserialize_with = "whole_number")]
    #[schema(value_type = i32, minimum = 2000, maximum = 2100, example = 2024)]
    pub year: i64,
    /// e.g. `Kế hoạch cải cách hành chính tỉnh Khánh Hòa năm 2024`.
    pub title: PlanTitle,
    /// The longer programme the plan belongs to.
    pub programme: Option<PlanTitle>,
}

/// Creates a plan (coordinator).
pub fn create(conn: &mut PgConnection, actor: &Actor<'_>, input: CreatePlan) -> DomainResult<Plan> {
    actor.may(Action::EditPlan)?;
    if !(2000..=2100).contains(&input.year) {
        return Err(DomainError::field("year", "must be between 2000 and 2100"));
    }
    let code = input.code.as_str();
    let row = store::plans::insert(
        conn,
        &NewPlan {
            id: PlanId::new(),
            code,
            year: input.year as i32,
            title: input.title.as_str(),
            programme: input.programme.as_ref().map(PlanTitle::as_str),
            created_at: actor.now,
            updated_at: actor.now,
        },
    )
    .map_err(store::duplicate_as(format!(
        "a plan with code {code} already exists"
    )))?;
    let event = Event::PlanCreated {
        plan: row.id,
        code: row.code.clone(),
        year: row.year,
        title: row.title.clone(),
    };
    audit::record(conn, actor.principal.user_id, row.created_at, &event)?;
    Ok(row.into())
}

/// A JSON merge patch of a plan. The year is fixed once tasks resolve deadlines against it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePlan {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<PlanTitle>,
    /// `null` clears it.
    #[serde(
        default,
        deserialize_with = "crate::domain::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<PlanTitle>)]
    pub programme: Option<Option<PlanTitle>>,
    /// `true`: the plan's read-only page is open without login; `false`: closed again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
}

/// Changes a plan (coordinator).
pub fn update(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    id: PlanId,
    patch: UpdatePlan,
) -> DomainResult<Plan> {
    let edits = patch.code.is_some() || patch.title.is_some() || patch.programme.is_some();
    if edits || patch.public.is_none() {
        actor.may(Action::EditPlan)?;
    }
    if patch.public.is_some() {
        actor.may(Action::PublishPlan)?;
    }
    store::plans::find(conn, id)?.ok_or(DomainError::not_found("plan"))?;
    let changes = PlanChangeset {
        public: patch.public,
        code: patch.code.as_ref().map(Code::to_string),
        title: patch.title.as_ref().map(PlanTitle::to_string),
        programme: patch
            .programme
            .as_ref()
            .map(|p| p.as_ref().map(PlanTitle::to_string)),
        updated_at: Some(actor.now),
    };
    let row = store::plans::update(conn, id, &changes)?;
    let event = Event::PlanUpdated {
        plan: id,
        patch: merge_patch(&patch),
    };
    audit::record(conn, actor.principal.user_id, row.updated_at, &event)?;
    Ok(row.into())
}
