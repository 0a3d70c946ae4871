//! The web pages (issue 15): Vietnamese HTML, drawn on the server with maud
//! (templates checked at compile time), in the same binary as the API and
//! calling the same use cases (`service::*`) through the same helpers
//! (`api::common::{act, read}`). They live under `/`, outside `/api/v1` and
//! outside the OpenAPI document: they are pages, not the API.
//!
//! A login opens a session stored in PostgreSQL (`web_sessions`); its cookie
//! is `HttpOnly`, `SameSite=Lax`, and `Secure` when `PUBLIC_URL` is https.
//! Every form carries the session's CSRF token, compared in constant time.

mod inspect;
mod layout;
mod login;
mod overview;
mod public;
mod queue;
mod tasks;

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{header, StatusCode};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use chrono::{Datelike, NaiveDate};
use maud::{html, Markup};
use subtle::ConstantTimeEq;

use crate::auth::Authenticated;
use crate::clock::Clock;
use crate::db::DbPool;
use crate::domain::error::{DomainError, FieldError};
use crate::domain::policy::Principal;
use crate::error::ApiError;

/// Whether the pages' cookies are `Secure` (`PUBLIC_URL` is https).
#[derive(Debug, Clone, Copy, Default)]
pub struct CookiePolicy {
    pub secure: bool,
}

/// The session cookie: a random value whose SHA-256 keys `web_sessions`.
pub const SESSION_COOKIE: &str = "par_session";
/// The login form's CSRF token, before there is a session (double submit).
pub const LOGIN_CSRF_COOKIE: &str = "par_login_csrf";
/// The name of the CSRF field of every form.
pub const CSRF_FIELD: &str = "csrf_token";

/// Every page and form of the web interface.
pub fn routes(cfg: &mut web::ServiceConfig) {
    // (actix's route macros on each handler: one registration per page, as the API's)
    cfg.service(home)
        .service(style_sheet)
        .service(login::show_login)
        .service(login::submit)
        .service(login::logout)
        .service(tasks::list)
        .service(tasks::page)
        .service(tasks::post_report)
        .service(tasks::post_claim)
        .service(tasks::post_extension)
        .service(tasks::my_agency)
        .service(tasks::download)
        .service(queue::page)
        .service(queue::review)
        .service(queue::decide)
        .service(inspect::page)
        .service(overview::page)
        .service(overview::publish)
        .service(public::plans)
        .service(public::plan);
}

const STYLE_SHEET: &str = include_str!("site.css");

#[actix_web::get("/static/site.css")]
async fn style_sheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLE_SHEET)
}

/// `/`: the signed-in user's starting page, or the login form.
#[actix_web::get("/")]
async fn home(user: Option<WebUser>) -> HttpResponse {
    match user {
        Some(user) => see_other(layout::start_page(&user.principal)),
        None => see_other("/dang-nhap"),
    }
}

/// The signed-in user of a page: the account behind the session cookie, as
/// it is now, the moment of the request, and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct WebUser {
    pub principal: Principal,
    pub now: chrono::DateTime<chrono::Utc>,
    pub csrf_token: String,
}

impl WebUser {
    /// The caller as the API's helpers take it (`act`, `read`), which confirm
    /// the account again on the connection of the request's work.
    pub fn authenticated(&self) -> Authenticated {
        Authenticated {
            principal: self.principal.clone(),
            now: self.now,
        }
    }

    pub fn today(&self) -> NaiveDate {
        crate::domain::overdue::province_date(self.now)
    }

    /// Refuses a form whose CSRF token is not this session's (compared in constant time).
    pub fn check_csrf(&self, form: &Form) -> Result<(), PageError> {
        let sent = form.get(CSRF_FIELD);
        if same_secret(sent, &self.csrf_token) {
            Ok(())
        } else {
            Err(PageError::Csrf)
        }
    }
}

/// Whether `sent` is `expected`, in time that depends only on their lengths.
pub fn same_secret(sent: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
}

impl FromRequest for WebUser {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<WebUser, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let cookie = cookie_value(req, SESSION_COOKIE);
        let pool = req.app_data::<web::Data<DbPool>>().cloned();
        let now = req
            .app_data::<web::Data<Clock>>()
            .map(|c| *c.get_ref())
            .unwrap_or_default()
            .now();
        Box::pin(async move {
            let (Some(cookie), Some(pool)) = (cookie, pool) else {
                return Err(PageError::NeedLogin);
            };
            let found = web::block(move || {
                crate::db::read(&pool, |conn| {
                    crate::service::auth::session(conn, &cookie, now)
                })
            })
            .await
            .map_err(|e| PageError::Api(ApiError::internal(e.to_string())))?
            .map_err(|e| PageError::Api(e.into()))?;
            match found {
                Some((principal, csrf_token)) => Ok(WebUser {
                    principal,
                    now,
                    csrf_token,
                }),
                None => Err(PageError::NeedLogin),
            }
        })
    }
}

/// A form's fields as sent (`application/x-www-form-urlencoded`); a field
/// sent twice keeps its first value.
#[derive(Debug, Default, Clone)]
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        Form(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The field's value, `""` when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The field's value trimmed, `None` when absent or blank.
    pub fn filled(&self, name: &str) -> Option<&str> {
        Some(self.get(name).trim()).filter(|v| !v.is_empty())
    }
}

/// The field errors of a refused input, to show beside the fields; `None`
/// for any other failure.
pub fn field_errors(error: &ApiError) -> Option<Vec<FieldError>> {
    match error {
        ApiError::Domain(DomainError::Invalid(errors))
        | ApiError::Domain(DomainError::Unprocessable { errors, .. }) => Some(errors.clone()),
        _ => None,
    }
}

