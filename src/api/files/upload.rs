use actix_multipart::{Multipart, MultipartError};
use actix_web::{post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::{FileInfo, UploadForm};
use crate::api::common::act;
use crate::api::docs::UploadErrors;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::file::{file_name, sniff, MAX_FILE_BYTES};
use crate::error::{ApiError, ApiResult};
use crate::service::files::{self, Upload};

/// How long an upload may take to arrive: 20 MiB over a slow office line.
const UPLOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Uploads an evidence document (the signed PDF, a scan, a spreadsheet), to
/// cite by `file_id` in a report's, a claim's or a remedy's evidence.
///
/// `multipart/form-data` with one part named `file`. The type is told by the
/// content, not the name: PDF, DOCX, XLSX, ODT, ODS, JPEG or PNG, else `415`.
/// At most 20 MiB (`413` as soon as the body passes it). The part's file name
/// is kept as given (NFC) and only ever shown. An upload no evidence cites
/// within 24 hours is removed.
#[utoipa::path(
    tag = "files",
    security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = FileInfo), UploadErrors)
)]
#[post("/files")]
pub async fn upload_file(
    req: HttpRequest,
    who: Authenticated,
    pool: web::Data<DbPool>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    // A body declared larger than any allowed upload is refused before a byte
    // of it is read; one sent without a length is counted as it arrives.
    if declared_length(&req).is_some_and(|length| length > MAX_FILE_BYTES + FRAMING_BYTES) {
        return Err(too_large());
    }
    let form = Multipart::new(req.headers(), payload);
    // Room for the whole file at once, never grown by copying: memory is
    // taken only as the bytes arrive, and a refused upload held at most 20 MiB.
    let room = declared_length(&req)
        .unwrap_or(MAX_FILE_BYTES)
        .min(MAX_FILE_BYTES);
    let upload = actix_web::rt::time::timeout(UPLOAD_TIMEOUT, receive(form, room as usize))
        .await
        .map_err(|_| {
            ApiError::RequestTimeout(format!(
                "the file did not arrive within {} seconds",
                UPLOAD_TIMEOUT.as_secs()
            ))
        })??;
    let info = act(&pool, who, move |conn, actor| {
        files::upload(conn, actor, upload)
    })
    .await?;
    let mut response = crate::api::created(format!("/api/v1/files/{}", info.id));
    Ok(response.json(info))
}

/// Reads the one part `file`, counting its bytes as they arrive.
async fn receive(mut form: Multipart, room: usize) -> ApiResult<Upload> {
    let mut received: Option<(String, Vec<u8>)> = None;
    while let Some(part) = form.next().await {
        let mut part = part.map_err(refused)?;
        if part.name() != Some("file") {
            return Err(ApiError::field(
                "file",
                "send one part, named `file`, and no other",
            ));
        }
        if received.is_some() {
            return Err(ApiError::field("file", "send one file per request"));
        }
        let given = part
            .content_disposition()
            .and_then(|d| {
                d.get_filename_ext()
                    .map(|ext| String::from_utf8_lossy(&ext.value).into_owned())
                    .or_else(|| d.get_filename().map(str::to_string))
            })
            .unwrap_or_default();
        let name = file_name(&given).map_err(|m| ApiError::field("file", m))?;
        let mut content = Vec::with_capacity(room);
        while let Some(piece) = part.next().await {
            let piece = piece.map_err(refused)?;
            if (content.len() + piece.len()) as u64 > MAX_FILE_BYTES {
                return Err(too_large());
            }
            content.extend_from_slice(&piece);
        }
        received = Some((name, content));
    }
    let (name, content) =
        received.ok_or_else(|| ApiError::field("file", "the part `file` is missing"))?;
    let content_type = sniff(&content).ok_or_else(|| {
        ApiError::UnsupportedMediaType(
            "the file is not a PDF, DOCX, XLSX, ODT, ODS, JPEG or PNG document (told by its content, not its name)"
                .into(),
        )
    })?;
    Ok(Upload {
        name,
        content_type,
        content,
    })
}

/// Room for the multipart framing around a file of the largest size: the
/// boundaries and the part's headers, with a 255-character name encoded twice.
const FRAMING_BYTES: u64 = 16 * 1024;

fn declared_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn too_large() -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "a file may have at most {MAX_FILE_BYTES} bytes (20 MiB)"
    ))
}

/// The multipart reader's complaints, in this API's words.
fn refused(e: MultipartError) -> ApiError {
    match e {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible => ApiError::UnsupportedMediaType(
            "send the file as multipart/form-data, in one part named `file`".into(),
        ),
        MultipartError::BoundaryMissing => {
            ApiError::field("content-type", "multipart/form-data needs a boundary")
        }
        MultipartError::Payload(actix_web::error::PayloadError::Overflow) => too_large(),
        MultipartError::Payload(_) => ApiError::field("body", "the body could not be read"),
        _ => ApiError::field("body", "not a well-formed multipart/form-data body"),
    }
}
