use actix_web::body::SizedStream;
use actix_web::http::header::{self, ByteRangeSpec, Range};
use actix_web::{get, web, HttpRequest, HttpResponse};

use super::FileBytes;
use crate::api::common::read;
use crate::api::docs::DownloadErrors;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::file::content_disposition;
use crate::domain::ids::FileId;
use crate::error::{ApiError, ApiResult};
use crate::service::files;

/// Which bytes a download sends.
#[derive(Debug, Clone, Copy)]
enum Slice {
    Whole,
    Part(u64, u64),
    Unsatisfiable,
}

/// Downloads an evidence file, or a byte range of it (`Range: bytes=…`).
///
/// Anyone signed in reads a file that evidence cites; an upload no evidence
/// cites yet, only its uploader (`404` to others). Sent as an attachment,
/// with its name (`Content-Disposition`, RFC 6266: an ASCII fallback and the
/// exact UTF-8 name), its type as sniffed at upload, and its SHA-256 as `ETag`.
/// One range per request (`206`); several are answered with the whole file.
#[utoipa::path(
    tag = "files",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "File id"),
        ("Range" = Option<String>, Header, nullable = false, description = "One byte range, e.g. `bytes=0-1023`, `bytes=1024-`, `bytes=-500`")
    ),
    responses(
        (status = 200, description = "The file", content(
            (FileBytes = "application/pdf"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (FileBytes = "application/vnd.oasis.opendocument.text"),
            (FileBytes = "application/vnd.oasis.opendocument.spreadsheet"),
            (FileBytes = "image/jpeg"),
            (FileBytes = "image/png"),
        ),
            headers(
                ("Content-Disposition" = String, description = "`attachment; filename=\"…\"; filename*=UTF-8''…`"),
                ("ETag" = String, description = "The SHA-256 of the content, quoted"),
                ("Accept-Ranges" = String, description = "`bytes`"),
                ("Content-Length" = i64, description = "Bytes sent"),
            )
        ),
        (status = 206, description = "The requested range", content(
            (FileBytes = "application/pdf"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (FileBytes = "application/vnd.oasis.opendocument.text"),
            (FileBytes = "application/vnd.oasis.opendocument.spreadsheet"),
            (FileBytes = "image/jpeg"),
            (FileBytes = "image/png"),
        ),
            headers(
                ("Content-Range" = String, description = "`bytes first-last/size`"),
                ("Content-Disposition" = String, description = "As for 200"),
                ("ETag" = String, description = "The SHA-256 of the whole content, quoted"),
                ("Content-Length" = i64, description = "Bytes sent"),
            )
        ),
        DownloadErrors
    )
)]
#[get("/files/{id}")]
pub async fn download_file(
    req: HttpRequest,
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<FileId>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let range = requested_range(&req);
    let (file, slice, pieces) = read(&pool, who, move |conn, principal| {
        let file = files::open(conn, principal, id)?;
        let size = file.size as u64;
        let slice = match &range {
            None => Slice::Whole,
            Some(spec) => match spec.to_satisfiable_range(size) {
                Some((first, last)) => Slice::Part(first, last),
                None => Slice::Unsatisfiable,
            },
        };
        let pieces = match slice {
            Slice::Whole => files::read(conn, &file, 0, size - 1)?,
            Slice::Part(first, last) => files::read(conn, &file, first, last)?,
            Slice::Unsatisfiable => Vec::new(),
        };
        Ok((file, slice, pieces))
    })
    .await?;
    let size = file.size as u64;
    let mut response = match slice {
        Slice::Whole => HttpResponse::Ok(),
        Slice::Part(first, last) => {
            let mut partial = HttpResponse::PartialContent();
            partial.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {first}-{last}/{size}"),
            ));
            partial
        }
        Slice::Unsatisfiable => return Err(ApiError::RangeNotSatisfiable { size }),
    };
    let length: u64 = pieces.iter().map(|p| p.len() as u64).sum();
    let body = futures_util::stream::iter(
        pieces
            .into_iter()
            .map(|p| Ok::<_, std::convert::Infallible>(web::Bytes::from(p))),
    );
    Ok(response
        .insert_header((header::CONTENT_TYPE, file.content_type))
        .insert_header((header::ETAG, format!("\"{}\"", file.sha256)))
        .insert_header((header::CONTENT_DISPOSITION, content_disposition(&file.name)))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(SizedStream::new(length, body)))
}

/// The one byte range asked for; anything else (none, several, malformed,
/// another unit) means the whole file, as RFC 9110 allows.
fn requested_range(req: &HttpRequest) -> Option<ByteRangeSpec> {
    let value = req.headers().get(header::RANGE)?.to_str().ok()?;
    match value.parse::<Range>().ok()? {
        Range::Bytes(mut specs) if specs.len() == 1 => specs.pop(),
        _ => None,
    }
}
