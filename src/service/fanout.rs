//! The workers' use cases: fan each outbox event out (notifications for the
//! people it concerns, a delivery per subscribed webhook), and the daily run
//! that emits due-soon and overdue events. Both are safe on any number of
//! nodes: events are claimed with SKIP LOCKED, reminders by a unique key.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde_json::{json, Value};
use uuid::Uuid;

use super::tasks;
use crate::domain::deadline::date_vi;
use crate::domain::error::DomainResult;
use crate::domain::ids::TaskId;
use crate::domain::notify::{due_soon_threshold, subscribes};
use crate::domain::overdue::province_date;
use crate::store;
use crate::store::outbox::{DeliveryRow, NewOutboxEvent, NotificationRow, OutboxRow, Recipient};

/// Fans out up to `limit` waiting events in one transaction; returns how
/// many. With `mail`, notifications to accounts with an address are mailed too.
pub fn fan_out(
    conn: &mut PgConnection,
    limit: i64,
    now: DateTime<Utc>,
    mail: bool,
) -> DomainResult<usize> {
    let events = store::outbox::claim_waiting(conn, limit)?;
    if events.is_empty() {
        return Ok(0);
    }
    let webhooks = store::outbox::active_webhooks(conn)?;
    for event in &events {
        let task = match event.task_id {
            Some(id) => Some(tasks::get(
                conn,
                id,
                province_date(event.occurred_at),
                store::tasks::Keeping::Never,
            )?),
            None => None,
        };
        let payload = json!({
            "id": event.id,
            "type": event.event_type,
            "timestamp": event.occurred_at,
            "data": {
                "subject_type": event.subject_type,
                "subject_id": event.subject_id,
                "changes": event.changes,
                "task": task,
            },
        });
        let (title, body) = words(event, task.as_ref());
        let recipients = recipients(conn, event, task.as_ref())?;
        let notes: Vec<NotificationRow> = recipients
            .into_iter()
            .filter(|r| Some(r.id) != event.actor_id)
            .map(|r| NotificationRow {
                id: Uuid::new_v4(),
                user_id: r.id,
                event_id: event.id,
                event_type: event.event_type.clone(),
                title: title.clone(),
                body: body.clone(),
                task_id: event.task_id,
                created_at: now,
                read_at: None,
                email_status: if mail && r.has_email {
                    "pending"
                } else {
                    "none"
                }
                .into(),
                email_next_at: (mail && r.has_email).then_some(now),
            })
            .collect();
        store::outbox::insert_notifications(conn, &notes)?;
        let deliveries: Vec<DeliveryRow> = webhooks
            .iter()
            .filter(|w| subscribes(&w.events, &event.event_type))
            .map(|w| DeliveryRow {
                id: Uuid::new_v4(),
                webhook_id: w.id,
                event_id: event.id,
                status: "pending".into(),
                attempts: 0,
                next_attempt_at: now,
                leased_until: None,
                last_status_code: None,
                last_error: None,
                last_response: None,
                created_at: now,
                delivered_at: None,
            })
            .collect();
        store::outbox::insert_deliveries(conn, &deliveries)?;
        store::outbox::mark_fanned_out(conn, event.id, &payload, now)?;
    }
    Ok(events.len())
}

/// Who hears of an event: the lead agency for what happens to its task, the
/// coordinators for what awaits their decision, the supporting agencies too
/// for a deadline coming.
fn recipients(
    conn: &mut PgConnection,
    event: &OutboxRow,
    task: Option<&tasks::Task>,
) -> DomainResult<Vec<Recipient>> {
    let lead = task.map(|t| vec![t.lead_agency.id.0]).unwrap_or_default();
    let with_supporting = || {
        let mut all = lead.clone();
        if let Some(t) = task {
            all.extend(t.supporting_agencies.iter().map(|a| a.id.0));
        }
        all
    };
    let agency_of_report = || {
        event
            .changes
            .get("agency_id")
            .and_then(Value::as_str)
            .and_then(|a| a.parse::<Uuid>().ok())
            .into_iter()
            .collect::<Vec<_>>()
    };
    Ok(match event.event_type.as_str() {
        "claim.submitted" | "extension.requested" | "agency_report.submitted" => {
            store::outbox::coordinators(conn)?
        }
        "task.due_soon" => store::outbox::officers_of(conn, &with_supporting())?,
        "agency_report.accepted" | "agency_report.returned" => {
            store::outbox::officers_of(conn, &agency_of_report())?
        }
        // the inspected agency hears of its inspection and findings; the
        // inspectors and the coordinator of a remedy to verify
        "inspection.created"
        | "inspection.conducted"
        | "inspection.concluded"
        | "inspection.cancelled"
        | "finding.recorded"
        | "finding.verified"
        | "finding.returned" => store::outbox::officers_of(conn, &agency_of_report())?,
        "finding.remedy_reported" => {
            let mut all = store::outbox::coordinators(conn)?;
            all.extend(store::outbox::inspectors(conn)?);
            all
        }
        "period.created" | "period.closed" | "inspection.updated" => Vec::new(),
        "webhook.paused" => match event
            .changes
            .get("owner_id")
            .and_then(Value::as_str)
            .and_then(|u| u.parse::<Uuid>().ok())
        {
            Some(owner) => store::outbox::recipient(conn, owner)?,
            None => Vec::new(),
        },
        _ => store::outbox::officers_of(conn, &lead)?,
    })
}

