use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::InspectionPage;
use crate::api::common::{cursor_of, list_scope, page_request, read};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::InspectionStatus;
use crate::domain::ids::{AgencyId, PlanId};
use crate::error::ApiResult;
use crate::service::inspections::{self, InspectionPosition};
use crate::store::inspections::InspectionFilter;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InspectionListParams {
    #[param(value_type = Option<Uuid>)]
    pub plan_id: Option<PlanId>,
    /// Only inspections of this agency.
    #[param(value_type = Option<Uuid>)]
    pub agency_id: Option<AgencyId>,
    /// Current status.
    pub status: Option<InspectionStatus>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (with the same filters).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// Inspections, by scheduled day. Filters combine with AND.
#[utoipa::path(
    tag = "inspections",
    security(("bearer" = [])),
    params(InspectionListParams),
    responses((status = 200, body = InspectionPage), ReadErrors)
)]
#[get("/inspections")]
pub async fn list_inspections(
    who: Authenticated,
    pool: web::Data<DbPool>,
    params: QueryParams<InspectionListParams>,
) -> ApiResult<web::Json<InspectionPage>> {
    let p = params.into_inner();
    let filter = InspectionFilter {
        plan_id: p.plan_id,
        agency_id: p.agency_id,
        status: p.status,
    };
    let scope = list_scope("inspections", &filter);
    let request = page_request::<InspectionPosition>(p.limit, p.cursor.as_deref(), &scope)?;
    let page = read(&pool, who, move |conn, _| {
        inspections::list(conn, &filter, request.after.as_ref(), request.limit)
    })
    .await?;
    Ok(web::Json(InspectionPage {
        items: page.items,
        next_cursor: page.next.and_then(|after| cursor_of(&scope, after)),
    }))
}
