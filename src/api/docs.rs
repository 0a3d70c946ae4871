//! Error responses for the spec: every operation documents the problem
//! statuses it can return, each with the `Problem` schema.

use std::collections::BTreeMap;

use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder, Type};

fn header(description: &str) -> Header {
    HeaderBuilder::new()
        .schema(utoipa::openapi::ObjectBuilder::new().schema_type(Type::String))
        .description(Some(description))
        .build()
}

fn problems(statuses: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    statuses
        .iter()
        .map(|(status, description)| {
            let mut response = ResponseBuilder::new().description(*description).content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            );
            match status {
                401 => {
                    response = response.header(
                        "WWW-Authenticate",
                        header("`Bearer`, with `error=\"invalid_token\"` and a plain reason when a token was sent and refused"),
                    )
                }
                429 | 503 => {
                    response = response.header(
                        "Retry-After",
                        header("Seconds to wait before trying again"),
                    )
                }
                _ => {}
            }
            (status.to_string(), RefOr::T(response.build()))
        })
        .collect()
}

/// Drops the error statuses an operation cannot return from the shared lists
/// below: a 404 needs an id in the path, a 413 or 415 a body, a 400 or 422
/// something to be malformed or unusable, a 409 a write.
pub fn keep_possible_statuses(path: &str, method: &str, operation: &mut Operation) {
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let has_path_id = path.contains('{');
    let has_query = parameters
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let has_body = operation.request_body.is_some();
    operation
        .responses
        .responses
        .retain(|status, _| match status.as_str() {
            "404" => has_path_id,
            "413" | "415" => has_body,
            "400" => has_path_id || has_query || has_body,
            // a submission checks the saved object it sends, field by field
            "422" => has_query || has_body || path.ends_with("/submit"),
            "409" => method != "GET",
            _ => true,
        });
}

/// Every 201 says where the new object is.
pub fn add_location(operation: &mut Operation) {
    if let Some(RefOr::T(created)) = operation.responses.responses.get_mut("201") {
        created.headers.insert(
            "Location".into(),
            header("The created object's URL; for a report, a completion claim or an extension request, which have no URL of their own, the task's (reports: the task's reports); for a finding's remedy, the finding's"),
        );
    }
}

const BAD_REQUEST: (u16, &str) = (
    400,
    "Invalid parameters or body; `errors` names each offending field",
);
const UNAUTHORIZED: (u16, &str) = (401, "Missing, expired or invalid bearer token");
const FORBIDDEN: (u16, &str) = (403, "The caller's role or agency may not do this");
const NOT_FOUND: (u16, &str) = (404, "No such object");
const CONFLICT: (u16, &str) = (
    409,
    "Conflicts with the current state (duplicate code, illegal status transition)",
);
const TOO_LARGE: (u16, &str) = (413, "Body larger than 256 KiB");
const MEDIA_TYPE: (u16, &str) = (415, "Body is not JSON");
const UNPROCESSABLE: (u16, &str) = (422, "Well-formed but refers to missing objects, breaks a rule, or reuses an Idempotency-Key with another body");
const UNAVAILABLE: (u16, &str) = (
    503,
    "The database is unreachable; or, for a file export, the node is sending as many as it can (see Retry-After)",
);

macro_rules! responses_type {
    ($name:ident, [$($status:expr),* $(,)?]) => {
        pub struct $name;
        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                problems(&[$($status),*])
            }
        }
    };
}

responses_type!(
    ReadErrors,
    [
        BAD_REQUEST,
        UNAUTHORIZED,
        NOT_FOUND,
        (
            422,
            "Well-formed but unusable: a cursor from another list, a filter that needs another"
        ),
        UNAVAILABLE,
    ]
);
responses_type!(
    WriteErrors,
    [
        BAD_REQUEST,
        UNAUTHORIZED,
        FORBIDDEN,
        NOT_FOUND,
        CONFLICT,
        TOO_LARGE,
        MEDIA_TYPE,
        UNPROCESSABLE,
        UNAVAILABLE
    ]
);
responses_type!(
    PatchErrors,
    [
        BAD_REQUEST,
        UNAUTHORIZED,
        FORBIDDEN,
        NOT_FOUND,
        CONFLICT,
        (
            412,
            "If-Match does not match the current ETag: someone changed the task first"
        ),
        TOO_LARGE,
        MEDIA_TYPE,
        UNPROCESSABLE,
        (428, "If-Match is required"),
        UNAVAILABLE,
    ]
);
responses_type!(
    LoginErrors,
    [
        BAD_REQUEST,
        (
            401,
            "Wrong username or password, or an invalid refresh token"
        ),
        TOO_LARGE,
        MEDIA_TYPE,
        (429, "Too many failed attempts; see Retry-After"),
        UNAVAILABLE,
    ]
);
responses_type!(
    ImportErrors,
    [
        (
            400,
            "Invalid parameters, or a body that is not a readable CSV (UTF-8) or XLSX workbook"
        ),
        UNAUTHORIZED,
        FORBIDDEN,
        NOT_FOUND,
        CONFLICT,
        (
            413,
            "Body larger than 10 MB, or a workbook that unpacks to more than 100 MB"
        ),
        (415, "Body is neither text/csv nor an XLSX workbook"),
        UNAVAILABLE
    ]
);
responses_type!(ReadyErrors, [(503, "The database is unreachable")]);
responses_type!(
    UploadErrors,
    [
        (
            400,
            "Not a well-formed multipart body with one part `file` that has a file name"
        ),
        UNAUTHORIZED,
        FORBIDDEN,
        (413, "The file is larger than 20 MiB (refused as soon as it is)"),
        (
            415,
            "The body is not multipart/form-data, or the file is not a PDF, DOCX, XLSX, ODT, ODS, JPEG or PNG (told by its content)"
        ),
        UNAVAILABLE,
    ]
);
responses_type!(
    DownloadErrors,
    [
        (400, "The id is not a UUID"),
        UNAUTHORIZED,
        (
            404,
            "No such file, or one no evidence cites yet that another account uploaded"
        ),
        (
            416,
            "The Range asks for no byte of the file; `Content-Range: bytes */size`"
        ),
        UNAVAILABLE,
    ]
);
