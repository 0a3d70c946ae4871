//! The demo: Khánh Hòa's 2023 plan (from the province's year-end report), an
//! illustrative plan for the current year with open tasks, an illustrative
//! 2025 plan through the March 2025 department mergers, and account
//! creation for the command line.

mod demo_2025;
mod inspections;
mod periods;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::password::hash_password;
use crate::db::schema::app_settings;
use crate::domain::enums::{
    AgencyKind, DeadlineKind, ExtensionDecision, ReformArea, ReviewDecision, Role,
};
use crate::domain::ids::{AgencyId, ObjectiveId, PlanId, UserId};
use crate::domain::input::IsoDate;
use crate::domain::overdue::province_offset;
use crate::domain::policy::Principal;
use crate::domain::text::{
    Code, DisplayName, DocumentNumber, HttpUrl, LongText, Name, OutputText, Password, PlanTitle,
    Title, Username,
};
use crate::service::agencies::CreateAgency;
use crate::service::completion::{CreateCompletionClaim, ReviewRequest};
use crate::service::evidence::Evidence;
use crate::service::extensions::{CreateExtensionRequest, DecisionRequest};
use crate::service::objectives::CreateObjective;
use crate::service::plans::CreatePlan;
use crate::service::reports::CreateReport;
use crate::service::tasks::{CreateTask, DeadlineIn};
use crate::service::users::{CreateUser, User};
use crate::service::{self, Actor};
use crate::store;

pub const DEMO_PASSWORD: &str = "khanhhoa-2023";
const DEMO_JSON: &str = include_str!("demo_2023.json");
const CURRENT_YEAR_JSON: &str = include_str!("demo_current_year.json");

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Demo {
    /// What in the data is invented; the loader requires it.
    #[allow(dead_code)]
    note: String,
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
    decision: ExtensionDecision,
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
    area: ReformArea,
    objective_code: Option<String>,
    lead_agency_code: String,
    supporting_agency_codes: Vec<String>,
    deadline: DemoDeadline,
    expected_output: String,
    reports: Vec<DemoReport>,
    extension: Option<DemoExtension>,
    completion: Option<DemoCompletion>,
}

/// The illustrative current-year plan: deadlines and report days are counted
/// from the day the demo is loaded, so some tasks are always due soon or overdue.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CurrentYear {
    #[allow(dead_code)]
    note: String,
    tasks: Vec<RelativeTask>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RelativeTask {
    code: String,
    title: String,
    area: ReformArea,
    lead_agency_code: String,
    supporting_agency_codes: Vec<String>,
    /// Days from the load day to the due date (negative: overdue); `null`: ongoing.
    due_in_days: Option<i64>,
    expected_output: String,
    reports: Vec<RelativeReport>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RelativeReport {
    agency_code: String,
    days_ago: i64,
    progress_percent: i16,
    summary: String,
}

/// A moment on a province day (office hours), for back-dated demo rows.
fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    province_offset()
        .from_local_datetime(&day.and_hms_opt(hour, 0, 0).expect("valid time"))
        .single()
        .expect("fixed offsets are unambiguous")
        .with_timezone(&Utc)
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
    let current: CurrentYear = serde_json::from_str(CURRENT_YEAR_JSON)?;
    let today = crate::domain::overdue::province_date(Utc::now());
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
        let people = load(conn, &demo, &password_hash)?;
        if today.year() != demo.plan.year {
            load_current_year(conn, &people, &current, today)?;
        }
        // the March 2025 mergers, once their month is over (a clock set
        // earlier, as some tests do, gets the demo without them)
        if today > NaiveDate::from_ymd_opt(2025, 3, 31).expect("a valid date") {
            demo_2025::load(conn, &people).map_err(|e| format!("2025 plan: {e}"))?;
        }
        store::outbox::mark_history(conn, Utc::now())?;
        diesel::insert_into(app_settings::table)
            .values((
                app_settings::name.eq("demo_loaded_at"),
                app_settings::value.eq(Utc::now().to_rfc3339()),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        Ok(true)
    })
    .and_then(|loaded| {
        // Statistics for the plans: the small tables (agencies, the demo's
        // 64 tasks) stay under autovacuum's threshold and would be planned
        // as if they held hundreds of rows.
        if loaded {
            diesel::sql_query("ANALYZE").execute(conn)?;
        }
        Ok(loaded)
    })
}

