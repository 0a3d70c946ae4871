//! `Đăng nhập` and `Đăng xuất`: the API login's steps and throttles
//! (`api::auth::token::log_in`), ending in a session instead of tokens.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};

use super::layout::{bare, start_page};
use super::{
    cookie_value, csrf_field, page_response, same_secret, see_other, set_cookie, Form, PageError,
    WebUser, CSRF_FIELD, LOGIN_CSRF_COOKIE, SESSION_COOKIE,
};
use crate::api::auth::token::log_in;
use crate::api::common::transaction;
use crate::auth::password::PasswordChecks;
use crate::auth::tokens::new_refresh_token;
use crate::clock::Clock;
use crate::db::DbPool;
use crate::service;
use crate::service::auth::TokenRequest;

fn login_page(csrf: &str, username: &str, message: Option<&str>) -> Markup {
    bare(
        "Đăng nhập",
        html! {
            h1 { "Đăng nhập" }
            @if let Some(message) = message {
                div.alert role="alert" id="loi-dang-nhap" { (message) }
            }
            form.card method="post" action="/dang-nhap" {
                (csrf_field(csrf))
                label for="username" { "Tên đăng nhập" }
                input id="username" name="username" type="text" autocomplete="username"
                    required value=(username) autofocus;
                label for="password" { "Mật khẩu" }
                input id="password" name="password" type="password"
                    autocomplete="current-password" required;
                button type="submit" { "Đăng nhập" }
            }
        },
    )
}

/// The login form, with a fresh CSRF token in a cookie and in the form
/// (there is no session yet to keep it in).
#[actix_web::get("/dang-nhap")]
pub async fn show_login(req: HttpRequest, user: Option<WebUser>) -> HttpResponse {
    if let Some(user) = user {
        return see_other(start_page(&user.principal));
    }
    login_form(&req, StatusCode::OK, "", None)
}

fn login_form(
    req: &HttpRequest,
    status: StatusCode,
    username: &str,
    message: Option<&str>,
) -> HttpResponse {
    let csrf = new_refresh_token();
    let mut response = page_response(status, login_page(&csrf, username, message));
    let (name, value) = set_cookie(req, LOGIN_CSRF_COOKIE, Some(&csrf));
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&value) {
        response.headers_mut().append(name, value);
    }
    response
}

/// Checks the password as the API login does (same throttles, same
/// counters), then opens a session.
#[actix_web::post("/dang-nhap")]
pub async fn submit(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    checks: web::Data<PasswordChecks>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let form = Form::parse(&body);
    let expected = cookie_value(&req, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if !same_secret(form.get(CSRF_FIELD), &expected) {
        return Err(PageError::Csrf);
    }
    let username = form.get("username").to_string();
    let attempt = TokenRequest {
        username: username.clone(),
        password: form.get("password").to_string(),
    };
    let outcome = log_in(
        &req,
        &pool,
        &clock,
        &checks,
        attempt,
        |conn, login, verified, now| match service::auth::settle(conn, login, verified, now)? {
            Some(user) => Ok(Some(service::auth::open_session(conn, user, now)?)),
            None => Ok(None),
        },
    )
    .await?;
    match outcome {
        Ok(Some(session)) => {
            let mut response = see_other("/");
            for (name, value) in [
                set_cookie(&req, SESSION_COOKIE, Some(&session.cookie)),
                set_cookie(&req, LOGIN_CSRF_COOKIE, None),
            ] {
                if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&value) {
                    response.headers_mut().append(name, value);
                }
            }
            Ok(response)
        }
        Ok(None) => Ok(login_form(
            &req,
            StatusCode::UNAUTHORIZED,
            &username,
            Some("Sai tên đăng nhập hoặc mật khẩu."),
        )),
        Err(seconds) => Ok(login_form(
            &req,
            StatusCode::TOO_MANY_REQUESTS,
            &username,
            Some(&format!(
                "Đã sai quá nhiều lần; hãy thử lại sau {} giây.",
                seconds.max(1)
            )),
        )),
    }
}

/// Ends the session (its row is deleted) and clears the cookie.
#[actix_web::post("/dang-xuat")]
pub async fn logout(
    req: HttpRequest,
    user: WebUser,
    pool: web::Data<DbPool>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&Form::parse(&body))?;
    if let Some(cookie) = cookie_value(&req, SESSION_COOKIE) {
        transaction(&pool, move |conn| {
            service::auth::close_session(conn, &cookie)
        })
        .await?;
    }
    let mut response = see_other("/dang-nhap");
    let (name, value) = set_cookie(&req, SESSION_COOKIE, None);
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&value) {
        response.headers_mut().append(name, value);
    }
    Ok(response)
}
