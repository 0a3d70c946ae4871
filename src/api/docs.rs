//! Error responses for the spec: every operation documents the problem
//! statuses it can return, each with the `Problem` schema.

use std::collections::BTreeMap;

use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

fn problems(statuses: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    statuses
        .iter()
        .map(|(status, description)| {
            let response = ResponseBuilder::new()
                .description(*description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
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
const UNAVAILABLE: (u16, &str) = (503, "The database is unreachable");

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
responses_type!(ReadyErrors, [(503, "The database is unreachable")]);