fn load(conn: &mut PgConnection, demo: &Demo, password_hash: &str) -> Result<People, BoxError> {
    let plan_start =
        NaiveDate::from_ymd_opt(demo.plan.year, 1, 10).ok_or("plan year out of range")?;
    let created = at(plan_start, 9);
    let admin = bootstrap_admin(conn, password_hash, created)?;
    let people = load_agencies_and_people(conn, demo, &admin, password_hash, created)?;
    let coordinator = Actor::new(&people.coordinator, created);
    let plan = service::plans::create(
        conn,
        &coordinator,
        CreatePlan {
            code: parse(Code::parse(&demo.plan.code))?,
            year: i64::from(demo.plan.year),
            title: parse(PlanTitle::parse(&demo.plan.title))?,
            programme: Some(parse(PlanTitle::parse(&demo.plan.programme))?),
        },
    )?;
    let mut objective_ids: HashMap<&str, ObjectiveId> = HashMap::new();
    for o in &demo.objectives {
        let input = CreateObjective {
            code: parse(Code::parse(&o.code))?,
            title: parse(Title::parse(&o.title))?,
        };
        let row = service::objectives::create(conn, &coordinator, plan.id, input)?;
        objective_ids.insert(&o.code, row.id);
    }
    for t in &demo.tasks {
        load_task(conn, &people, plan.id, &objective_ids, t, created)
            .map_err(|e| format!("task {}: {e}", t.code))?;
    }
    periods::load(conn, &people, plan.id).map_err(|e| format!("periods: {e}"))?;
    inspections::load(conn, &people, plan.id).map_err(|e| format!("inspections: {e}"))?;
    log::info!(
        "loaded the demo plan {}: {} agencies, {} objectives, {} tasks",
        demo.plan.code,
        demo.agencies.len(),
        demo.objectives.len(),
        demo.tasks.len()
    );
    Ok(people)
}

/// The year of `today` (a province date): an illustrative plan whose open tasks
/// are due around `today`, created 45 days before it and reported on since,
/// through the same use cases as the 2023 plan.
fn load_current_year(
    conn: &mut PgConnection,
    people: &People,
    current: &CurrentYear,
    today: NaiveDate,
) -> Result<(), BoxError> {
    let year = today.year();
    let created = at(today - chrono::Days::new(45), 9);
    let coordinator = Actor::new(&people.coordinator, created);
    let plan = service::plans::create(
        conn,
        &coordinator,
        CreatePlan {
            code: parse(Code::parse(&format!("CCHC-{year}")))?,
            year: i64::from(year),
            title: parse(PlanTitle::parse(&format!(
                "Kế hoạch cải cách hành chính năm {year} (minh họa)"
            )))?,
            programme: None,
        },
    )?;
    let agency = |code: &str| {
        people
            .officer(code)
            .and_then(|p| p.agency_id.ok_or("no agency".into()))
    };
    for t in &current.tasks {
        let value = t.due_in_days.map(|days| {
            (today + chrono::Duration::days(days))
                .format("%Y-%m-%d")
                .to_string()
        });
        let kind = match value {
            Some(_) => DeadlineKind::Date,
            None => DeadlineKind::Ongoing,
        };
        let input = CreateTask {
            code: parse(Code::parse(&t.code))?,
            title: parse(Title::parse(&t.title))?,
            area: t.area,
            objective_id: None,
            lead_agency_id: agency(&t.lead_agency_code)?,
            supporting_agency_ids: t
                .supporting_agency_codes
                .iter()
                .map(|c| agency(c))
                .collect::<Result<_, _>>()?,
            deadline: DeadlineIn {
                kind,
                value: value.map(Some),
            },
            expected_output: parse(OutputText::parse(&t.expected_output))?,
        };
        let task = service::tasks::create(conn, &coordinator, plan.id, input)
            .map_err(|e| format!("task {}: {e}", t.code))?
            .id;
        for r in &t.reports {
            let officer = people.officer(&r.agency_code)?;
            let input = CreateReport {
                progress_percent: i64::from(r.progress_percent),
                summary: parse(LongText::parse(&r.summary))?,
                evidence: Vec::new(),
            };
            let day = today - chrono::Duration::days(r.days_ago);
            service::reports::post(conn, &Actor::new(officer, at(day, 10)), task, input, None)
                .map_err(|e| format!("task {}: {e}", t.code))?;
        }
    }
    log::info!(
        "loaded the illustrative plan CCHC-{year}: {} open tasks due around today",
        current.tasks.len()
    );
    Ok(())
}

/// The demo's accounts: the coordinator, the inspector, and one officer per agency.
struct People {
    coordinator: Principal,
    inspector: Principal,
    officers: HashMap<String, Principal>,
}

