use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Date, Integer, Text, Timestamptz, Uuid as SqlUuid};
use serde::{Deserialize, Serialize};

use super::prepared::Prepared;
use super::After;
use crate::db::schema::{agencies, task_supporting_agencies, tasks};
use crate::domain::enums::{AgencyRole, DeadlineKind, ReformArea, TaskSort, TaskStatus};
use crate::domain::ids::{AgencyId, ObjectiveId, PeriodId, PlanId, TaskId, UserId};
use crate::store::periods::FrozenTaskRow;
use crate::store::users::{AccountState, ACCOUNT_STATE_COLUMNS};

#[derive(Debug, Clone, PartialEq, Queryable, QueryableByName, Selectable, Identifiable)]
#[diesel(table_name = tasks)]
pub struct TaskRow {
    pub id: TaskId,
    pub plan_id: PlanId,
    pub code: String,
    pub title: String,
    pub area: ReformArea,
    pub objective_id: Option<ObjectiveId>,
    pub lead_agency_id: AgencyId,
    pub deadline_kind: DeadlineKind,
    pub deadline_value: Option<String>,
    pub deadline_label: String,
    pub original_due_on: NaiveDate,
    pub due_on: NaiveDate,
    pub expected_output: String,
    pub status: TaskStatus,
    pub progress_percent: i16,
    pub completed_on: Option<NaiveDate>,
    pub search_text: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tasks)]
pub struct NewTask<'a> {
    pub id: TaskId,
    pub plan_id: PlanId,
    pub code: &'a str,
    pub title: &'a str,
    pub area: ReformArea,
    pub objective_id: Option<ObjectiveId>,
    pub lead_agency_id: AgencyId,
    pub deadline_kind: DeadlineKind,
    pub deadline_value: Option<&'a str>,
    pub deadline_label: &'a str,
    pub original_due_on: NaiveDate,
    pub due_on: NaiveDate,
    pub expected_output: &'a str,
    pub status: TaskStatus,
    pub progress_percent: i16,
    pub completed_on: Option<NaiveDate>,
    pub search_text: &'a str,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Every change bumps `version` and `updated_at` (see `update_versioned`).
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = tasks)]
pub struct TaskChangeset {
    pub title: Option<String>,
    pub area: Option<ReformArea>,
    pub objective_id: Option<Option<ObjectiveId>>,
    pub expected_output: Option<String>,
    pub status: Option<TaskStatus>,
    pub progress_percent: Option<i16>,
    pub completed_on: Option<Option<NaiveDate>>,
    pub due_on: Option<NaiveDate>,
    pub search_text: Option<String>,
}

/// A task as read through the API: its row, its lead agency, and its standing as of a day.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct TaskViewRow {
    #[diesel(embed)]
    pub task: TaskRow,
    #[diesel(sql_type = Text)]
    pub lead_code: String,
    #[diesel(sql_type = Text)]
    pub lead_name: String,
    /// The due date in force on the as-of day.
    #[diesel(sql_type = Date)]
    pub effective_due_on: NaiveDate,
    /// 0 when not overdue on the as-of day.
    #[diesel(sql_type = Integer)]
    pub days_overdue: i32,
    /// `[{id, code, name}]`, by code: JSON text, read straight into its
    /// type (not through `serde_json::Value`, whose maps cost a page of tasks
    /// more than the rest of it).
    #[diesel(sql_type = Text)]
    pub supporting: String,
    /// The status on the as-of day (see `STATUS_AS_OF`).
    #[diesel(sql_type = Text)]
    pub status_as_of: TaskStatus,
    /// The progress on the as-of day.
    #[diesel(sql_type = diesel::sql_types::SmallInt)]
    pub progress_as_of: i16,
    /// `{id, completed_on, created_at, author: {id, display_name}}` of the
    /// claim awaiting review now, or `null`.
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub pending_claim: Option<String>,
    /// `{id, requested_due_on, created_at, author: {id, display_name}}` of
    /// the extension request awaiting a decision now, or `null`.
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub pending_extension_request: Option<String>,
}

#[derive(Debug, Clone, Queryable)]
pub struct AgencyRef {
    pub task_id: TaskId,
    pub id: AgencyId,
    pub code: String,
    pub name: String,
}

/// Filters of the task list; all optional and combinable.
#[derive(Debug, Clone)]
pub struct TaskFilter {
    pub as_of: NaiveDate,
    pub plan_id: Option<PlanId>,
    pub area: Option<ReformArea>,
    pub objective_id: Option<ObjectiveId>,
    pub agency: Option<(AgencyId, AgencyRole)>,
    pub status: Option<TaskStatus>,
    pub overdue: Option<bool>,
    pub at_risk_days: Option<i32>,
    pub due_before: Option<NaiveDate>,
    pub due_after: Option<NaiveDate>,
    /// A LIKE pattern over the folded search text.
    pub search_pattern: Option<String>,
    pub ids: Option<Vec<TaskId>>,
    /// With `agency`: its predecessors too (live tasks only).
    pub predecessors: Vec<AgencyId>,
}

impl TaskFilter {
    pub fn as_of(as_of: NaiveDate) -> TaskFilter {
        TaskFilter {
            as_of,
            plan_id: None,
            area: None,
            objective_id: None,
            agency: None,
            status: None,
            overdue: None,
            at_risk_days: None,
            due_before: None,
            due_after: None,
            search_pattern: None,
            ids: None,
            predecessors: Vec::new(),
        }
    }
}

/// Builds SQL with numbered placeholders; `$1` is always the as-of date.
struct Sql {
    query: BoxedSqlQuery<'static, Pg, SqlQuery>,
    next: usize,
}

