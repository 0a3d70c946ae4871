use actix_web::{get, web};

use super::{Objective, ObjectivePage};
use crate::api::common::{page_request, paged, read, PageParams};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::error::DomainError;
use crate::domain::ids::PlanId;
use crate::error::ApiResult;
use crate::store;
use crate::store::After;

/// A plan's objectives, by code.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id"), PageParams),
    responses((status = 200, body = ObjectivePage), ReadErrors)
)]
#[get("/plans/{id}/objectives")]
pub async fn list_objectives(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<PlanId>,
    params: QueryParams<PageParams>,
) -> ApiResult<web::Json<ObjectivePage>> {
    let plan_id = id.into_inner();
    let page = page_request(params.limit, params.cursor.as_deref(), "objectives")?;
    let limit = page.limit;
    let rows = read(&pool, who, move |conn, _| {
        store::plans::find(conn, plan_id)?.ok_or(DomainError::not_found("plan"))?;
        Ok(store::plans::list_objectives(
            conn,
            plan_id,
            page.after.as_ref(),
            limit + 1,
        )?)
    })
    .await?;
    let (items, next_cursor) = paged(
        rows,
        limit,
        "objectives",
        |r| After {
            key: r.code.clone(),
            id: r.id,
        },
        Objective::from,
    );
    Ok(web::Json(ObjectivePage { items, next_cursor }))
}
