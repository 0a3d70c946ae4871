//! Tasks: create and change them (coordinator), read them as of a day.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, DeadlineRecord, Event};
use super::{Actor, Page};
use crate::domain::deadline::Deadline;
use crate::domain::enums::{AgencyRole, DeadlineKind, ReformArea, TaskSort, TaskStatus};
use crate::domain::error::{Conflict, DomainError, DomainResult};
use crate::domain::ids::{AgencyId, ClaimId, ExtensionId, ObjectiveId, PlanId, TaskId, UserId};
use crate::domain::input::Checker;
use crate::domain::overdue::{status_label, StatusLabel};
use crate::domain::policy::{Action, Principal};
use crate::domain::search::fold;
use crate::domain::text::{Code, OutputText, Title};
use crate::store;
use crate::store::tasks::{Keeping, NewTask, TaskChangeset, TaskFilter, TaskKey, TaskViewRow};
use crate::store::After;

/// An agency as a task refers to it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgencySummary {
    pub id: AgencyId,
    pub code: String,
    pub name: String,
}

/// A user as a claim or an extension request names its author.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserSummary {
    pub id: UserId,
    pub display_name: String,
}

/// The completion claim a task awaits review of.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PendingClaim {
    pub id: ClaimId,
    /// The day the work was finished, as claimed.
    pub completed_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub author: UserSummary,
}

/// The extension request a task awaits a decision on.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PendingExtensionRequest {
    pub id: ExtensionId,
    pub requested_due_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub author: UserSummary,
}

/// A deadline as the plan writes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadlineOut {
    pub kind: DeadlineKind,
    /// `2024-06-30`, `2024-09`, `2024-Q2`; absent for ongoing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Vietnamese label: "30/6/2024", "Tháng 9/2024", "Tháng 01/2025", "Quý II/2024", "Thường xuyên".
    pub label: String,
}

/// A deadline in a request: `value` is a date, a month or a quarter, absent when ongoing.
/// (Its spec is `Deadline`, which states the shape of `value` for each kind.)
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineIn {
    pub kind: DeadlineKind,
    #[serde(
        default,
        deserialize_with = "crate::domain::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<Option<String>>,
}

/// A deadline as plans write it; `value` depends on `kind`. The due date is the
/// day itself, the month's or quarter's last day, or the plan year's last day.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[schema(as = Deadline)]
#[allow(dead_code)] // describes DeadlineIn in the spec; never constructed
pub enum DeadlineSpec {
    /// A calendar day.
    #[schema(title = "DateDeadline")]
    Date {
        #[schema(value_type = String, format = Date, example = "2024-06-30")]
        value: String,
    },
    /// A month, due on its last day.
    #[schema(title = "MonthDeadline")]
    Month {
        #[schema(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2024-09")]
        value: String,
    },
    /// A quarter, due on its last day.
    #[schema(title = "QuarterDeadline")]
    Quarter {
        #[schema(pattern = "^[0-9]{4}-Q[1-4]$", example = "2024-Q2")]
        value: String,
    },
    /// "Thường xuyên": ongoing, due on the plan year's last day.
    #[schema(title = "OngoingDeadline")]
    Ongoing {},
}