impl Sql {
    fn new(as_of: NaiveDate, head: &str) -> Sql {
        Sql {
            query: diesel::sql_query(head).into_boxed().bind::<Date, _>(as_of),
            next: 2,
        }
    }
    fn push(&mut self, text: &str) {
        let q = std::mem::replace(&mut self.query, diesel::sql_query("").into_boxed());
        self.query = q.sql(text);
    }
    fn placeholder(&mut self) -> String {
        let p = format!("${}", self.next);
        self.next += 1;
        p
    }
    fn uuid(&mut self, text_before: &str, v: uuid::Uuid, text_after: &str) {
        let p = self.placeholder();
        self.push(&format!("{text_before}{p}{text_after}"));
        let q = std::mem::replace(&mut self.query, diesel::sql_query("").into_boxed());
        self.query = q.bind::<SqlUuid, _>(v);
    }
    fn text(&mut self, text_before: &str, v: String, text_after: &str) {
        let p = self.placeholder();
        self.push(&format!("{text_before}{p}{text_after}"));
        let q = std::mem::replace(&mut self.query, diesel::sql_query("").into_boxed());
        self.query = q.bind::<Text, _>(v);
    }
    fn date(&mut self, text_before: &str, v: NaiveDate, text_after: &str) {
        let p = self.placeholder();
        self.push(&format!("{text_before}{p}{text_after}"));
        let q = std::mem::replace(&mut self.query, diesel::sql_query("").into_boxed());
        self.query = q.bind::<Date, _>(v);
    }
    fn timestamp(&mut self, text_before: &str, v: DateTime<Utc>, text_after: &str) {
        let p = self.placeholder();
        self.push(&format!("{text_before}{p}{text_after}"));
        let q = std::mem::replace(&mut self.query, diesel::sql_query("").into_boxed());
        self.query = q.bind::<Timestamptz, _>(v);
    }
    fn int(&mut self, text_before: &str, v: i32, text_after: &str) {
        let p = self.placeholder();
        self.push(&format!("{text_before}{p}{text_after}"));
        let q = std::mem::replace(&mut self.query, diesel::sql_query("").into_boxed());
        self.query = q.bind::<Integer, _>(v);
    }
}

/// Whether the kept standing `x` holds on $1: filled from the task as it is
/// (`basis` has not moved since), under today's agency and display names
/// (`epoch`), for a span of days that takes in $1.
macro_rules! standing_holds {
    () => {
        "x.filled_basis = x.basis AND x.epoch = (SELECT e.epoch FROM standing_epoch e)
    AND x.from_on <= $1 AND (x.until_on IS NULL OR $1 < x.until_on)"
    };
}

/// The kept standings of the page's rows (`standing`), each with the basis
/// this statement saw and whether it holds on $1 (a task without a row, none).
const STANDING_OF_PAGE: &str = concat!(
    "SELECT p.id AS task_id, COALESCE(x.basis, 0) AS basis, COALESCE(",
    standing_holds!(),
    ", false) AS holds,
       x.supporting, x.status_as_of, x.progress_as_of, x.pending_claim, x.pending_extension_request
  FROM page p LEFT JOIN task_standing x ON x.task_id = p.id"
);

/// Days overdue on $1, 0 when not overdue: of `t` (a task) with `x.effective_due_on`,
/// the due date in force on $1. A macro, to be written into the view and into
/// the kept standing's statement alike (`concat!` takes only literals).
macro_rules! days_overdue {
    () => {
        "CASE WHEN t.status = 'cancelled'
                OR (t.status = 'completed' AND t.completed_on <= $1)
                OR x.effective_due_on >= $1
              THEN 0 ELSE ($1 - x.effective_due_on) END"
    };
}

/// The name each agency renamed after $1 had on $1: the earliest of its past
/// names still in force then. Gathered once per statement from the renames
/// after $1 (fewest for today, the day most lists are read), not looked up
/// per row; an agency not in it has its name now. (Gathered over all agencies
/// it cost 35 ms a list at 10,000 agencies.)
const NAMES_AS_OF: &str = "names_as_of AS MATERIALIZED (
  SELECT DISTINCT ON (n.agency_id) n.agency_id, n.name FROM agency_names n
  WHERE n.valid_to > $1 ORDER BY n.agency_id, n.valid_to)";

// The lead agency on $1: the agency a reorganisation effective after $1 took
// the lead from (the earliest such), else the lead now; under its name on $1.
// The moves after $1 are gathered once (`OFFSET 0` keeps them a set of their
// own, hashed) rather than looked up per task: there are few, and fewest
// for today, the day most lists are read.
// The due date in force on $1: the latest extension approved on or before
// that day, else the original date. Extensions only move a date later, so
// `original_due_on < $1` is a necessary (and indexed) condition for overdue.
// Needs `NAMES_AS_OF` in the statement.
const VIEW_HEAD: &str = concat!(
    "SELECT v.* FROM (
  SELECT t.id, t.plan_id, t.code, t.title, t.area, t.objective_id, la.id AS lead_agency_id,
         t.deadline_kind, t.deadline_value, t.deadline_label, t.original_due_on, t.due_on,
         t.expected_output, t.status, t.progress_percent, t.completed_on, t.search_text,
         t.version, t.created_at, t.updated_at,
         la.code AS lead_code, COALESCE(nm.name, la.name) AS lead_name, x.effective_due_on,
         ",
    days_overdue!(),
    " AS days_overdue
  FROM tasks t
  LEFT JOIN (
    SELECT DISTINCT ON (m.task_id) m.task_id, m.from_agency_id FROM task_agency_moves m
    WHERE m.role = 'lead' AND m.effective_on > $1
    ORDER BY m.task_id, m.effective_on OFFSET 0
  ) mv ON mv.task_id = t.id
  JOIN agencies la ON la.id = COALESCE(mv.from_agency_id, t.lead_agency_id)
  LEFT JOIN names_as_of nm ON nm.agency_id = la.id
  CROSS JOIN LATERAL (
    SELECT COALESCE((SELECT e.requested_due_on FROM extension_requests e
                     WHERE e.task_id = t.id AND e.status = 'approved' AND e.decided_on <= $1
                     ORDER BY e.decided_on DESC, e.decided_at DESC LIMIT 1),
                    t.original_due_on) AS effective_due_on
  ) x
  WHERE TRUE"
);

