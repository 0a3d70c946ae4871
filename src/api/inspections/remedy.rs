use actix_web::{post, web, HttpResponse};

use super::Finding;
use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::FindingId;
use crate::error::ApiResult;
use crate::service::inspections::{self, ReportRemedy};

/// Reports how a finding was remedied, with evidence documents (an officer of
/// the inspected agency): the finding awaits verification. A verified
/// finding, or one whose remedy already awaits verification, is 409.
#[utoipa::path(
    tag = "inspections",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Finding id")),
    request_body = ReportRemedy,
    responses((status = 201, body = Finding), WriteErrors)
)]
#[post("/findings/{id}/remedy")]
pub async fn report_remedy(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<FindingId>,
    body: JsonBody<ReportRemedy>,
) -> ApiResult<HttpResponse> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let finding = act(&pool, who, move |conn, actor| {
        inspections::report_remedy(conn, actor, id, body)
    })
    .await?;
    Ok(crate::api::created(format!("/api/v1/findings/{}", finding.id)).json(finding))
}
