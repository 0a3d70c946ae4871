//! The one place failures become HTTP: every `DomainError` and every
//! HTTP-level refusal is rendered as an RFC 9457 problem document whose `type`
//! names the failure (`ProblemType`). Causes of 500s and 503s are logged, never sent.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::ToSchema;

pub use crate::domain::error::FieldError;
use crate::domain::error::{DomainError, ProblemType};

/// The `type` URIs a problem document may carry, as an enum in the spec.
fn problem_type_schema() -> Schema {
    let uris: Vec<String> = ProblemType::ALL.iter().map(|p| p.uri()).collect();
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .description(Some(
                "A URI naming the kind of problem; clients branch on it, not on `detail`.",
            ))
            .enum_values(Some(uris))
            .examples([serde_json::json!("urn:par-tracker:problem:task-closed")])
            .build(),
    )
}

/// RFC 9457 problem details, as sent with `Content-Type: application/problem+json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[schema(schema_with = problem_type_schema)]
    pub r#type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// Offending fields, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// A refusal at the HTTP edge, or a use case's `DomainError`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{}", .0.detail())]
    Domain(DomainError),
    /// No credentials, or wrong ones at login.
    #[error("{0}")]
    Unauthorized(String),
    /// A bearer token that was sent but is refused (RFC 6750 `invalid_token`).
    #[error("{0}")]
    InvalidToken(String),
    /// No route (or no such id in a path): the detail names what was asked for.
    #[error("{0}")]
    NoRoute(String),
    #[error("{detail}")]
    MethodNotAllowed { detail: String, allow: String },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A `Range` no byte of the file falls in; `size` goes to `Content-Range`.
    #[error("the range is outside the file's {size} bytes")]
    RangeNotSatisfiable { size: u64 },
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("{0}")]
    UriTooLong(String),
    /// The body did not arrive in time.
    #[error("{0}")]
    RequestTimeout(String),
    #[error("too many failed attempts")]
    TooManyRequests { retry_after_seconds: u64 },
    /// Capacity for this kind of work is in use; retry shortly. The detail says which work.
    #[error("{detail}")]
    Busy {
        retry_after_seconds: u64,
        detail: &'static str,
    },
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> ApiError {
        ApiError::Domain(e)
    }
}

impl ApiError {
    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        DomainError::Invalid(errors).into()
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        DomainError::field(field, message).into()
    }

    pub fn unprocessable(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        DomainError::rule(field, message).into()
    }

    pub fn not_found(what: &'static str) -> ApiError {
        DomainError::not_found(what).into()
    }

    pub fn internal(cause: impl Into<String>) -> ApiError {
        DomainError::Internal(cause.into()).into()
    }

    pub fn unavailable(cause: impl Into<String>) -> ApiError {
        DomainError::Unavailable(cause.into()).into()
    }

    pub fn problem_type(&self) -> ProblemType {
        match self {
            ApiError::Domain(e) => e.problem_type(),
            ApiError::Unauthorized(_) => ProblemType::Unauthorized,
            ApiError::InvalidToken(_) => ProblemType::InvalidToken,
            ApiError::NoRoute(_) => ProblemType::NotFound,
            ApiError::MethodNotAllowed { .. } => ProblemType::MethodNotAllowed,
            ApiError::PayloadTooLarge(_) => ProblemType::PayloadTooLarge,
            ApiError::UnsupportedMediaType(_) => ProblemType::UnsupportedMediaType,
            ApiError::RangeNotSatisfiable { .. } => ProblemType::RangeNotSatisfiable,
            ApiError::PreconditionRequired(_) => ProblemType::PreconditionRequired,
            ApiError::UriTooLong(_) => ProblemType::UriTooLong,
            ApiError::RequestTimeout(_) => ProblemType::RequestTimeout,
            ApiError::TooManyRequests { .. } => ProblemType::TooManyRequests,
            ApiError::Busy { .. } => ProblemType::Busy,
        }
    }

    pub fn problem(&self) -> Problem {
        let kind = self.problem_type();
        let detail = match self {
            ApiError::TooManyRequests {
                retry_after_seconds,
            } => format!("too many failed attempts; retry after {retry_after_seconds} seconds"),
            other => other.to_string(),
        };
        let errors = match self {
            ApiError::Domain(e) => e.field_errors().to_vec(),
            _ => Vec::new(),
        };
        Problem {
            r#type: kind.uri(),
            title: kind.title().to_string(),
            status: kind.status(),
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.problem_type().status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Domain(DomainError::Internal(cause)) => {
                log::error!("internal error: {cause}")
            }
            ApiError::Domain(DomainError::Unavailable(cause)) => log::warn!("unavailable: {cause}"),
            _ => {}
        }
        let mut builder = HttpResponse::build(self.status_code());
        builder.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            ApiError::Unauthorized(_) => {
                builder.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"par-tracker\""));
            }
            ApiError::InvalidToken(why) | ApiError::Domain(DomainError::TokenRefused(why)) => {
                // The description is ours (no quotes or backslashes), safe in a quoted string.
                builder.insert_header((
                    header::WWW_AUTHENTICATE,
                    format!(
                        "Bearer realm=\"par-tracker\", error=\"invalid_token\", error_description=\"{}\"",
                        why.replace(['"', '\\'], "")
                    ),
                ));
            }
            ApiError::TooManyRequests {
                retry_after_seconds,
            }
            | ApiError::Busy {
                retry_after_seconds,
                ..
            } => {
                builder.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            ApiError::MethodNotAllowed { allow, .. } => {
                builder.insert_header((header::ALLOW, allow.clone()));
            }
            ApiError::RangeNotSatisfiable { size } => {
                builder.insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
            }
            ApiError::Domain(DomainError::Unavailable(_)) => {
                builder.insert_header((header::RETRY_AFTER, "2"));
            }
            _ => {}
        }
        builder.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> ApiError {
        DomainError::from(e).into()
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> ApiError {
        ApiError::unavailable(format!("database unavailable: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> ApiError {
        ApiError::internal(format!("blocking task failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::enums::TaskStatus;
    use crate::domain::error::Conflict;

    #[test]
    fn each_failure_has_its_own_type_and_status() {
        let closed: ApiError = DomainError::Conflict(Conflict::TaskClosed {
            current: TaskStatus::Completed,
            refused: "it takes no more reports",
        })
        .into();
        let problem = closed.problem();
        assert_eq!(problem.r#type, "urn:par-tracker:problem:task-closed");
        assert_eq!(problem.status, 409);
        assert!(problem.detail.contains("completed"));
        let internal = ApiError::internal("secret cause").problem();
        assert_eq!(internal.status, 500);
        assert!(!internal.detail.contains("secret"));
    }
}