/// A task of a plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Task {
    pub id: TaskId,
    pub plan_id: PlanId,
    /// Unique within the plan, e.g. `NV12`.
    pub code: String,
    pub title: String,
    pub area: ReformArea,
    pub objective_id: Option<ObjectiveId>,
    /// The agency responsible (cơ quan chủ trì).
    pub lead_agency: AgencySummary,
    /// Agencies that take part (cơ quan phối hợp).
    pub supporting_agencies: Vec<AgencySummary>,
    pub deadline: DeadlineOut,
    /// The due date the plan first set.
    pub original_due_on: NaiveDate,
    /// The due date in force on `as_of` (moved by extensions approved by then).
    pub due_on: NaiveDate,
    /// Expected output (kết quả, sản phẩm).
    pub expected_output: String,
    /// The status on `as_of`: completed if completed by then, submitted if a
    /// claim was pending then, in progress once the lead agency had reported.
    pub status: TaskStatus,
    /// Where the task stands on `as_of`, in the words reports use ("Tình hình thực hiện").
    pub status_label: StatusLabel,
    /// The lead agency's latest reported progress by `as_of` (100 once completed).
    #[schema(minimum = 0, maximum = 100)]
    pub progress_percent: i16,
    /// The day the work was completed, if by `as_of`.
    pub completed_on: Option<NaiveDate>,
    /// The status now, whatever `as_of` is.
    pub current_status: TaskStatus,
    /// The due date in force now.
    pub current_due_on: NaiveDate,
    /// The progress now.
    #[schema(minimum = 0, maximum = 100)]
    pub current_progress_percent: i16,
    /// Overdue as of `as_of`.
    pub overdue: bool,
    /// Days past the due date in force on `as_of`; 0 when not overdue.
    pub days_overdue: i32,
    /// The day `overdue` is computed for: the `as_of` parameter, else today in Asia/Ho_Chi_Minh.
    pub as_of: NaiveDate,
    /// The completion claim awaiting review now, whatever `as_of` is; `null` when none.
    pub pending_claim: Option<PendingClaim>,
    /// The extension request awaiting a decision now, whatever `as_of` is; `null` when none.
    pub pending_extension_request: Option<PendingExtensionRequest>,
    /// Increases with every change; the ETag is derived from it.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Task {
    /// A strong ETag for this version of the task.
    pub fn etag(&self) -> String {
        etag(self.id, self.version)
    }
}

pub fn etag(id: TaskId, version: i32) -> String {
    format!("\"{id}-{version}\"")
}

/// What the task view carries as JSON, read into its types.
struct Carried {
    supporting: Vec<AgencySummary>,
    pending_claim: Option<PendingClaim>,
    pending_extension_request: Option<PendingExtensionRequest>,
}

fn to_task(row: TaskViewRow, carried: Carried, as_of: NaiveDate) -> Task {
    let t = row.task;
    Task {
        id: t.id,
        plan_id: t.plan_id,
        code: t.code,
        title: t.title,
        area: t.area,
        objective_id: t.objective_id,
        lead_agency: AgencySummary {
            id: t.lead_agency_id,
            code: row.lead_code,
            name: row.lead_name,
        },
        supporting_agencies: carried.supporting,
        deadline: DeadlineOut {
            kind: t.deadline_kind,
            value: t.deadline_value,
            label: t.deadline_label,
        },
        original_due_on: t.original_due_on,
        due_on: row.effective_due_on,
        expected_output: t.expected_output,
        status: row.status_as_of,
        status_label: status_label(
            row.status_as_of,
            t.completed_on.filter(|on| *on <= as_of),
            row.effective_due_on,
            as_of,
        ),
        progress_percent: row.progress_as_of,
        completed_on: t.completed_on.filter(|on| *on <= as_of),
        current_status: t.status,
        current_due_on: t.due_on,
        current_progress_percent: t.progress_percent,
        overdue: row.days_overdue > 0,
        days_overdue: row.days_overdue,
        as_of,
        pending_claim: carried.pending_claim,
        pending_extension_request: carried.pending_extension_request,
        version: t.version,
        created_at: t.created_at,
        updated_at: t.updated_at,
    }
}

/// Reads a JSON column of the task view into its type.
fn carried<T: serde::de::DeserializeOwned>(value: Option<String>, what: &str) -> DomainResult<T> {
    // SQL NULL reads as JSON null: `None` for an optional type.
    serde_json::from_str(value.as_deref().unwrap_or("null"))
        .map_err(|e| DomainError::Internal(format!("{what} of a task: {e}")))
}

/// Tasks from view rows (which carry their supporting agencies and pending requests).
pub fn to_tasks(rows: Vec<TaskViewRow>, as_of: NaiveDate) -> DomainResult<Vec<Task>> {
    rows.into_iter()
        .map(|mut r| {
            let carried = Carried {
                supporting: carried(
                    Some(std::mem::take(&mut r.supporting)),
                    "supporting agencies",
                )?,
                pending_claim: carried(r.pending_claim.take(), "pending claim")?,
                pending_extension_request: carried(
                    r.pending_extension_request.take(),
                    "pending extension request",
                )?,
            };
            Ok(to_task(r, carried, as_of))
        })
        .collect()
}

