//! Request extractors that name the offending field in every error.
//!
//! `JsonBody<T>`: the JSON request body extractor. Unlike actix's `Json`, it
//! names the offending field in every error (`evidence[0].issued_on`), which
//! is what a form-filling official or an integrator needs to fix a request.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

pub struct JsonBody<T>(pub T);

/// How long a request body may take to arrive.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl<T> JsonBody<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for JsonBody<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// application/json, and any `+json` type such as application/merge-patch+json.
fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == mime::APPLICATION
                && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
        })
}

/// Turns a serde error at `path` into a field error.
pub fn field_error(path: &str, message: &str) -> FieldError {
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_string();
    let named = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|marker| {
            message
                .split(marker)
                .nth(1)
                .and_then(|rest| rest.split('`').next())
        });
    let path = if path == "." { "" } else { path };
    let field = match (path, named) {
        ("", Some(name)) => name.to_string(),
        ("", None) => "body".to_string(),
        (p, Some(name)) if message.starts_with("missing") || message.starts_with("unknown") => {
            if p.ends_with(name) {
                p.to_string()
            } else {
                format!("{p}.{name}")
            }
        }
        (p, _) => p.to_string(),
    };
    FieldError::new(field, message)
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every request body of this API is an object; serde would also take an array for a struct.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::field("body", "must be a JSON object"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        ApiError::validation(vec![field_error(&path, &e.into_inner().to_string())])
    })?;
    de.end().map_err(|e| {
        ApiError::field("body", format!("unexpected data after the JSON value: {e}"))
    })?;
    Ok(value)
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json {
                return Err(ApiError::UnsupportedMediaType(
                    "send the body as application/json (or application/merge-patch+json)".into(),
                ));
            }
            // A body that trickles in holds a connection: it must arrive within BODY_TIMEOUT.
            let bytes = actix_web::rt::time::timeout(BODY_TIMEOUT, bytes)
                .await
                .map_err(|_| {
                    ApiError::RequestTimeout(format!(
                        "the body did not arrive within {} seconds",
                        BODY_TIMEOUT.as_secs()
                    ))
                })?;
            let bytes = bytes.map_err(|e| {
                if e.as_response_error().status_code()
                    == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
                {
                    ApiError::PayloadTooLarge(format!(
                        "the body is larger than {} bytes",
                        super::MAX_JSON_BODY
                    ))
                } else {
                    ApiError::field("body", "the body could not be read")
                }
            })?;
            parse_json(&bytes).map(JsonBody)
        })
    }
}

/// `QueryParams<T>`: query string parameters, with the offending parameter
/// named in every error (`status`, `limit`), and unknown ones refused where
/// `T` denies unknown fields.
pub struct QueryParams<T>(pub T);

impl<T> QueryParams<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for QueryParams<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        ApiError::validation(vec![field_error(&path, &e.into_inner().to_string())])
    })
}

impl<T: DeserializeOwned> FromRequest for QueryParams<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(QueryParams))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::error::DomainError;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Evidence {
        issued_on: chrono::NaiveDate,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Report {
        progress_percent: i64,
        evidence: Vec<Evidence>,
    }

    fn field(body: &str) -> String {
        match parse_json::<Report>(body.as_bytes()) {
            Err(ApiError::Domain(DomainError::Invalid(errors))) => errors[0].field.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_the_offending_field() {
        assert_eq!(
            field(r#"{"progress_percent": 1, "evidence": [{"issued_on": "2023-02-30"}]}"#),
            "evidence[0].issued_on"
        );
        assert_eq!(
            field(r#"{"progress_percent": 1, "evidence": [], "status": "completed"}"#),
            "status"
        );
        assert_eq!(field(r#"{"evidence": []}"#), "progress_percent");
        assert_eq!(
            field(r#"{"progress_percent": "x", "evidence": []}"#),
            "progress_percent"
        );
    }
}
