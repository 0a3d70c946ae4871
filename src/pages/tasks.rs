//! `Nhiệm vụ` (the task list with the API's filters and keyset paging), a
//! task's page (deadline, extension, reports with evidence, claim, history)
//! with the report form, and `Cơ quan tôi` (an officer's agency's tasks).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde_json::{json, Map, Value};

use super::layout::{frame, Nav};
use super::{
    csrf_field, field_errors, page_response, see_other, uuid_in_path, vn_date, vn_day_of, Form,
    PageError, WebUser,
};
use crate::api::common::{act, read};
use crate::api::extract::{parse_json, parse_query};
use crate::api::tasks::list::{task_page, task_query, TaskListParams};
use crate::db::DbPool;
use crate::domain::enums::TaskStatus;
use crate::domain::error::FieldError;
use crate::domain::ids::TaskId;
use crate::domain::policy::{authorize, Action};
use crate::service::reports::{CreateReport, Report};
use crate::service::tasks::Task;
use crate::store;

/// Task statuses as the pages name them.
pub fn status_name(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::NotStarted => "Chưa thực hiện",
        TaskStatus::InProgress => "Đang thực hiện",
        TaskStatus::Submitted => "Chờ công nhận hoàn thành",
        TaskStatus::Completed => "Đã hoàn thành",
        TaskStatus::Cancelled => "Đã hủy",
    }
}

/// The query string without its empty fields (an HTML form sends every
/// field, filled or not), as the API's parameters.
fn list_params(query: &str) -> Result<(TaskListParams, String), PageError> {
    let kept: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k.into_owned(), v.trim().to_string()))
        .collect();
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&kept)
        .finish();
    Ok((parse_query::<TaskListParams>(&encoded)?, encoded))
}

/// The filter fields' values as sent.
fn sent(query: &str) -> HashMap<String, String> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `Nhiệm vụ`: the task list, filtered as `GET /api/v1/tasks` filters it.
#[actix_web::get("/nhiem-vu")]
pub async fn list(
    req: HttpRequest,
    user: WebUser,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, PageError> {
    let values = sent(req.query_string());
    let choices = filter_choices(&pool, &user).await?;
    let outcome = match list_params(req.query_string()) {
        Ok((params, encoded)) => match task_query(&params, user.today()) {
            Ok(query) => {
                let as_of = query.as_of;
                task_page(&pool, user.authenticated(), &params, query)
                    .await
                    .map(|p| (p, as_of, encoded))
                    .map_err(PageError::from)
            }
            Err(e) => Err(e.into()),
        },
        Err(e) => Err(e),
    };
    let (status, body) = match outcome {
        Ok((tasks, as_of, encoded)) => {
            let next = tasks.next_cursor.as_ref().map(|cursor| {
                let without: Vec<(String, String)> = form_urlencoded::parse(encoded.as_bytes())
                    .filter(|(k, _)| k != "cursor")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                let mut query = form_urlencoded::Serializer::new(String::new());
                query.extend_pairs(&without);
                query.append_pair("cursor", cursor);
                format!("/nhiem-vu?{}", query.finish())
            });
            let filters: Vec<(String, String)> = form_urlencoded::parse(encoded.as_bytes())
                .filter(|(k, _)| !matches!(k.as_ref(), "cursor" | "limit" | "format"))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let filters = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&filters)
                .finish();
            let body = html! {
                (filter_form(&values, &choices, &[]))
                p { (tasks.items.len()) " nhiệm vụ trên trang này, tính đến ngày " (vn_date(as_of)) "." }
                (download_links(&filters))
                (task_table(&tasks.items))
                @if let Some(next) = next {
                    p { a.button href=(next) rel="next" { "Trang sau" } }
                }
            };
            (StatusCode::OK, body)
        }
        Err(PageError::Api(e)) if field_errors(&e).is_some() => {
            let errors = field_errors(&e).unwrap_or_default();
            let body = html! {
                div.alert role="alert" { "Bộ lọc chưa hợp lệ; xem các ô được đánh dấu." }
                (filter_form(&values, &choices, &errors))
            };
            (actix_web::ResponseError::status_code(&e), body)
        }
        Err(e) => return Err(e),
    };
    let body = html! { h1 { "Nhiệm vụ" } (body) };
    Ok(page_response(
        status,
        frame(&user, Nav::Tasks, "Nhiệm vụ", body),
    ))
}