/// One task as of a day, or `NotFound`.
pub fn get(
    conn: &mut PgConnection,
    id: TaskId,
    as_of: NaiveDate,
    keeping: Keeping,
) -> DomainResult<Task> {
    let row =
        store::tasks::find_view(conn, id, as_of, keeping)?.ok_or(DomainError::not_found("task"))?;
    Ok(to_tasks(vec![row], as_of)?.remove(0))
}

/// Tasks as of a day, by id, in one statement (for background work over
/// many events); every id must be a task's.
pub fn get_many(
    conn: &mut PgConnection,
    ids: &[TaskId],
    as_of: NaiveDate,
) -> DomainResult<HashMap<TaskId, Task>> {
    let mut filter = TaskFilter::as_of(as_of);
    filter.ids = Some(ids.to_vec());
    let rows = store::tasks::list_view(conn, &filter, TaskSort::Code, None, None, Keeping::Never)?;
    let found: HashMap<TaskId, Task> = to_tasks(rows, as_of)?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    if ids.iter().any(|id| !found.contains_key(id)) {
        return Err(DomainError::not_found("task"));
    }
    Ok(found)
}

/// One task as of a day for a caller whose token is confirmed against their
/// account here (see `auth::confirm`): when the task's standing is kept, the
/// account and the task are read in one statement, else one after the other.
pub fn get_for(
    conn: &mut PgConnection,
    claimed: &Principal,
    id: TaskId,
    as_of: NaiveDate,
    today: NaiveDate,
) -> DomainResult<Task> {
    if let Some(kept) = store::tasks::kept_view_for(conn, claimed.user_id, id, as_of)? {
        return from_kept(kept, claimed, as_of);
    }
    get_computed_for(conn, claimed, id, as_of, today)
}

/// `get_for` once its kept standing is known not to hold (`get_kept_for`
/// said so): the account, then the task through the view, kept when read
/// as of today.
pub fn get_computed_for(
    conn: &mut PgConnection,
    claimed: &Principal,
    id: TaskId,
    as_of: NaiveDate,
    today: NaiveDate,
) -> DomainResult<Task> {
    super::auth::confirm(conn, claimed)?;
    get(conn, id, as_of, Keeping::Today(today))
}

/// `get_for` when the task's standing is kept, on an async connection (see
/// `db::reads`); `None` when it is not kept (or the account is not there):
/// `get_computed_for` then answers.
pub fn get_kept_for(
    conn: &mut diesel_async::AsyncPgConnection,
    claimed: Principal,
    id: TaskId,
    as_of: NaiveDate,
) -> impl std::future::Future<Output = DomainResult<Option<Task>>> + 'static {
    let read = store::tasks::kept_view_for_async(conn, claimed.user_id, id, as_of);
    async move {
        match read.await? {
            Some(kept) => from_kept(kept, &claimed, as_of).map(Some),
            None => Ok(None),
        }
    }
}

/// The task of a kept read, once its account is confirmed.
fn from_kept(
    kept: store::tasks::KeptRead,
    claimed: &Principal,
    as_of: NaiveDate,
) -> DomainResult<Task> {
    super::auth::confirm_account(Some(kept.account), claimed)?;
    Ok(to_tasks(vec![kept.task], as_of)?.remove(0))
}

/// Text that search matches: code, title and expected output, folded.
pub fn search_text(code: &str, title: &str, expected_output: &str) -> String {
    fold(&format!("{code} {title} {expected_output}"))
}

/// Refuses agencies that cease to exist (merged, split or dissolved) on or
/// before `due_on`, the task's due date: its work goes to their successors.
/// (A past year's task, due before the change, may still name them.)
fn check_in_being(
    conn: &mut PgConnection,
    field: &str,
    ids: &[AgencyId],
    due_on: NaiveDate,
) -> DomainResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    for agency in store::agencies::find_many(conn, ids)? {
        if let Some(to) = agency.valid_to.filter(|to| *to <= due_on) {
            return Err(DomainError::rule(
                field,
                format!(
                    "{} ceases to exist on {to} (reorganised), before the task is due; give its successor (successor_ids)",
                    agency.code
                ),
            ));
        }
    }
    Ok(())
}

