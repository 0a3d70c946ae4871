//! Tasks: the plan's units of work, their deadlines and standing.

mod create;
pub mod get;
pub(crate) mod history;
pub(crate) mod list;
mod update;

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use utoipa_actix_web::service_config::ServiceConfig;

pub use crate::service::tasks::{DeadlineSpec as Deadline, Task};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create::create_task)
        .service(list::list_tasks)
        .service(get::get_task)
        .service(update::update_task)
        .service(history::task_history);
}

/// A task response with its ETag.
pub fn task_response(status: StatusCode, task: &Task) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, task.etag()))
        .json(task)
}

crate::api::common::page_type!(TaskPage, Task, "A page of tasks.");
