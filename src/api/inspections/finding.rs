use actix_web::{get, web};
use chrono::NaiveDate;

use super::Finding;
use crate::api::common::{query_date, read};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::api::tasks::get::AsOfParams;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::FindingId;
use crate::error::ApiResult;
use crate::service::inspections;

/// One finding with its remedies.
#[utoipa::path(
    tag = "inspections",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Finding id"), AsOfParams),
    responses((status = 200, body = Finding), ReadErrors)
)]
#[get("/findings/{id}")]
pub async fn get_finding(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<FindingId>,
    params: QueryParams<AsOfParams>,
) -> ApiResult<web::Json<Finding>> {
    let id = id.into_inner();
    let as_of = query_date("as_of", params.as_of.map(NaiveDate::from))?.unwrap_or(who.today());
    let finding = read(&pool, who, move |conn, _| {
        inspections::get_finding(conn, id, as_of)
    })
    .await?;
    Ok(web::Json(finding))
}
