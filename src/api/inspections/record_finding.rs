use actix_web::{post, web, HttpResponse};

use super::Finding;
use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::InspectionId;
use crate::error::ApiResult;
use crate::service::inspections::{self, CreateFinding};

/// Records a finding of an inspection (inspector or coordinator): `open`
/// until the agency's remedy is verified. The inspection must have been
/// carried out (409 while planned or once cancelled); `due_on` must not be
/// before the conclusion (422).
#[utoipa::path(
    tag = "inspections",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Inspection id")),
    request_body = CreateFinding,
    responses((status = 201, body = Finding), WriteErrors)
)]
#[post("/inspections/{id}/findings")]
pub async fn record_finding(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<InspectionId>,
    body: JsonBody<CreateFinding>,
) -> ApiResult<HttpResponse> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let finding = act(&pool, who, move |conn, actor| {
        inspections::record_finding(conn, actor, id, body)
    })
    .await?;
    Ok(crate::api::created(format!("/api/v1/findings/{}", finding.id)).json(finding))
}
