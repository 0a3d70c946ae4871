//! Progress reports, completion claims, extension requests and the evidence documents they cite.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::prepared::Prepared;
use crate::domain::enums::{ClaimStatus, ExtensionStatus};
use crate::domain::ids::{
    AgencyId, ClaimId, ExtensionId, FileId, PlanId, RemedyId, ReportId, TaskId, UserId,
};

use super::files::FileMeta;
use super::After;
use crate::db::schema::{
    agencies, completion_claims, evidence_documents, extension_requests, files, progress_reports,
    tasks, users,
};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = progress_reports)]
pub struct ReportRow {
    pub id: ReportId,
    pub task_id: TaskId,
    pub agency_id: AgencyId,
    pub author_id: UserId,
    pub progress_percent: i16,
    pub summary: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = progress_reports)]
pub struct NewReport<'a> {
    pub id: ReportId,
    pub task_id: TaskId,
    pub agency_id: AgencyId,
    pub author_id: UserId,
    pub progress_percent: i16,
    pub summary: &'a str,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = evidence_documents)]
pub struct EvidenceRow {
    pub id: Uuid,
    pub report_id: Option<ReportId>,
    pub completion_claim_id: Option<ClaimId>,
    pub position: i16,
    pub document_number: String,
    pub issued_on: NaiveDate,
    pub issuer: String,
    pub title: String,
    pub url: Option<String>,
    pub finding_remedy_id: Option<RemedyId>,
    pub file_id: Option<FileId>,
    pub extension_request_id: Option<ExtensionId>,
    /// The cited file, when there is one (a left join on `files`).
    #[diesel(embed)]
    pub file: Option<FileMeta>,
}

impl From<NewEvidence> for EvidenceRow {
    fn from(e: NewEvidence) -> EvidenceRow {
        EvidenceRow {
            id: e.id,
            report_id: e.report_id,
            completion_claim_id: e.completion_claim_id,
            position: e.position,
            document_number: e.document_number,
            issued_on: e.issued_on,
            issuer: e.issuer,
            title: e.title,
            url: e.url,
            finding_remedy_id: e.finding_remedy_id,
            file_id: e.file_id,
            extension_request_id: e.extension_request_id,
            file: e.file,
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = evidence_documents)]
pub struct NewEvidence {
    pub id: Uuid,
    pub report_id: Option<ReportId>,
    pub completion_claim_id: Option<ClaimId>,
    pub position: i16,
    pub document_number: String,
    pub issued_on: NaiveDate,
    pub issuer: String,
    pub title: String,
    pub url: Option<String>,
    pub finding_remedy_id: Option<RemedyId>,
    pub file_id: Option<FileId>,
    pub extension_request_id: Option<ExtensionId>,
    /// The cited file as checked, for the response; not a column.
    #[diesel(skip_insertion)]
    pub file: Option<FileMeta>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = completion_claims)]
pub struct ClaimRow {
    pub id: ClaimId,
    pub task_id: TaskId,
    pub agency_id: AgencyId,
    pub author_id: UserId,
    pub completed_on: NaiveDate,
    pub summary: String,
    pub status: ClaimStatus,
    pub reviewer_id: Option<UserId>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = completion_claims)]
pub struct NewClaim<'a> {
    pub id: ClaimId,
    pub task_id: TaskId,
    pub agency_id: AgencyId,
    pub author_id: UserId,
    pub completed_on: NaiveDate,
    pub summary: &'a str,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = extension_requests)]
pub struct ExtensionRow {
    pub id: ExtensionId,
    pub task_id: TaskId,
    pub requested_by: UserId,
    pub previous_due_on: NaiveDate,
    pub requested_due_on: NaiveDate,
    pub reason: String,
    pub status: ExtensionStatus,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_on: Option<NaiveDate>,
    pub decision_comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = extension_requests)]
pub struct NewExtension<'a> {
    pub id: ExtensionId,
    pub task_id: TaskId,
    pub requested_by: UserId,
    pub previous_due_on: NaiveDate,
    pub requested_due_on: NaiveDate,
    pub reason: &'a str,
    pub created_at: DateTime<Utc>,
}

pub fn insert_report(conn: &mut PgConnection, new: &NewReport<'_>) -> QueryResult<ReportRow> {
    Prepared(
        diesel::insert_into(progress_reports::table)
            .values(new)
            .returning(ReportRow::as_returning()),
    )
    .get_result(conn)
}

pub fn insert_evidence(conn: &mut PgConnection, rows: &[NewEvidence]) -> QueryResult<()> {
    if !rows.is_empty() {
        diesel::insert_into(evidence_documents::table)
            .values(rows)
            .execute(conn)?;
    }
    Ok(())
}

