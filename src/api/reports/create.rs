use actix_web::http::{header::HeaderName, StatusCode};
use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{check_evidence, to_reports, Evidence, Report};
use crate::api::common::transaction;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::TaskStatus;
use crate::domain::input::{whole_number, Checker};
use crate::domain::policy::Action;
use crate::domain::text::LongText;
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;
use crate::store::reports::NewReport;
use crate::store::tasks::TaskChangeset;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReport {
    #[serde(deserialize_with = "whole_number")]
    #[schema(value_type = i32, minimum = 0, maximum = 100)]
    pub progress_percent: i64,
    pub summary: LongText,
    /// Documents issued as evidence (at most 20).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub evidence: Vec<Evidence>,
}

/// The Idempotency-Key header, if sent: 1-200 visible ASCII characters.
pub fn idempotency_key(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(value) = req
        .headers()
        .get(HeaderName::from_static("idempotency-key"))
    else {
        return Ok(None);
    };
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > 200 || !bytes.iter().all(|b| (0x21..=0x7e).contains(b)) {
        return Err(ApiError::field(
            "Idempotency-Key",
            "must be 1-200 visible ASCII characters",
        ));
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

enum Outcome {
    Created(String),
    Replayed(String),
}

/// Posts a progress report on a task (an officer of its lead or a supporting agency).
///
/// A lead agency's report moves a `not_started` task to `in_progress` and sets
/// its progress. With `Idempotency-Key`, a retry with the same body returns the
/// first response (and writes nothing); the same key with another body is 422.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Task id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the first response is replayed", min_length = 1, max_length = 200, pattern = "^[!-~]+$")
    ),
    request_body = CreateReport,
    responses((status = 201, body = Report), WriteErrors)
)]
#[post("/tasks/{id}/reports")]
pub async fn create_report(
    req: HttpRequest,
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody<CreateReport>,
) -> ApiResult<HttpResponse> {
    let task_id = id.into_inner();
    let body = body.into_inner();
    let key = idempotency_key(&req)?;
    let request_hash = format!(
        "{:x}",
        Sha256::digest(serde_json::to_vec(&body).unwrap_or_default())
    );
    let report_id = Uuid::new_v4();
    let mut check = Checker::new();
    if !(0..=100).contains(&body.progress_percent) {
        check.add("progress_percent", "must be between 0 and 100");
    }
    let progress = body.progress_percent.clamp(0, 100) as i16;
    let summary = body.summary.to_string();
    let evidence = check_evidence(&mut check, &body.evidence, Some(report_id), None);
    check.finish()?;
    let principal = who.0.clone();
    let scope = format!("POST /api/v1/tasks/{task_id}/reports");
    let outcome = transaction(&pool, move |conn| {
        if let Some(key) = &key {
            store::idempotency::lock_key(conn, principal.user_id, &scope, key)?;
            if let Some(previous) = store::idempotency::find(conn, principal.user_id, &scope, key)?
            {
                if previous.request_hash != request_hash {
                    return Err(ApiError::unprocessable(
                        "Idempotency-Key",
                        "was already used with a different request body",
                    ));
                }
                return Ok(Outcome::Replayed(previous.response_body));
            }
        }
        let task = store::tasks::find_for_update(conn, task_id)?
            .ok_or_else(|| ApiError::not_found("task"))?;
        let supporting = store::tasks::supporting_agency_ids(conn, task_id)?;
        who.require(Action::ReportOnTask {
            lead_agency_id: task.lead_agency_id,
            supporting_agency_ids: &supporting,
        })?;
        let status = TaskStatus::parse(&task.status).unwrap_or(TaskStatus::NotStarted);
        if status.is_closed() {
            return Err(ApiError::Conflict(format!(
                "the task is {status}; it takes no more reports"
            )));
        }
        // An admin writing on an agency's behalf reports for the lead agency.
        let agency_id = principal
            .agency_id
            .filter(|a| *a == task.lead_agency_id || supporting.contains(a))
            .unwrap_or(task.lead_agency_id);
        let now = Utc::now();
        let row = store::reports::insert_report(
            conn,
            &NewReport {
                id: report_id,
                task_id,
                agency_id,
                author_id: principal.user_id,
                progress_percent: progress,
                summary: &summary,
                created_at: now,
            },
        )?;
        store::reports::insert_evidence(conn, &evidence)?;
        let mut task_changes = serde_json::Map::new();
        if agency_id == task.lead_agency_id
            && matches!(status, TaskStatus::NotStarted | TaskStatus::InProgress)
        {
            let changes = TaskChangeset {
                status: Some(TaskStatus::InProgress.as_str().into()),
                progress_percent: Some(progress),
                ..Default::default()
            };
            store::tasks::update_versioned(conn, task_id, task.version, &changes)?
                .ok_or_else(|| ApiError::Conflict("the task changed meanwhile; retry".into()))?;
            task_changes.insert("status".into(), "in_progress".into());
            task_changes.insert("progress_percent".into(), progress.into());
        }
        let saved = store::reports::evidence_of_reports(conn, &[row.id])?;
        let report = to_reports(vec![row], saved).remove(0);
        store::audit::record(
            conn,
            &NewAuditEvent::new(
                principal.user_id,
                "report.created",
                "report",
                report.id,
                serde_json::json!({
                    "agency_id": agency_id, "progress_percent": progress, "summary": report.summary,
                    "evidence_count": report.evidence.len(), "task": task_changes,
                }),
            )
            .at(now)
            .on_task(task_id),
        )?;
        let body = serde_json::to_string(&report).map_err(|e| ApiError::Internal(e.to_string()))?;
        if let Some(key) = &key {
            store::idempotency::save(
                conn,
                principal.user_id,
                &scope,
                key,
                &request_hash,
                201,
                &body,
            )?;
        }
        Ok(Outcome::Created(body))
    })
    .await?;
    let (body, replayed) = match outcome {
        Outcome::Created(b) => (b, false),
        Outcome::Replayed(b) => (b, true),
    };
    let mut response = HttpResponse::build(StatusCode::CREATED);
    response.content_type("application/json");
    if replayed {
        response.insert_header(("Idempotency-Replayed", "true"));
    }
    Ok(response.body(body))
}
