//! `Kiểm tra`: what is overdue, and what is due within 30 days, as of a day
//! (the task list's `overdue`, `at_risk_days` and `as_of` filters).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;

use super::layout::{frame, Nav};
use super::tasks::task_table;
use super::{field_errors, page_response, vn_date, PageError, WebUser};
use crate::api::common::read;
use crate::api::common::MAX_LIMIT;
use crate::api::extract::parse_query;
use crate::api::tasks::list::{task_page, task_query, TaskListParams};
use crate::db::DbPool;
use crate::domain::ids::PlanId;
use crate::service::inspections::agency_findings;
use crate::service::standing::{plan_summary, Standing};
use crate::store;

/// Tasks completed on time out of all an agency leads, for ranking.
pub fn on_time_rate(s: &Standing) -> f64 {
    if s.total == 0 {
        0.0
    } else {
        s.completed_on_time as f64 / s.total as f64
    }
}

/// The on-time rate in percent, one decimal, as Vietnamese writes it (`87,5`).
fn percent(s: &Standing) -> String {
    format!("{:.1}", on_time_rate(s) * 100.0).replace('.', ",")
}

/// The inspection page: `?plan_id=…&as_of=YYYY-MM-DD` (default: the first
/// plan by code, today).
#[actix_web::get("/kiem-tra")]
pub async fn page(
    req: HttpRequest,
    user: WebUser,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, PageError> {
    let param = |name: &str| {
        form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let as_of = param("as_of");
    let wanted: Option<PlanId> = match param("plan_id") {
        Some(text) => Some(super::uuid_in_path(&text)?),
        None => None,
    };
    let plans = read(&pool, user.authenticated(), |conn, _| {
        Ok(store::plans::list(conn, None, None, MAX_LIMIT)?)
    })
    .await?;
    let plan = match wanted {
        Some(id) => plans
            .iter()
            .find(|p| p.id == id)
            .ok_or(PageError::NotFound)?,
        None => match plans.first() {
            Some(first) => first,
            None => return Err(PageError::NotFound),
        },
    };
    let plan_id = plan.id;
    let choices: Vec<(PlanId, String)> = plans
        .iter()
        .map(|p| (p.id, format!("{} — {}", p.code, p.title)))
        .collect();
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("plan_id", &plan_id.to_string());
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
                (day_form(&choices, plan_id, as_of.as_deref().unwrap_or(""), Some(&message)))
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
        "plan_id={plan_id}&as_of={day}&overdue=false&at_risk_days=30&limit={MAX_LIMIT}"
    ))?;
    let query = task_query(&risk_params, user.today())?;
    let at_risk = task_page(&pool, user.authenticated(), &risk_params, query).await?;
    let (summary, findings) = read(&pool, user.authenticated(), move |conn, _| {
        let summary = plan_summary(conn, plan_id, day)?;
        let mut findings = std::collections::HashMap::new();
        for a in &summary.by_lead_agency {
            let tally = agency_findings(conn, a.agency_id, Some(plan_id), day)?;
            findings.insert(a.agency_id, tally);
        }
        Ok((summary, findings))
    })
    .await?;
    let mut ranked: Vec<_> = summary.by_lead_agency.iter().collect();
    ranked.sort_by(|a, b| {
        on_time_rate(&b.standing)
            .total_cmp(&on_time_rate(&a.standing))
            .then_with(|| a.standing.overdue.cmp(&b.standing.overdue))
            .then_with(|| a.name.cmp(&b.name))
    });
    let more = |next: &Option<String>| if next.is_some() { "hơn " } else { "" };
    let body = html! {
        h1 { "Kiểm tra" }
        (day_form(&choices, plan_id, &day.to_string(), None))
        section.card aria-labelledby="qua-han" {
            h2 id="qua-han" { "Quá hạn tính đến ngày " (vn_date(day)) }
            p { span.count id="so-qua-han" { (more(&overdue.next_cursor)) (overdue.items.len()) } " nhiệm vụ quá hạn" }
            (super::tasks::download_links(&format!("plan_id={plan_id}&overdue=true&as_of={day}")))
            (task_table(&overdue.items))
        }
        section.card aria-labelledby="sap-den-han" {
            h2 id="sap-den-han" { "Đến hạn trong 30 ngày, chưa hoàn thành" }
            p { span.count { (more(&at_risk.next_cursor)) (at_risk.items.len()) } " nhiệm vụ" }
            (task_table(&at_risk.items))
        }
        section.card aria-labelledby="xep-hang" {
            h2 id="xep-hang" { "Cơ quan chủ trì, xếp theo tỷ lệ hoàn thành đúng hạn" }
            table.responsive {
                thead { tr { th { "Hạng" } th { "Cơ quan" } th { "Chủ trì" } th { "Đúng hạn" } th { "Hoàn thành quá hạn" } th { "Quá hạn" } th { "Tỷ lệ đúng hạn" } th { "Kết luận kiểm tra chưa khắc phục (quá hạn)" } } }
                tbody {
                    @for (rank, a) in ranked.iter().enumerate() {
                        tr {
                            td data-label="Hạng" { (rank + 1) }
                            td data-label="Cơ quan" { (a.name) }
                            td data-label="Chủ trì" { (a.standing.total) }
                            td data-label="Đúng hạn" { (a.standing.completed_on_time) }
                            td data-label="Hoàn thành quá hạn" { (a.standing.completed_late) }
                            td data-label="Quá hạn" class=[(a.standing.overdue > 0).then_some("late")] { (a.standing.overdue) }
                            td data-label="Tỷ lệ đúng hạn" { (percent(&a.standing)) "%" }
                            @let (open, late) = findings.get(&a.agency_id).map_or((0, 0), |t| (t.open, t.overdue));
                            td data-label="Kết luận chưa khắc phục" { (open) " (" (late) ")" }
                        }
                    }
                }
            }
        }
    };
    Ok(page_response(
        StatusCode::OK,
        frame(&user, Nav::Inspect, "Kiểm tra", body),
    ))
}

fn day_form(
    plans: &[(PlanId, String)],
    chosen: PlanId,
    value: &str,
    error: Option<&str>,
) -> maud::Markup {
    html! {
        form.card method="get" action="/kiem-tra" {
            label for="plan_id" { "Kế hoạch" }
            select id="plan_id" name="plan_id" {
                @for (id, name) in plans {
                    option value=(id) selected[*id == chosen] { (name) }
                }
            }
            label for="as_of" { "Tính đến ngày" }
            input id="as_of" name="as_of" type="date" value=(value)
                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "as_of-loi")];
            @if let Some(message) = error { p.error id="as_of-loi" data-field="as_of" { (message) } }
            button type="submit" { "Xem" }
        }
    }
}
