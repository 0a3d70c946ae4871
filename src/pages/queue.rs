//! `Hàng chờ`: pending completion claims and extension requests (the API's
//! queues, `service::queues`), with accept/return and approve/reject for the
//! coordinator (`service::completion::review`, `service::extensions::decide`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde_json::{json, Value};

use super::layout::{frame, Nav};
use super::{
    csrf_field, field_errors, page_response, see_other, uuid_in_path, vn_date, vn_day_of, Form,
    PageError, WebUser,
};
use crate::api::common::{act, read};
use crate::api::extract::parse_json;
use crate::db::DbPool;
use crate::domain::enums::{ClaimStatus, ExtensionStatus};
use crate::domain::ids::{ExtensionId, TaskId};
use crate::domain::policy::{authorize, Action};
use crate::service::completion::ReviewRequest;
use crate::service::extensions::DecisionRequest;
use crate::service::queues::{self, QueueQuery, QueuedClaim, QueuedExtensionRequest};

/// Rows a queue page shows at most.
const QUEUE_ROWS: i64 = 100;

fn comment_field(id: &str) -> Markup {
    html! {
        label for=(id) { "Ý kiến (bắt buộc khi trả lại hoặc không đồng ý)" }
        textarea id=(id) name="comment" {}
    }
}

fn claim_card(user: &WebUser, claim: &QueuedClaim, may_review: bool) -> Markup {
    let comment_id = format!("y-kien-{}", claim.id);
    html! {
        article.card id={ "de-nghi-" (claim.task_code) } {
            h3 { a href={ "/nhiem-vu/" (claim.task_id) } { (claim.task_code) ". " (claim.task_title) } }
            p { (claim.agency.name) " đề nghị công nhận hoàn thành ngày " (vn_day_of(claim.created_at))
                "; hoàn thành ngày " (vn_date(claim.completed_on)) "." }
            p { (claim.summary) }
            @if !claim.evidence.is_empty() {
                ul { @for e in &claim.evidence { li { (e.document_number) " ngày " (vn_date(e.issued_on)) ": " (e.title) } } }
            }
            @if may_review {
                form method="post" action={ "/hang-cho/hoan-thanh/" (claim.task_id) } {
                    (csrf_field(&user.csrf_token))
                    (comment_field(&comment_id))
                    button type="submit" name="decision" value="accept" { "Công nhận hoàn thành" }
                    " "
                    button.secondary type="submit" name="decision" value="return" { "Trả lại" }
                }
            }
        }
    }
}

fn extension_card(user: &WebUser, request: &QueuedExtensionRequest, may_review: bool) -> Markup {
    let comment_id = format!("y-kien-{}", request.id);
    html! {
        article.card id={ "gia-han-" (request.task_code) } {
            h3 { a href={ "/nhiem-vu/" (request.task_id) } { (request.task_code) ". " (request.task_title) } }
            p { (request.agency.name) " đề nghị gia hạn từ " (vn_date(request.previous_due_on))
                " đến " (vn_date(request.requested_due_on)) " (ngày " (vn_day_of(request.created_at)) ")." }
            p { (request.reason) }
            @if may_review {
                form method="post" action={ "/hang-cho/gia-han/" (request.id) } {
                    (csrf_field(&user.csrf_token))
                    (comment_field(&comment_id))
                    button type="submit" name="decision" value="approve" { "Đồng ý gia hạn" }
                    " "
                    button.secondary type="submit" name="decision" value="reject" { "Không đồng ý" }
                }
            }
        }
    }
}