/// The task's status on $1 (the as-of day), from what is dated: completed
/// on or before it; a claim filed and not yet decided then; a report by the
/// lead agency, or a claim returned, by then; else not started. A
/// cancellation carries no date and shows as it is today. (Dates of
/// timestamps are province days, UTC+7.)
const STATUS_AS_OF: &str = concat!(
    "CASE
    WHEN p.status = 'cancelled' THEN 'cancelled'
    WHEN p.completed_on IS NOT NULL AND p.completed_on <= $1 THEN 'completed'
    WHEN EXISTS (SELECT 1 FROM completion_claims c WHERE c.task_id = p.id
                   AND c.created_at < ",
    day_ends!(1),
    "
                   AND (c.reviewed_at IS NULL OR c.reviewed_at >= ",
    day_ends!(1),
    "))
      THEN 'submitted'
    WHEN EXISTS (SELECT 1 FROM progress_reports r WHERE r.task_id = p.id AND r.agency_id = p.lead_agency_id
                   AND r.created_at < ",
    day_ends!(1),
    ")
      OR EXISTS (SELECT 1 FROM completion_claims c WHERE c.task_id = p.id
                   AND c.created_at < ",
    day_ends!(1),
    ")
      THEN 'in_progress'
    ELSE 'not_started' END"
);

/// The task's progress on $1: 100 once completed, else the lead agency's
/// latest report by then, else 0.
const PROGRESS_AS_OF: &str = concat!(
    "CASE
    WHEN p.status <> 'cancelled' AND p.completed_on IS NOT NULL AND p.completed_on <= $1 THEN 100::int2
    ELSE COALESCE((SELECT r.progress_percent FROM progress_reports r
                   WHERE r.task_id = p.id AND r.agency_id = p.lead_agency_id
                     AND r.created_at < ",
    day_ends!(1),
    "
                   ORDER BY r.created_at DESC, r.id DESC LIMIT 1), 0::int2) END"
);

/// The supporting agencies on $1 of every task of the page not read from its
/// kept standing (`unkept`), as a JSON array
/// per task, ordered by code, each under the name it had that day: today's,
/// with the predecessors of supporting roles handed on after $1 put back and
/// the successors that joined by them taken out. One pass for the whole page
/// (a subquery per task cost more than the rest of the page together).
const SUPPORTING_OF_PAGE: &str = "SELECT x.task_id,
        json_agg(json_build_object('id', a.id, 'code', a.code, 'name', COALESCE(nm.name, a.name))
                 ORDER BY a.code) AS supporting
    FROM (SELECT s.task_id, s.agency_id FROM task_supporting_agencies s WHERE s.task_id IN (SELECT id FROM unkept)
          UNION SELECT m.task_id, m.from_agency_id FROM task_agency_moves m
                WHERE m.task_id IN (SELECT id FROM unkept) AND m.role = 'supporting' AND m.effective_on > $1) x
    JOIN agencies a ON a.id = x.agency_id
    LEFT JOIN names_as_of nm ON nm.agency_id = a.id
    WHERE NOT EXISTS (SELECT 1 FROM task_agency_moves j WHERE j.task_id = x.task_id AND j.role = 'supporting'
                        AND j.joined AND j.to_agency_id = x.agency_id AND j.effective_on > $1)
    GROUP BY x.task_id";

/// The claim awaiting review now, as JSON (`null` when none). The workflow
/// allows one at a time (a claim moves the task to `submitted`); the latest
/// is taken should the data say otherwise.
const PENDING_CLAIM: &str = "(SELECT json_build_object('id', c.id, 'completed_on', c.completed_on, 'created_at', c.created_at,
        'author', json_build_object('id', u.id, 'display_name', u.display_name))
    FROM completion_claims c JOIN users u ON u.id = c.author_id
    WHERE c.task_id = p.id AND c.status = 'pending' ORDER BY c.created_at DESC, c.id DESC LIMIT 1)";

/// The extension request awaiting a decision now, as JSON (`null` when
/// none); a unique partial index allows one per task.
const PENDING_EXTENSION: &str = "(SELECT json_build_object('id', e.id, 'requested_due_on', e.requested_due_on, 'created_at', e.created_at,
        'author', json_build_object('id', u.id, 'display_name', u.display_name))
    FROM extension_requests e JOIN users u ON u.id = e.requested_by
    WHERE e.task_id = p.id AND e.status = 'pending')";

/// Tasks matching `filter`, in `sort` order after `after`, at most `limit`
/// (all when `None`), with their supporting agencies and pending claim and
/// extension request: one prepared statement. Each row's standing is read
/// from its kept standing where that holds, and kept where it did not when
/// `keeping` is today and the list is read as of today.
pub fn list_view(
    conn: &mut PgConnection,
    filter: &TaskFilter,
    sort: TaskSort,
    after: Option<&After<TaskKey, TaskId>>,
    limit: Option<i64>,
    keeping: Keeping,
) -> QueryResult<Vec<TaskViewRow>> {
    list_view_from(conn, Source::Live(keeping), filter, sort, after, limit)
}

/// `list_view`, always computed through the view (what kept standings must
/// agree with).
pub fn list_view_computed(
    conn: &mut PgConnection,
    filter: &TaskFilter,
    sort: TaskSort,
    after: Option<&After<TaskKey, TaskId>>,
    limit: Option<i64>,
) -> QueryResult<Vec<TaskViewRow>> {
    list_view_from(conn, Source::Computed, filter, sort, after, limit)
}

fn list_view_from(
    conn: &mut PgConnection,
    source: Source,
    filter: &TaskFilter,
    sort: TaskSort,
    after: Option<&After<TaskKey, TaskId>>,
    limit: Option<i64>,
) -> QueryResult<Vec<TaskViewRow>> {
    let query = if matches!(source, Source::Live(Keeping::Today(day)) if day == filter.as_of) {
        view_query(
            "WITH v AS MATERIALIZED (",
            source,
            filter,
            sort,
            after,
            limit,
        )
        .sql(KEEP_PAGE)
    } else {
        view_query("", source, filter, sort, after, limit)
    };
    let query = Prepared(query);
    let rows: Vec<TaskViewRow> = if filter.search_pattern.is_some() {
        // How many tasks a search matches depends on its words (a task code,
        // one in a million; a common word, one in a hundred), and the best
        // plan with it: planned for the words each time, at the cost of
        // planning and of a transaction (or savepoint) to scope the setting.
        conn.transaction(|conn| {
            diesel::sql_query("SET LOCAL plan_cache_mode = force_custom_plan").execute(conn)?;
            query.load(conn)
        })?
    } else {
        query.load(conn)?
    };
    Ok(keep_page(rows, limit))
}

