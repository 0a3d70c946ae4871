//! One error type for the whole API, rendered as an RFC 9457 problem document.
//! Causes of 500s are logged, never sent.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

/// One offending input field.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// The field, as a JSON path (`evidence[0].url`), a query parameter or a header name.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// RFC 9457 problem details, as sent with `Content-Type: application/problem+json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[schema(example = "urn:par-tracker:problem:validation")]
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

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{detail}")]
    MethodNotAllowed { detail: String, allow: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{detail}")]
    Unprocessable {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("too many failed attempts")]
    TooManyRequests { retry_after_seconds: u64 },
    #[error("{0}")]
    Unavailable(String),
    /// The cause is logged; the client sees an opaque message.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("{} fields are invalid", errors.len()),
        };
        ApiError::BadRequest { detail, errors }
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::validation(vec![FieldError::new(field, message)])
    }

    pub fn unprocessable(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        let e = FieldError::new(field, message);
        ApiError::Unprocessable {
            detail: format!("{}: {}", e.field, e.message),
            errors: vec![e],
        }
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::NotFound(format!("{what} not found"))
    }

    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest { .. } => ("validation", "Invalid request"),
            ApiError::Unauthorized(_) => ("unauthorized", "Authentication required"),
            ApiError::Forbidden(_) => ("forbidden", "Not allowed"),
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::PreconditionFailed(_) => ("precondition-failed", "Precondition failed"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Request body too large"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::Unprocessable { .. } => ("unprocessable", "Request cannot be processed"),
            ApiError::PreconditionRequired(_) => ("precondition-required", "Precondition required"),
            ApiError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            ApiError::Unavailable(_) => ("unavailable", "Service unavailable"),
            ApiError::Internal(_) => ("internal", "Internal error"),
        }
    }

    pub fn problem(&self) -> Problem {
        let (kind, title) = self.kind();
        let detail = match self {
            ApiError::Internal(_) => "an internal error occurred; it has been logged".to_string(),
            ApiError::Unavailable(_) => "the database is unavailable; retry shortly".to_string(),
            ApiError::TooManyRequests {
                retry_after_seconds,
            } => {
                format!("too many failed attempts; retry after {retry_after_seconds} seconds")
            }
            other => other.to_string(),
        };
        let errors = match self {
            ApiError::BadRequest { errors, .. } | ApiError::Unprocessable { errors, .. } => {
                errors.clone()
            }
            _ => Vec::new(),
        };
        Problem {
            r#type: format!("urn:par-tracker:problem:{kind}"),
            title: title.to_string(),
            status: self.status_code().as_u16(),
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) => log::error!("internal error: {cause}"),
            ApiError::Unavailable(cause) => log::warn!("unavailable: {cause}"),
            _ => {}
        }
        let mut builder = HttpResponse::build(self.status_code());
        builder.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            ApiError::Unauthorized(_) => {
                builder.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"par-tracker\""));
            }
            ApiError::TooManyRequests {
                retry_after_seconds,
            } => {
                builder.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            ApiError::MethodNotAllowed { allow, .. } => {
                builder.insert_header((header::ALLOW, allow.clone()));
            }
            _ => {}
        }
        builder.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<DieselError> for ApiError {
    fn from(e: DieselError) -> ApiError {
        match e {
            DieselError::NotFound => ApiError::NotFound("not found".into()),
            DieselError::DatabaseError(kind, info) => match kind {
                DatabaseErrorKind::UniqueViolation => {
                    log::info!("unique violation: {:?}", info.constraint_name());
                    ApiError::Conflict("an object with the same code or name already exists".into())
                }
                DatabaseErrorKind::ForeignKeyViolation => ApiError::Unprocessable {
                    detail: "a referenced object does not exist".into(),
                    errors: Vec::new(),
                },
                DatabaseErrorKind::CheckViolation | DatabaseErrorKind::NotNullViolation => {
                    log::info!("data rule violated: {:?}", info.constraint_name());
                    ApiError::Unprocessable {
                        detail: "the request breaks a data rule".into(),
                        errors: Vec::new(),
                    }
                }
                DatabaseErrorKind::SerializationFailure => {
                    ApiError::Conflict("a concurrent change conflicted with this one; retry".into())
                }
                DatabaseErrorKind::ClosedConnection => {
                    ApiError::Unavailable(info.message().to_string())
                }
                _ => ApiError::Internal(format!("database error: {}", info.message())),
            },
            other => ApiError::Internal(format!("database error: {other}")),
        }
    }
}

/// Maps a database error as `From` does, but a unique-key conflict gets
/// `detail`, naming what already exists in the caller's terms.
pub fn conflict_as(detail: impl Into<String>) -> impl FnOnce(DieselError) -> ApiError {
    move |e| match ApiError::from(e) {
        ApiError::Conflict(_) => ApiError::Conflict(detail.into()),
        other => other,
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> ApiError {
        ApiError::Unavailable(format!("database unavailable: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> ApiError {
        ApiError::Internal(format!("blocking task failed: {e}"))
    }
}
