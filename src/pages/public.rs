//! `Công khai`: the read-only page of a plan the coordinator marked public,
//! open without login. Tasks with their Vietnamese status, lead agency and
//! deadline, from the task list's use case; no person's name, no report text.
//! A plan not marked public is a missing page (404), like one that does not exist.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::html;

use super::layout::bare;
use super::{page_response, uuid_in_path, vn_date, PageError};
use crate::api::common::MAX_LIMIT;
use crate::api::tasks::list::{task_query, TaskListParams};
use crate::clock::Clock;
use crate::db::DbPool;
use crate::domain::ids::PlanId;
use crate::domain::overdue::province_date;
use crate::service::tasks::{self, Task};
use crate::store;

/// `/cong-khai`: the public plans.
#[actix_web::get("/cong-khai")]
pub async fn plans(pool: web::Data<DbPool>) -> Result<HttpResponse, PageError> {
    let pool = pool.into_inner();
    let plans = web::block(move || {
        crate::db::read(&pool, |conn| {
            Ok(store::plans::list(conn, None, None, MAX_LIMIT)?
                .into_iter()
                .filter(|p| p.public)
                .collect::<Vec<_>>())
        })
    })
    .await
    .map_err(|e| PageError::Api(crate::error::ApiError::internal(e.to_string())))??;
    let body = html! {
        h1 { "Kế hoạch công khai" }
        @if plans.is_empty() { p.muted { "Chưa có kế hoạch nào được công khai." } }
        ul { @for p in &plans { li { a href={ "/cong-khai/" (p.id) } { (p.code) " — " (p.title) } } } }
        p { a href="/dang-nhap" { "Đăng nhập" } " (cán bộ, công chức)" }
    };
    Ok(page_response(
        StatusCode::OK,
        bare("Kế hoạch công khai", body),
    ))
}

/// `/cong-khai/{id}`: a public plan's tasks as of today.
#[actix_web::get("/cong-khai/{id}")]
pub async fn plan(
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id: PlanId = uuid_in_path(&id)?;
    let today = province_date(clock.now());
    let params = TaskListParams {
        plan_id: Some(id),
        ..TaskListParams::default()
    };
    let query = task_query(&params, today)?;
    let pool = pool.into_inner();
    let found = web::block(move || {
        crate::db::read(&pool, |conn| {
            let Some(plan) = store::plans::find(conn, id)?.filter(|p| p.public) else {
                return Ok(None);
            };
            let mut all: Vec<Task> = Vec::new();
            let mut after = None;
            loop {
                let page = tasks::list(conn, &query, after.as_ref(), MAX_LIMIT)?;
                all.extend(page.items);
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            Ok(Some((plan, all)))
        })
    })
    .await
    .map_err(|e| PageError::Api(crate::error::ApiError::internal(e.to_string())))??;
    let Some((plan, tasks)) = found else {
        return Err(PageError::NotFound);
    };
    let done = tasks
        .iter()
        .filter(|t| t.status == crate::domain::enums::TaskStatus::Completed)
        .count();
    let overdue = tasks.iter().filter(|t| t.overdue).count();
    let body = html! {
        h1 { (plan.title) }
        p { "Kế hoạch " (plan.code) ", năm " (plan.year) ". Tình hình tính đến ngày " (vn_date(today)) ": "
            (tasks.len()) " nhiệm vụ, " (done) " đã hoàn thành, " (overdue) " quá hạn." }
        table.responsive {
            thead { tr { th { "Mã" } th { "Nhiệm vụ" } th { "Cơ quan chủ trì" } th { "Thời hạn" } th { "Tình hình thực hiện" } } }
            tbody {
                @for t in &tasks {
                    tr {
                        td data-label="Mã" { (t.code) }
                        td data-label="Nhiệm vụ" { (t.title) }
                        td data-label="Cơ quan chủ trì" { (t.lead_agency.name) }
                        td data-label="Thời hạn" {
                            (t.deadline.label)
                            @if t.due_on != t.original_due_on { br; span.muted { "gia hạn đến " (vn_date(t.due_on)) } }
                        }
                        td data-label="Tình hình thực hiện" { span class=[t.overdue.then_some("late")] { (t.status_label.as_str()) } }
                    }
                }
            }
        }
        p { a href="/cong-khai" { "Các kế hoạch công khai" } }
    };
    Ok(page_response(StatusCode::OK, bare(&plan.title, body)))
}