/// The rows a page of `limit` may hold, from 1 to 10,000.
fn page_size(limit: i64) -> i64 {
    limit.clamp(1, 10_000)
}

/// `rows` cut to the page asked for (the statement fetched one of a few
/// sizes, see `rows_to_fetch`); all of them when no limit was asked.
fn keep_page<T>(mut rows: Vec<T>, limit: Option<i64>) -> Vec<T> {
    if let Some(limit) = limit {
        rows.truncate(page_size(limit) as usize);
    }
    rows
}

/// The `LIMIT` written into a task view statement for a page of `limit` rows:
/// one of a few sizes, at most twice what was asked.
fn rows_to_fetch(limit: i64) -> i64 {
    const SIZES: [i64; 9] = [1, 2, 11, 21, 51, 101, 201, 501, 1001];
    let limit = page_size(limit);
    SIZES
        .into_iter()
        .find(|&size| size >= limit)
        .unwrap_or(limit)
}

/// Where the task view reads from.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// The tasks as they are, judged as of the filter's day: the standing of
    /// each row of the page from its kept standing where that holds on the
    /// day (and, with `Keeping::Today` of the day, kept where it did not),
    /// else computed.
    Live(Keeping),
    /// The same, always computed: what kept standings must agree with.
    Computed,
    /// A closed period's copy (`period_tasks`), taken on its `data_to`.
    Frozen(PeriodId),
}

/// The same list as `list_view`, over a closed period's frozen copy: the same
/// filters, orders and keyset, nothing recomputed.
pub fn list_frozen(
    conn: &mut PgConnection,
    period: PeriodId,
    filter: &TaskFilter,
    sort: TaskSort,
    after: Option<&After<TaskKey, TaskId>>,
    limit: Option<i64>,
) -> QueryResult<Vec<FrozenTaskRow>> {
    let source = Source::Frozen(period);
    let rows = Prepared(view_query("", source, filter, sort, after, limit)).load(conn)?;
    Ok(keep_page(rows, limit))
}

#[derive(Debug, QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

/// PostgreSQL's plan (EXPLAIN ANALYZE) of the `list_view` query, for the scale check.
pub fn explain_view(
    conn: &mut PgConnection,
    filter: &TaskFilter,
    sort: TaskSort,
    after: Option<&After<TaskKey, TaskId>>,
    limit: Option<i64>,
) -> QueryResult<Vec<String>> {
    let lines: Vec<PlanLine> = view_query(
        "EXPLAIN (ANALYZE, BUFFERS) ",
        Source::Live(Keeping::Never),
        filter,
        sort,
        after,
        limit,
    )
    .load(conn)?;
    Ok(lines.into_iter().map(|l| l.line).collect())
}

