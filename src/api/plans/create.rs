use actix_web::{post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Plan;
use crate::api::common::transaction;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::input::whole_number;
use crate::domain::policy::Action;
use crate::domain::text::{Code, PlanTitle};
use crate::error::{conflict_as, ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;

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
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    request_body = CreatePlan,
    responses((status = 201, body = Plan), WriteErrors)
)]
#[post("/plans")]
pub async fn create_plan(
    who: Authenticated,
    pool: web::Data<DbPool>,
    body: JsonBody<CreatePlan>,
) -> ApiResult<HttpResponse> {
    who.require(Action::EditPlan)?;
    let body = body.into_inner();
    if !(2000..=2100).contains(&body.year) {
        return Err(ApiError::field("year", "must be between 2000 and 2100"));
    }
    let year = body.year as i32;
    let (code, title) = (body.code.into_inner(), body.title.into_inner());
    let programme = body.programme.map(PlanTitle::into_inner);
    let actor = who.user_id;
    let row = transaction(&pool, move |conn| {
        let row = store::plans::insert(
            conn,
            &store::plans::NewPlan {
                id: Uuid::new_v4(),
                code: &code,
                year,
                title: &title,
                programme: programme.as_deref(),
            },
        )
        .map_err(conflict_as(format!(
            "a plan with code {code} already exists"
        )))?;
        store::audit::record(
            conn,
            &NewAuditEvent::new(
                actor,
                "plan.created",
                "plan",
                row.id,
                serde_json::json!({"code": row.code, "year": row.year, "title": row.title}),
            )
            .at(row.created_at),
        )?;
        Ok(row)
    })
    .await?;
    Ok(HttpResponse::Created().json(Plan::from(row)))
}
