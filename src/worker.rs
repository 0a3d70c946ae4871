//! The background work every node runs beside its HTTP server: fanning the
//! outbox out, delivering webhooks, and the daily reminder run. Each step
//! claims its rows in the database (SKIP LOCKED, leases, unique keys), so two
//! nodes never do the same work, and a node stopped mid-step loses nothing.

use std::time::Duration;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use diesel::PgConnection;
use serde_json::json;
use uuid::Uuid;

use crate::db::{self, DbPool};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::notify::{retry_after_seconds, secret_key, sign, GIVE_UP_AFTER_HOURS};
use crate::domain::overdue::{province_date, province_offset};
use crate::service::fanout;
use crate::service::webhooks::TargetPolicy;
use crate::store;
use crate::store::outbox::{DeliveryRow, NewOutboxEvent, WebhookRow};

/// What the workers need to know (`REMINDER_TIME`, `REMINDER_DAYS`, webhook targets).
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The province time of day the daily run starts (default 07:00).
    pub reminder_time: NaiveTime,
    /// Days before a due date a task is reminded (default 7, 3, 1).
    pub reminder_days: Vec<u32>,
    pub targets: TargetPolicy,
    /// Where notifications are mailed from (`SMTP_URL`, `SMTP_FROM`); none: not mailed.
    pub mail: Option<MailConfig>,
}

/// An SMTP server and the sender's address.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `smtp://host:port`, `smtps://user:password@host`, or `smtp://…?tls=required` (lettre's form).
    pub url: String,
    /// `Hệ thống theo dõi CCHC <cchc@example.gov.vn>`.
    pub from: String,
}

impl Default for WorkerConfig {
    fn default() -> WorkerConfig {
        WorkerConfig {
            reminder_time: NaiveTime::from_hms_opt(7, 0, 0).expect("07:00"),
            reminder_days: vec![7, 3, 1],
            targets: TargetPolicy::default(),
            mail: None,
        }
    }
}

/// How long a delivery is leased: well beyond the 10 s timeout, so a live
/// worker always finishes (or gives back) its delivery before another may take it.
const LEASE_SECONDS: i32 = 60;
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Fans out every waiting event, in batches of 100; returns how many. With
/// `mail`, notifications are queued to be mailed as well.
pub fn fan_out(pool: &DbPool, mail: bool, now: DateTime<Utc>) -> DomainResult<usize> {
    let mut total = 0;
    loop {
        let n = db::transaction(pool, |conn| fanout::fan_out(conn, 100, now, mail))?;
        total += n;
        if n < 100 {
            return Ok(total);
        }
    }
}

/// The daily run, once the province's clock has passed `reminder_time` today
/// (a node started later catches up at once). Safe to call every minute.
pub fn remind(pool: &DbPool, config: &WorkerConfig, now: DateTime<Utc>) -> DomainResult<usize> {
    let today = province_date(now);
    let start = province_offset()
        .from_local_datetime(&today.and_time(config.reminder_time))
        .single()
        .map(|t| t.with_timezone(&Utc));
    if start.is_some_and(|start| now < start) {
        return Ok(0);
    }
    db::transaction(pool, |conn| {
        fanout::remind(conn, today, &config.reminder_days, now)
    })
}