fn view_query(
    prefix: &str,
    source: Source,
    filter: &TaskFilter,
    sort: TaskSort,
    after: Option<&After<TaskKey, TaskId>>,
    limit: Option<i64>,
) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
    // The page is chosen first; its rows' supporting agencies and pending
    // requests are gathered after, for those rows only, in the same
    // statement. A frozen copy has its standing already, under the same names;
    // what was pending then is not kept (the period shows status as of data_to).
    let head = match source {
        Source::Live(_) | Source::Computed => {
            format!("{prefix}WITH {NAMES_AS_OF}, page AS MATERIALIZED ({VIEW_HEAD}")
        }
        Source::Frozen(_) => format!(
            // (`supporting` is a json column, which PostgreSQL sends as its text)
            "{prefix}SELECT p.*, NULL::text AS pending_claim, NULL::text AS pending_extension_request \
             FROM (SELECT v.* FROM (SELECT t.* FROM period_tasks t WHERE TRUE"
        ),
    };
    let mut sql = Sql::new(filter.as_of, &head);
    let mut outer_agency: Option<String> = None;
    if let Source::Frozen(period) = source {
        sql.uuid(" AND t.period_id = ", period.0, "");
    }
    if let Some(plan) = filter.plan_id {
        sql.uuid(" AND t.plan_id = ", plan.0, "");
    }
    if let Some(area) = &filter.area {
        sql.text(" AND t.area = ", area.as_str().to_string(), "");
    }
    if let Some(objective) = filter.objective_id {
        sql.uuid(" AND t.objective_id = ", objective.0, "");
    }
    if let Some(ids) = &filter.ids {
        let p = sql.placeholder();
        sql.push(&format!(" AND t.id = ANY({p})"));
        let q = std::mem::replace(&mut sql.query, diesel::sql_query("").into_boxed());
        sql.query = q.bind::<diesel::sql_types::Array<SqlUuid>, _>(
            ids.iter().map(|i| i.0).collect::<Vec<_>>(),
        );
    }
    if let (Some((AgencyId(agency), role)), Source::Frozen(_)) = (filter.agency, source) {
        // The copy has each task's agencies as they were on data_to: the
        // agency, and when asked its predecessors, among them.
        let mut ids = vec![agency];
        ids.extend(filter.predecessors.iter().map(|a| a.0));
        let p = sql.placeholder();
        sql.push(&match role {
            AgencyRole::Lead => format!(" AND t.lead_agency_id = ANY({p})"),
            AgencyRole::Supporting => format!(" AND t.supporting_agency_ids && {p}"),
            AgencyRole::Any => {
                format!(" AND (t.lead_agency_id = ANY({p}) OR t.supporting_agency_ids && {p})")
            }
        });
        let q = std::mem::replace(&mut sql.query, diesel::sql_query("").into_boxed());
        sql.query = q.bind::<diesel::sql_types::Array<SqlUuid>, _>(ids);
    } else if let Some((AgencyId(agency), role)) = filter.agency {
        // The agency and, when asked, its predecessors. A task counts as led
        // by the agency that led it on $1: one whose lead passed on after $1
        // is found through the moves, and the outer query keeps the tasks
        // whose lead on $1 is among them.
        let mut ids = vec![agency];
        ids.extend(filter.predecessors.iter().map(|a| a.0));
        let p = sql.placeholder();
        let q = std::mem::replace(&mut sql.query, diesel::sql_query("").into_boxed());
        sql.query = q.bind::<diesel::sql_types::Array<SqlUuid>, _>(ids);
        let moved = format!(
            "SELECT m.task_id FROM task_agency_moves m WHERE m.role = 'lead' \
             AND m.from_agency_id = ANY({p}) AND m.effective_on > $1"
        );
        // Supporting on $1, as `SUPPORTING_OF_PAGE` tells it.
        let joined_later = "SELECT 1 FROM task_agency_moves j WHERE j.role = 'supporting' \
                            AND j.joined AND j.effective_on > $1";
        let supports = format!(
            "SELECT s.task_id FROM task_supporting_agencies s WHERE s.agency_id = ANY({p}) \
             AND NOT EXISTS ({joined_later} AND j.task_id = s.task_id AND j.to_agency_id = s.agency_id) \
             UNION SELECT m.task_id FROM task_agency_moves m WHERE m.role = 'supporting' \
             AND m.from_agency_id = ANY({p}) AND m.effective_on > $1 \
             AND NOT EXISTS ({joined_later} AND j.task_id = m.task_id AND j.to_agency_id = m.from_agency_id)"
        );
        match role {
            AgencyRole::Lead => {
                sql.push(&format!(
                    " AND t.id IN (SELECT l.id FROM tasks l WHERE l.lead_agency_id = ANY({p}) UNION {moved})"
                ));
                outer_agency = Some(format!(" AND v.lead_agency_id = ANY({p})"));
            }
            AgencyRole::Supporting => sql.push(&format!(" AND t.id IN ({supports})")),
            // A UNION of the indexed sets, not an OR: with OR the planner
            // walks every task (measured: 1 s at a million tasks, 8 ms this way).
            AgencyRole::Any => {
                sql.push(&format!(
                    " AND t.id IN (SELECT l.id FROM tasks l WHERE l.lead_agency_id = ANY({p}) \
                     UNION {moved} UNION {supports})"
                ));
                outer_agency = Some(format!(
                    " AND (v.lead_agency_id = ANY({p}) OR v.id IN ({supports}))"
                ));
            }
        }
    }
    if let Some(status) = &filter.status {
        sql.text(" AND t.status = ", status.as_str().to_string(), "");
    }
    if let Some(d) = filter.due_before {
        sql.date(" AND t.due_on <= ", d, "");
    }
    if let Some(d) = filter.due_after {
        sql.date(" AND t.due_on >= ", d, "");
    }
    if let Some(pattern) = &filter.search_pattern {
        sql.text(" AND t.search_text LIKE ", pattern.clone(), "");
    }
    let open_on_as_of =
        " AND t.status <> 'cancelled' AND NOT (t.status = 'completed' AND t.completed_on <= $1)";
    if filter.overdue == Some(true) {
        sql.push(open_on_as_of);
        sql.push(" AND t.original_due_on < $1");
    }
    if filter.at_risk_days.is_some() {
        sql.push(open_on_as_of);
    }
    sql.push(") v WHERE TRUE");
    if let Some(clause) = &outer_agency {
        sql.push(clause);
    }
    match filter.overdue {
        Some(true) => sql.push(" AND v.days_overdue > 0"),
        Some(false) => sql.push(" AND v.days_overdue = 0"),
        None => {}
    }
    if let Some(days) = filter.at_risk_days {
        sql.int(
            " AND v.effective_due_on >= $1 AND v.effective_due_on <= $1 + ",
            days,
            "",
        );
    }
    let (column, descending) = match sort {
        TaskSort::DueOn => ("v.due_on", false),
        TaskSort::DueOnDesc => ("v.due_on", true),
        TaskSort::Code => ("v.code", false),
        TaskSort::UpdatedAtDesc => ("v.updated_at", true),
        TaskSort::DaysOverdueDesc => ("v.days_overdue", true),
    };
    if let Some(a) = after {
        let op = if descending { "<" } else { ">" };
        let before = format!(" AND ({column}, v.id) {op} (");
        // The key is bound with its own SQL type: nothing is cast from text.
        match &a.key {
            TaskKey::DueOn(d) => sql.date(&before, *d, ", "),
            TaskKey::Code(c) => sql.text(&before, c.clone(), ", "),
            TaskKey::UpdatedAt(t) => sql.timestamp(&before, *t, ", "),
            TaskKey::DaysOverdue(n) => sql.int(&before, *n, ", "),
        }
        sql.uuid("", a.id.0, ")");
    }
    let dir = if descending { "DESC" } else { "ASC" };
    sql.push(&format!(" ORDER BY {column} {dir}, v.id {dir}"));
    if let Some(limit) = limit {
        // Written in, not bound: a statement planned once (see
        // `db::GenericPlans`) cannot see a bound `LIMIT $n`, and PostgreSQL
        // then costs the page as a large share of the table. Page sizes are
        // rounded up to a few sizes, so that a handful of statement texts
        // serve them all (`keep_page` cuts the extra rows).
        sql.push(&format!(" LIMIT {}", rows_to_fetch(limit)));
    }
    let outer = column.replacen("v.", "p.", 1);
    match source {
        // A row whose kept standing holds takes it from there; the others
        // are computed (a CASE evaluates only the branch it takes).
        Source::Live(_) => sql.push(&format!(
            "), standing AS MATERIALIZED ({STANDING_OF_PAGE}), \
             unkept AS MATERIALIZED (SELECT k.task_id AS id FROM standing k WHERE NOT k.holds), \
             supporting AS ({SUPPORTING_OF_PAGE}) \
             SELECT p.*, k.basis AS standing_basis, k.holds AS standing_holds, \
             CASE WHEN k.holds THEN k.supporting \
                  ELSE COALESCE(sp.supporting, '[]'::json)::text END AS supporting, \
             CASE WHEN k.holds THEN k.status_as_of ELSE {STATUS_AS_OF} END AS status_as_of, \
             CASE WHEN k.holds THEN k.progress_as_of ELSE {PROGRESS_AS_OF} END AS progress_as_of, \
             CASE WHEN k.holds THEN k.pending_claim ELSE {PENDING_CLAIM}::text END AS pending_claim, \
             CASE WHEN k.holds THEN k.pending_extension_request \
                  ELSE {PENDING_EXTENSION}::text END AS pending_extension_request \
             FROM page p JOIN standing k ON k.task_id = p.id \
             LEFT JOIN supporting sp ON sp.task_id = p.id \
             ORDER BY {outer} {dir}, p.id {dir}"
        )),
        Source::Computed => sql.push(&format!(
            "), unkept AS (SELECT id FROM page), supporting AS ({SUPPORTING_OF_PAGE}) \
             SELECT p.*, COALESCE(sp.supporting, '[]'::json)::text AS supporting, \
             {STATUS_AS_OF} AS status_as_of, {PROGRESS_AS_OF} AS progress_as_of, \
             {PENDING_CLAIM}::text AS pending_claim, \
             {PENDING_EXTENSION}::text AS pending_extension_request \
             FROM page p LEFT JOIN supporting sp ON sp.task_id = p.id \
             ORDER BY {outer} {dir}, p.id {dir}"
        )),
        Source::Frozen(_) => sql.push(&format!(") p ORDER BY {outer} {dir}, p.id {dir}")),
    }
    sql.query
}