/// Checks that supporting agencies exist, are distinct and exclude the lead.
fn check_supporting(
    conn: &mut PgConnection,
    lead: AgencyId,
    ids: &[AgencyId],
) -> DomainResult<Vec<AgencyId>> {
    const FIELD: &str = "supporting_agency_ids";
    if ids.len() > 100 {
        return Err(DomainError::field(FIELD, "at most 100 agencies"));
    }
    let mut unique: Vec<AgencyId> = Vec::with_capacity(ids.len());
    for id in ids {
        if *id == lead {
            return Err(DomainError::rule(FIELD, "must not include the lead agency"));
        }
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    let found = store::agencies::existing_ids(conn, &unique)?;
    if let Some(missing) = unique.iter().find(|id| !found.contains(id)) {
        return Err(DomainError::rule(FIELD, format!("no agency {missing}")));
    }
    Ok(unique)
}

fn check_objective(
    conn: &mut PgConnection,
    objective: ObjectiveId,
    plan: PlanId,
) -> DomainResult<()> {
    let found = store::plans::find_objective(conn, objective)?;
    if found.is_none_or(|o| o.plan_id != plan) {
        return Err(DomainError::rule(
            "objective_id",
            "no such objective in this plan",
        ));
    }
    Ok(())
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTask {
    /// Unique within the plan, e.g. `NV65`.
    pub code: Code,
    pub title: Title,
    pub area: ReformArea,
    pub objective_id: Option<ObjectiveId>,
    pub lead_agency_id: AgencyId,
    /// At most 100; never the lead agency.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub supporting_agency_ids: Vec<AgencyId>,
    #[schema(value_type = DeadlineSpec)]
    pub deadline: DeadlineIn,
    /// Expected output (kết quả, sản phẩm).
    pub expected_output: OutputText,
}

/// The deadline's value, which must be a string when present.
fn deadline_value(deadline: &DeadlineIn) -> DomainResult<Option<&str>> {
    match &deadline.value {
        Some(None) => Err(DomainError::field(
            "deadline.value",
            "must be a string, or absent for an ongoing deadline",
        )),
        Some(Some(v)) => Ok(Some(v.as_str())),
        None => Ok(None),
    }
}

/// Adds a task to a plan (coordinator). It starts `not_started`.
pub fn create(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    plan_id: PlanId,
    input: CreateTask,
) -> DomainResult<Task> {
    actor.may(Action::EditPlan)?;
    if input.supporting_agency_ids.len() > 100 {
        return Err(DomainError::field(
            "supporting_agency_ids",
            "at most 100 agencies",
        ));
    }
    let value = deadline_value(&input.deadline)?;
    let plan = store::plans::find(conn, plan_id)?.ok_or(DomainError::not_found("plan"))?;
    let deadline = Deadline::parse(input.deadline.kind, value, plan.year)
        .map_err(|m| DomainError::field("deadline.value", m))?;
    if !(2000..=2100).contains(&deadline.due_on.year()) {
        return Err(DomainError::rule(
            "deadline.value",
            "must fall between 2000 and 2100",
        ));
    }
    if let Some(objective) = input.objective_id {
        check_objective(conn, objective, plan_id)?;
    }
    store::agencies::find(conn, input.lead_agency_id)?
        .ok_or_else(|| DomainError::rule("lead_agency_id", "no such agency"))?;
    let supporting = check_supporting(conn, input.lead_agency_id, &input.supporting_agency_ids)?;
    check_in_being(
        conn,
        "lead_agency_id",
        &[input.lead_agency_id],
        deadline.due_on,
    )?;
    check_in_being(conn, "supporting_agency_ids", &supporting, deadline.due_on)?;
    let (code, title) = (input.code.as_str(), input.title.as_str());
    let search = search_text(code, title, input.expected_output.as_str());
    let row = store::tasks::insert(
        conn,
        &NewTask {
            id: TaskId::new(),
            plan_id,
            code,
            title,
            area: input.area,
            objective_id: input.objective_id,
            lead_agency_id: input.lead_agency_id,
            deadline_kind: deadline.kind,
            deadline_value: deadline.value.as_deref(),
            deadline_label: &deadline.label,
            original_due_on: deadline.due_on,
            due_on: deadline.due_on,
            expected_output: input.expected_output.as_str(),
            status: TaskStatus::NotStarted,
            progress_percent: 0,
            completed_on: None,
            search_text: &search,
            created_at: actor.now,
            updated_at: actor.now,
        },
    )
    .map_err(store::duplicate_as(format!(
        "the plan already has a task {code}"
    )))?;
    store::tasks::set_supporting_agencies(conn, row.id, &supporting)?;
    let event = Event::TaskCreated {
        task: row.id,
        code: row.code,
        title: row.title,
        area: row.area,
        lead_agency_id: row.lead_agency_id,
        supporting_agency_ids: supporting,
        deadline: DeadlineRecord {
            kind: row.deadline_kind,
            value: row.deadline_value,
            label: row.deadline_label,
        },
        due_on: row.due_on,
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    get(conn, row.id, actor.today(), Keeping::Today(actor.today()))
}

/// A JSON merge patch of a task (RFC 7396): absent fields are kept; `null`
/// removes an optional field (`objective_id`) and is refused (422) for a
/// required one. A patch that changes nothing leaves the version and the history alone.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTask {
    // Required fields are read as Option<Option<…>> only to tell `null` from absent.
    #[serde(
        default,
        deserialize_with = "crate::domain::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Title)]
    pub title: Option<Option<Title>>,
    #[serde(
        default,
        deserialize_with = "crate::domain::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = OutputText)]
    pub expected_output: Option<Option<OutputText>>,
    #[serde(
        default,
        deserialize_with = "crate::domain::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = ReformArea)]
    pub area: Option<Option<ReformArea>>,
    #[serde(
        default,
        deserialize_with = "crate::domain::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub objective_id: Option<Option<ObjectiveId>>,
    /// Replaces the whole list (at most 100; never the lead agency); `[]` empties it.
    #[serde(
        default,
        deserialize_with = "crate::domain::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Vec<uuid::Uuid>, max_items = 100)]
    pub supporting_agency_ids: Option<Option<Vec<AgencyId>>>,
}

impl UpdateTask {
    /// 422 naming every required field the patch sets to `null`.
    fn refuse_removals(&self) -> DomainResult<()> {
        let mut check = Checker::new();
        let removed = [
            ("title", matches!(self.title, Some(None))),
            (
                "expected_output",
                matches!(self.expected_output, Some(None)),
            ),
            ("area", matches!(self.area, Some(None))),
            (
                "supporting_agency_ids",
                matches!(self.supporting_agency_ids, Some(None)),
            ),
        ];
        for (field, _) in removed.iter().filter(|(_, removed)| *removed) {
            check.rule(
                *field,
                "is required and cannot be removed (null); leave it out to keep it",
            );
        }
        check.finish()
    }
}

/// An `If-Match` header, parsed: `*` or a list of entity tags. It compares
/// strongly (RFC 9110): weak tags never match; a list matches if any entry does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Tags(Vec<String>),
}

impl IfMatch {
    pub fn parse(header: &str) -> IfMatch {
        let tags: Vec<&str> = header.split(',').map(str::trim).collect();
        if tags.contains(&"*") {
            return IfMatch::Any;
        }
        IfMatch::Tags(tags.into_iter().map(str::to_string).collect())
    }

    pub fn accepts(&self, id: TaskId, version: i32) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Tags(tags) => tags.iter().any(|tag| *tag == etag(id, version)),
        }
    }
}

