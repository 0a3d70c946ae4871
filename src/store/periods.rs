//! Reporting periods, their frozen task standings and the agencies' period reports.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};

use super::tasks::TaskViewRow;
use crate::db::schema::{agencies, agency_period_reports, reporting_periods};
use crate::domain::enums::{AgencyReportStatus, PeriodKind, PeriodStatus};
use crate::domain::ids::{AgencyId, FileId, PeriodId, PlanId, TaskId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = reporting_periods)]
pub struct PeriodRow {
    pub id: PeriodId,
    pub plan_id: PlanId,
    pub kind: PeriodKind,
    pub value: String,
    pub label: String,
    pub data_from: NaiveDate,
    pub data_to: NaiveDate,
    pub report_due_on: NaiveDate,
    pub status: PeriodStatus,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<UserId>,
    pub frozen_summary: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn insert(conn: &mut PgConnection, row: &PeriodRow) -> QueryResult<PeriodRow> {
    diesel::insert_into(reporting_periods::table)
        .values(row)
        .returning(PeriodRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: PeriodId) -> QueryResult<Option<PeriodRow>> {
    reporting_periods::table
        .find(id)
        .select(PeriodRow::as_select())
        .first(conn)
        .optional()
}

/// Locks the period against closing (or, with `exclusive`, against every
/// other writer) for the rest of the transaction: a write in a period and the
/// period's closing never interleave.
pub fn lock(
    conn: &mut PgConnection,
    id: PeriodId,
    exclusive: bool,
) -> QueryResult<Option<PeriodRow>> {
    let query = reporting_periods::table
        .find(id)
        .select(PeriodRow::as_select());
    if exclusive {
        query.for_update().first(conn).optional()
    } else {
        query.for_share().first(conn).optional()
    }
}

/// A plan's periods, by start and kind.
pub fn list(conn: &mut PgConnection, plan_id: PlanId) -> QueryResult<Vec<PeriodRow>> {
    reporting_periods::table
        .filter(reporting_periods::plan_id.eq(plan_id))
        .order((
            reporting_periods::data_from,
            reporting_periods::data_to,
            reporting_periods::id,
        ))
        .select(PeriodRow::as_select())
        .load(conn)
}

/// A period of the same kind in the plan whose window shares a day with `from..=to`.
pub fn overlapping(
    conn: &mut PgConnection,
    plan_id: PlanId,
    kind: PeriodKind,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Option<PeriodRow>> {
    reporting_periods::table
        .filter(reporting_periods::plan_id.eq(plan_id))
        .filter(reporting_periods::kind.eq(kind))
        .filter(reporting_periods::data_from.le(to))
        .filter(reporting_periods::data_to.ge(from))
        .select(PeriodRow::as_select())
        .first(conn)
        .optional()
}

pub fn close(
    conn: &mut PgConnection,
    id: PeriodId,
    by: UserId,
    at: DateTime<Utc>,
    summary: serde_json::Value,
) -> QueryResult<PeriodRow> {
    diesel::update(reporting_periods::table.find(id))
        .set((
            reporting_periods::status.eq(PeriodStatus::Closed),
            reporting_periods::closed_at.eq(at),
            reporting_periods::closed_by.eq(by),
            reporting_periods::frozen_summary.eq(summary),
            reporting_periods::updated_at.eq(at),
        ))
        .returning(PeriodRow::as_returning())
        .get_result(conn)
}

/// The lead agency's latest progress report on each task by `as_of` (a province day).
#[derive(Debug, Clone, QueryableByName)]
pub struct LatestReport {
    #[diesel(sql_type = SqlUuid)]
    pub task_id: TaskId,
    #[diesel(sql_type = Text)]
    pub summary: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

pub fn latest_lead_reports(
    conn: &mut PgConnection,
    task_ids: &[TaskId],
    as_of: NaiveDate,
) -> QueryResult<Vec<LatestReport>> {
    diesel::sql_query(concat!(
        "SELECT DISTINCT ON (r.task_id) r.task_id, r.summary, r.created_at
           FROM progress_reports r JOIN tasks t ON t.id = r.task_id AND r.agency_id = t.lead_agency_id
          WHERE r.task_id = ANY($1) AND r.created_at < ",
        day_ends!(2),
        "
          ORDER BY r.task_id, r.created_at DESC, r.id DESC"
    ))
    .bind::<Array<SqlUuid>, _>(task_ids.iter().map(|t| t.0).collect::<Vec<_>>())
    .bind::<Date, _>(as_of)
    .load(conn)
}

/// Copies each task's standing on the period's `data_to`, as the task view
/// read it, into `period_tasks`; with the lead agency's latest report by then.
pub fn freeze_tasks(
    conn: &mut PgConnection,
    period: PeriodId,
    rows: &[TaskViewRow],
    reports: &[LatestReport],
) -> QueryResult<()> {
    let report = |id: TaskId| reports.iter().find(|r| r.task_id == id);
    // One statement per chunk: 33 parameters a row stays under PostgreSQL's 65,535.
    for chunk in rows.chunks(1000) {
        let mut sql = String::from(
            "INSERT INTO period_tasks (period_id, id, plan_id, code, title, area, objective_id,
               lead_agency_id, deadline_kind, deadline_value, deadline_label, original_due_on,
               due_on, expected_output, status, progress_percent, completed_on, search_text,
               version, created_at, updated_at, lead_code, lead_name, effective_due_on,
               days_overdue, supporting, supporting_agency_ids, status_as_of, progress_as_of,
               progress_summary, progress_reported_at) VALUES ",
        );
        for (i, _) in chunk.iter().enumerate() {
            let base = i * 31;
            let marks: Vec<String> = (1..=31).map(|k| format!("${}", base + k)).collect();
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("({})", marks.join(",")));
        }
        let mut query = diesel::sql_query(sql).into_boxed();
        for r in chunk {
            let t = &r.task;
            let latest = report(t.id);
            let supporting: serde_json::Value = serde_json::from_str(&r.supporting)
                .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
            let supporting_ids: Vec<uuid::Uuid> = supporting
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.get("id")?.as_str()?.parse().ok())
                        .collect()
                })
                .unwrap_or_default();
            query = query
                .bind::<SqlUuid, _>(period)
                .bind::<SqlUuid, _>(t.id)
                .bind::<SqlUuid, _>(t.plan_id)
                .bind::<Text, _>(t.code.clone())
                .bind::<Text, _>(t.title.clone())
                .bind::<Text, _>(t.area)
                .bind::<Nullable<SqlUuid>, _>(t.objective_id)
                .bind::<SqlUuid, _>(t.lead_agency_id)
                .bind::<Text, _>(t.deadline_kind)
                .bind::<Nullable<Text>, _>(t.deadline_value.clone())
                .bind::<Text, _>(t.deadline_label.clone())
                .bind::<Date, _>(t.original_due_on)
                .bind::<Date, _>(t.due_on)
                .bind::<Text, _>(t.expected_output.clone())
                .bind::<Text, _>(t.status)
                .bind::<diesel::sql_types::SmallInt, _>(t.progress_percent)
                .bind::<Nullable<Date>, _>(t.completed_on)
                .bind::<Text, _>(t.search_text.clone())
                .bind::<diesel::sql_types::Integer, _>(t.version)
                .bind::<Timestamptz, _>(t.created_at)
                .bind::<Timestamptz, _>(t.updated_at)
                .bind::<Text, _>(r.lead_code.clone())
                .bind::<Text, _>(r.lead_name.clone())
                .bind::<Date, _>(r.effective_due_on)
                .bind::<diesel::sql_types::Integer, _>(r.days_overdue)
                .bind::<diesel::sql_types::Json, _>(supporting)
                .bind::<Array<SqlUuid>, _>(supporting_ids)
                .bind::<Text, _>(r.status_as_of)
                .bind::<diesel::sql_types::SmallInt, _>(r.progress_as_of)
                .bind::<Nullable<Text>, _>(latest.map(|l| l.summary.clone()))
                .bind::<Nullable<Timestamptz>, _>(latest.map(|l| l.created_at));
        }
        query.execute(conn)?;
    }
    Ok(())
}