/// A task list's keyset position: the last row's sort key, in its own type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKey {
    DueOn(NaiveDate),
    Code(String),
    UpdatedAt(DateTime<Utc>),
    DaysOverdue(i32),
}

impl TaskKey {
    /// The key of `row` in `sort` order.
    pub fn of(row: &TaskViewRow, sort: TaskSort) -> TaskKey {
        match sort {
            TaskSort::DueOn | TaskSort::DueOnDesc => TaskKey::DueOn(row.task.due_on),
            TaskSort::Code => TaskKey::Code(row.task.code.clone()),
            TaskSort::UpdatedAtDesc => TaskKey::UpdatedAt(row.task.updated_at),
            TaskSort::DaysOverdueDesc => TaskKey::DaysOverdue(row.days_overdue),
        }
    }

    /// Whether `sort` could have produced this key. Cursors are opaque but not
    /// signed: a forged one is refused here, before any query.
    pub fn fits(&self, sort: TaskSort) -> bool {
        use chrono::Datelike;
        let year_ok = |y: i32| (1..=9999).contains(&y);
        match (self, sort) {
            (TaskKey::DueOn(d), TaskSort::DueOn | TaskSort::DueOnDesc) => year_ok(d.year()),
            (TaskKey::Code(c), TaskSort::Code) => {
                c.len() <= 200 && !c.chars().any(char::is_control)
            }
            (TaskKey::UpdatedAt(t), TaskSort::UpdatedAtDesc) => year_ok(t.year()),
            (TaskKey::DaysOverdue(_), TaskSort::DaysOverdueDesc) => true,
            _ => false,
        }
    }
}

/// A task's standing as kept (`task_standing`), as the view would give it on
/// $1, when it was computed from what is there now and holds on $1; else no
/// row. Its own columns are read live; days overdue are counted for $1.
const KEPT_STANDING: &str = concat!(
    "SELECT t.id, t.plan_id, t.code, t.title, t.area, t.objective_id, x.lead_agency_id,
       t.deadline_kind, t.deadline_value, t.deadline_label, t.original_due_on, t.due_on,
       t.expected_output, t.status, t.progress_percent, t.completed_on, t.search_text,
       t.version, t.created_at, t.updated_at,
       x.lead_code, x.lead_name, x.effective_due_on, ",
    days_overdue!(),
    " AS days_overdue,
       x.supporting, x.status_as_of, x.progress_as_of, x.pending_claim, x.pending_extension_request
  FROM task_standing x JOIN tasks t ON t.id = x.task_id
  WHERE x.task_id = $2 AND ",
    standing_holds!()
);

/// The first day after $1 the view compares $1 with for the task `v` (a
/// move, any agency's past name, an extension's decision, its completion, a
/// claim filed or reviewed, a report): the end of a standing kept on $1.
/// (A report's day is found from the first report after $1, through the
/// index, not from every report of the task.)
macro_rules! standing_until {
    () => {
        concat!(
            "(SELECT min(u.d) FROM (
            SELECT m.effective_on AS d FROM task_agency_moves m WHERE m.task_id = v.id
            UNION ALL SELECT n.valid_to FROM agency_names n
            UNION ALL SELECT e.decided_on FROM extension_requests e WHERE e.task_id = v.id
            UNION ALL SELECT v.completed_on
            UNION ALL SELECT ",
            province_day!("c.created_at"),
            " FROM completion_claims c WHERE c.task_id = v.id
            UNION ALL SELECT ",
            province_day!("c.reviewed_at"),
            " FROM completion_claims c WHERE c.task_id = v.id
            UNION ALL SELECT ",
            province_day!("min(r.created_at)"),
            " FROM progress_reports r WHERE r.task_id = v.id AND r.created_at >= ",
            day_ends!(1),
            ") u
          WHERE u.d > $1)"
        )
    };
}

