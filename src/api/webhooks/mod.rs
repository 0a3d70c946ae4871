//! Webhook subscriptions and their deliveries (admin or coordinator).

mod create;
mod deliveries;
mod manage;

use utoipa_actix_web::service_config::ServiceConfig;

pub use crate::service::webhooks::{CreatedWebhook, Delivery, Webhook};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create::create_webhook)
        .service(manage::list_webhooks)
        .service(manage::get_webhook)
        .service(manage::update_webhook)
        .service(manage::delete_webhook)
        .service(deliveries::list_deliveries)
        .service(deliveries::redeliver);
}

/// Every subscription (not paged: a province has a handful).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct WebhookList {
    pub items: Vec<Webhook>,
}

crate::api::common::page_type!(
    DeliveryPage,
    Delivery,
    "A page of a subscription's deliveries, newest first."
);