/// The queue page, with a message at its top (a refused decision).
async fn queue_page(
    user: &WebUser,
    pool: &web::Data<DbPool>,
    status: StatusCode,
    message: Option<String>,
) -> Result<HttpResponse, PageError> {
    let (claims, extensions) = read(pool, user.authenticated(), |conn, principal| {
        let claims = queues::claims(
            conn,
            principal,
            &QueueQuery {
                status: Some(ClaimStatus::Pending),
                plan_id: None,
                agency_id: None,
            },
            None,
            QUEUE_ROWS,
        )?;
        let extensions = queues::extension_requests(
            conn,
            principal,
            &QueueQuery {
                status: Some(ExtensionStatus::Pending),
                plan_id: None,
                agency_id: None,
            },
            None,
            QUEUE_ROWS,
        )?;
        Ok((claims.items, extensions.items))
    })
    .await?;
    let may_review = authorize(&user.principal, Action::Review).is_ok();
    let body = html! {
        h1 { "Hàng chờ" }
        @if let Some(message) = message { div.alert role="alert" { (message) } }
        h2 id="de-nghi-hoan-thanh" { "Đề nghị công nhận hoàn thành (" (claims.len()) ")" }
        @if claims.is_empty() { p.muted { "Không có đề nghị nào đang chờ." } }
        @for c in &claims { (claim_card(user, c, may_review)) }
        h2 id="de-nghi-gia-han" { "Đề nghị gia hạn (" (extensions.len()) ")" }
        @if extensions.is_empty() { p.muted { "Không có đề nghị nào đang chờ." } }
        @for e in &extensions { (extension_card(user, e, may_review)) }
    };
    Ok(page_response(
        status,
        frame(user, Nav::Queue, "Hàng chờ", body),
    ))
}

/// The queue.
#[actix_web::get("/hang-cho")]
pub async fn page(user: WebUser, pool: web::Data<DbPool>) -> Result<HttpResponse, PageError> {
    queue_page(&user, &pool, StatusCode::OK, None).await
}

/// The decision and comment of a queue form as the API's JSON body.
fn decision_body(form: &Form) -> Value {
    let comment = form.filled("comment").map_or(Value::Null, Value::from);
    json!({ "decision": form.get("decision"), "comment": comment })
}

/// The message for a refused decision: the API's field messages.
fn refusal(e: &crate::error::ApiError) -> String {
    match field_errors(e) {
        Some(errors) => errors
            .iter()
            .map(|f| {
                let field = match f.field.as_str() {
                    "comment" => "Ý kiến",
                    "decision" => "Quyết định",
                    other => other,
                };
                format!("{field}: {}", f.message)
            })
            .collect::<Vec<_>>()
            .join("; "),
        None => e.to_string(),
    }
}

/// A refusal the queue shows above its cards (a missing comment, a request
/// decided meanwhile), rather than on a page of its own.
fn shown_on_page(e: &crate::error::ApiError) -> bool {
    use crate::domain::error::DomainError;
    field_errors(e).is_some()
        || matches!(e, crate::error::ApiError::Domain(DomainError::Conflict(_)))
}

/// Accepts or returns a task's pending claim.
#[actix_web::post("/hang-cho/hoan-thanh/{task_id}")]
pub async fn review(
    user: WebUser,
    pool: web::Data<DbPool>,
    task_id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let task_id: TaskId = uuid_in_path(&task_id)?;
    decision_from_queue(
        user,
        pool,
        body,
        move |conn, actor, input: ReviewRequest| {
            crate::service::completion::review(conn, actor, task_id, input).map(|_| ())
        },
    )
    .await
}

/// Approves or rejects a pending extension request.
#[actix_web::post("/hang-cho/gia-han/{id}")]
pub async fn decide(
    user: WebUser,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let id: ExtensionId = uuid_in_path(&id)?;
    decision_from_queue(
        user,
        pool,
        body,
        move |conn, actor, input: DecisionRequest| {
            crate::service::extensions::decide(conn, actor, id, input).map(|_| ())
        },
    )
    .await
}

/// A decision posted from the queue: the form checked (CSRF) and read as the
/// API's body, the use case run, then back to the queue, or the queue again
/// with the refusal shown.
async fn decision_from_queue<I, F>(
    user: WebUser,
    pool: web::Data<DbPool>,
    body: web::Bytes,
    work: F,
) -> Result<HttpResponse, PageError>
where
    I: serde::de::DeserializeOwned + Send + 'static,
    F: FnOnce(
            &mut diesel::PgConnection,
            &crate::service::Actor<'_>,
            I,
        ) -> crate::domain::error::DomainResult<()>
        + Send
        + 'static,
{
    let form = Form::parse(&body);
    user.check_csrf(&form)?;
    let result = match parse_json::<I>(decision_body(&form).to_string().as_bytes()) {
        Ok(input) => {
            act(&pool, user.authenticated(), move |conn, actor| {
                work(conn, actor, input)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other("/hang-cho")),
        Err(e) if shown_on_page(&e) => {
            let status = actix_web::ResponseError::status_code(&e);
            queue_page(&user, &pool, status, Some(refusal(&e))).await
        }
        Err(e) => Err(e.into()),
    }
}