/// After a page of the view (as `v`, one task or many): keeps the standing of
/// each row that was computed, valid from $1 to `standing_until!`. A task
/// changed since this statement's snapshot is skipped (stored, it would not
/// hold: its `filled_basis` is the snapshot's). Only rows no one else has locked are
/// kept (`SKIP LOCKED`): a page never waits on a writer, and a row being
/// written would be stale at once. Every task has its row (migration
/// `task_standing_rows`), so keeping is an update.
const KEEP_PAGE: &str = concat!(
    "), kept AS (
  UPDATE task_standing s SET filled_basis = v.standing_basis,
     epoch = (SELECT e.epoch FROM standing_epoch e), from_on = $1, until_on = ",
    standing_until!(),
    ",
     lead_agency_id = v.lead_agency_id, lead_code = v.lead_code, lead_name = v.lead_name,
     effective_due_on = v.effective_due_on, supporting = v.supporting,
     status_as_of = v.status_as_of, progress_as_of = v.progress_as_of,
     pending_claim = v.pending_claim, pending_extension_request = v.pending_extension_request
  FROM v
  WHERE s.task_id = v.id AND NOT v.standing_holds AND s.basis = v.standing_basis
    AND s.task_id IN (SELECT l.task_id FROM task_standing l
                      WHERE l.task_id IN (SELECT w.id FROM v w WHERE NOT w.standing_holds)
                      ORDER BY l.task_id FOR UPDATE SKIP LOCKED))
SELECT v.* FROM v"
);

/// Whether reading a task may keep its standing (`find_view`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keeping {
    /// When the day read is this one, today: the day most reads ask about (a
    /// standing kept for a past day would be replaced at the next read).
    Today(NaiveDate),
    /// Never: keeping locks the standing's row until the transaction ends,
    /// which background work holding many tasks must not do to the requests
    /// writing them.
    Never,
}

/// One task as of a day: its kept standing when that holds, else through the
/// view, keeping the standing as `keeping` says.
pub fn find_view(
    conn: &mut PgConnection,
    id: TaskId,
    as_of: NaiveDate,
    keeping: Keeping,
) -> QueryResult<Option<TaskViewRow>> {
    if let Some(row) = kept_view(conn, id, as_of)? {
        return Ok(Some(row));
    }
    let mut filter = TaskFilter::as_of(as_of);
    filter.ids = Some(vec![id]);
    Ok(list_view(conn, &filter, TaskSort::Code, None, Some(1), keeping)?.pop())
}

/// One task as of a day from its kept standing, when that holds on the day.
pub fn kept_view(
    conn: &mut PgConnection,
    id: TaskId,
    as_of: NaiveDate,
) -> QueryResult<Option<TaskViewRow>> {
    let kept = diesel::sql_query(KEPT_STANDING)
        .bind::<Date, _>(as_of)
        .bind::<SqlUuid, _>(id.0);
    Prepared(kept).get_result(conn).optional()
}

/// A task's kept standing read with its caller's account: both in one
/// statement (`$3`: the account), when the standing holds on the day.
#[derive(Debug, QueryableByName)]
pub struct KeptRead {
    #[diesel(embed)]
    pub account: AccountState,
    #[diesel(embed)]
    pub task: TaskViewRow,
}

/// `kept_view` and the caller's account in one round trip; no row when the
/// account or the kept standing is not there.
pub fn kept_view_for(
    conn: &mut PgConnection,
    account: UserId,
    id: TaskId,
    as_of: NaiveDate,
) -> QueryResult<Option<KeptRead>> {
    kept_read(account, id, as_of).get_result(conn).optional()
}

/// `kept_view_for` on an async connection (`db::reads`): the statement is
/// sent at once, and the future does not hold the connection.
pub fn kept_view_for_async(
    conn: &mut diesel_async::AsyncPgConnection,
    account: UserId,
    id: TaskId,
    as_of: NaiveDate,
) -> impl std::future::Future<Output = QueryResult<Option<KeptRead>>> + 'static {
    let read = diesel_async::RunQueryDsl::get_result(kept_read(account, id, as_of), conn);
    async move { read.await.optional() }
}

type KeptReadQuery =
    diesel::query_builder::BoxedSqlQuery<'static, diesel::pg::Pg, diesel::query_builder::SqlQuery>;

/// The statement of `kept_view_for`, for either kind of connection.
fn kept_read(account: UserId, id: TaskId, as_of: NaiveDate) -> Prepared<KeptReadQuery> {
    let sql = format!(
        "SELECT {ACCOUNT_STATE_COLUMNS}, k.* FROM users a CROSS JOIN LATERAL ({KEPT_STANDING}) k \
         WHERE a.id = $3"
    );
    let query = diesel::sql_query(sql)
        .into_boxed()
        .bind::<Date, _>(as_of)
        .bind::<SqlUuid, _>(id.0)
        .bind::<SqlUuid, _>(account.0);
    Prepared(query)
}

/// One task as of a day through the view alone (what the kept standing must
/// agree with).
pub fn find_view_uncached(
    conn: &mut PgConnection,
    id: TaskId,
    as_of: NaiveDate,
) -> QueryResult<Option<TaskViewRow>> {
    let mut filter = TaskFilter::as_of(as_of);
    filter.ids = Some(vec![id]);
    Ok(list_view_computed(conn, &filter, TaskSort::Code, None, Some(1))?.pop())
}

pub fn find(conn: &mut PgConnection, id: TaskId) -> QueryResult<Option<TaskRow>> {
    tasks::table
        .find(id)
        .select(TaskRow::as_select())
        .first(conn)
        .optional()
}

