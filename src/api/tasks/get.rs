use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{task_response, Task};
use crate::api::common::{query_date, read_confirming};
use crate::api::docs::ReadErrors;
use crate::api::extract::QueryParams;
use crate::auth::Authenticated;
use crate::db::reads::ReadPool;
use crate::db::DbPool;
use crate::domain::error::DomainError;
use crate::domain::ids::TaskId;
use crate::domain::input::IsoDate;
use crate::error::ApiResult;
use crate::service::tasks;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AsOfParams {
    /// The day to judge overdue on (default: today in Asia/Ho_Chi_Minh).
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<IsoDate>,
}

/// One task, with its ETag.
#[utoipa::path(
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id"), AsOfParams),
    responses((status = 200, body = Task, headers(("ETag" = String, description = "Version tag for If-Match"))), ReadErrors)
)]
#[get("/tasks/{id}")]
pub async fn get_task(
    who: Authenticated,
    pool: web::Data<DbPool>,
    reads: web::Data<ReadPool>,
    id: web::Path<TaskId>,
    params: QueryParams<AsOfParams>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let who_today = who.today();
    let as_of = query_date("as_of", params.as_of.map(NaiveDate::from))?.unwrap_or(who_today);
    let claimed = who.principal.clone();
    let not_kept = match reads
        .run(|conn| tasks::get_kept_for(conn, claimed, id, as_of))
        .await
    {
        Some(Ok(Some(task))) => return Ok(task_response(StatusCode::OK, &task)),
        // Not kept: the blocking path reads through the view at once.
        Some(Ok(None)) => true,
        // No connection ready, or a dead one: the blocking path does it all,
        // or retries and says 503.
        None | Some(Err(DomainError::Unavailable(_))) => false,
        Some(Err(refused)) => return Err(refused.into()),
    };
    let task = read_confirming(&pool, who, move |conn, claimed| {
        if not_kept {
            tasks::get_computed_for(conn, claimed, id, as_of, who_today)
        } else {
            tasks::get_for(conn, claimed, id, as_of, who_today)
        }
    })
    .await?;
    Ok(task_response(StatusCode::OK, &task))
}
