use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{check_supporting, load_task, search_text, task_response, DeadlineIn, Task};
use crate::api::common::transaction;
use crate::api::docs::WriteErrors;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::deadline::Deadline;
use chrono::Datelike;

use super::Deadline as DeadlineSpec;
use crate::domain::enums::ReformArea;
use crate::domain::overdue::province_today;
use crate::domain::policy::Action;
use crate::domain::text::{Code, OutputText, Title};
use crate::error::{conflict_as, ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;
use crate::store::tasks::NewTask;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTask {
    /// Unique within the plan, e.g. `NV65`.
    pub code: Code,
    pub title: Title,
    pub area: ReformArea,
    pub objective_id: Option<Uuid>,
    pub lead_agency_id: Uuid,
    /// At most 100; never the lead agency.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub supporting_agency_ids: Vec<Uuid>,
    #[schema(value_type = DeadlineSpec)]
    pub deadline: DeadlineIn,
    /// Expected output (kết quả, sản phẩm).
    pub expected_output: OutputText,
}

/// Adds a task to a plan (coordinator).
#[utoipa::path(
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    request_body = CreateTask,
    responses((status = 201, body = Task, headers(("ETag" = String, description = "Version tag for If-Match"))), WriteErrors)
)]
#[post("/plans/{id}/tasks")]
pub async fn create_task(
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody<CreateTask>,
) -> ApiResult<HttpResponse> {
    who.require(Action::EditPlan)?;
    let plan_id = id.into_inner();
    let body = body.into_inner();
    if body.supporting_agency_ids.len() > 100 {
        return Err(ApiError::field(
            "supporting_agency_ids",
            "at most 100 agencies",
        ));
    }
    let value = match body.deadline.value.clone() {
        Some(None) => {
            return Err(ApiError::field(
                "deadline.value",
                "must be a string, or absent for an ongoing deadline",
            ))
        }
        Some(Some(v)) => Some(v),
        None => None,
    };
    let (code, title) = (body.code.to_string(), body.title.to_string());
    let expected_output = body.expected_output.to_string();
    let actor = who.user_id;
    let task = transaction(&pool, move |conn| {
        let plan = store::plans::find(conn, plan_id)?.ok_or_else(|| ApiError::not_found("plan"))?;
                let deadline = Deadline::parse(body.deadline.kind, value.as_deref(), plan.year)
            .map_err(|m| ApiError::field("deadline.value", m))?;
        if !(2000..=2100).contains(&deadline.due_on.year()) {
            return Err(ApiError::unprocessable("deadline.value", "must fall between 2000 and 2100"));
        }
        if let Some(objective) = body.objective_id {
            let found = store::plans::find_objective(conn, objective)?;
            if found.is_none_or(|o| o.plan_id != plan_id) {
                return Err(ApiError::unprocessable("objective_id", "no such objective in this plan"));
            }
        }
        store::agencies::find(conn, body.lead_agency_id)?
            .ok_or_else(|| ApiError::unprocessable("lead_agency_id", "no such agency"))?;
        let supporting = check_supporting(conn, body.lead_agency_id, &body.supporting_agency_ids)?;
        let search = search_text(&code, &title, &expected_output);
        let row = store::tasks::insert(
            conn,
            &NewTask {
                id: Uuid::new_v4(),
                plan_id,
                code: &code,
                title: &title,
                                area: body.area.as_str(),
                objective_id: body.objective_id,
                lead_agency_id: body.lead_agency_id,
                deadline_kind: deadline.kind.as_str(),
                deadline_value: deadline.value.as_deref(),
                deadline_label: &deadline.label,
                original_due_on: deadline.due_on,
                due_on: deadline.due_on,
                expected_output: &expected_output,
                status: "not_started",
                progress_percent: 0,
                completed_on: None,
                search_text: &search,
            },
        )
        .map_err(conflict_as(format!("the plan already has a task {code}")))?;
        store::tasks::set_supporting_agencies(conn, row.id, &supporting)?;
        store::audit::record(
            conn,
            &NewAuditEvent::new(actor, "task.created", "task", row.id, serde_json::json!({
                    "code": row.code, "title": row.title, "area": row.area,
                    "lead_agency_id": row.lead_agency_id, "supporting_agency_ids": supporting,
                    "deadline": {"kind": row.deadline_kind, "value": row.deadline_value, "label": row.deadline_label},
                    "due_on": row.due_on,
                })).at(row.created_at).on_task(row.id),
        )?;
        load_task(conn, row.id, province_today())
    })
    .await?;
    Ok(task_response(StatusCode::CREATED, &task))
}