/// Locks the task row for the rest of the transaction.
pub fn find_for_update(conn: &mut PgConnection, id: TaskId) -> QueryResult<Option<TaskRow>> {
    tasks::table
        .find(id)
        .select(TaskRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn supporting_agencies(
    conn: &mut PgConnection,
    task_ids: &[TaskId],
) -> QueryResult<Vec<AgencyRef>> {
    task_supporting_agencies::table
        .inner_join(agencies::table)
        .filter(task_supporting_agencies::task_id.eq_any(task_ids))
        .order((task_supporting_agencies::task_id, agencies::code))
        .select((
            task_supporting_agencies::task_id,
            agencies::id,
            agencies::code,
            agencies::name,
        ))
        .load(conn)
}

/// A task locked for a report, with its supporting agencies: one statement.
#[derive(Debug, QueryableByName)]
pub struct LockedTask {
    #[diesel(embed)]
    pub task: TaskRow,
    #[diesel(sql_type = diesel::sql_types::Array<SqlUuid>)]
    pub supporting_agency_ids: Vec<AgencyId>,
}

/// Locks the task row for the rest of the transaction, and reads its
/// supporting agencies with it.
pub fn lock_with_supporting(
    conn: &mut PgConnection,
    id: TaskId,
) -> QueryResult<Option<LockedTask>> {
    let query = diesel::sql_query(
        "SELECT t.*, ARRAY(SELECT s.agency_id FROM task_supporting_agencies s \
         WHERE s.task_id = t.id) AS supporting_agency_ids \
         FROM tasks t WHERE t.id = $1 FOR UPDATE OF t",
    )
    .bind::<SqlUuid, _>(id.0);
    Prepared(query).get_result(conn).optional()
}

pub fn supporting_agency_ids(
    conn: &mut PgConnection,
    task_id: TaskId,
) -> QueryResult<Vec<AgencyId>> {
    task_supporting_agencies::table
        .filter(task_supporting_agencies::task_id.eq(task_id))
        .select(task_supporting_agencies::agency_id)
        .load(conn)
}

pub fn set_supporting_agencies(
    conn: &mut PgConnection,
    task_id: TaskId,
    agency_ids: &[AgencyId],
) -> QueryResult<()> {
    diesel::delete(
        task_supporting_agencies::table.filter(task_supporting_agencies::task_id.eq(task_id)),
    )
    .execute(conn)?;
    let rows: Vec<_> = agency_ids
        .iter()
        .map(|a| {
            (
                task_supporting_agencies::task_id.eq(task_id),
                task_supporting_agencies::agency_id.eq(*a),
            )
        })
        .collect();
    diesel::insert_into(task_supporting_agencies::table)
        .values(&rows)
        .execute(conn)?;
    Ok(())
}

pub fn insert(conn: &mut PgConnection, new: &NewTask<'_>) -> QueryResult<TaskRow> {
    diesel::insert_into(tasks::table)
        .values(new)
        .returning(TaskRow::as_returning())
        .get_result(conn)
}

/// Applies `changes` if the task is still at `expected_version`, bumping the
/// version. `Ok(None)`: someone else changed it first.
pub fn update_versioned(
    conn: &mut PgConnection,
    id: TaskId,
    expected_version: i32,
    changes: &TaskChangeset,
    now: DateTime<Utc>,
) -> QueryResult<Option<TaskRow>> {
    // (the text depends on which fields change: a few texts, each prepared once)
    Prepared(
        diesel::update(
            tasks::table
                .filter(tasks::id.eq(id))
                .filter(tasks::version.eq(expected_version)),
        )
        .set((
            changes,
            tasks::version.eq(tasks::version + 1),
            tasks::updated_at.eq(now),
        ))
        .returning(TaskRow::as_returning()),
    )
    .get_result(conn)
    .optional()
}

/// Every task of a plan, by code, with its supporting agencies' ids.
pub fn of_plan_with_supporting(
    conn: &mut PgConnection,
    plan: PlanId,
) -> QueryResult<Vec<(TaskRow, Vec<AgencyId>)>> {
    let rows: Vec<TaskRow> = tasks::table
        .filter(tasks::plan_id.eq(plan))
        .order(tasks::code)
        .select(TaskRow::as_select())
        .load(conn)?;
    let ids: Vec<TaskId> = rows.iter().map(|r| r.id).collect();
    let links: Vec<(TaskId, AgencyId)> = task_supporting_agencies::table
        .filter(task_supporting_agencies::task_id.eq_any(&ids))
        .select((
            task_supporting_agencies::task_id,
            task_supporting_agencies::agency_id,
        ))
        .load(conn)?;
    let mut by_task: std::collections::HashMap<TaskId, Vec<AgencyId>> = Default::default();
    for (task, agency) in links {
        by_task.entry(task).or_default().push(agency);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let mine = by_task.remove(&row.id).unwrap_or_default();
            (row, mine)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_fits_only_the_order_that_made_it() {
        let due = TaskKey::DueOn(NaiveDate::from_ymd_opt(2024, 6, 30).unwrap());
        assert!(due.fits(TaskSort::DueOn) && due.fits(TaskSort::DueOnDesc));
        assert!(!due.fits(TaskSort::Code) && !due.fits(TaskSort::DaysOverdueDesc));
        let code = TaskKey::Code("NV01".into());
        assert!(code.fits(TaskSort::Code) && !code.fits(TaskSort::DueOn));
        let updated = TaskKey::UpdatedAt(Utc::now());
        assert!(updated.fits(TaskSort::UpdatedAtDesc) && !updated.fits(TaskSort::Code));
        let late = TaskKey::DaysOverdue(12);
        assert!(late.fits(TaskSort::DaysOverdueDesc) && !late.fits(TaskSort::UpdatedAtDesc));
    }

    #[test]
    fn a_forged_cursor_key_is_refused() {
        assert!(TaskKey::Code("X".repeat(200)).fits(TaskSort::Code));
        assert!(!TaskKey::Code("X".repeat(201)).fits(TaskSort::Code));
        assert!(!TaskKey::Code("NV\u{0}01".into()).fits(TaskSort::Code));
        let year_zero = NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
        assert!(!TaskKey::DueOn(year_zero).fits(TaskSort::DueOn));
    }

    #[test]
    fn a_page_is_fetched_with_one_of_a_few_limits_at_most_twice_its_size() {
        let fetched: Vec<i64> = [0, 1, 2, 3, 11, 12, 51, 52, 201, 202, 1001, 1002, 20_000]
            .into_iter()
            .map(rows_to_fetch)
            .collect();
        assert_eq!(
            fetched,
            [1, 1, 2, 11, 11, 21, 51, 101, 201, 501, 1001, 1002, 10_000]
        );
    }
}
