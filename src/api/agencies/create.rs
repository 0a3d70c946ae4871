use actix_web::{post, web, HttpResponse};

use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;

use crate::error::ApiResult;
use crate::service::agencies::{self, Agency, CreateAgency};

/// Adds an agency (coordinator).
#[utoipa::path(
    tag = "agencies",
    security(("bearer" = [])),

    request_body = CreateAgency,
    responses((status = 201, body = Agency), WriteErrors)
)]
#[post("/agencies")]
pub async fn create_agency(
    who: Authenticated,
    pool: web::Data<DbPool>,

    body: JsonBody<CreateAgency>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let done = act(&pool, who, move |conn, actor| {
        agencies::create(conn, actor, body)
    })
    .await?;
    Ok(crate::api::created(format!("/api/v1/agencies/{}", done.id)).json(done))
}