/// Delivers every webhook delivery due by `now` (up to `limit`); returns how many were tried.
pub fn deliver(
    pool: &DbPool,
    targets: TargetPolicy,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<usize> {
    let leased = db::transaction(pool, |conn| {
        Ok(store::outbox::lease_due(conn, now, LEASE_SECONDS, limit)?)
    })?;
    let tried = leased.len();
    for delivery in leased {
        let lease = delivery.leased_until.unwrap_or(now);
        let (webhook, payload) = db::read(pool, |conn| {
            let webhook = store::outbox::find_webhook(conn, delivery.webhook_id, false)?;
            let event = store::outbox::find_event(conn, delivery.event_id)?;
            Ok((webhook, event.and_then(|e| e.payload)))
        })?;
        let outcome = match (&webhook, &payload) {
            (Some(w), Some(p)) if w.active => send(targets, w, delivery.event_id, p, Utc::now()),
            (Some(_), _) => Outcome::Held,
            _ => Outcome::Failed {
                code: None,
                error: "the subscription was deleted".into(),
                response: None,
            },
        };
        db::transaction(pool, |conn| {
            record(
                conn,
                &delivery,
                lease,
                webhook.as_ref(),
                outcome.clone(),
                now,
            )
        })?;
    }
    Ok(tried)
}

/// Mails every notification due by `now` (up to `limit`); returns how many were tried.
pub fn send_mail(
    pool: &DbPool,
    mail: &MailConfig,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<usize> {
    let jobs = db::transaction(pool, |conn| {
        Ok(store::outbox::lease_mail(conn, now, LEASE_SECONDS, limit)?)
    })?;
    let tried = jobs.len();
    for job in jobs {
        let outcome = mail_one(mail, &job);
        db::transaction(pool, |conn| {
            let (status, next, error) = match &outcome {
                Ok(()) => ("sent", None, None),
                Err(e) if now - job.created_at >= chrono::Duration::hours(GIVE_UP_AFTER_HOURS) => {
                    ("failed", None, Some(e.as_str()))
                }
                Err(e) => (
                    "pending",
                    Some(now + chrono::Duration::seconds(retry_after_seconds(job.email_attempts))),
                    Some(e.as_str()),
                ),
            };
            store::outbox::finish_mail(conn, &job, status, next, error)?;
            Ok(())
        })?;
    }
    Ok(tried)
}

/// One message: the notification's title as the subject, in Vietnamese (UTF-8).
fn mail_one(mail: &MailConfig, job: &store::outbox::MailJob) -> Result<(), String> {
    use lettre::Transport;
    let from = mail.from.parse().map_err(|e| format!("SMTP_FROM: {e}"))?;
    let to = job.email.parse().map_err(|e| format!("the address: {e}"))?;
    let message = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(job.title.clone())
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(format!(
            "{}\n\n{}\n\n-- \nHệ thống theo dõi kế hoạch cải cách hành chính\n",
            job.title, job.body
        ))
        .map_err(|e| format!("the message: {e}"))?;
    let transport = lettre::SmtpTransport::from_url(&mail.url)
        .map_err(|e| format!("SMTP_URL: {e}"))?
        .timeout(Some(DELIVERY_TIMEOUT))
        .build();
    transport
        .send(&message)
        .map(|_| ())
        .map_err(|e| format!("not sent: {e}"))
}

#[derive(Debug, Clone)]
enum Outcome {
    Delivered {
        code: i32,
        response: String,
    },
    Failed {
        code: Option<i32>,
        error: String,
        response: Option<String>,
    },
    /// The subscription is paused: try again later, not counting it.
    Held,
}

/// The first kilobyte of a text, cut at a character boundary.
fn first_kilobyte(text: &str) -> String {
    let mut end = text.len().min(1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// One signed POST (blocking; the workers run on the blocking pool).
fn send(
    targets: TargetPolicy,
    webhook: &WebhookRow,
    event_id: Uuid,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> Outcome {
    let failed = |error: String| Outcome::Failed {
        code: None,
        error,
        response: None,
    };
    // Checked now, and the addresses checked are the ones connected to: a
    // name that resolves elsewhere since it was stored (DNS rebinding) is caught.
    let url = match targets.check(&webhook.url) {
        Ok(url) => url,
        Err(e) => return failed(format!("refused target: the URL {e}")),
    };
    let addresses = match targets.check_addresses(&url) {
        Ok(a) => a,
        Err(e) => return failed(format!("refused target: the URL {e}")),
    };
    let Some(key) = secret_key(&webhook.secret) else {
        return failed("the subscription's secret is unreadable".into());
    };
    let body = payload.to_string();
    let id = event_id.to_string();
    let timestamp = now.timestamp();
    let agent = ureq::AgentBuilder::new()
        .timeout(DELIVERY_TIMEOUT)
        .redirects(0)
        .resolver(move |_: &str| Ok(addresses.clone()))
        .build();
    let result = agent
        .post(url.as_str())
        .set("content-type", "application/json")
        .set("user-agent", "par-tracker-webhooks")
        .set("webhook-id", &id)
        .set("webhook-timestamp", &timestamp.to_string())
        .set("webhook-signature", &sign(&key, &id, timestamp, &body))
        .send_string(&body);
    match result {
        Ok(response) => {
            let code = i32::from(response.status());
            let text = response.into_string().unwrap_or_default();
            Outcome::Delivered {
                code,
                response: first_kilobyte(&text),
            }
        }
        Err(ureq::Error::Status(code, response)) => Outcome::Failed {
            code: Some(i32::from(code)),
            error: format!("the receiver answered {code}"),
            response: Some(first_kilobyte(&response.into_string().unwrap_or_default())),
        },
        Err(e) => failed(format!("not delivered: {}", e.kind())),
    }
}

/// Writes an attempt's outcome, the retry schedule, and the subscription's
/// health: failing for 24 hours pauses it and tells its owner.
fn record(
    conn: &mut PgConnection,
    delivery: &DeliveryRow,
    lease: DateTime<Utc>,
    webhook: Option<&WebhookRow>,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let mut row = delivery.clone();
    let mut healthy = None;
    match outcome {
        Outcome::Delivered { code, response } => {
            row.status = "delivered".into();
            row.last_status_code = Some(code);
            row.last_error = None;
            row.last_response = Some(response);
            row.delivered_at = Some(now);
            healthy = Some(true);
        }
        Outcome::Failed {
            code,
            error,
            response,
        } => {
            row.last_status_code = code;
            row.last_error = Some(error);
            row.last_response = response;
            let give_up = now - row.created_at >= chrono::Duration::hours(GIVE_UP_AFTER_HOURS);
            if give_up {
                row.status = "failed".into();
            } else {
                row.next_attempt_at =
                    now + chrono::Duration::seconds(retry_after_seconds(row.attempts));
            }
            healthy = Some(false);
        }
        Outcome::Held => {
            // not an attempt: give it back as it was
            row.attempts -= 1;
            row.next_attempt_at = now + chrono::Duration::seconds(60);
        }
    }
    if !store::outbox::finish_attempt(conn, &row, lease)? {
        // The lease ran out and another worker took it: its outcome counts.
        return Ok(());
    }
    if let (Some(healthy), Some(webhook)) = (healthy, webhook) {
        let Some(mut w) = store::outbox::find_webhook(conn, webhook.id, true)? else {
            return Ok(());
        };
        match (healthy, w.failing_since) {
            (true, Some(_)) => {
                w.failing_since = None;
                store::outbox::save_webhook(conn, &w)?;
            }
            (false, None) => {
                w.failing_since = Some(now);
                store::outbox::save_webhook(conn, &w)?;
            }
            (false, Some(since))
                if w.active && now - since >= chrono::Duration::hours(GIVE_UP_AFTER_HOURS) =>
            {
                w.active = false;
                w.paused_reason = Some(format!("every delivery failed since {since}"));
                w.updated_at = now;
                store::outbox::save_webhook(conn, &w)?;
                tell_owner_paused(conn, &w, now)?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn tell_owner_paused(
    conn: &mut PgConnection,
    w: &WebhookRow,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    store::outbox::insert_event(
        conn,
        &NewOutboxEvent {
            id: Uuid::new_v4(),
            event_type: "webhook.paused",
            occurred_at: now,
            actor_id: None,
            task_id: None,
            subject_type: "webhook",
            subject_id: w.id,
            changes: json!({"owner_id": w.owner_id, "url": w.url}),
        },
    )?;
    Ok(())
}

/// Starts this node's workers on the actix runtime: fan-out and deliveries
/// every second, the daily run every minute. They stop with the runtime.
pub fn spawn(pool: DbPool, config: WorkerConfig) {
    let every = |period: Duration| actix_web::rt::time::interval(period);
    let (p, c) = (pool.clone(), config.clone());
    actix_web::rt::spawn(async move {
        let mut tick = every(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let (pool, config) = (p.clone(), c.clone());
            let step = actix_web::web::block(move || {
                fan_out(&pool, config.mail.is_some(), Utc::now())?;
                if let Some(mail) = &config.mail {
                    send_mail(&pool, mail, Utc::now(), 20)?;
                }
                deliver(&pool, config.targets, Utc::now(), 20)
            })
            .await;
            log_failure("webhook deliveries", step);
        }
    });
    actix_web::rt::spawn(async move {
        let mut tick = every(Duration::from_secs(60));
        loop {
            tick.tick().await;
            let (pool, config) = (pool.clone(), config.clone());
            let step = actix_web::web::block(move || remind(&pool, &config, Utc::now())).await;
            log_failure("daily reminders", step);
        }
    });
}

fn log_failure<T>(what: &str, step: Result<DomainResult<T>, actix_web::error::BlockingError>) {
    match step {
        Ok(Ok(_)) => {}
        // a database restart: the next tick retries
        Ok(Err(DomainError::Unavailable(e))) => log::info!("{what}: {e}"),
        Ok(Err(e)) => log::warn!("{what}: {e:?}"),
        Err(e) => log::warn!("{what}: {e}"),
    }
}
