//! `Kiểm tra`: what is overdue, and what is due within 30 days, as of a day
//! (the task list's `overdue`, `at_risk_days` and `as_of` filters).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;

use super::layout::{frame, Nav};
use super::tasks::task_table;
use super::{field_errors, page_response, vn_date, PageError, WebUser};
use crate::api::common::MAX_LIMIT;
use crate::api::extract::parse_query;
use crate::api::tasks::list::{task_page, task_query, TaskListParams};
use crate::db::DbPool;

/// The inspection page: `?as_of=YYYY-MM-DD` (default today).
pub async fn page(
    req: HttpRequest,
    user: WebUser,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, PageError> {
    let as_of = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "as_of")
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(day) = &as_of {
        query.append_pair("as_of", day);
    }
    let base = query.finish();
    let with = |extra: &str| {
        if base.is_empty() {
            extra.to_string()
        } else {
            format!("{base}&{extra}")
        }
    };
    let overdue_params =
        parse_query::<TaskListParams>(&with(&format!("overdue=true&limit={MAX_LIMIT}")));
    let overdue_params = match overdue_params {
        Ok(p) => p,
        Err(e) => {
            let message = field_errors(&e)
                .and_then(|errors| errors.first().map(|f| f.message.clone()))
                .unwrap_or_else(|| e.to_string());
            let body = html! {
                h1 { "Kiểm tra" }
                (day_form(as_of.as_deref().unwrap_or(""), Some(&message)))
            };
            return Ok(page_response(
                StatusCode::BAD_REQUEST,
                frame(&user, Nav::Inspect, "Kiểm tra", body),
            ));
        }
    };
    let query = task_query(&overdue_params, user.today())?;
    let day = query.as_of;
    let overdue = task_page(&pool, user.authenticated(), &overdue_params, query).await?;
    let risk_params: TaskListParams = parse_query(&format!(
        "as_of={day}&overdue=false&at_risk_days=30&limit={MAX_LIMIT}"
    ))?;
    let query = task_query(&risk_params, user.today())?;
    let at_risk = task_page(&pool, user.authenticated(), &risk_params, query).await?;
    let more = |next: &Option<String>| if next.is_some() { "hơn " } else { "" };
    let body = html! {
        h1 { "Kiểm tra" }
        (day_form(&day.to_string(), None))
        section.card aria-labelledby="qua-han" {
            h2 id="qua-han" { "Quá hạn tính đến ngày " (vn_date(day)) }
            p { span.count id="so-qua-han" { (more(&overdue.next_cursor)) (overdue.items.len()) } " nhiệm vụ quá hạn" }
            (task_table(&overdue.items))
        }
        section.card aria-labelledby="sap-den-han" {
            h2 id="sap-den-han" { "Đến hạn trong 30 ngày, chưa hoàn thành" }
            p { span.count { (more(&at_risk.next_cursor)) (at_risk.items.len()) } " nhiệm vụ" }
            (task_table(&at_risk.items))
        }
    };
    Ok(page_response(
        StatusCode::OK,
        frame(&user, Nav::Inspect, "Kiểm tra", body),
    ))
}

fn day_form(value: &str, error: Option<&str>) -> maud::Markup {
    html! {
        form.card method="get" action="/kiem-tra" {
            label for="as_of" { "Tính đến ngày" }
            input id="as_of" name="as_of" type="date" value=(value)
                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "as_of-loi")];
            @if let Some(message) = error { p.error id="as_of-loi" data-field="as_of" { (message) } }
            button type="submit" { "Xem" }
        }
    }
}