impl People {
    fn officer(&self, agency_code: &str) -> Result<&Principal, BoxError> {
        Ok(self
            .officers
            .get(agency_code)
            .ok_or_else(|| format!("unknown agency {agency_code}"))?)
    }
}

fn principal(user: &User) -> Principal {
    Principal {
        user_id: user.id,
        username: user.username.clone(),
        role: user.role,
        agency_id: user.agency_id,
        credential_version: 0,
    }
}

/// The first account has no one to create it: it is written directly.
fn bootstrap_admin(
    conn: &mut PgConnection,
    password_hash: &str,
    at: DateTime<Utc>,
) -> Result<Principal, BoxError> {
    let row = store::users::insert(
        conn,
        &store::users::NewUser {
            id: UserId::new(),
            username: "admin",
            display_name: "Quản trị hệ thống",
            password_hash,
            role: Role::Admin,
            agency_id: None,
            active: true,
            created_at: at,
            updated_at: at,
            email: None,
        },
    )?;
    Ok(principal(&row.into()))
}

fn load_agencies_and_people(
    conn: &mut PgConnection,
    demo: &Demo,
    admin: &Principal,
    password_hash: &str,
    at: DateTime<Utc>,
) -> Result<People, BoxError> {
    let admin = Actor::new(admin, at);
    let mut agency_ids: HashMap<&str, AgencyId> = HashMap::new();
    for a in &demo.agencies {
        let parent_id = match &a.parent_code {
            Some(code) => Some(
                *agency_ids
                    .get(code.as_str())
                    .ok_or_else(|| format!("unknown parent {code}"))?,
            ),
            None => None,
        };
        let input = CreateAgency {
            code: parse(Code::parse(&a.code))?,
            name: parse(Name::parse(&a.name))?,
            kind: a.kind,
            parent_id,
        };
        let row = service::agencies::create(conn, &admin, input)?;
        agency_ids.insert(&a.code, row.id);
    }
    let mut add_user = |username: &str, display: &str, role: Role, agency_id| {
        let input = CreateUser {
            email: None,
            username: parse(Username::parse(username))?,
            display_name: parse(DisplayName::parse(display))?,
            password: parse(Password::parse(DEMO_PASSWORD))?,
            role,
            agency_id,
        };
        let user = service::users::create(conn, &admin, input, password_hash)?;
        Ok::<Principal, BoxError>(principal(&user))
    };
    let snv = agency_ids.get("SNV").copied();
    let coordinator = add_user("sonoivu", "Sở Nội vụ - Phòng CCHC", Role::Coordinator, snv)?;
    let inspector = add_user("thanhtra", "Đoàn kiểm tra CCHC tỉnh", Role::Inspector, None)?;
    let mut officers = HashMap::new();
    for a in &demo.agencies {
        let display = format!("Đầu mối CCHC - {}", a.name);
        let agency = agency_ids.get(a.code.as_str()).copied();
        let officer = add_user(
            &a.code.to_lowercase(),
            &display,
            Role::AgencyOfficer,
            agency,
        )?;
        officers.insert(a.code.clone(), officer);
    }
    Ok(People {
        coordinator,
        inspector,
        officers,
    })
}

