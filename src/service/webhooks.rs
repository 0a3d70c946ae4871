//! Webhook subscriptions (admin or coordinator) and their deliveries.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Actor, Page};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::input::Checker;
use crate::domain::notify::{forbidden_target, new_secret, EVENT_TYPES};
use crate::domain::policy::Action;
use crate::store;
use crate::store::outbox::{DeliveryRow, WebhookRow};

/// Where webhooks may be sent (`WEBHOOK_ALLOW_HTTP`, `WEBHOOK_ALLOW_PRIVATE`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    /// Plain `http://` URLs too (by default `https://` only).
    pub allow_http: bool,
    /// Loopback, private and link-local addresses too (tests; never in production).
    pub allow_private: bool,
}

impl TargetPolicy {
    /// Checks a URL's form and, when its host is an address (or `localhost`),
    /// that address. Names are resolved, and their addresses checked, when
    /// each delivery is sent: a name may resolve elsewhere later (DNS
    /// rebinding), and no request waits on a DNS server.
    pub fn check(&self, text: &str) -> Result<url::Url, String> {
        let url = self.check_form(text)?;
        if !self.allow_private {
            let local_name = matches!(url.host(), Some(url::Host::Domain(d))
                if d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost"));
            if local_name {
                return Err("its host is localhost, a loopback address".into());
            }
            if matches!(url.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_))) {
                self.check_addresses(&url)?;
            }
        }
        Ok(url)
    }

    fn check_form(&self, text: &str) -> Result<url::Url, String> {
        let url = url::Url::parse(text).map_err(|_| "is not a URL".to_string())?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            _ => return Err("must be an https:// URL".into()),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not carry a user name or password".into());
        }
        if url.host().is_none() {
            return Err("has no host".into());
        }
        Ok(url)
    }

    /// Resolves the URL's host and refuses it when any of its addresses is
    /// private (unless allowed); returns the addresses to connect to.
    pub fn check_addresses(&self, url: &url::Url) -> Result<Vec<std::net::SocketAddr>, String> {
        let found = addresses(url)?;
        if !self.allow_private {
            if let Some(bad) = found.iter().find(|a| forbidden_target(a.ip())) {
                return Err(format!(
                    "its host resolves to {}, a loopback, private or link-local address",
                    bad.ip()
                ));
            }
        }
        Ok(found)
    }
}

