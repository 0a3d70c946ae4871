use actix_web::http::{header, StatusCode};
use actix_web::{patch, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{check_supporting, load_task, search_text, task_response};
use crate::api::common::{etag, transaction};
use crate::api::docs::PatchErrors;
use crate::api::extract::nullable;
use crate::api::extract::JsonBody;
use crate::auth::Authenticated;
use crate::db::DbPool;
use crate::domain::enums::ReformArea;
use crate::domain::overdue::province_today;
use crate::domain::policy::Action;
use crate::domain::text::{OutputText, Title};
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::audit::NewAuditEvent;
use crate::store::tasks::TaskChangeset;

/// A JSON merge patch of a task: absent fields are kept; `objective_id: null` detaches it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTask {
    pub title: Option<Title>,
    pub expected_output: Option<OutputText>,
    pub area: Option<ReformArea>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Uuid>)]
    pub objective_id: Option<Option<Uuid>>,
    /// Replaces the whole list (at most 100; never the lead agency).
    #[schema(max_items = 100)]
    pub supporting_agency_ids: Option<Vec<Uuid>>,
}

/// Whether an If-Match header names version `version` of task `id`. If-Match
/// compares strongly (RFC 9110): weak tags never match; a list matches if any
/// entry does; `*` matches any current version.
fn if_match_accepts(header: &str, id: Uuid, version: i32) -> bool {
    header.split(',').map(str::trim).any(|tag| {
        tag == "*"
            || tag
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .and_then(|t| t.rsplit_once('-'))
                .is_some_and(|(tag_id, v)| tag_id == id.to_string() && v.parse() == Ok(version))
    })
}

/// Changes a task (coordinator). Needs `If-Match` with the task's current ETag:
/// without it 428, with a stale one 412, so two editors never overwrite each other.
#[utoipa::path(
    tag = "tasks",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Task id"),
        ("If-Match" = String, Header, description = "The task's current ETag")
    ),
    request_body(content = UpdateTask, content_type = "application/merge-patch+json"),
    responses((status = 200, body = super::Task, headers(("ETag" = String, description = "The new version tag"))), PatchErrors)
)]
#[patch("/tasks/{id}")]
pub async fn update_task(
    req: HttpRequest,
    who: Authenticated,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateTask>,
) -> ApiResult<HttpResponse> {
    who.require(Action::EditPlan)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let if_match = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or_else(|| ApiError::PreconditionRequired("send If-Match with the task's ETag".into()))?
        .to_str()
        .map_err(|_| ApiError::field("If-Match", "is not a valid ETag"))?
        .to_string();
    let title = body.title.as_ref().map(Title::to_string);
    let expected_output = body.expected_output.as_ref().map(OutputText::to_string);
    if body
        .supporting_agency_ids
        .as_ref()
        .is_some_and(|s| s.len() > 100)
    {
        return Err(ApiError::field(
            "supporting_agency_ids",
            "at most 100 agencies",
        ));
    }
    let actor = who.user_id;
    let changes_json = serde_json::to_value(&body).unwrap_or_default();
    let task = transaction(&pool, move |conn| {
        let current = store::tasks::find(conn, id)?.ok_or_else(|| ApiError::not_found("task"))?;
        if !if_match_accepts(&if_match, id, current.version) {
            return Err(ApiError::PreconditionFailed(format!(
                "the task has changed since that ETag; its current ETag is {}",
                etag(id, current.version)
            )));
        }
        let expected = current.version;
        if let Some(Some(objective)) = body.objective_id {
            let found = store::plans::find_objective(conn, objective)?;
            if found.is_none_or(|o| o.plan_id != current.plan_id) {
                return Err(ApiError::unprocessable(
                    "objective_id",
                    "no such objective in this plan",
                ));
            }
        }
        let supporting = match &body.supporting_agency_ids {
            Some(ids) => Some(check_supporting(conn, current.lead_agency_id, ids)?),
            None => None,
        };
        let new_title = title.clone().unwrap_or(current.title.clone());
        let new_output = expected_output
            .clone()
            .unwrap_or(current.expected_output.clone());
        let changes = TaskChangeset {
            title,
            area: body.area.map(|a| a.as_str().to_string()),
            objective_id: body.objective_id,
            expected_output,
            search_text: Some(search_text(&current.code, &new_title, &new_output)),
            ..Default::default()
        };
        let row =
            store::tasks::update_versioned(conn, id, expected, &changes)?.ok_or_else(|| {
                ApiError::PreconditionFailed(
                    "the task was changed by someone else meanwhile".into(),
                )
            })?;
        if let Some(ids) = &supporting {
            store::tasks::set_supporting_agencies(conn, id, ids)?;
        }
        store::audit::record(
            conn,
            &NewAuditEvent::new(actor, "task.updated", "task", id, changes_json)
                .at(row.updated_at)
                .on_task(id),
        )?;
        load_task(conn, id, province_today())
    })
    .await?;
    Ok(task_response(StatusCode::OK, &task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_compares_strongly_and_accepts_lists() {
        let id = Uuid::new_v4();
        assert!(if_match_accepts(&format!("\"{id}-3\""), id, 3));
        assert!(!if_match_accepts(&format!("\"{id}-3\""), id, 4));
        assert!(
            !if_match_accepts(&format!("W/\"{id}-3\""), id, 3),
            "weak tags never match"
        );
        assert!(
            if_match_accepts(&format!("\"{}-3\", \"{id}-3\"", Uuid::new_v4()), id, 3),
            "any entry of a list"
        );
        assert!(!if_match_accepts(
            &format!("\"{}-3\"", Uuid::new_v4()),
            id,
            3
        ));
        assert!(if_match_accepts("*", id, 9));
        assert!(!if_match_accepts("garbage", id, 3));
    }
}