/// One task and its year: created, reported on, extended, claimed and
/// accepted, each step through the same use case the API runs, at its day.
fn load_task(
    conn: &mut PgConnection,
    people: &People,
    plan: PlanId,
    objective_ids: &HashMap<&str, ObjectiveId>,
    t: &DemoTask,
    created: DateTime<Utc>,
) -> Result<(), BoxError> {
    let agency = |code: &str| {
        people
            .officer(code)
            .and_then(|p| p.agency_id.ok_or("no agency".into()))
    };
    let objective_id = match &t.objective_code {
        Some(code) => Some(
            *objective_ids
                .get(code.as_str())
                .ok_or_else(|| format!("unknown objective {code}"))?,
        ),
        None => None,
    };
    let input = CreateTask {
        code: parse(Code::parse(&t.code))?,
        title: parse(Title::parse(&t.title))?,
        area: t.area,
        objective_id,
        lead_agency_id: agency(&t.lead_agency_code)?,
        supporting_agency_ids: t
            .supporting_agency_codes
            .iter()
            .map(|c| agency(c))
            .collect::<Result<_, _>>()?,
        deadline: DeadlineIn {
            kind: t.deadline.kind,
            value: t.deadline.value.clone().map(Some),
        },
        expected_output: parse(OutputText::parse(&t.expected_output))?,
    };
    let coordinator = &people.coordinator;
    let task = service::tasks::create(conn, &Actor::new(coordinator, created), plan, input)?.id;
    let lead = people.officer(&t.lead_agency_code)?;
    let mut with_file = ILLUSTRATIVE_FILES.contains(&t.code.as_str());
    for r in &t.reports {
        let officer = people.officer(&r.agency_code)?;
        let mut evidence = evidence(&r.evidence)?;
        let reported = Actor::new(officer, at(r.reported_on, 10));
        if let Some(first) = evidence.first_mut().filter(|_| with_file) {
            with_file = false;
            first.file_id = Some(illustrative_file(conn, &reported, first)?);
        }
        let input = CreateReport {
            progress_percent: i64::from(r.progress_percent),
            summary: parse(LongText::parse(&r.summary))?,
            evidence,
        };
        service::reports::post(conn, &reported, task, input, None)?;
    }
    if let Some(e) = &t.extension {
        let input = CreateExtensionRequest {
            requested_due_on: IsoDate(e.requested_due_on),
            reason: parse(LongText::parse(&e.reason))?,
            evidence: Vec::new(),
        };
        let asked = Actor::new(lead, at(e.requested_on, 9));
        let request = service::extensions::request(conn, &asked, task, input)?;
        let input = DecisionRequest {
            decision: e.decision,
            comment: Some(parse(LongText::parse(&e.comment))?),
        };
        service::extensions::decide(
            conn,
            &Actor::new(coordinator, at(e.decided_on, 15)),
            request.id,
            input,
        )?;
    }
    if let Some(c) = &t.completion {
        let input = CreateCompletionClaim {
            completed_on: IsoDate(c.completed_on),
            summary: parse(LongText::parse(&c.summary))?,
            evidence: evidence(&c.evidence)?,
        };
        service::completion::claim(conn, &Actor::new(lead, at(c.claimed_on, 11)), task, input)?;
        let input = ReviewRequest {
            decision: ReviewDecision::Accept,
            comment: Some(parse(LongText::parse("Đạt yêu cầu"))?),
        };
        service::completion::review(
            conn,
            &Actor::new(coordinator, at(c.accepted_on, 16)),
            task,
            input,
        )?;
    }
    Ok(())
}

/// Tasks whose first report with evidence carries a generated PDF, so the
/// demo shows real attachments.
const ILLUSTRATIVE_FILES: [&str; 5] = ["NV01", "NV02", "NV03", "NV05", "NV06"];

/// Uploads a small generated PDF standing for `document`, as the reporting
/// officer, through the same use case as the API; its id.
fn illustrative_file(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    document: &Evidence,
) -> Result<crate::domain::ids::FileId, BoxError> {
    let number = document.document_number.to_string();
    let upload = service::files::Upload {
        name: format!("{} (minh họa).pdf", number.replace('/', "-")),
        content_type: "application/pdf",
        content: illustrative_pdf(&crate::domain::search::fold(&format!(
            "{number} - {}",
            document.title
        ))),
    };
    Ok(service::files::upload(conn, actor, upload)?.id)
}