/// The addresses a URL's host names: itself when it is an address, else what it resolves to.
pub fn addresses(url: &url::Url) -> Result<Vec<std::net::SocketAddr>, String> {
    let port = url.port_or_known_default().unwrap_or(443);
    match url.host() {
        Some(url::Host::Ipv4(ip)) => Ok(vec![(ip, port).into()]),
        Some(url::Host::Ipv6(ip)) => Ok(vec![(ip, port).into()]),
        Some(url::Host::Domain(name)) => std::net::ToSocketAddrs::to_socket_addrs(&(name, port))
            .map(Iterator::collect)
            .map_err(|_| format!("its host {name} does not resolve")),
        None => Err("has no host".into()),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Where to POST events: `https://…`.
    #[schema(max_length = 2000)]
    pub url: String,
    /// Event types to receive (see the `Webhook` description), or `["*"]` for all.
    #[schema(min_items = 1, max_items = 50)]
    pub events: Vec<String>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

/// A change to a subscription: only the fields sent change.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[schema(min_items = 1, max_items = 50)]
    pub events: Option<Vec<String>>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// `false` pauses deliveries (they wait); `true` resumes a paused subscription.
    pub active: Option<bool>,
}

/// A subscription of another system to the service's events. Event types:
/// `task.created`, `task.updated`, `task.cancelled`, `task.due_soon`,
/// `task.overdue`, `report.created`, `claim.submitted`, `claim.accepted`,
/// `claim.returned`, `extension.requested`, `extension.approved`,
/// `extension.rejected`, `period.created`, `period.closed`,
/// `agency_report.submitted`, `agency_report.accepted`, `agency_report.returned`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub description: String,
    /// `false` when paused, by hand or after failing for 24 hours.
    pub active: bool,
    pub paused_reason: Option<String>,
    /// Since when every delivery has failed; `null` while it works.
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new subscription, with the secret its deliveries are signed with: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_…`: verify `webhook-signature` with it (Standard Webhooks). Not shown again.
    pub secret: String,
}

impl From<&WebhookRow> for Webhook {
    fn from(r: &WebhookRow) -> Webhook {
        Webhook {
            id: r.id,
            url: r.url.clone(),
            events: r.events.clone(),
            description: r.description.clone(),
            active: r.active,
            paused_reason: r.paused_reason.clone(),
            failing_since: r.failing_since,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

fn check_events(check: &mut Checker, events: &[String]) {
    if events.is_empty() || events.len() > 50 {
        check.add("events", "must list 1 to 50 event types");
    }
    for (i, e) in events.iter().enumerate() {
        if e != "*" && !EVENT_TYPES.contains(&e.as_str()) {
            check.rule(
                format!("events[{i}]"),
                format!("{e:?} is not an event type"),
            );
        }
    }
}

fn check_url(check: &mut Checker, policy: TargetPolicy, url: &str) {
    if url.chars().count() > 2000 {
        check.add("url", "must be at most 2000 characters");
    } else if let Err(message) = policy.check(url) {
        check.rule("url", message);
    }
}

fn check_description(check: &mut Checker, description: Option<&str>) {
    if description.is_some_and(|d| d.chars().count() > 500) {
        check.add("description", "must be at most 500 characters");
    }
}

pub fn create(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    policy: TargetPolicy,
    input: CreateWebhook,
) -> DomainResult<CreatedWebhook> {
    actor.may(Action::ManageWebhooks)?;
    let mut check = Checker::new();
    check_events(&mut check, &input.events);
    check_description(&mut check, input.description.as_deref());
    check_url(&mut check, policy, &input.url);
    check.finish()?;
    let row = store::outbox::insert_webhook(
        conn,
        &WebhookRow {
            id: Uuid::new_v4(),
            owner_id: actor.principal.user_id,
            url: input.url,
            events: input.events,
            description: input.description.unwrap_or_default(),
            secret: new_secret(),
            active: true,
            paused_reason: None,
            failing_since: None,
            created_at: actor.now,
            updated_at: actor.now,
            deleted_at: None,
        },
    )?;
    Ok(CreatedWebhook {
        webhook: Webhook::from(&row),
        secret: row.secret,
    })
}

pub fn list(conn: &mut PgConnection, actor: &Actor<'_>) -> DomainResult<Vec<Webhook>> {
    actor.may(Action::ManageWebhooks)?;
    Ok(store::outbox::list_webhooks(conn)?
        .iter()
        .map(Webhook::from)
        .collect())
}

fn find(conn: &mut PgConnection, id: Uuid, lock: bool) -> DomainResult<WebhookRow> {
    store::outbox::find_webhook(conn, id, lock)?.ok_or(DomainError::not_found("webhook"))
}

pub fn get(conn: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> DomainResult<Webhook> {
    actor.may(Action::ManageWebhooks)?;
    Ok(Webhook::from(&find(conn, id, false)?))
}

pub fn update(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    policy: TargetPolicy,
    id: Uuid,
    input: UpdateWebhook,
) -> DomainResult<Webhook> {
    actor.may(Action::ManageWebhooks)?;
    let mut row = find(conn, id, true)?;
    let mut check = Checker::new();
    if let Some(events) = &input.events {
        check_events(&mut check, events);
    }
    if let Some(url) = &input.url {
        check_url(&mut check, policy, url);
    }
    check_description(&mut check, input.description.as_deref());
    check.finish()?;
    if let Some(url) = input.url {
        row.url = url;
    }
    if let Some(events) = input.events {
        row.events = events;
    }
    if let Some(description) = input.description {
        row.description = description;
    }
    match input.active {
        Some(false) => {
            row.active = false;
            row.paused_reason = Some("paused by hand".into());
        }
        Some(true) => {
            row.active = true;
            row.paused_reason = None;
            row.failing_since = None;
        }
        None => {}
    }
    row.updated_at = actor.now;
    Ok(Webhook::from(&store::outbox::save_webhook(conn, &row)?))
}

pub fn delete(conn: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> DomainResult<()> {
    actor.may(Action::ManageWebhooks)?;
    let mut row = find(conn, id, true)?;
    row.active = false;
    row.deleted_at = Some(actor.now);
    row.updated_at = actor.now;
    store::outbox::save_webhook(conn, &row)?;
    Ok(())
}

/// One attempt-tracked delivery of an event to a subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// The event (its `webhook-id` header).
    pub event_id: Uuid,
    /// `pending` (waiting or being retried), `delivered`, or `failed` (given up after 24 hours).
    pub status: String,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    /// The first kilobyte of the receiver's last answer.
    pub last_response: Option<String>,
    /// When it is tried next, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Delivery {
        Delivery {
            id: r.id,
            webhook_id: r.webhook_id,
            event_id: r.event_id,
            next_attempt_at: (r.status == "pending").then_some(r.next_attempt_at),
            status: r.status,
            attempts: r.attempts,
            last_status_code: r.last_status_code,
            last_error: r.last_error,
            last_response: r.last_response,
            created_at: r.created_at,
            delivered_at: r.delivered_at,
        }
    }
}

pub type DeliveryPosition = (DateTime<Utc>, Uuid);

pub fn deliveries(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    id: Uuid,
    after: Option<DeliveryPosition>,
    limit: i64,
) -> DomainResult<Page<Delivery, DeliveryPosition>> {
    actor.may(Action::ManageWebhooks)?;
    find(conn, id, false)?;
    let mut rows = store::outbox::deliveries_of(conn, id, after, limit + 1)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = rows.last().filter(|_| more).map(|r| (r.created_at, r.id));
    Ok(Page {
        items: rows.into_iter().map(Delivery::from).collect(),
        next,
    })
}

/// Queues a delivery again, now (a delivered one too: the receiver asked for it).
pub fn redeliver(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    id: Uuid,
    delivery: Uuid,
) -> DomainResult<Delivery> {
    actor.may(Action::ManageWebhooks)?;
    find(conn, id, false)?;
    store::outbox::find_delivery(conn, id, delivery)?.ok_or(DomainError::not_found("delivery"))?;
    Ok(store::outbox::requeue(conn, delivery, actor.now)?.into())
}
