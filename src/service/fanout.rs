//! The workers' use cases: fan each outbox event out (notifications for the
//! people it concerns, a delivery per subscribed webhook), and the daily run
//! that emits due-soon and overdue events. Both are safe on any number of
//! nodes: events are claimed with SKIP LOCKED, reminders by a unique key.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};

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
/// The batch is read and written a statement per table, not per event: its
/// tasks as of each event's day, then the people they concern, then every
/// notification, delivery and payload at once.
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
    let tasks = tasks_of(conn, &events)?;
    let task_of = |event: &OutboxRow| {
        event
            .task_id
            .map(|id| &tasks[&(id, province_date(event.occurred_at))])
    };
    let audiences: Vec<Audience> = events
        .iter()
        .map(|event| audience(event, task_of(event)))
        .collect();
    let people = Directory::of(conn, &audiences)?;
    let mut notes = Vec::new();
    let mut deliveries = Vec::new();
    let mut payloads = Vec::with_capacity(events.len());
    for (event, audience) in events.iter().zip(&audiences) {
        let task = task_of(event);
        let (title, body) = words(event, task);
        notes.extend(
            people
                .of_audience(audience)
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
                }),
        );
        deliveries.extend(
            webhooks
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
                }),
        );
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
        payloads.push((event.id, payload));
    }
    // (in slices: a statement binds at most 65,535 values)
    for slice in notes.chunks(1_000) {
        store::outbox::insert_notifications(conn, slice)?;
    }
    for slice in deliveries.chunks(1_000) {
        store::outbox::insert_deliveries(conn, slice)?;
    }
    store::outbox::mark_fanned_out(conn, &payloads, now)?;
    Ok(events.len())
}

/// The tasks of `events`, each as of its event's day in the province: one
/// statement per day (a batch seldom spans two).
fn tasks_of(
    conn: &mut PgConnection,
    events: &[OutboxRow],
) -> DomainResult<HashMap<(TaskId, NaiveDate), tasks::Task>> {
    let mut by_day: BTreeMap<NaiveDate, HashSet<TaskId>> = BTreeMap::new();
    for event in events {
        if let Some(id) = event.task_id {
            by_day
                .entry(province_date(event.occurred_at))
                .or_default()
                .insert(id);
        }
    }
    let mut found = HashMap::new();
    for (day, ids) in by_day {
        let ids: Vec<TaskId> = ids.into_iter().collect();
        for (id, task) in tasks::get_many(conn, &ids, day)? {
            found.insert((id, day), task);
        }
    }
    Ok(found)
}

/// Who hears of an event, before they are looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Audience {
    Coordinators,
    /// The active officers of these agencies.
    OfficersOf(Vec<Uuid>),
    CoordinatorsAndInspectors,
    /// One account, if active.
    Account(Uuid),
    Nobody,
}

/// Who hears of an event: the lead agency for what happens to its task, the
/// coordinators for what awaits their decision, the supporting agencies too
/// for a deadline coming.
fn audience(event: &OutboxRow, task: Option<&tasks::Task>) -> Audience {
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
    match event.event_type.as_str() {
        "claim.submitted" | "extension.requested" | "agency_report.submitted" => {
            Audience::Coordinators
        }
        "task.due_soon" => Audience::OfficersOf(with_supporting()),
        "agency_report.accepted" | "agency_report.returned" => {
            Audience::OfficersOf(agency_of_report())
        }
        // the inspected agency hears of its inspection and findings; the
        // inspectors and the coordinator of a remedy to verify
        "inspection.created"
        | "inspection.conducted"
        | "inspection.concluded"
        | "inspection.cancelled"
        | "finding.recorded"
        | "finding.verified"
        | "finding.returned" => Audience::OfficersOf(agency_of_report()),
        "finding.remedy_reported" => Audience::CoordinatorsAndInspectors,
        "period.created" | "period.closed" | "inspection.updated" => Audience::Nobody,
        "webhook.paused" => match event
            .changes
            .get("owner_id")
            .and_then(Value::as_str)
            .and_then(|u| u.parse::<Uuid>().ok())
        {
            Some(owner) => Audience::Account(owner),
            None => Audience::Nobody,
        },
        _ => Audience::OfficersOf(lead),
    }
}

/// The people a batch's audiences name, each group read once.
#[derive(Debug, Default)]
struct Directory {
    coordinators: Vec<Recipient>,
    inspectors: Vec<Recipient>,
    officers: HashMap<Uuid, Vec<Recipient>>,
    accounts: HashMap<Uuid, Vec<Recipient>>,
}

impl Directory {
    fn of(conn: &mut PgConnection, audiences: &[Audience]) -> DomainResult<Directory> {
        let mut people = Directory::default();
        let wants = |pick: fn(&Audience) -> bool| audiences.iter().any(pick);
        if wants(|a| {
            matches!(
                a,
                Audience::Coordinators | Audience::CoordinatorsAndInspectors
            )
        }) {
            people.coordinators = store::outbox::coordinators(conn)?;
        }
        if wants(|a| matches!(a, Audience::CoordinatorsAndInspectors)) {
            people.inspectors = store::outbox::inspectors(conn)?;
        }
        let mut agencies: Vec<Uuid> = audiences
            .iter()
            .flat_map(|a| match a {
                Audience::OfficersOf(ids) => ids.clone(),
                _ => Vec::new(),
            })
            .collect();
        agencies.sort();
        agencies.dedup();
        for officer in store::outbox::officers_of(conn, &agencies)? {
            people
                .officers
                .entry(officer.agency_id)
                .or_default()
                .push(officer.recipient);
        }
        for audience in audiences {
            if let Audience::Account(id) = audience {
                if let Entry::Vacant(slot) = people.accounts.entry(*id) {
                    slot.insert(store::outbox::recipient(conn, *id)?);
                }
            }
        }
        Ok(people)
    }

    /// The people of `audience`, each once, by id.
    fn of_audience(&self, audience: &Audience) -> Vec<Recipient> {
        let mut all: Vec<Recipient> = match audience {
            Audience::Coordinators => self.coordinators.clone(),
            Audience::CoordinatorsAndInspectors => {
                let mut all = self.coordinators.clone();
                all.extend(self.inspectors.iter().cloned());
                all
            }
            Audience::OfficersOf(agencies) => agencies
                .iter()
                .flat_map(|a| self.officers.get(a).cloned().unwrap_or_default())
                .collect(),
            Audience::Account(id) => self.accounts.get(id).cloned().unwrap_or_default(),
            Audience::Nobody => Vec::new(),
        };
        all.sort_by_key(|r| r.id);
        all.dedup_by_key(|r| r.id);
        all
    }
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