/// A one-page PDF saying that it is an illustration, not a real document.
fn illustrative_pdf(subject: &str) -> Vec<u8> {
    let ascii: String = subject
        .chars()
        .map(|c| match c {
            ' '..='~' if !matches!(c, '(' | ')' | '\\') => c,
            _ => ' ',
        })
        .take(80)
        .collect();
    let text = format!(
        "BT /F1 14 Tf 60 780 Td (CCHC 2023 demo: ILLUSTRATIVE document, not a real one) Tj \
         0 -24 Td (Tai lieu minh hoa, khong phai van ban that) Tj 0 -24 Td ({ascii}) Tj ET"
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// Demo text goes through the same input types as the API's.
fn parse<T>(value: Result<T, String>) -> Result<T, BoxError> {
    Ok(value?)
}

fn evidence(items: &[DemoEvidence]) -> Result<Vec<Evidence>, BoxError> {
    items
        .iter()
        .map(|e| {
            Ok(Evidence {
                document_number: parse(DocumentNumber::parse(&e.document_number))?,
                issued_on: IsoDate(e.issued_on),
                issuer: parse(Name::parse(&e.issuer))?,
                title: parse(Title::parse(&e.title))?,
                url: e.url.as_deref().map(HttpUrl::parse).transpose()?,
                file_id: None,
            })
        })
        .collect()
}

/// An account as the command line names it.
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub role: &'a str,
    pub agency_code: Option<&'a str>,
    /// Shown in the audit trail and by `/auth/me`; the username when absent.
    pub display_name: Option<&'a str>,
    pub password: &'a str,
}

/// Creates an account from the command line (for the first admin of a real
/// deployment). Errors are one line an operator can act on.
pub fn create_user(
    conn: &mut PgConnection,
    account: &NewAccount<'_>,
) -> Result<store::users::UserRow, BoxError> {
    let role = Role::parse(account.role).ok_or_else(|| {
        format!(
            "unknown role '{}': one of {}",
            account.role,
            Role::expected()
        )
    })?;
    let username = Username::parse(account.username)
        .map_err(|e| format!("username {e}"))?
        .into_inner();
    let display_name = DisplayName::parse(account.display_name.unwrap_or(&username))
        .map_err(|e| format!("display name {e}"))?;
    let password = Password::parse(account.password).map_err(|e| format!("password {e}"))?;
    let password = password.as_str();
    // Admins and inspectors act for the province, not for an agency: a code
    // given to them is a mistake to point out, not to store.
    let agency_id = match (account.agency_code, role) {
        (Some(code), Role::Admin | Role::Inspector) => {
            return Err(format!(
                "a {role} speaks for no agency; leave out the agency code '{code}'"
            )
            .into())
        }
        (Some(code), _) => Some(
            store::agencies::find_by_code(conn, &code.to_uppercase())?
                .ok_or_else(|| format!("no agency with the code '{code}'"))?
                .id,
        ),
        (None, Role::AgencyOfficer) => return Err("an agency_officer needs an AGENCY_CODE".into()),
        (None, _) => None,
    };
    if store::users::find_by_username(conn, &username)?.is_some() {
        return Err(format!("the username '{username}' is taken; choose another").into());
    }
    let hash = hash_password(password)?;
    Ok(store::users::insert(
        conn,
        &store::users::NewUser {
            id: UserId::new(),
            username: &username,
            display_name: display_name.as_str(),
            password_hash: &hash,
            role,
            agency_id,
            active: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            email: None,
        },
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_data_says_what_is_invented() {
        let demo: Demo = serde_json::from_str(DEMO_JSON).unwrap();
        assert!(demo.note.contains("invented"), "{}", demo.note);
        assert!(demo.note.contains("document number"), "{}", demo.note);
        let programme = inspections::programme().unwrap();
        assert!(programme.note.contains("invented"), "{}", programme.note);
        assert!(
            programme.note.contains("document number"),
            "{}",
            programme.note
        );
        // the year-end report's figures: 27 agencies inspected, 34 findings,
        // each remedied (its last remedy accepted), one of them returned first
        assert_eq!(programme.inspections.len(), 27);
        let agencies: std::collections::BTreeSet<&str> = programme
            .inspections
            .iter()
            .map(|i| i.agency.as_str())
            .collect();
        assert_eq!(agencies.len(), 27, "one inspection per agency");
        let findings: Vec<_> = programme
            .inspections
            .iter()
            .flat_map(|i| &i.findings)
            .collect();
        assert_eq!(findings.len(), 34);
        assert!(findings.iter().all(|f| f
            .remedies
            .last()
            .is_some_and(|r| r.decision == ReviewDecision::Accept)));
        let returned = findings
            .iter()
            .filter(|f| {
                f.remedies
                    .iter()
                    .any(|r| r.decision == ReviewDecision::Return)
            })
            .count();
        assert_eq!(returned, 1);
        let current: CurrentYear = serde_json::from_str(CURRENT_YEAR_JSON).unwrap();
        assert!(current.note.starts_with("Illustrative"), "{}", current.note);
        // Some tasks due within a week, some overdue: something to report on and to chase.
        let due: Vec<i64> = current.tasks.iter().filter_map(|t| t.due_in_days).collect();
        assert!(due.iter().any(|d| (0..=7).contains(d)));
        assert!(due.iter().any(|d| *d < 0));
    }
}

#[cfg(test)]
mod illustrative_file_tests {
    #[test]
    fn the_illustrative_pdf_s_cross_references_point_at_its_objects() {
        let pdf = super::illustrative_pdf("330/snv-cchc - bao cao (so) \\ ket qua");
        let text = String::from_utf8(pdf.clone()).unwrap();
        let xref: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|rest| rest.lines().next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(text[xref..].starts_with("xref\n0 6\n"), "{text}");
        for (i, line) in text[xref..].lines().skip(3).take(5).enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            assert!(
                text[offset..].starts_with(&format!("{} 0 obj", i + 1)),
                "{text}"
            );
        }
        // the subject's parentheses and backslash could end the PDF string early
        assert!(
            text.contains("(330/snv-cchc - bao cao  so    ket qua) Tj"),
            "{text}"
        );
        assert_eq!(crate::domain::file::sniff(&pdf), Some("application/pdf"));
    }
}
