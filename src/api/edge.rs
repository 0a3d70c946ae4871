//! What every response carries and every request is held to, before and
//! after routing: security headers, `no-store` on token responses, `HEAD`
//! wherever `GET` is, and a bound on URL length.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::ResponseError;

use crate::config::CorsOrigins;
use crate::error::ApiError;

/// Longest accepted request target (path and query); longer ones get 414.
pub const MAX_URL_BYTES: usize = 8 * 1024;

/// Swagger UI's page loads its own scripts and styles and draws a few inline.
const DOCS_POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";
/// The API sends JSON only: nothing may run or be framed.
const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";
/// The web pages (`pages`): their own style sheet, forms posted to themselves,
/// no script, nothing from another host.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Whether a path is one of the web pages rather than the API, its spec or its docs.
fn is_page(path: &str) -> bool {
    !(path.starts_with("/api/")
        || path.starts_with("/docs")
        || path == "/openapi.json"
        || path == "/healthz"
        || path == "/readyz")
}

/// What a browser page from an allowed origin may send and read (CORS).
const CORS_METHODS: &str = "GET, HEAD, POST, PATCH";
const CORS_REQUEST_HEADERS: &str = "authorization, content-type, if-match, idempotency-key";
const CORS_EXPOSED_HEADERS: &str =
    "etag, location, idempotency-replayed, retry-after, www-authenticate";

/// The request's `Origin`, when `CORS_ORIGINS` lists it.
fn allowed_origin(req: &ServiceRequest) -> Option<HeaderValue> {
    let origin = req.headers().get(header::ORIGIN)?;
    let allowed = req.app_data::<actix_web::web::Data<CorsOrigins>>()?;
    allowed
        .allows(origin.to_str().ok()?)
        .then(|| origin.clone())
}

pub async fn edge(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let origin = allowed_origin(&req);
    // A CORS preflight from an allowed origin is answered here, before routing.
    if let Some(origin) = &origin {
        if req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            let response = actix_web::HttpResponse::NoContent()
                .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone()))
                .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, CORS_METHODS))
                .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, CORS_REQUEST_HEADERS))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
                .insert_header((header::VARY, "Origin"))
                .finish();
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    if req.uri().to_string().len() > MAX_URL_BYTES {
        let refusal = ApiError::UriTooLong(format!(
            "the URL is longer than {MAX_URL_BYTES} bytes; send fewer or shorter parameters"
        ));
        let res = req.into_response(refusal.error_response());
        return Ok(res.map_into_right_body());
    }
    // HEAD is GET without the body: routed as GET, the body dropped below.
    let head = req.method() == Method::HEAD;
    if head {
        req.head_mut().method = Method::GET;
    }
    let path = req.path().to_string();
    let res = next.call(req).await?;
    let mut res = res.map_body(|_, body| BoxBody::new(body));
    if head {
        res = res.map_body(|_, _| BoxBody::new(()));
    }
    let headers = res.headers_mut();
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(CORS_EXPOSED_HEADERS),
        );
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let policy = if path.starts_with("/docs") {
        DOCS_POLICY
    } else if is_page(&path) {
        PAGE_POLICY
    } else {
        API_POLICY
    };
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(policy),
    );
    // Tokens must never sit in a cache, shared or not.
    if path.starts_with("/api/v1/auth/") {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    Ok(res.map_into_left_body())
}