/// `/tai-ve/nhiem-vu?format=csv|xlsx&…`: the filtered task list as a file,
/// as `GET /api/v1/tasks?format=…` gives it, for the signed-in user.
#[actix_web::get("/tai-ve/nhiem-vu")]
pub async fn download(
    req: HttpRequest,
    user: WebUser,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, PageError> {
    let (params, _) = list_params(req.query_string())?;
    let format = params
        .format
        .unwrap_or(crate::api::sheets::ExportFormat::Csv);
    let query = task_query(&params, user.today())?;
    Ok(
        crate::api::tasks::list::task_file(&req, &pool, user.authenticated(), format, query)
            .await?,
    )
}

/// Links to the list under `query` (a query string of the list's filters) as files.
pub fn download_links(query: &str) -> Markup {
    let and = if query.is_empty() { "" } else { "&" };
    html! {
        p {
            "Tải danh sách: "
            a href={ "/tai-ve/nhiem-vu?format=csv" (and) (query) } { "CSV" }
            " · "
            a href={ "/tai-ve/nhiem-vu?format=xlsx" (and) (query) } { "Excel (XLSX)" }
        }
    }
}

/// The reform areas and agencies the filters offer.
struct Choices {
    areas: Vec<(String, String)>,
    agencies: Vec<(String, String)>,
}

async fn filter_choices(pool: &web::Data<DbPool>, user: &WebUser) -> Result<Choices, PageError> {
    Ok(read(pool, user.authenticated(), |conn, _| {
        let areas = store::agencies::list_areas(conn)?
            .into_iter()
            .map(|a| (a.code, a.name))
            .collect();
        let agencies = store::agencies::all(conn)?
            .into_iter()
            .map(|a| (a.id.to_string(), a.name))
            .collect();
        Ok(Choices { areas, agencies })
    })
    .await?)
}

/// The error message beside a field, and the attributes that tie it to it.
fn error_of<'e>(errors: &'e [FieldError], field: &str) -> Option<&'e str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// A labelled input with its error beside it.
fn field(
    name: &str,
    label: &str,
    kind: &str,
    values: &HashMap<String, String>,
    errors: &[FieldError],
) -> Markup {
    field_in("f", name, label, kind, values, errors)
}

/// `field` in a form whose ids start with `prefix` (several forms on a page).
fn field_in(
    prefix: &str,
    name: &str,
    label: &str,
    kind: &str,
    values: &HashMap<String, String>,
    errors: &[FieldError],
) -> Markup {
    let id = format!("{prefix}-{}", name.replace(['[', ']', '.'], "-"));
    let error = error_of(errors, name);
    let error_id = format!("{id}-loi");
    html! {
        div {
            label for=(id) { (label) }
            input id=(id) name=(name) type=(kind)
                value=(values.get(name).map(String::as_str).unwrap_or(""))
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| error_id.as_str())];
            @if let Some(message) = error {
                p.error id=(error_id) data-field=(name) { (message) }
            }
        }
    }
}

fn select(
    name: &str,
    label: &str,
    options: &[(String, String)],
    values: &HashMap<String, String>,
    errors: &[FieldError],
) -> Markup {
    let id = format!("f-{name}");
    let current = values.get(name).map(String::as_str).unwrap_or("");
    let error = error_of(errors, name);
    html! {
        div {
            label for=(id) { (label) }
            select id=(id) name=(name) aria-invalid=[error.map(|_| "true")] {
                option value="" { "Tất cả" }
                @for (value, text) in options {
                    option value=(value) selected[current == value] { (text) }
                }
            }
            @if let Some(message) = error {
                p.error data-field=(name) { (message) }
            }
        }
    }
}

