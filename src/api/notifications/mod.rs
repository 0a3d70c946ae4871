//! The caller's notifications.

mod list;
mod read;

use utoipa_actix_web::service_config::ServiceConfig;

pub use crate::service::notifications::Notification;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list_notifications)
        .service(read::read_notification)
        .service(read::read_all_notifications);
}

crate::api::common::page_type!(
    NotificationPage,
    Notification,
    "A page of the caller's notifications, newest first."
);

/// How many notifications were marked read.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MarkedRead {
    pub marked: usize,
}