/// A task's reports, oldest first (keyset on `created_at`, id).
pub fn list_reports(
    conn: &mut PgConnection,
    task_id: TaskId,
    after: Option<&After<DateTime<Utc>, ReportId>>,
    limit: i64,
) -> QueryResult<Vec<ReportRow>> {
    let mut q = progress_reports::table
        .filter(progress_reports::task_id.eq(task_id))
        .select(ReportRow::as_select())
        .into_boxed();
    if let Some(a) = after {
        let at = a.key;
        q = q.filter(
            progress_reports::created_at
                .gt(at)
                .or(progress_reports::created_at
                    .eq(at)
                    .and(progress_reports::id.gt(a.id))),
        );
    }
    q.order((progress_reports::created_at, progress_reports::id))
        .limit(limit)
        .load(conn)
}

pub fn evidence_of_reports(
    conn: &mut PgConnection,
    report_ids: &[ReportId],
) -> QueryResult<Vec<EvidenceRow>> {
    evidence_documents::table
        .left_join(files::table)
        .filter(evidence_documents::report_id.eq_any(report_ids))
        .order((evidence_documents::report_id, evidence_documents::position))
        .select(EvidenceRow::as_select())
        .load(conn)
}

pub fn evidence_of_claim(
    conn: &mut PgConnection,
    claim_id: ClaimId,
) -> QueryResult<Vec<EvidenceRow>> {
    evidence_documents::table
        .left_join(files::table)
        .filter(evidence_documents::completion_claim_id.eq(claim_id))
        .order(evidence_documents::position)
        .select(EvidenceRow::as_select())
        .load(conn)
}

pub fn insert_claim(conn: &mut PgConnection, new: &NewClaim<'_>) -> QueryResult<ClaimRow> {
    diesel::insert_into(completion_claims::table)
        .values(new)
        .returning(ClaimRow::as_returning())
        .get_result(conn)
}

pub fn pending_claim(conn: &mut PgConnection, task_id: TaskId) -> QueryResult<Option<ClaimRow>> {
    completion_claims::table
        .filter(completion_claims::task_id.eq(task_id))
        .filter(completion_claims::status.eq(ClaimStatus::Pending))
        .select(ClaimRow::as_select())
        .first(conn)
        .optional()
}

pub fn review_claim(
    conn: &mut PgConnection,
    claim_id: ClaimId,
    status: ClaimStatus,
    reviewer: UserId,
    at: DateTime<Utc>,
    comment: Option<&str>,
) -> QueryResult<ClaimRow> {
    diesel::update(completion_claims::table.find(claim_id))
        .set((
            completion_claims::status.eq(status),
            completion_claims::reviewer_id.eq(reviewer),
            completion_claims::reviewed_at.eq(at),
            completion_claims::review_comment.eq(comment),
        ))
        .returning(ClaimRow::as_returning())
        .get_result(conn)
}

pub fn insert_extension(
    conn: &mut PgConnection,
    new: &NewExtension<'_>,
) -> QueryResult<ExtensionRow> {
    diesel::insert_into(extension_requests::table)
        .values(new)
        .returning(ExtensionRow::as_returning())
        .get_result(conn)
}