/// A frozen row as the task view reads it, with the progress summary it kept.
#[derive(Debug, Clone, QueryableByName)]
pub struct FrozenTaskRow {
    #[diesel(embed)]
    pub view: TaskViewRow,
    #[diesel(sql_type = Nullable<Text>)]
    pub progress_summary: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub progress_reported_at: Option<DateTime<Utc>>,
}

/// Agencies that lead or support a task of the plan (live), or of the period's
/// frozen copy once it is closed: the agencies that owe the period a report.
pub fn reporting_agencies(
    conn: &mut PgConnection,
    plan_id: PlanId,
    frozen: Option<PeriodId>,
) -> QueryResult<Vec<(AgencyId, String, String)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        id: AgencyId,
        #[diesel(sql_type = Text)]
        code: String,
        #[diesel(sql_type = Text)]
        name: String,
    }
    let rows: Vec<Row> = match frozen {
        None => diesel::sql_query(
            "SELECT a.id, a.code, a.name FROM agencies a WHERE a.id IN (
               SELECT t.lead_agency_id FROM tasks t WHERE t.plan_id = $1
               UNION SELECT s.agency_id FROM task_supporting_agencies s
                       JOIN tasks t ON t.id = s.task_id WHERE t.plan_id = $1)
             ORDER BY a.code",
        )
        .bind::<SqlUuid, _>(plan_id)
        .load(conn)?,
        Some(period) => diesel::sql_query(
            "SELECT a.id, a.code, a.name FROM agencies a WHERE a.id IN (
               SELECT f.lead_agency_id FROM period_tasks f WHERE f.period_id = $1
               UNION SELECT unnest(f.supporting_agency_ids) FROM period_tasks f WHERE f.period_id = $1)
             ORDER BY a.code",
        )
        .bind::<SqlUuid, _>(period)
        .load(conn)?,
    };
    Ok(rows.into_iter().map(|r| (r.id, r.code, r.name)).collect())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = agency_period_reports, treat_none_as_null = true)]
