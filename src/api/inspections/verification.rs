use actix_web::{post, web};

use super::Finding;
use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::ids::FindingId;
use crate::error::ApiResult;
use crate::service::inspections::{self, VerifyRemedy};

/// Verifies a finding's reported remedy (inspector or coordinator): `accept`
/// remedies it (`verified`, from today in UTC+7), `return` (with a comment)
/// sends it back to the agency.
#[utoipa::path(
    tag = "inspections",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Finding id")),
    request_body = VerifyRemedy,
    responses((status = 200, body = Finding), WriteErrors)
)]
#[post("/findings/{id}/verification")]
pub async fn verify_remedy(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<FindingId>,
    body: JsonBody<VerifyRemedy>,
) -> ApiResult<web::Json<Finding>> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let finding = act(&pool, who, move |conn, actor| {
        inspections::verify_remedy(conn, actor, id, body)
    })
    .await?;
    Ok(web::Json(finding))
}