/// Why a page could not be shown. Every one is an HTML answer, never a 500
/// for bad input.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// No session, or it ended: to the login form.
    #[error("not signed in")]
    NeedLogin,
    /// A form without this session's CSRF token.
    #[error("the form's CSRF token is missing or wrong")]
    Csrf,
    #[error("not found")]
    NotFound,
    /// What the use case or the API's checks answered.
    #[error("{0}")]
    Api(ApiError),
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError::Api(e)
    }
}

impl From<DomainError> for PageError {
    fn from(e: DomainError) -> PageError {
        PageError::Api(e.into())
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::NeedLogin => StatusCode::SEE_OTHER,
            PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Api(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let PageError::NeedLogin = self {
            return see_other("/dang-nhap");
        }
        let status = self.status_code();
        let (title, text): (&str, String) = match self {
            PageError::Csrf => (
                "Biểu mẫu không hợp lệ",
                "Biểu mẫu thiếu mã bảo vệ (CSRF) của phiên làm việc hoặc mã đã hết hiệu lực. \
                 Hãy tải lại trang rồi gửi lại."
                    .into(),
            ),
            PageError::NotFound => (
                "Không tìm thấy",
                "Trang hoặc đối tượng này không có.".into(),
            ),
            PageError::Api(e) => match status.as_u16() {
                404 => (
                    "Không tìm thấy",
                    "Trang hoặc đối tượng này không có.".into(),
                ),
                403 => (
                    "Không có quyền",
                    format!("Tài khoản này không được làm việc này ({e})."),
                ),
                429 => (
                    "Thử lại sau",
                    "Có quá nhiều lần thử; hãy đợi một lát.".into(),
                ),
                503 => (
                    "Hệ thống bận",
                    "Hệ thống đang bận hoặc mất kết nối cơ sở dữ liệu; hãy thử lại sau ít giây."
                        .into(),
                ),
                s if s < 500 => ("Yêu cầu không hợp lệ", e.to_string()),
                _ => {
                    log::error!("page failed: {e}");
                    ("Lỗi hệ thống", "Đã có lỗi; hãy thử lại sau.".into())
                }
            },
            PageError::NeedLogin => unreachable!(),
        };
        let body = html! {
            h1 { (title) }
            div.alert role="alert" { p { (text) } }
            p { a href="/" { "Về trang đầu" } }
        };
        page_response(status, layout::bare(title, body))
    }
}

/// An HTML page, never cached (it shows a signed-in user's data).
pub fn page_response(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(markup.into_string())
}

/// 303 See Other: after a form, or to the login page.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// The value of the request's cookie `name`, if sent.
pub fn cookie_value(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_string())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` of the pages: `HttpOnly`, `SameSite=Lax`, `Secure` under
/// https (`PUBLIC_URL`); `value` is URL-safe base64. `None` ends the cookie.
pub fn set_cookie(
    req: &HttpRequest,
    name: &str,
    value: Option<&str>,
) -> (header::HeaderName, String) {
    let secure = req
        .app_data::<web::Data<CookiePolicy>>()
        .is_some_and(|p| p.secure);
    let mut text = match value {
        Some(value) => format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax"),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    };
    if secure {
        text.push_str("; Secure");
    }
    (header::SET_COOKIE, text)
}

/// A day as Vietnamese documents write it: `30/6/2024`.
pub fn vn_date(day: NaiveDate) -> String {
    format!("{}/{}/{}", day.day(), day.month(), day.year())
}

/// A moment as a day in the province: `12/11/2023`.
pub fn vn_day_of(at: chrono::DateTime<chrono::Utc>) -> String {
    vn_date(crate::domain::overdue::province_date(at))
}

/// The hidden CSRF field of a form.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(token); }
}

/// A path segment that must be a UUID; anything else is a missing page (404).
pub fn uuid_in_path<T: From<uuid::Uuid>>(text: &str) -> Result<T, PageError> {
    uuid::Uuid::parse_str(text)
        .map(T::from)
        .map_err(|_| PageError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_vietnamese_documents_write_them() {
        let day = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
        assert_eq!(vn_date(day), "30/6/2024");
        let day = NaiveDate::from_ymd_opt(2023, 1, 5).unwrap();
        assert_eq!(vn_date(day), "5/1/2023");
    }

    #[test]
    fn a_secret_matches_only_itself() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abd", "abc"));
        assert!(!same_secret("ab", "abc"));
        assert!(!same_secret("", "abc"));
        assert!(!same_secret("", ""));
    }

    #[test]
    fn cookies_are_read_by_name_and_set_http_only_and_lax() {
        let req = actix_web::test::TestRequest::default()
            .insert_header((header::COOKIE, "a=1; par_session=xyz; b=2"))
            .to_http_request();
        assert_eq!(cookie_value(&req, SESSION_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie_value(&req, "c"), None);
        let (_, text) = set_cookie(&req, SESSION_COOKIE, Some("v"));
        assert_eq!(text, "par_session=v; Path=/; HttpOnly; SameSite=Lax");
        let req = actix_web::test::TestRequest::default()
            .app_data(web::Data::new(CookiePolicy { secure: true }))
            .to_http_request();
        let (_, text) = set_cookie(&req, SESSION_COOKIE, None);
        assert!(text.ends_with("Max-Age=0; Secure"), "{text}");
    }

    #[test]
    fn a_form_keeps_the_first_value_and_trims_filled_ones() {
        let form = Form::parse(b"a=1&a=2&b=+x+&c=");
        assert_eq!(form.get("a"), "1");
        assert_eq!(form.filled("b"), Some("x"));
        assert_eq!(form.filled("c"), None);
        assert_eq!(form.get("missing"), "");
    }
}
