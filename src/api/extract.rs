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
use serde_json::Value;

use crate::error::{ApiError, FieldError};

pub struct JsonBody<T>(pub T);

/// How long a request body may take to arrive.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A body that did not arrive within `BODY_TIMEOUT` (408).
pub fn body_timed_out() -> ApiError {
    ApiError::RequestTimeout(format!(
        "the body did not arrive within {} seconds",
        BODY_TIMEOUT.as_secs()
    ))
}

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
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => {
            de.end().map_err(|e| {
                ApiError::field("body", format!("unexpected data after the JSON value: {e}"))
            })?;
            Ok(value)
        }
        Err(e) => {
            // JSON Schema counts 152.0 as an integer, so a client may send it for one:
            // integral numbers written with a fraction are read again as integers.
            if let Some(normalized) = integral_numbers_as_integers(bytes) {
                return parse_json(&normalized);
            }
            let first = Found::from(e);
            // serde stops at the first error; the others are found by checking
            // again without each offending field, so one answer names them all.
            let mut errors = vec![first.error.clone()];
            if let Ok(body) = serde_json::from_slice::<Value>(bytes) {
                errors.extend(further_json_errors::<T>(body, first));
            }
            Err(ApiError::validation(errors))
        }
    }
}

/// The body with every integral number written with a fraction (`152.0`)
/// written as an integer, or `None` when it has none.
fn integral_numbers_as_integers(bytes: &[u8]) -> Option<Vec<u8>> {
    fn rewrite(value: &mut Value) -> bool {
        match value {
            Value::Number(n) if n.is_f64() => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                    *value = Value::from(f as i64);
                    true
                }
                _ => false,
            },
            Value::Array(items) => items.iter_mut().fold(false, |any, v| rewrite(v) | any),
            Value::Object(map) => map.values_mut().fold(false, |any, v| rewrite(v) | any),
            _ => false,
        }
    }
    let mut body: Value = serde_json::from_slice(bytes).ok()?;
    if rewrite(&mut body) {
        serde_json::to_vec(&body).ok()
    } else {
        None
    }
}

/// Where serde stopped: the field error to report, and the path to the value at fault.
struct Found {
    error: FieldError,
    at: Vec<Step>,
    /// `unknown field` and `missing field` errors name a key inside `at`.
    named: Option<(Naming, String)>,
}

#[derive(Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

#[derive(PartialEq)]
enum Naming {
    Unknown,
    Missing,
}

impl From<serde_path_to_error::Error<serde_json::Error>> for Found {
    fn from(e: serde_path_to_error::Error<serde_json::Error>) -> Found {
        let at: Vec<Step> = e
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Map { key } => Some(Step::Key(key.clone())),
                serde_path_to_error::Segment::Seq { index } => Some(Step::Index(*index)),
                _ => None,
            })
            .collect();
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        let named = [
            ("unknown field `", Naming::Unknown),
            ("missing field `", Naming::Missing),
        ]
        .into_iter()
        .find_map(|(marker, naming)| {
            let name = message.split(marker).nth(1)?.split('`').next()?;
            Some((naming, name.to_string()))
        });
        Found {
            error: field_error(&path, &message),
            at,
            named,
        }
    }
}

