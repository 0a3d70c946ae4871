use actix_web::http::header::{self, HeaderName};
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::act;
use crate::api::docs::ImportErrors;
use crate::api::extract::{body_timed_out, QueryParams, BODY_TIMEOUT};
use crate::api::sheets::{read_upload, XLSX};
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::error::ProblemType;
use crate::domain::ids::PlanId;
use crate::domain::policy::Action;
use crate::domain::sheet::{CellError, MAX_IMPORT_BYTES};
use crate::error::{ApiError, ApiResult};
use crate::service::reports::IdempotencyKey;
use crate::service::sheets::{self, ImportOutcome, ImportReport};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// `true`: check every row and report what would happen, writing nothing.
    pub dry_run: Option<bool>,
}

/// The answer to a sheet with errors: every faulty cell, with suggestions.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportProblem {
    /// `urn:par-tracker:problem:import-rejected`.
    pub r#type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub errors: Vec<CellError>,
}

/// Imports a plan's tasks from a sheet (coordinator): `text/csv` (UTF-8, with or
/// without a BOM; comma or semicolon) or XLSX (the first visible sheet with a
/// recognised header row; formulas as their cached values). Columns are found by
/// their Vietnamese or English header in any order: STT, Nhiệm vụ, Mã (else made
/// from STT: `NV07`), Lĩnh vực (or area heading rows such as `I. CẢI CÁCH THỂ CHẾ`),
/// Cơ quan chủ trì, Cơ quan phối hợp (separated by `;`, `,` or new lines), Thời hạn
/// (`30/6/2024`, `Tháng 9/2024`, `Quý II/2024`, `Trước 30/6/2024`, `Thường xuyên`,
/// `Hằng năm`, a date cell), Kết quả, sản phẩm, Mục tiêu (an objective's code).
/// Agencies are matched by code or name, ignoring case, diacritics and "Sở", "UBND".
///
/// A row whose code the plan has updates that task (its lead agency and deadline must
/// match); any other row creates one. Every row is checked first: one fault anywhere
/// and nothing is written (422 listing every cell at fault). Importing the same sheet
/// again changes nothing; with `Idempotency-Key`, a retry of an import that wrote gets its
/// first answer. At most 5,000 task rows and 10 MB.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Plan id"),
        ImportParams,
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = "Makes retries safe: an import that wrote is replayed to a retry with the same key and body (not for dry runs)", min_length = 1, max_length = 200, pattern = "^[!-~]+$")
    ),
    request_body(description = "The sheet", content(
        (String = "text/csv"),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )),
    responses(
        (status = 200, description = "What was done (or, for a dry run, would be) with each task row", body = ImportReport,
            headers(("Idempotency-Replayed" = String, description = "`true` when this is the stored answer to an earlier import with the same Idempotency-Key (nothing was written)"))),
        (status = 422, description = "The sheet has errors (every cell at fault, with its row, column and up to three suggestions); nothing was written",
            body = ImportProblem, content_type = "application/problem+json"),
        ImportErrors
    )
)]
#[post("/plans/{id}/import")]
pub async fn import_plan(
    req: HttpRequest,
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<PlanId>,
    params: QueryParams<ImportParams>,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    let is_xlsx = match media_type(&req).as_deref() {
        Some("text/csv") => false,
        Some(XLSX) => true,
        _ => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "send the sheet as text/csv or {XLSX}"
            )))
        }
    };
    // the same rule the use case applies, asked before a large body is read
    who.require(Action::EditPlan)?;
    let key = req
        .headers()
        .get(HeaderName::from_static("idempotency-key"))
        .map(|v| IdempotencyKey::parse(v.as_bytes()))
        .transpose()?;
    let bytes = read_body(body).await?;
    let (plan_id, dry_run) = (id.into_inner(), params.dry_run.unwrap_or(false));
    // the request as a retry must repeat it: the sheet, its type and dry_run
    let hash = format!(
        "{:x}",
        Sha256::new()
            .chain_update([u8::from(is_xlsx), u8::from(dry_run)])
            .chain_update(&bytes)
            .finalize()
    );
    let grid = web::block(move || read_upload(is_xlsx, &bytes)).await??;
    let outcome = act(&pool, who, move |conn, actor| {
        let key = key.as_ref().map(|k| (k, hash.as_str()));
        sheets::import(conn, actor, plan_id, &grid, dry_run, key)
    })
    .await?;
    Ok(match outcome {
        ImportOutcome::Done(report) => HttpResponse::Ok().json(report),
        ImportOutcome::Replayed(body) => HttpResponse::Ok()
            .content_type("application/json")
            .insert_header(("Idempotency-Replayed", "true"))
            .body(body),
        ImportOutcome::Refused(errors) => {
            let kind = ProblemType::ImportRejected;
            let problem = ImportProblem {
                r#type: kind.uri(),
                title: kind.title().into(),
                status: kind.status(),
                detail: format!(
                    "{} cell(s) at fault, the first in row {}; nothing was imported",
                    errors.len(),
                    errors.first().map_or(0, |e| e.row)
                ),
                errors,
            };
            HttpResponse::UnprocessableEntity()
                .insert_header((header::CONTENT_TYPE, "application/problem+json"))
                .body(serde_json::to_string(&problem).unwrap_or_default())
        }
    })
}

fn media_type(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime: mime::Mime = value.parse().ok()?;
    Some(mime.essence_str().to_ascii_lowercase())
}

/// The body, up to `MAX_IMPORT_BYTES` (413 beyond), within `BODY_TIMEOUT`.
async fn read_body(body: web::Payload) -> ApiResult<web::Bytes> {
    let read = actix_web::rt::time::timeout(BODY_TIMEOUT, body.to_bytes_limited(MAX_IMPORT_BYTES))
        .await
        .map_err(|_| body_timed_out())?;
    match read {
        Err(_) => Err(ApiError::PayloadTooLarge(format!(
            "the sheet is larger than {} MB",
            MAX_IMPORT_BYTES / 1024 / 1024
        ))),
        Ok(Err(_)) => Err(ApiError::field("body", "the body could not be read")),
        Ok(Ok(bytes)) => Ok(bytes),
    }
}