fn filter_form(
    values: &HashMap<String, String>,
    choices: &Choices,
    errors: &[FieldError],
) -> Markup {
    let statuses: Vec<(String, String)> = [
        TaskStatus::NotStarted,
        TaskStatus::InProgress,
        TaskStatus::Submitted,
        TaskStatus::Completed,
        TaskStatus::Cancelled,
    ]
    .iter()
    .map(|s| (s.as_str().to_string(), status_name(*s).to_string()))
    .collect();
    let roles = vec![
        ("lead".to_string(), "Chủ trì".to_string()),
        ("supporting".to_string(), "Phối hợp".to_string()),
    ];
    let overdue = vec![
        ("true".to_string(), "Quá hạn".to_string()),
        ("false".to_string(), "Không quá hạn".to_string()),
    ];
    html! {
        form.card method="get" action="/nhiem-vu" aria-label="Lọc nhiệm vụ" {
            div.filters {
                (field("q", "Tìm (mã, tên, sản phẩm; không cần dấu)", "search", values, errors))
                (select("status", "Trạng thái", &statuses, values, errors))
                (select("area", "Lĩnh vực", &choices.areas, values, errors))
                (select("agency_id", "Cơ quan", &choices.agencies, values, errors))
                (select("agency_role", "Vai trò của cơ quan", &roles, values, errors))
                (select("overdue", "Quá hạn", &overdue, values, errors))
                (field("as_of", "Tính đến ngày (năm-tháng-ngày)", "date", values, errors))
                (field("due_after", "Hạn từ ngày", "date", values, errors))
                (field("due_before", "Hạn đến ngày", "date", values, errors))
            }
            button type="submit" { "Lọc" }
        }
    }
}

fn due_cell(task: &Task) -> Markup {
    html! {
        (task.deadline.label)
        @if task.due_on != task.original_due_on {
            br; span.muted { "gia hạn đến " (vn_date(task.due_on)) }
        }
    }
}