pub fn find_extension_for_update(
    conn: &mut PgConnection,
    id: ExtensionId,
) -> QueryResult<Option<ExtensionRow>> {
    extension_requests::table
        .find(id)
        .select(ExtensionRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn decide_extension(
    conn: &mut PgConnection,
    id: ExtensionId,
    status: ExtensionStatus,
    decider: UserId,
    at: DateTime<Utc>,
    on: NaiveDate,
    comment: Option<&str>,
) -> QueryResult<ExtensionRow> {
    diesel::update(extension_requests::table.find(id))
        .set((
            extension_requests::status.eq(status),
            extension_requests::decided_by.eq(decider),
            extension_requests::decided_at.eq(at),
            extension_requests::decided_on.eq(on),
            extension_requests::decision_comment.eq(comment),
        ))
        .returning(ExtensionRow::as_returning())
        .get_result(conn)
}

/// Which claims or extension requests a queue lists; every filter is
/// optional and they combine with AND.
#[derive(Debug, Clone, Copy)]
pub struct QueueFilter<S> {
    pub status: Option<S>,
    pub plan_id: Option<PlanId>,
    /// The agency that claims; for extension requests, the task's lead agency.
    pub agency_id: Option<AgencyId>,
}

/// What a queue shows beside a claim or request: its task, agency and author.
#[derive(Debug, Clone, Queryable)]
pub struct QueueContext {
    pub task_code: String,
    pub task_title: String,
    pub plan_id: PlanId,
    pub agency_id: AgencyId,
    pub agency_code: String,
    pub agency_name: String,
    pub author_name: String,
}

/// Claims matching `filter`, oldest first (keyset on `created_at`, id).
pub fn queued_claims(
    conn: &mut PgConnection,
    filter: &QueueFilter<ClaimStatus>,
    after: Option<&After<DateTime<Utc>, ClaimId>>,
    limit: i64,
) -> QueryResult<Vec<(ClaimRow, QueueContext)>> {
    let mut q = completion_claims::table
        .inner_join(tasks::table)
        .inner_join(agencies::table.on(agencies::id.eq(completion_claims::agency_id)))
        .inner_join(users::table.on(users::id.eq(completion_claims::author_id)))
        .select((
            ClaimRow::as_select(),
            (
                tasks::code,
                tasks::title,
                tasks::plan_id,
                agencies::id,
                agencies::code,
                agencies::name,
                users::display_name,
            ),
        ))
        .into_boxed();
    if let Some(status) = filter.status {
        q = q.filter(completion_claims::status.eq(status));
    }
    if let Some(plan) = filter.plan_id {
        q = q.filter(tasks::plan_id.eq(plan));
    }
    if let Some(agency) = filter.agency_id {
        q = q.filter(completion_claims::agency_id.eq(agency));
    }
    if let Some(a) = after {
        // `>=` on the time alone bounds the index scan; the OR settles ties.
        q = q.filter(completion_claims::created_at.ge(a.key)).filter(
            completion_claims::created_at
                .gt(a.key)
                .or(completion_claims::id.gt(a.id)),
        );
    }
    q.order((completion_claims::created_at, completion_claims::id))
        .limit(limit)
        .load(conn)
}

/// Extension requests matching `filter`, oldest first (keyset on `created_at`, id).
pub fn queued_extensions(
    conn: &mut PgConnection,
    filter: &QueueFilter<ExtensionStatus>,
    after: Option<&After<DateTime<Utc>, ExtensionId>>,
    limit: i64,
) -> QueryResult<Vec<(ExtensionRow, QueueContext)>> {
    let mut q = extension_requests::table
        .inner_join(tasks::table.inner_join(agencies::table))
        .inner_join(users::table.on(users::id.eq(extension_requests::requested_by)))
        .select((
            ExtensionRow::as_select(),
            (
                tasks::code,
                tasks::title,
                tasks::plan_id,
                agencies::id,
                agencies::code,
                agencies::name,
                users::display_name,
            ),
        ))
        .into_boxed();
    if let Some(status) = filter.status {
        q = q.filter(extension_requests::status.eq(status));
    }
    if let Some(plan) = filter.plan_id {
        q = q.filter(tasks::plan_id.eq(plan));
    }
    if let Some(agency) = filter.agency_id {
        q = q.filter(tasks::lead_agency_id.eq(agency));
    }
    if let Some(a) = after {
        q = q.filter(extension_requests::created_at.ge(a.key)).filter(
            extension_requests::created_at
                .gt(a.key)
                .or(extension_requests::id.gt(a.id)),
        );
    }
    q.order((extension_requests::created_at, extension_requests::id))
        .limit(limit)
        .load(conn)
}

pub fn evidence_of_claims(
    conn: &mut PgConnection,
    claim_ids: &[ClaimId],
) -> QueryResult<Vec<EvidenceRow>> {
    evidence_documents::table
        .left_join(files::table)
        .filter(evidence_documents::completion_claim_id.eq_any(claim_ids))
        .order((
            evidence_documents::completion_claim_id,
            evidence_documents::position,
        ))
        .select(EvidenceRow::as_select())
        .load(conn)
}

/// The documents cited by extension requests, each request's in order.
pub fn evidence_of_extensions(
    conn: &mut PgConnection,
    request_ids: &[ExtensionId],
) -> QueryResult<Vec<EvidenceRow>> {
    evidence_documents::table
        .left_join(files::table)
        .filter(evidence_documents::extension_request_id.eq_any(request_ids))
        .order((
            evidence_documents::extension_request_id,
            evidence_documents::position,
        ))
        .select(EvidenceRow::as_select())
        .load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct EvidenceNumber {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub task_id: TaskId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub document_number: String,
}

/// The document numbers cited as evidence on the tasks of a plan, by reports
/// and completion claims filed on or before `as_of` (a province day), each
/// task's oldest first, without repeats.
pub fn evidence_numbers_of_plan(
    conn: &mut PgConnection,
    plan: PlanId,
    as_of: NaiveDate,
) -> QueryResult<Vec<EvidenceNumber>> {
    diesel::sql_query(concat!(
        "SELECT task_id, document_number FROM (
           SELECT t.id AS task_id, e.document_number,
                  min(coalesce(r.created_at, c.created_at)) AS first_cited
           FROM evidence_documents e
           LEFT JOIN progress_reports r ON r.id = e.report_id
           LEFT JOIN completion_claims c ON c.id = e.completion_claim_id
           JOIN tasks t ON t.id = coalesce(r.task_id, c.task_id)
           WHERE t.plan_id = $1
             AND coalesce(r.created_at, c.created_at) < ",
        day_ends!(2),
        "
           GROUP BY t.id, e.document_number
         ) x ORDER BY task_id, first_cited, document_number"
    ))
    .bind::<diesel::sql_types::Uuid, _>(plan.0)
    .bind::<diesel::sql_types::Date, _>(as_of)
    .load(conn)
}
