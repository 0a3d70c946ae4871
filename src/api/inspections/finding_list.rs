use actix_web::{get, web};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::FindingPage;
use crate::api::common::{cursor_of, list_scope, page_request, query_date, read};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::{FindingSeverity, FindingStatus};
use crate::domain::error::{DomainError, ProblemType};
use crate::domain::ids::{AgencyId, InspectionId, PlanId};
use crate::domain::input::IsoDate;
use crate::error::ApiResult;
use crate::service::inspections::{self, FindingPosition};
use crate::store::inspections::FindingFilter;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FindingListParams {
    #[param(value_type = Option<Uuid>)]
    pub plan_id: Option<PlanId>,
    /// Only findings on this agency (the inspected one).
    #[param(value_type = Option<Uuid>)]
    pub agency_id: Option<AgencyId>,
    /// Only this inspection's findings.
    #[param(value_type = Option<Uuid>)]
    pub inspection_id: Option<InspectionId>,
    /// Current status.
    pub status: Option<FindingStatus>,
    pub severity: Option<FindingSeverity>,
    /// `true`: only findings overdue as of `as_of`; `false`: only findings not overdue.
    pub overdue: Option<bool>,
    /// The day overdue is judged on (default: today in Asia/Ho_Chi_Minh).
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<IsoDate>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (with the same filters).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// Where a page of the finding list ended, and the day it was judged on.
#[derive(Debug, Serialize, Deserialize)]
struct FindingCursor {
    after: FindingPosition,
    as_of: NaiveDate,
}

/// Findings, by due day; `overdue` and `days_overdue` as of `as_of`, against
/// the due date (findings have no extensions). Filters combine with AND.
#[utoipa::path(
    tag = "inspections",
    security(("bearer" = [])),
    params(FindingListParams),
    responses((status = 200, body = FindingPage), ReadErrors)
)]
#[get("/findings")]
pub async fn list_findings(
    who: Authenticated,
    pool: web::Data<DbPool>,
    params: QueryParams<FindingListParams>,
) -> ApiResult<web::Json<FindingPage>> {
    let p = params.into_inner();
    let as_of = query_date("as_of", p.as_of.map(NaiveDate::from))?;
    let mut filter = FindingFilter {
        plan_id: p.plan_id,
        agency_id: p.agency_id,
        inspection_id: p.inspection_id,
        status: p.status,
        severity: p.severity,
        overdue: p.overdue,
        as_of: as_of.unwrap_or(who.today()),
    };
    // bound to every filter but the day, which the cursor carries
    let filters = (
        p.plan_id,
        p.agency_id,
        p.inspection_id,
        p.status,
        p.severity,
        p.overdue,
    );
    let scope = list_scope("findings", &filters);
    let request = page_request::<FindingCursor>(p.limit, p.cursor.as_deref(), &scope)?;
    // the next page is judged on the cursor's day, even after midnight
    if let Some(cursor) = &request.after {
        // opaque but not signed: a day PostgreSQL cannot hold is refused before any query
        if !(0..=9999).contains(&cursor.as_of.year()) {
            return Err(DomainError::unprocessable_as(
                ProblemType::InvalidCursor,
                "cursor",
                "is not a cursor returned by this list",
            )
            .into());
        }
        if as_of.is_some_and(|d| d != cursor.as_of) {
            return Err(DomainError::unprocessable_as(
                ProblemType::InvalidCursor,
                "cursor",
                format!("was made for as_of {}; send that or none", cursor.as_of),
            )
            .into());
        }
        filter.as_of = cursor.as_of;
    }
    let as_of = filter.as_of;
    let page = read(&pool, who, move |conn, _| {
        let after = request.after.as_ref().map(|c| &c.after);
        inspections::list_findings(conn, &filter, after, request.limit)
    })
    .await?;
    let next_cursor = page
        .next
        .and_then(|after| cursor_of(&scope, FindingCursor { after, as_of }));
    Ok(web::Json(FindingPage {
        items: page.items,
        next_cursor,
    }))
}
