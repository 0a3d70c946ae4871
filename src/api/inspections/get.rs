use actix_web::{get, web};
use chrono::NaiveDate;

use super::InspectionDetail;
use crate::api::common::{query_date, read};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::api::tasks::get::AsOfParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::InspectionId;
use crate::error::ApiResult;
use crate::service::inspections;

/// One inspection with its findings and their remedies.
#[utoipa::path(
    tag = "inspections",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Inspection id"), AsOfParams),
    responses((status = 200, body = InspectionDetail), ReadErrors)
)]
#[get("/inspections/{id}")]
pub async fn get_inspection(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<InspectionId>,
    params: QueryParams<AsOfParams>,
) -> ApiResult<web::Json<InspectionDetail>> {
    let id = id.into_inner();
    let as_of = query_date("as_of", params.as_of.map(NaiveDate::from))?.unwrap_or(who.today());
    let detail = read(&pool, who, move |conn, _| inspections::get(conn, id, as_of)).await?;
    Ok(web::Json(detail))
}