/// The notification's Vietnamese title and body.
fn words(event: &OutboxRow, task: Option<&tasks::Task>) -> (String, String) {
    let code = task.map(|t| t.code.as_str()).unwrap_or("");
    let body = task
        .map(|t| format!("{} — {}: {}", t.code, t.lead_agency.name, t.title))
        .unwrap_or_default();
    let changes = &event.changes;
    let text = |field: &str| changes.get(field).and_then(Value::as_str).unwrap_or("");
    let date = |field: &str| {
        text(field)
            .parse::<NaiveDate>()
            .map(date_vi)
            .unwrap_or_default()
    };
    let title = match event.event_type.as_str() {
        "task.created" => format!("Nhiệm vụ mới {code}"),
        "task.updated" => format!("Nhiệm vụ {code} được điều chỉnh"),
        "task.cancelled" => format!("Nhiệm vụ {code} bị hủy"),
        "report.created" => format!(
            "Báo cáo tiến độ nhiệm vụ {code}: {}%",
            changes
                .get("progress_percent")
                .and_then(Value::as_i64)
                .unwrap_or(0)
        ),
        "claim.submitted" => format!("Đề nghị công nhận hoàn thành nhiệm vụ {code}"),
        "claim.accepted" => format!("Nhiệm vụ {code} được công nhận hoàn thành"),
        "claim.returned" => format!("Đề nghị hoàn thành nhiệm vụ {code} bị trả lại"),
        "extension.requested" => format!(
            "Đề nghị gia hạn nhiệm vụ {code} đến {}",
            date("requested_due_on")
        ),
        "extension.approved" => format!(
            "Đồng ý gia hạn nhiệm vụ {code} đến {}",
            date("requested_due_on")
        ),
        "extension.rejected" => format!("Không đồng ý gia hạn nhiệm vụ {code}"),
        "task.due_soon" => match changes.get("days_left").and_then(Value::as_i64) {
            Some(0) => format!("Nhiệm vụ {code} đến hạn hôm nay ({})", date("due_on")),
            Some(n) => format!("Nhiệm vụ {code} đến hạn sau {n} ngày ({})", date("due_on")),
            None => format!("Nhiệm vụ {code} sắp đến hạn"),
        },
        "task.overdue" => format!("Nhiệm vụ {code} đã quá hạn ({})", date("due_on")),
        "agency_report.submitted" => "Cơ quan gửi báo cáo định kỳ".to_string(),
        "agency_report.accepted" => "Báo cáo định kỳ được chấp nhận".to_string(),
        "agency_report.returned" => format!("Báo cáo định kỳ bị trả lại: {}", text("comment")),
        "inspection.created" => format!("Kế hoạch kiểm tra CCHC: ngày {}", date("scheduled_on")),
        "inspection.conducted" => "Đoàn kiểm tra CCHC đã kiểm tra cơ quan".to_string(),
        "inspection.concluded" => "Kết luận kiểm tra CCHC đã ban hành".to_string(),
        "inspection.cancelled" => "Cuộc kiểm tra CCHC đã hủy".to_string(),
        "finding.recorded" => format!("Hạn chế cần khắc phục, hạn {}", date("due_on")),
        "finding.remedy_reported" => "Cơ quan báo cáo khắc phục hạn chế sau kiểm tra".to_string(),
        "finding.verified" => "Kết quả khắc phục được xác nhận".to_string(),
        "finding.returned" => format!("Kết quả khắc phục bị trả lại: {}", text("comment")),
        "webhook.paused" => format!(
            "Webhook tạm dừng sau 24 giờ gửi không thành công: {}",
            text("url")
        ),
        other => other.to_string(),
    };
    (title, body)
}

/// The daily run for province day `day`: a `task.due_soon` at the nearest of
/// `thresholds` days before each open task's due date in force, and a
/// `task.overdue` once a task is past it. Each (task, kind, due date,
/// threshold) is emitted once whichever node runs and however often.
pub fn remind(
    conn: &mut PgConnection,
    day: NaiveDate,
    thresholds: &[u32],
    now: DateTime<Utc>,
) -> DomainResult<usize> {
    let horizon = thresholds.iter().copied().max().unwrap_or(0) as i32;
    let mut emitted = 0;
    for task in store::outbox::open_tasks_due_by(conn, day, horizon)? {
        let days_left = (task.due_on - day).num_days();
        let (kind, days_before) = if days_left < 0 {
            ("overdue", 0)
        } else {
            match due_soon_threshold(days_left, thresholds) {
                Some(t) => ("due_soon", t as i32),
                None => continue,
            }
        };
        let event_id = Uuid::new_v4();
        if !store::outbox::claim_reminder(
            conn,
            task.id,
            kind,
            task.due_on,
            days_before,
            day,
            event_id,
        )? {
            continue;
        }
        emit_reminder(conn, event_id, task.id, kind, task.due_on, days_left, now)?;
        emitted += 1;
    }
    Ok(emitted)
}

fn emit_reminder(
    conn: &mut PgConnection,
    event_id: Uuid,
    task: TaskId,
    kind: &str,
    due_on: NaiveDate,
    days_left: i64,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let event_type = if kind == "overdue" {
        "task.overdue"
    } else {
        "task.due_soon"
    };
    store::outbox::insert_event(
        conn,
        &NewOutboxEvent {
            id: event_id,
            event_type,
            occurred_at: now,
            actor_id: None,
            task_id: Some(task),
            subject_type: "task",
            subject_id: task.0,
            changes: json!({"due_on": due_on, "days_left": days_left}),
        },
    )?;
    Ok(())
}