/// Tasks as a table that becomes a list of cards at 360 px.
pub fn task_table(tasks: &[Task]) -> Markup {
    html! {
        @if tasks.is_empty() {
            p.muted { "Không có nhiệm vụ nào." }
        } @else {
            table.responsive {
                thead { tr { th { "Mã" } th { "Nhiệm vụ" } th { "Cơ quan chủ trì" } th { "Thời hạn" } th { "Tình hình" } } }
                tbody {
                    @for t in tasks {
                        tr {
                            td data-label="Mã" { (t.code) }
                            td data-label="Nhiệm vụ" { a href={ "/nhiem-vu/" (t.id) } { (t.title) } }
                            td data-label="Cơ quan chủ trì" { (t.lead_agency.name) }
                            td data-label="Thời hạn" { (due_cell(t)) }
                            td data-label="Tình hình" {
                                span class=[t.overdue.then_some("late")] { (t.status_label.as_str()) }
                                @if t.overdue { " (" (t.days_overdue) " ngày)" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What a task's page shows, read in one go.
struct TaskView {
    task: Task,
    reports: Vec<Report>,
    history: Vec<(String, String)>,
    may_report: bool,
    may_act_as_lead: bool,
}

async fn task_view(
    pool: &web::Data<DbPool>,
    user: &WebUser,
    id: TaskId,
) -> Result<TaskView, PageError> {
    let today = user.today();
    Ok(read(pool, user.authenticated(), move |conn, principal| {
        let task = crate::service::tasks::get(
            conn,
            id,
            today,
            crate::store::tasks::Keeping::Today(today),
        )?;
        let reports = crate::service::reports::list(conn, id, None, 200)?.items;
        let supporting: Vec<_> = task.supporting_agencies.iter().map(|a| a.id).collect();
        let may_report = authorize(
            principal,
            Action::ReportOnTask {
                lead_agency_id: task.lead_agency.id,
                supporting_agency_ids: &supporting,
            },
        )
        .is_ok();
        let may_act_as_lead = authorize(
            principal,
            Action::ActAsLeadAgency {
                lead_agency_id: task.lead_agency.id,
            },
        )
        .is_ok();
        let mut names: HashMap<String, String> = task
            .supporting_agencies
            .iter()
            .chain(std::iter::once(&task.lead_agency))
            .map(|a| (a.id.to_string(), a.name.clone()))
            .collect();
        let rows = store::audit::task_history(conn, id, 0, 500)?;
        let mut history = Vec::new();
        for row in rows {
            if let Some(agency) = row.changes.get("agency_id").and_then(Value::as_str) {
                if !names.contains_key(agency) {
                    if let Ok(agency_id) = uuid::Uuid::parse_str(agency) {
                        if let Some(a) = store::agencies::find(conn, agency_id.into())? {
                            names.insert(agency.to_string(), a.name);
                        }
                    }
                }
            }
            let line = history_line(&row.action, &row.changes, &task.lead_agency.name, &names);
            history.push((vn_day_of(row.occurred_at), line));
        }
        Ok(TaskView {
            task,
            reports,
            history,
            may_report,
            may_act_as_lead,
        })
    })
    .await?)
}

/// One event of a task's history in readable Vietnamese.
pub fn history_line(
    action: &str,
    changes: &Value,
    lead: &str,
    agencies: &HashMap<String, String>,
) -> String {
    let text = |key: &str| changes.get(key).and_then(Value::as_str).unwrap_or("");
    let day = |key: &str| {
        NaiveDate::parse_from_str(text(key), "%Y-%m-%d")
            .map(vn_date)
            .unwrap_or_default()
    };
    let comment = || match text("comment") {
        "" => String::new(),
        c => format!(": {c}"),
    };
    match action {
        "task.created" => "Giao nhiệm vụ".into(),
        "task.updated" => "Sở Nội vụ điều chỉnh nhiệm vụ".into(),
        "report.created" => {
            let agency = agencies
                .get(text("agency_id"))
                .map(String::as_str)
                .unwrap_or("Cơ quan");
            let percent = changes
                .get("progress_percent")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            format!("{agency} báo cáo tiến độ {percent}%")
        }
        "completion.claimed" => format!(
            "{lead} đề nghị công nhận hoàn thành (hoàn thành ngày {})",
            day("completed_on")
        ),
        "completion.accepted" => "Sở Nội vụ công nhận hoàn thành".into(),
        "completion.returned" => format!("Sở Nội vụ trả lại đề nghị hoàn thành{}", comment()),
        "extension.requested" => format!("{lead} đề nghị gia hạn đến {}", day("requested_due_on")),
        "extension.approved" => format!("Sở Nội vụ đồng ý gia hạn đến {}", day("requested_due_on")),
        "extension.rejected" => format!(
            "Sở Nội vụ không đồng ý gia hạn đến {}{}",
            day("requested_due_on"),
            comment()
        ),
        other => other.to_string(),
    }
}

/// The number of evidence rows the report form offers.
const EVIDENCE_ROWS: usize = 2;

fn report_form(
    user: &WebUser,
    task: &Task,
    values: &HashMap<String, String>,
    errors: &[FieldError],
) -> Markup {
    let summary_error = error_of(errors, "summary");
    let others: Vec<&FieldError> = errors
        .iter()
        .filter(|e| {
            e.field != "summary"
                && e.field != "progress_percent"
                && !(0..EVIDENCE_ROWS).any(|i| e.field.starts_with(&format!("evidence[{i}].")))
        })
        .collect();
    html! {
        form.card id="bao-cao-moi" method="post" action={ "/nhiem-vu/" (task.id) "/bao-cao" } {
            h2 { "Báo cáo tiến độ" }
            @if !errors.is_empty() {
                div.alert role="alert" { "Báo cáo chưa được gửi; xem các ô được đánh dấu." }
                @for e in others { p.error data-field=(e.field) { (e.field) ": " (e.message) } }
            }
            (csrf_field(&user.csrf_token))
            (field("progress_percent", "Tiến độ (%)", "number", values, errors))
            div {
                label for="f-summary" { "Nội dung báo cáo" }
                textarea id="f-summary" name="summary"
                    aria-invalid=[summary_error.map(|_| "true")]
                    aria-describedby=[summary_error.map(|_| "f-summary-loi")] {
                    (values.get("summary").map(String::as_str).unwrap_or(""))
                }
                @if let Some(message) = summary_error {
                    p.error id="f-summary-loi" data-field="summary" { (message) }
                }
            }
            @for i in 0..EVIDENCE_ROWS {
                fieldset {
                    legend { "Văn bản minh chứng " (i + 1) " (không bắt buộc)" }
                    (field(&format!("evidence[{i}].document_number"), "Số, ký hiệu", "text", values, errors))
                    (field(&format!("evidence[{i}].issued_on"), "Ngày ban hành", "date", values, errors))
                    (field(&format!("evidence[{i}].issuer"), "Cơ quan ban hành", "text", values, errors))
                    (field(&format!("evidence[{i}].title"), "Trích yếu", "text", values, errors))
                    (field(&format!("evidence[{i}].url"), "Đường dẫn (http/https)", "url", values, errors))
                }
            }
            button type="submit" { "Gửi báo cáo" }
        }
    }
}

/// A labelled text area with its error beside it.
fn text_area(
    prefix: &str,
    name: &str,
    label: &str,
    values: &HashMap<String, String>,
    errors: &[FieldError],
) -> Markup {
    let id = format!("{prefix}-{name}");
    let error = error_of(errors, name);
    let error_id = format!("{id}-loi");
    html! {
        div {
            label for=(id) { (label) }
            textarea id=(id) name=(name)
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| error_id.as_str())] {
                (values.get(name).map(String::as_str).unwrap_or(""))
            }
            @if let Some(message) = error {
                p.error id=(error_id) data-field=(name) { (message) }
            }
        }
    }
}

/// The lead agency's claim of completion: the day, a summary, one document.
fn claim_form(
    user: &WebUser,
    task: &Task,
    values: &HashMap<String, String>,
    errors: &[FieldError],
) -> Markup {
    html! {
        form.card id="de-nghi-hoan-thanh" method="post" action={ "/nhiem-vu/" (task.id) "/hoan-thanh" } {
            h2 { "Đề nghị công nhận hoàn thành" }
            @if !errors.is_empty() {
                div.alert role="alert" { "Đề nghị chưa được gửi; xem các ô được đánh dấu." }
            }
            (csrf_field(&user.csrf_token))
            (field_in("ht", "completed_on", "Ngày hoàn thành", "date", values, errors))
            (text_area("ht", "summary", "Kết quả đã đạt", values, errors))
            fieldset {
                legend { "Văn bản minh chứng (không bắt buộc)" }
                (field_in("ht", "evidence[0].document_number", "Số, ký hiệu", "text", values, errors))
                (field_in("ht", "evidence[0].issued_on", "Ngày ban hành", "date", values, errors))
                (field_in("ht", "evidence[0].issuer", "Cơ quan ban hành", "text", values, errors))
                (field_in("ht", "evidence[0].title", "Trích yếu", "text", values, errors))
                (field_in("ht", "evidence[0].url", "Đường dẫn (http/https)", "url", values, errors))
            }
            button type="submit" { "Gửi đề nghị" }
        }
    }
}

/// The lead agency's request for a later due date.
fn extension_form(
    user: &WebUser,
    task: &Task,
    values: &HashMap<String, String>,
    errors: &[FieldError],
) -> Markup {
    html! {
        form.card id="de-nghi-gia-han" method="post" action={ "/nhiem-vu/" (task.id) "/gia-han" } {
            h2 { "Đề nghị gia hạn" }
            @if !errors.is_empty() {
                div.alert role="alert" { "Đề nghị chưa được gửi; xem các ô được đánh dấu." }
            }
            (csrf_field(&user.csrf_token))
            (field_in("gh", "requested_due_on", "Gia hạn đến ngày", "date", values, errors))
            (text_area("gh", "reason", "Lý do", values, errors))
            button type="submit" { "Gửi đề nghị" }
        }
    }
}

/// Which of a task page's forms was sent back with errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskForm {
    Report,
    Claim,
    Extension,
}

/// A refused form: which, what was typed, the API's field errors.
pub struct Refused {
    pub form: TaskForm,
    pub values: HashMap<String, String>,
    pub errors: Vec<FieldError>,
}

fn task_body(user: &WebUser, view: &TaskView, refused: Option<&Refused>) -> Markup {
    let none = HashMap::new();
    let of = |form: TaskForm| match refused {
        Some(r) if r.form == form => (&r.values, r.errors.as_slice()),
        _ => (&none, &[][..]),
    };
    let (values, errors) = of(TaskForm::Report);
    let (claim_values, claim_errors) = of(TaskForm::Claim);
    let (extension_values, extension_errors) = of(TaskForm::Extension);
    let open = !matches!(
        view.task.current_status,
        TaskStatus::Completed | TaskStatus::Cancelled | TaskStatus::Submitted
    );
    let t = &view.task;
    let agency_name = |id: &str| {
        t.supporting_agencies
            .iter()
            .chain(std::iter::once(&t.lead_agency))
            .find(|a| a.id.to_string() == id)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| "Cơ quan".into())
    };
    html! {
        p { a href="/nhiem-vu" { "← Danh sách nhiệm vụ" } }
        h1 { (t.code) ". " (t.title) }
        section.card aria-labelledby="thong-tin" {
            h2 id="thong-tin" { "Thông tin" }
            dl {
                dt { "Cơ quan chủ trì" } dd { (t.lead_agency.name) }
                dt { "Cơ quan phối hợp" }
                dd {
                    @if t.supporting_agencies.is_empty() { "—" }
                    @for (i, a) in t.supporting_agencies.iter().enumerate() {
                        @if i > 0 { ", " } (a.name)
                    }
                }
                dt { "Kết quả, sản phẩm" } dd { (t.expected_output) }
                dt { "Thời hạn" } dd { (t.deadline.label) }
                dt { "Hạn ban đầu" } dd { (vn_date(t.original_due_on)) }
                dt { "Hạn đang áp dụng" } dd {
                    (vn_date(t.current_due_on))
                    @if t.current_due_on != t.original_due_on { " (đã gia hạn)" }
                }
                dt { "Tình hình" } dd {
                    span class=[t.overdue.then_some("late")] { (t.status_label.as_str()) }
                    @if t.overdue { " — quá hạn " (t.days_overdue) " ngày" }
                }
                dt { "Trạng thái" } dd { (status_name(t.current_status)) }
                dt { "Tiến độ" } dd { (t.current_progress_percent) "%" }
                @if let Some(done) = t.completed_on { dt { "Hoàn thành ngày" } dd { (vn_date(done)) } }
                @if let Some(claim) = &t.pending_claim {
                    dt { "Đề nghị hoàn thành" }
                    dd { (claim.author.display_name) " đề nghị ngày " (vn_day_of(claim.created_at))
                         ", hoàn thành ngày " (vn_date(claim.completed_on)) " — chờ Sở Nội vụ xem xét" }
                }
                @if let Some(ext) = &t.pending_extension_request {
                    dt { "Đề nghị gia hạn" }
                    dd { "Đến " (vn_date(ext.requested_due_on)) ", " (ext.author.display_name)
                         " đề nghị ngày " (vn_day_of(ext.created_at)) " — chờ quyết định" }
                }
            }
        }
        section.card aria-labelledby="bao-cao" {
            h2 id="bao-cao" { "Báo cáo (" (view.reports.len()) ")" }
            @if view.reports.is_empty() { p.muted { "Chưa có báo cáo." } }
            @for r in view.reports.iter().rev() {
                article.report {
                    h3 { (agency_name(&r.agency_id.to_string())) " báo cáo tiến độ " (r.progress_percent) "% — " (vn_day_of(r.created_at)) }
                    p { (r.summary) }
                    @if !r.evidence.is_empty() {
                        ul {
                            @for e in &r.evidence {
                                li {
                                    (e.document_number) " ngày " (vn_date(e.issued_on)) " của " (e.issuer) ": " (e.title)
                                    @if let Some(url) = &e.url { " — " a href=(url) rel="noopener noreferrer" { "đường dẫn" } }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if view.may_report && !matches!(t.current_status, TaskStatus::Completed | TaskStatus::Cancelled) {
            (report_form(user, t, values, errors))
        }
        @if view.may_act_as_lead && open {
            (claim_form(user, t, claim_values, claim_errors))
            @if t.pending_extension_request.is_none() {
                (extension_form(user, t, extension_values, extension_errors))
            }
        }
        section.card aria-labelledby="lich-su" {
            h2 id="lich-su" { "Lịch sử" }
            ol {
                @for (day, line) in &view.history { li { (line) " — " (day) } }
            }
        }
    }
}

/// A task's page.
#[actix_web::get("/nhiem-vu/{id}")]
pub async fn page(
    user: WebUser,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id: TaskId = uuid_in_path(&id)?;
    let view = task_view(&pool, &user, id).await?;
    let title = format!("Nhiệm vụ {}", view.task.code);
    let body = task_body(&user, &view, None);
    Ok(page_response(
        StatusCode::OK,
        frame(&user, Nav::Tasks, &title, body),
    ))
}

/// The report form's fields as the API's JSON body: the same parsing and
/// the same messages (`CreateReport`), then the same use case.
pub fn report_body(form: &Form) -> Value {
    let mut body = Map::new();
    let percent = form.get("progress_percent").trim();
    body.insert(
        "progress_percent".into(),
        percent
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(percent)),
    );
    body.insert("summary".into(), Value::from(form.get("summary")));
    let mut evidence = Vec::new();
    for i in 0..EVIDENCE_ROWS {
        let name = |f: &str| format!("evidence[{i}].{f}");
        let fields = ["document_number", "issued_on", "issuer", "title", "url"];
        if fields.iter().all(|f| form.filled(&name(f)).is_none()) {
            continue;
        }
        let mut row = Map::new();
        for f in fields {
            let value = form.get(&name(f)).trim();
            let value = match (f, value) {
                ("url", "") => Value::Null,
                _ => Value::from(value),
            };
            row.insert(f.into(), value);
        }
        evidence.push(Value::Object(row));
    }
    body.insert("evidence".into(), json!(evidence));
    Value::Object(body)
}

/// The claim form's fields as the API's `CreateCompletionClaim` body.
pub fn claim_body(form: &Form) -> Value {
    let mut body = report_body(form);
    if let Value::Object(map) = &mut body {
        map.remove("progress_percent");
        map.insert(
            "completed_on".into(),
            Value::from(form.get("completed_on").trim()),
        );
    }
    body
}

/// The extension form's fields as the API's `CreateExtensionRequest` body.
pub fn extension_body(form: &Form) -> Value {
    json!({
        "requested_due_on": form.get("requested_due_on").trim(),
        "reason": form.get("reason"),
    })
}

/// Runs a task form's use case on the API's parsing of its body; a refusal
/// shows the page again with the API's messages beside the fields.
async fn submit_task_form(
    user: WebUser,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
    body: web::Bytes,
    which: TaskForm,
) -> Result<HttpResponse, PageError> {
    use crate::service::completion::CreateCompletionClaim;
    use crate::service::extensions::CreateExtensionRequest;
    let form = Form::parse(&body);
    user.check_csrf(&form)?;
    let id: TaskId = uuid_in_path(&id)?;
    let who = user.authenticated();
    let result = match which {
        TaskForm::Report => {
            match parse_json::<CreateReport>(report_body(&form).to_string().as_bytes()) {
                Ok(input) => {
                    act(&pool, who, move |conn, actor| {
                        crate::service::reports::post(conn, actor, id, input, None).map(|_| ())
                    })
                    .await
                }
                Err(e) => Err(e),
            }
        }
        TaskForm::Claim => {
            match parse_json::<CreateCompletionClaim>(claim_body(&form).to_string().as_bytes()) {
                Ok(input) => {
                    act(&pool, who, move |conn, actor| {
                        crate::service::completion::claim(conn, actor, id, input).map(|_| ())
                    })
                    .await
                }
                Err(e) => Err(e),
            }
        }
        TaskForm::Extension => {
            match parse_json::<CreateExtensionRequest>(extension_body(&form).to_string().as_bytes())
            {
                Ok(input) => {
                    act(&pool, who, move |conn, actor| {
                        crate::service::extensions::request(conn, actor, id, input).map(|_| ())
                    })
                    .await
                }
                Err(e) => Err(e),
            }
        }
    };
    let anchor = match which {
        TaskForm::Report => "bao-cao",
        TaskForm::Claim | TaskForm::Extension => "thong-tin",
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/nhiem-vu/{id}#{anchor}"))),
        Err(e) => match field_errors(&e) {
            Some(errors) => {
                let view = task_view(&pool, &user, id).await?;
                let refused = Refused {
                    form: which,
                    values: form
                        .0
                        .iter()
                        .filter(|(k, _)| k != super::CSRF_FIELD)
                        .cloned()
                        .collect(),
                    errors,
                };
                let title = format!("Nhiệm vụ {}", view.task.code);
                let body = task_body(&user, &view, Some(&refused));
                Ok(page_response(
                    actix_web::ResponseError::status_code(&e),
                    frame(&user, Nav::Tasks, &title, body),
                ))
            }
            None => Err(e.into()),
        },
    }
}

/// Posts a progress report from the form.
#[actix_web::post("/nhiem-vu/{id}/bao-cao")]
pub async fn post_report(
    user: WebUser,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    submit_task_form(user, pool, id, body, TaskForm::Report).await
}

/// Claims completion from the form (an officer of the lead agency).
#[actix_web::post("/nhiem-vu/{id}/hoan-thanh")]
pub async fn post_claim(
    user: WebUser,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    submit_task_form(user, pool, id, body, TaskForm::Claim).await
}

/// Requests an extension from the form (an officer of the lead agency).
#[actix_web::post("/nhiem-vu/{id}/gia-han")]
pub async fn post_extension(
    user: WebUser,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    submit_task_form(user, pool, id, body, TaskForm::Extension).await
}

/// `Cơ quan tôi`: the tasks the officer's agency leads or supports, overdue
/// first, then those due within 30 days, then the rest.
#[actix_web::get("/co-quan")]
pub async fn my_agency(user: WebUser, pool: web::Data<DbPool>) -> Result<HttpResponse, PageError> {
    let Some(agency_id) = user.principal.agency_id else {
        return Ok(see_other("/nhiem-vu"));
    };
    let today = user.today();
    let params = TaskListParams {
        agency_id: Some(agency_id),
        limit: Some(crate::api::common::MAX_LIMIT),
        ..TaskListParams::default()
    };
    let query = task_query(&params, today)?;
    let tasks = task_page(&pool, user.authenticated(), &params, query).await?;
    let open = |t: &&Task| {
        !matches!(
            t.current_status,
            TaskStatus::Completed | TaskStatus::Cancelled
        )
    };
    let soon = today + chrono::Duration::days(30);
    let overdue: Vec<Task> = tasks
        .items
        .iter()
        .filter(open)
        .filter(|t| t.overdue)
        .cloned()
        .collect();
    let due_soon: Vec<Task> = tasks
        .items
        .iter()
        .filter(open)
        .filter(|t| !t.overdue && t.due_on <= soon)
        .cloned()
        .collect();
    let rest: Vec<Task> = tasks
        .items
        .iter()
        .filter(|t| !(open(t) && (t.overdue || t.due_on <= soon)))
        .cloned()
        .collect();
    let body = html! {
        h1 { "Cơ quan tôi" }
        p { "Nhiệm vụ cơ quan chủ trì hoặc phối hợp, tính đến ngày " (vn_date(today)) "." }
        h2 id="qua-han" { "Quá hạn (" (overdue.len()) ")" }
        (task_table(&overdue))
        h2 id="sap-den-han" { "Đến hạn trong 30 ngày (" (due_soon.len()) ")" }
        (task_table(&due_soon))
        h2 id="con-lai" { "Các nhiệm vụ khác (" (rest.len()) ")" }
        (task_table(&rest))
        @if tasks.next_cursor.is_some() {
            p { a href={ "/nhiem-vu?agency_id=" (agency_id) } { "Xem tất cả trong danh sách nhiệm vụ" } }
        }
    };
    Ok(page_response(
        StatusCode::OK,
        frame(&user, Nav::MyAgency, "Cơ quan tôi", body),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_reads_as_vietnamese_sentences() {
        let agencies = HashMap::from([("a1".to_string(), "Sở Tư pháp".to_string())]);
        let line = history_line(
            "report.created",
            &json!({"agency_id": "a1", "progress_percent": 50}),
            "Sở Tư pháp",
            &agencies,
        );
        assert_eq!(line, "Sở Tư pháp báo cáo tiến độ 50%");
        let line = history_line(
            "extension.approved",
            &json!({"requested_due_on": "2023-07-31"}),
            "Sở Tư pháp",
            &agencies,
        );
        assert_eq!(line, "Sở Nội vụ đồng ý gia hạn đến 31/7/2023");
        let line = history_line(
            "completion.returned",
            &json!({"comment": "Thiếu văn bản"}),
            "Sở Tư pháp",
            &agencies,
        );
        assert_eq!(line, "Sở Nội vụ trả lại đề nghị hoàn thành: Thiếu văn bản");
    }

    #[test]
    fn the_report_form_becomes_the_apis_body() {
        let form = Form::parse(
            "progress_percent=50&summary=Xong&evidence%5B0%5D.document_number=12%2FBC&evidence%5B0%5D.issued_on=2023-11-12&evidence%5B1%5D.title="
                .as_bytes(),
        );
        let body = report_body(&form);
        assert_eq!(body["progress_percent"], 50);
        assert_eq!(body["summary"], "Xong");
        assert_eq!(body["evidence"].as_array().unwrap().len(), 1);
        assert_eq!(body["evidence"][0]["url"], Value::Null);
        let form = Form::parse(b"progress_percent=abc&summary=");
        assert_eq!(report_body(&form)["progress_percent"], "abc");
    }
}
