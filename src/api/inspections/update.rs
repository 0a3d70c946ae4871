use actix_web::{patch, web};

use super::Inspection;
use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::InspectionId;
use crate::error::ApiResult;
use crate::service::inspections::{self, UpdateInspection};

/// Changes an inspection (inspector or coordinator), as a merge patch:
/// `conducted_on` records it carried out, `conclusion_document` (with
/// `conclusion`) concludes it, `status: cancelled` takes a planned one out of
/// the programme. Concluding one never carried out is 409; `conducted_on`
/// before `scheduled_on` or in the future is 422.
#[utoipa::path(
    tag = "inspections",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Inspection id")),
    request_body(content = UpdateInspection, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Inspection), WriteErrors)
)]
#[patch("/inspections/{id}")]
pub async fn update_inspection(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<InspectionId>,
    body: JsonBody<UpdateInspection>,
) -> ApiResult<web::Json<Inspection>> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let inspection = act(&pool, who, move |conn, actor| {
        inspections::update(conn, actor, id, body)
    })
    .await?;
    Ok(web::Json(inspection))
}
