use actix_web::{post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::common::act;
use crate::api::docs::WriteErrors;
use crate::api::extract::{JsonBody, QueryParams};
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::service::reorganisations::{self, Reorganisation, Reorganise};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReorganiseParams {
    /// `true`: check everything and answer what would move (200), writing nothing.
    pub dry_run: Option<bool>,
}

/// Records a reorganisation of agencies (coordinator): on `effective_on`
/// agencies merge, split, are renamed or dissolved, by the cited decision.
/// The lead and supporting roles of tasks open that day (not completed
/// before it, not cancelled) pass to the successor, each change in the
/// task's history citing the decision; tasks completed before keep their
/// agency. Validated as a whole (422 naming every field at fault: an
/// `effective_on` before an agency's `valid_from`, a successor dissolved by
/// then, a cycle, a split leaving an open task without a successor, a second
/// reorganisation of one agency on one day) and applied in one transaction;
/// a concurrent reorganisation touching one of the same agencies is 409.
#[utoipa::path(
    tag = "agencies",
    security(("bearer" = [])),
    params(ReorganiseParams),
    request_body = Reorganise,
    responses(
        (status = 201, body = Reorganisation, description = "Recorded"),
        (status = 200, body = Reorganisation, description = "Dry run: what would happen; nothing was written"),
        WriteErrors
    )
)]
#[post("/agencies/reorganisations")]
pub async fn reorganise_agencies(
    who: Authenticated,
    pool: web::Data<DbPool>,
    params: QueryParams<ReorganiseParams>,
    body: JsonBody<Reorganise>,
) -> ApiResult<HttpResponse> {
    let dry_run = params.into_inner().dry_run.unwrap_or(false);
    let body = body.into_inner();
    let done = act(&pool, who, move |conn, actor| {
        reorganisations::reorganise(conn, actor, body, dry_run)
    })
    .await?;
    if dry_run {
        return Ok(HttpResponse::Ok().json(done));
    }
    Ok(crate::api::created(format!("/api/v1/agencies/reorganisations/{}", done.id)).json(done))
}
