//! The 2023 demo plan of Khánh Hòa (from the province's year-end report) and
//! account creation for the command line.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use crate::api::tasks::search_text;
use crate::auth::password::hash_password;
use crate::db::schema::app_settings;
use crate::domain::deadline::Deadline;
use crate::domain::enums::{AgencyKind, DeadlineKind, Role};
use crate::domain::overdue::province_offset;
use crate::domain::text::{Password, Username};
use crate::store;
use crate::store::audit::NewAuditEvent;
use crate::store::reports::{NewClaim, NewEvidence, NewExtension, NewReport};
use crate::store::tasks::{NewTask, TaskChangeset};

pub const DEMO_PASSWORD: &str = "khanhhoa-2023";
const DEMO_JSON: &str = include_str!("demo_2023.json");

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Demo {
    plan: DemoPlan,
    agencies: Vec<DemoAgency>,
    objectives: Vec<DemoObjective>,
    tasks: Vec<DemoTask>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoPlan {
    code: String,
    year: i32,
    title: String,
    programme: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoAgency {
    code: String,
    name: String,
    kind: AgencyKind,
    parent_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoObjective {
    code: String,
    title: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoDeadline {
    kind: DeadlineKind,
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoEvidence {
    document_number: String,
    issued_on: NaiveDate,
    issuer: String,
    title: String,
    url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoReport {
    agency_code: String,
    reported_on: NaiveDate,
    progress_percent: i16,
    summary: String,
    evidence: Vec<DemoEvidence>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoExtension {
    requested_on: NaiveDate,
    requested_due_on: NaiveDate,
    reason: String,
    decided_on: NaiveDate,
    decision: String,
    comment: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoCompletion {
    completed_on: NaiveDate,
    claimed_on: NaiveDate,
    accepted_on: NaiveDate,
    summary: String,
    evidence: Vec<DemoEvidence>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoTask {
    code: String,
    title: String,
    area: String,
    objective_code: Option<String>,
    lead_agency_code: String,
    supporting_agency_codes: Vec<String>,
    deadline: DemoDeadline,
    expected_output: String,
    reports: Vec<DemoReport>,
    extension: Option<DemoExtension>,
    completion: Option<DemoCompletion>,
}

/// A moment on a province day (office hours), for back-dated demo rows.
fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    province_offset()
        .from_local_datetime(&day.and_hms_opt(hour, 0, 0).expect("valid time"))
        .single()
        .expect("fixed offsets are unambiguous")
        .with_timezone(&Utc)
}

fn evidence_rows(
    items: &[DemoEvidence],
    report_id: Option<Uuid>,
    claim_id: Option<Uuid>,
) -> Vec<NewEvidence> {
    items
        .iter()
        .enumerate()
        .map(|(i, e)| NewEvidence {
            id: Uuid::new_v4(),
            report_id,
            completion_claim_id: claim_id,
            position: i as i16,
            document_number: e.document_number.clone(),
            issued_on: e.issued_on,
            issuer: e.issuer.clone(),
            title: e.title.clone(),
            url: e.url.clone(),
        })
        .collect()
}

/// Whether the demo plan (and its accounts) was ever loaded into this database.
pub fn demo_loaded(conn: &mut PgConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        app_settings::table.filter(app_settings::name.eq("demo_loaded_at")),
    ))
    .get_result(conn)
}

pub fn warn_demo_accounts() {
    log::warn!(
        "DEMO ACCOUNTS are active (admin, sonoivu, thanhtra and one per agency code, password '{DEMO_PASSWORD}'): \
         never use this database in production"
    );
}

/// Loads the demo plan into an empty database (no plans, no users). Returns whether it loaded.
/// Runs in one transaction under an advisory lock: two nodes cannot both load it.
pub fn load_demo_if_empty(conn: &mut PgConnection) -> Result<bool, BoxError> {
    let demo: Demo = serde_json::from_str(DEMO_JSON)?;
    // One hash for every demo account: hashing ~45 times would slow every first start.
    let password_hash = hash_password(DEMO_PASSWORD)?;
    conn.transaction::<bool, BoxError, _>(|conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7070707)").execute(conn)?;
        // Only into an empty database: demo accounts with a published password
        // must never join real ones (e.g. after `create-user` on a new deployment).
        let has_plans = store::plans::count(conn)? > 0;
        let has_users = store::users::count(conn)? > 0;
        if has_plans || has_users {
            return Ok(false);
        }
        load(conn, &demo, &password_hash)?;
        diesel::insert_into(app_settings::table)
            .values((
                app_settings::name.eq("demo_loaded_at"),
                app_settings::value.eq(Utc::now().to_rfc3339()),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        Ok(true)
    })
}

fn load(conn: &mut PgConnection, demo: &Demo, password_hash: &str) -> Result<(), BoxError> {
    let plan_start =
        NaiveDate::from_ymd_opt(demo.plan.year, 1, 10).ok_or("plan year out of range")?;
    let created = at(plan_start, 9);

    let mut agency_ids: HashMap<&str, Uuid> = HashMap::new();
    for a in &demo.agencies {
        let parent_id = match &a.parent_code {
            Some(code) => Some(
                *agency_ids
                    .get(code.as_str())
                    .ok_or_else(|| format!("unknown parent {code}"))?,
            ),
            None => None,
        };
        let row = store::agencies::insert(
            conn,
            &store::agencies::NewAgency {
                id: Uuid::new_v4(),
                code: &a.code,
                name: &a.name,
                kind: a.kind.as_str(),
                parent_id,
            },
        )?;
        agency_ids.insert(&a.code, row.id);
    }
    let agency = |code: &str| {
        agency_ids
            .get(code)
            .copied()
            .ok_or_else(|| format!("unknown agency {code}"))
    };

    let mut user_of_agency: HashMap<Uuid, Uuid> = HashMap::new();
    let add_user = |conn: &mut PgConnection,
                    username: &str,
                    display: &str,
                    role: Role,
                    agency_id: Option<Uuid>|
     -> QueryResult<Uuid> {
        let row = store::users::insert(
            conn,
            &store::users::NewUser {
                id: Uuid::new_v4(),
                username,
                display_name: display,
                password_hash,
                role: role.as_str(),
                agency_id,
                active: true,
            },
        )?;
        Ok(row.id)
    };
    add_user(conn, "admin", "Quản trị hệ thống", Role::Admin, None)?;
    let coordinator = add_user(
        conn,
        "sonoivu",
        "Sở Nội vụ - Phòng CCHC",
        Role::Coordinator,
        agency_ids.get("SNV").copied(),
    )?;
    add_user(
        conn,
        "thanhtra",
        "Đoàn kiểm tra CCHC tỉnh",
        Role::Inspector,
        None,
    )?;
    for a in &demo.agencies {
        let id = agency(&a.code)?;
        let user = add_user(
            conn,
            &a.code.to_lowercase(),
            &format!("Đầu mối CCHC - {}", a.name),
            Role::AgencyOfficer,
            Some(id),
        )?;
        user_of_agency.insert(id, user);
    }

    let plan = store::plans::insert(
        conn,
        &store::plans::NewPlan {
            id: Uuid::new_v4(),
            code: &demo.plan.code,
            year: demo.plan.year,
            title: &demo.plan.title,
            programme: Some(&demo.plan.programme),
        },
    )?;
    let mut objective_ids: HashMap<&str, Uuid> = HashMap::new();
    for o in &demo.objectives {
        let row = store::plans::insert_objective(
            conn,
            &store::plans::NewObjective {
                id: Uuid::new_v4(),
                plan_id: plan.id,
                code: &o.code,
                title: &o.title,
            },
        )?;
        objective_ids.insert(&o.code, row.id);
    }

    for t in &demo.tasks {
        let deadline =
            Deadline::parse(t.deadline.kind, t.deadline.value.as_deref(), demo.plan.year)
                .map_err(|e| format!("task {}: deadline {e}", t.code))?;
        let lead = agency(&t.lead_agency_code)?;
        let supporting = t
            .supporting_agency_codes
            .iter()
            .map(|c| agency(c))
            .collect::<Result<Vec<_>, _>>()?;
        let objective_id = match &t.objective_code {
            Some(code) => Some(
                *objective_ids
                    .get(code.as_str())
                    .ok_or_else(|| format!("unknown objective {code}"))?,
            ),
            None => None,
        };
        let search = search_text(&t.code, &t.title, &t.expected_output);
        let task = store::tasks::insert(
            conn,
            &NewTask {
                id: Uuid::new_v4(),
                plan_id: plan.id,
                code: &t.code,
                title: &t.title,
                area: &t.area,
                objective_id,
                lead_agency_id: lead,
                deadline_kind: deadline.kind.as_str(),
                deadline_value: deadline.value.as_deref(),
                deadline_label: &deadline.label,
                original_due_on: deadline.due_on,
                due_on: deadline.due_on,
                expected_output: &t.expected_output,
                status: "not_started",
                progress_percent: 0,
                completed_on: None,
                search_text: &search,
            },
        )?;
        store::tasks::set_supporting_agencies(conn, task.id, &supporting)?;
        let audit = |conn: &mut PgConnection,
                     when: DateTime<Utc>,
                     actor: Option<Uuid>,
                     action: &str,
                     entity_type: &str,
                     entity_id: Uuid,
                     changes: serde_json::Value| {
            store::audit::record(
                conn,
                &NewAuditEvent {
                    occurred_at: when,
                    actor_id: actor,
                    action,
                    entity_type,
                    entity_id,
                    task_id: Some(task.id),
                    changes,
                },
            )
        };
        audit(
            conn,
            created,
            Some(coordinator),
            "task.created",
            "task",
            task.id,
            serde_json::json!({"code": t.code, "due_on": deadline.due_on, "source": "demo"}),
        )?;

        let mut progress = 0i16;
        let mut due_on = deadline.due_on;
        for r in &t.reports {
            let agency_id = agency(&r.agency_code)?;
            let report_id = Uuid::new_v4();
            store::reports::insert_report(
                conn,
                &NewReport {
                    id: report_id,
                    task_id: task.id,
                    agency_id,
                    author_id: user_of_agency[&agency_id],
                    progress_percent: r.progress_percent,
                    summary: &r.summary,
                    created_at: at(r.reported_on, 10),
                },
            )?;
            store::reports::insert_evidence(
                conn,
                &evidence_rows(&r.evidence, Some(report_id), None),
            )?;
            if agency_id == lead {
                progress = r.progress_percent;
            }
            audit(
                conn,
                at(r.reported_on, 10),
                Some(user_of_agency[&agency_id]),
                "report.created",
                "report",
                report_id,
                serde_json::json!({"agency_id": agency_id, "progress_percent": r.progress_percent}),
            )?;
        }
        if let Some(e) = &t.extension {
            let row = store::reports::insert_extension(
                conn,
                &NewExtension {
                    id: Uuid::new_v4(),
                    task_id: task.id,
                    requested_by: user_of_agency[&lead],
                    previous_due_on: due_on,
                    requested_due_on: e.requested_due_on,
                    reason: &e.reason,
                    created_at: at(e.requested_on, 9),
                },
            )?;
            let status = if e.decision == "approve" {
                "approved"
            } else {
                "rejected"
            };
            store::reports::decide_extension(
                conn,
                row.id,
                status,
                coordinator,
                at(e.decided_on, 15),
                e.decided_on,
                Some(&e.comment),
            )?;
            audit(
                conn,
                at(e.requested_on, 9),
                Some(user_of_agency[&lead]),
                "extension.requested",
                "extension_request",
                row.id,
                serde_json::json!({"requested_due_on": e.requested_due_on}),
            )?;
            audit(
                conn,
                at(e.decided_on, 15),
                Some(coordinator),
                &format!("extension.{status}"),
                "extension_request",
                row.id,
                serde_json::json!({"decision": e.decision}),
            )?;
            if status == "approved" {
                due_on = e.requested_due_on;
            }
        }
        let mut changes = TaskChangeset {
            progress_percent: Some(progress),
            status: Some(
                if t.reports.is_empty() {
                    "not_started"
                } else {
                    "in_progress"
                }
                .into(),
            ),
            due_on: Some(due_on),
            ..Default::default()
        };
        if let Some(c) = &t.completion {
            let claim_id = Uuid::new_v4();
            store::reports::insert_claim(
                conn,
                &NewClaim {
                    id: claim_id,
                    task_id: task.id,
                    agency_id: lead,
                    author_id: user_of_agency[&lead],
                    completed_on: c.completed_on,
                    summary: &c.summary,
                    created_at: at(c.claimed_on, 11),
                },
            )?;
            store::reports::insert_evidence(
                conn,
                &evidence_rows(&c.evidence, None, Some(claim_id)),
            )?;
            store::reports::review_claim(
                conn,
                claim_id,
                "accepted",
                coordinator,
                at(c.accepted_on, 16),
                Some("Đạt yêu cầu"),
            )?;
            audit(
                conn,
                at(c.claimed_on, 11),
                Some(user_of_agency[&lead]),
                "completion.claimed",
                "completion_claim",
                claim_id,
                serde_json::json!({"completed_on": c.completed_on}),
            )?;
            audit(
                conn,
                at(c.accepted_on, 16),
                Some(coordinator),
                "completion.accepted",
                "completion_claim",
                claim_id,
                serde_json::json!({"task": {"status": "completed", "completed_on": c.completed_on}}),
            )?;
            changes.status = Some("completed".into());
            changes.progress_percent = Some(100);
            changes.completed_on = Some(Some(c.completed_on));
        }
        store::tasks::update_versioned(conn, task.id, task.version, &changes)?
            .ok_or("task changed during the demo load")?;
    }
    log::info!(
        "loaded the demo plan {}: {} agencies, {} objectives, {} tasks",
        demo.plan.code,
        demo.agencies.len(),
        demo.objectives.len(),
        demo.tasks.len()
    );
    Ok(())
}

/// Creates an account from the command line (for the first admin of a real deployment).
pub fn create_user(
    conn: &mut PgConnection,
    username: &str,
    role: &str,
    agency_code: Option<&str>,
    password: &str,
) -> Result<store::users::UserRow, BoxError> {
    let role = Role::parse(role)
        .ok_or_else(|| format!("unknown role '{role}': one of {}", Role::expected()))?;
    let username = Username::parse(username)
        .map_err(|e| format!("username {e}"))?
        .into_inner();
    let password = Password::parse(password).map_err(|e| format!("password {e}"))?;
    let password = password.as_str();
    let agency_id = match agency_code {
        Some(code) => Some(
            store::agencies::find_by_code(conn, &code.to_uppercase())?
                .ok_or_else(|| format!("no agency {code}"))?
                .id,
        ),
        None if role == Role::AgencyOfficer => {
            return Err("an agency_officer needs an AGENCY_CODE".into())
        }
        None => None,
    };
    let hash = hash_password(password)?;
    Ok(store::users::insert(
        conn,
        &store::users::NewUser {
            id: Uuid::new_v4(),
            username: &username,
            display_name: &username,
            password_hash: &hash,
            role: role.as_str(),
            agency_id,
            active: true,
        },
    )?)
}