/// The errors after `first`: each offending value is taken out of `body` and
/// the body checked again, until it passes. serde reports a missing field only
/// after the object's other fields: then the object itself is taken out, so
/// that the fields beside it are checked too; at the top level, all are done.
fn further_json_errors<T: DeserializeOwned>(mut body: Value, first: Found) -> Vec<FieldError> {
    let mut found = Vec::new();
    let mut reported: Vec<String> = vec![first.error.field.clone()];
    let mut next = first;
    for _ in 0..100 {
        let (parent, last) = match &next.named {
            Some((Naming::Unknown, name)) => {
                let mut parent = next.at.clone();
                if parent.last() == Some(&Step::Key(name.clone())) {
                    parent.pop();
                }
                (parent, Step::Key(name.clone()))
            }
            // A missing field, or an array element at fault, takes its whole
            // array out: later indexes would shift and name the wrong elements.
            Some((Naming::Missing, _)) | None => {
                let mut at = next.at.clone();
                while matches!(at.last(), Some(Step::Index(_))) {
                    at.pop();
                }
                match at.pop() {
                    Some(last) => (at, last),
                    None => break,
                }
            }
        };
        if !take_out(&mut body, &parent, &last) {
            break;
        }
        match serde_path_to_error::deserialize::<_, T>(&body) {
            Ok(_) => break,
            Err(e) => {
                next = Found::from(e);
                // What was taken out comes back as missing: already reported.
                let field = next.error.field.clone();
                let taken_out = reported.iter().any(|r| {
                    *r == field
                        || r.starts_with(&format!("{field}."))
                        || r.starts_with(&format!("{field}["))
                });
                if !taken_out {
                    reported.push(field);
                    found.push(next.error.clone());
                }
            }
        }
    }
    found
}

/// Removes `last` from the object or array at `parent`; whether it was there.
fn take_out(body: &mut Value, parent: &[Step], last: &Step) -> bool {
    let mut here = body;
    for step in parent {
        here = match (step, here) {
            (Step::Key(k), Value::Object(map)) => match map.get_mut(k) {
                Some(v) => v,
                None => return false,
            },
            (Step::Index(i), Value::Array(items)) => match items.get_mut(*i) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, here) {
        (Step::Key(k), Value::Object(map)) => map.remove(k).is_some(),
        _ => false,
    }
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
                .map_err(|_| body_timed_out())?;
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
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let mut errors: Vec<FieldError> = Vec::new();
    // As for bodies: each offending parameter is left out and the rest checked again.
    loop {
        let encoded = encode(&pairs);
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(value) if errors.is_empty() => return Ok(value),
            Ok(_) => break,
            Err(e) => {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                let error = field_error(&path, &message);
                if errors.iter().any(|f| f.field == error.field) {
                    break;
                }
                let before = pairs.len();
                pairs.retain(|(name, _)| *name != error.field);
                let missing = message.starts_with("missing field");
                errors.push(error);
                if missing || pairs.len() == before {
                    break;
                }
            }
        }
    }
    Err(ApiError::validation(errors))
}

fn encode(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
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

    fn fields(body: &str) -> Vec<String> {
        match parse_json::<Report>(body.as_bytes()) {
            Err(ApiError::Domain(DomainError::Invalid(errors))) => {
                errors.into_iter().map(|e| e.field).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_every_offending_field() {
        let sorted = |body: &str| {
            let mut f = fields(body);
            f.sort();
            f
        };
        assert_eq!(
            sorted(
                r#"{"progress_percent": "x", "status": "done", "evidence": [{"issued_on": "2023-02-30"}]}"#
            ),
            ["evidence[0].issued_on", "progress_percent", "status"]
        );
        assert_eq!(
            sorted(
                r#"{"evidence": [{"issued_on": "2023-02-30"}], "progress_percent": "x", "extra": 1}"#
            ),
            ["evidence[0].issued_on", "extra", "progress_percent"]
        );
        // a missing field inside an array's object, and fields beside the array
        assert_eq!(
            sorted(r#"{"evidence": [{}], "progress_percent": "x"}"#),
            ["evidence[0].issued_on", "progress_percent"]
        );
        // serde names missing fields one at a time, after the others
        assert_eq!(
            sorted(r#"{"extra": 1, "evidence": []}"#),
            ["extra", "progress_percent"]
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Filters {
        limit: Option<u32>,
        overdue: Option<bool>,
    }

    #[test]
    fn names_every_offending_parameter() {
        match parse_query::<Filters>("limit=x&overdue=maybe&colour=red") {
            Err(ApiError::Domain(DomainError::Invalid(errors))) => assert_eq!(
                errors.into_iter().map(|e| e.field).collect::<Vec<_>>(),
                ["limit", "overdue", "colour"]
            ),
            other => panic!("{other:?}"),
        }
        assert!(parse_query::<Filters>("limit=5&overdue=true").is_ok());
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