pub struct AgencyReportRow {
    pub period_id: PeriodId,
    pub agency_id: AgencyId,
    pub status: AgencyReportStatus,
    pub document_number: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub results: String,
    pub limitations: String,
    pub causes: String,
    pub next_steps: String,
    pub author_id: UserId,
    pub first_submitted_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub reviewer_id: Option<UserId>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The signed report, uploaded.
    pub file_id: Option<FileId>,
}

pub fn agency_report(
    conn: &mut PgConnection,
    period: PeriodId,
    agency: AgencyId,
) -> QueryResult<Option<AgencyReportRow>> {
    agency_period_reports::table
        .find((period, agency))
        .select(AgencyReportRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Writes the report whole, as the use case decided it.
pub fn save_agency_report(
    conn: &mut PgConnection,
    row: &AgencyReportRow,
) -> QueryResult<AgencyReportRow> {
    diesel::insert_into(agency_period_reports::table)
        .values(row)
        .on_conflict((
            agency_period_reports::period_id,
            agency_period_reports::agency_id,
        ))
        .do_update()
        .set(row)
        .returning(AgencyReportRow::as_returning())
        .get_result(conn)
}

/// Every report of the period, with its agency's code.
pub fn agency_reports(
    conn: &mut PgConnection,
    period: PeriodId,
) -> QueryResult<Vec<AgencyReportRow>> {
    agency_period_reports::table
        .inner_join(agencies::table)
        .filter(agency_period_reports::period_id.eq(period))
        .order(agencies::code)
        .select(AgencyReportRow::as_select())
        .load(conn)
}