/// Changes a task (coordinator) if it is still the version `if_match` names.
/// Without `If-Match` the change is refused (428): two editors must never
/// overwrite each other unknowingly.
pub fn update(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    id: TaskId,
    if_match: Option<&IfMatch>,
    patch: UpdateTask,
) -> DomainResult<Task> {
    actor.may(Action::EditPlan)?;
    let if_match = if_match.ok_or_else(|| {
        DomainError::PreconditionMissing("send If-Match with the task's ETag".into())
    })?;
    patch.refuse_removals()?;
    if patch
        .supporting_agency_ids
        .as_ref()
        .is_some_and(|s| s.as_ref().is_some_and(|s| s.len() > 100))
    {
        return Err(DomainError::field(
            "supporting_agency_ids",
            "at most 100 agencies",
        ));
    }
    let current = store::tasks::find(conn, id)?.ok_or(DomainError::not_found("task"))?;
    if !if_match.accepts(id, current.version) {
        return Err(DomainError::StaleVersion {
            detail: format!(
                "the task has changed since that ETag; its current ETag is {}",
                etag(id, current.version)
            ),
        });
    }
    if let Some(Some(objective)) = patch.objective_id {
        check_objective(conn, objective, current.plan_id)?;
    }
    // Only what differs from the stored task counts as a change.
    let supporting = match &patch.supporting_agency_ids {
        Some(Some(ids)) => {
            let wanted = check_supporting(conn, current.lead_agency_id, ids)?;
            let stored = store::tasks::supporting_agency_ids(conn, id)?;
            let added: Vec<AgencyId> = wanted
                .iter()
                .filter(|a| !stored.contains(a))
                .copied()
                .collect();
            check_in_being(conn, "supporting_agency_ids", &added, current.due_on)?;
            let same = wanted.len() == stored.len() && wanted.iter().all(|a| stored.contains(a));
            (!same).then_some(wanted)
        }
        _ => None,
    };
    let title = patch
        .title
        .clone()
        .flatten()
        .map(|t| t.to_string())
        .filter(|t| *t != current.title);
    let expected_output = patch
        .expected_output
        .clone()
        .flatten()
        .map(|o| o.to_string())
        .filter(|o| *o != current.expected_output);
    let area = patch.area.flatten().filter(|a| *a != current.area);
    let objective_id = patch.objective_id.filter(|o| *o != current.objective_id);
    let changed = title.is_some()
        || expected_output.is_some()
        || area.is_some()
        || objective_id.is_some()
        || supporting.is_some();
    if !changed {
        return get(conn, id, actor.today(), Keeping::Today(actor.today()));
    }
    let search = search_text(
        &current.code,
        title.as_deref().unwrap_or(&current.title),
        expected_output
            .as_deref()
            .unwrap_or(&current.expected_output),
    );
    let changes = TaskChangeset {
        title,
        area,
        objective_id,
        expected_output,
        search_text: Some(search),
        ..Default::default()
    };
    let row = store::tasks::update_versioned(conn, id, current.version, &changes, actor.now)?
        .ok_or_else(|| DomainError::StaleVersion {
            detail: "the task was changed by someone else meanwhile".into(),
        })?;
    if let Some(ids) = &supporting {
        store::tasks::set_supporting_agencies(conn, id, ids)?;
    }
    let patch = super::merge_patch(&patch);
    audit::record(
        conn,
        actor.principal.user_id,
        row.updated_at,
        &Event::TaskUpdated { task: id, patch },
    )?;
    get(conn, id, actor.today(), Keeping::Today(actor.today()))
}

