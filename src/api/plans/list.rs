use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Plan, PlanPage};
use crate::api::common::{page_request, paged, read};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::After;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PlanListParams {
    /// Only plans of this year.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// Plans, by code.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(PlanListParams),
    responses((status = 200, body = PlanPage), ReadErrors)
)]
#[get("/plans")]
pub async fn list_plans(
    who: Authenticated,
    pool: web::Data<DbPool>,
    params: QueryParams<PlanListParams>,
) -> ApiResult<web::Json<PlanPage>> {
    let params = params.into_inner();
    if params.year.is_some_and(|y| !(2000..=2100).contains(&y)) {
        return Err(ApiError::field("year", "must be between 2000 and 2100"));
    }
    let page = page_request(params.limit, params.cursor.as_deref(), "plans")?;
    let limit = page.limit;
    let rows = read(&pool, who, move |conn, _| {
        Ok(store::plans::list(
            conn,
            params.year,
            page.after.as_ref(),
            limit + 1,
        )?)
    })
    .await?;
    let (items, next_cursor) = paged(
        rows,
        limit,
        "plans",
        |r| After {
            key: r.code.clone(),
            id: r.id,
        },
        Plan::from,
    );
    Ok(web::Json(PlanPage { items, next_cursor }))
}