/// Locks a task for a workflow step, or `NotFound`.
pub(super) fn lock(conn: &mut PgConnection, id: TaskId) -> DomainResult<store::tasks::TaskRow> {
    store::tasks::find_for_update(conn, id)?.ok_or(DomainError::not_found("task"))
}

/// Writes a workflow step's changes to a task locked by `lock`.
pub(super) fn apply(
    conn: &mut PgConnection,
    task: &store::tasks::TaskRow,
    changes: &TaskChangeset,
    now: DateTime<Utc>,
) -> DomainResult<store::tasks::TaskRow> {
    store::tasks::update_versioned(conn, task.id, task.version, changes, now)?
        .ok_or(DomainError::Conflict(Conflict::ConcurrentChange))
}

/// Which tasks a list shows; every filter is optional and they combine with AND.
#[derive(Debug, Clone)]
pub struct TaskQuery {
    pub as_of: NaiveDate,
    pub plan_id: Option<PlanId>,
    pub area: Option<ReformArea>,
    pub objective_id: Option<ObjectiveId>,
    pub agency: Option<(AgencyId, AgencyRole)>,
    /// With `agency`: also the tasks of the agencies it succeeded (live lists).
    pub include_predecessors: bool,
    pub status: Option<TaskStatus>,
    pub overdue: Option<bool>,
    pub at_risk_days: Option<i32>,
    pub due_before: Option<NaiveDate>,
    pub due_after: Option<NaiveDate>,
    /// Words to find, as typed; folded here.
    pub words: Option<String>,
    pub sort: TaskSort,
    /// Whether reading the list keeps the standings it computes: only lists
    /// read on their own (a page asked for today), never inside longer work.
    pub keeping: Keeping,
}

impl TaskQuery {
    /// Every task of a plan as of a day, in `sort` order.
    pub fn of_plan(plan_id: PlanId, as_of: NaiveDate, sort: TaskSort) -> TaskQuery {
        TaskQuery {
            as_of,
            plan_id: Some(plan_id),
            area: None,
            objective_id: None,
            agency: None,
            include_predecessors: false,
            status: None,
            overdue: None,
            at_risk_days: None,
            due_before: None,
            due_after: None,
            words: None,
            sort,
            keeping: Keeping::Never,
        }
    }

    /// The store's filter for this query.
    pub fn filter(&self) -> TaskFilter {
        let query = self;
        TaskFilter {
            as_of: query.as_of,
            plan_id: query.plan_id,
            area: query.area,
            objective_id: query.objective_id,
            agency: query.agency,
            status: query.status,
            overdue: query.overdue,
            at_risk_days: query.at_risk_days,
            due_before: query.due_before,
            due_after: query.due_after,
            search_pattern: query
                .words
                .as_deref()
                .map(fold)
                .filter(|f| !f.is_empty())
                .map(|f| crate::domain::search::like_pattern(&f)),
            ids: None,
            predecessors: Vec::new(),
        }
    }
}

/// Where a page of tasks ends: the last row's sort key and id.
pub type TaskPosition = After<TaskKey, TaskId>;

/// One page of tasks after `after`.
pub fn list(
    conn: &mut PgConnection,
    query: &TaskQuery,
    after: Option<&TaskPosition>,
    limit: i64,
) -> DomainResult<Page<Task, TaskPosition>> {
    if after.is_some_and(|a| !a.key.fits(query.sort)) {
        return Err(DomainError::unprocessable_as(
            crate::domain::error::ProblemType::InvalidCursor,
            "cursor",
            "is not a cursor returned by this list",
        ));
    }
    let mut filter = query.filter();
    if let (true, Some((agency, _))) = (query.include_predecessors, query.agency) {
        filter.predecessors = store::reorganisations::predecessors_of(conn, agency)?;
    }
    let mut rows = store::tasks::list_view(
        conn,
        &filter,
        query.sort,
        after,
        Some(limit + 1),
        query.keeping,
    )?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = match rows.last() {
        Some(last) if more => Some(After {
            key: TaskKey::of(last, query.sort),
            id: last.task.id,
        }),
        _ => None,
    };
    Ok(Page {
        items: to_tasks(rows, query.as_of)?,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_compares_strongly_and_accepts_lists() {
        let id = TaskId::new();
        let other = TaskId::new();
        assert!(IfMatch::parse(&format!("\"{id}-3\"")).accepts(id, 3));
        assert!(!IfMatch::parse(&format!("\"{id}-3\"")).accepts(id, 4));
        assert!(
            !IfMatch::parse(&format!("W/\"{id}-3\"")).accepts(id, 3),
            "weak tags never match"
        );
        assert!(
            IfMatch::parse(&format!("\"{other}-3\", \"{id}-3\"")).accepts(id, 3),
            "any entry of a list"
        );
        assert!(!IfMatch::parse(&format!("\"{other}-3\"")).accepts(id, 3));
        assert!(IfMatch::parse("*").accepts(id, 9));
        assert!(!IfMatch::parse("garbage").accepts(id, 3));
    }
}
