//! Inspections, their findings, and the remedies reported for the findings.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use super::reports::EvidenceRow;
use super::After;
use crate::db::schema::{agencies, evidence_documents, finding_remedies, findings, inspections};
use crate::domain::enums::{
    FindingSeverity, FindingStatus, InspectionStatus, ReformArea, RemedyStatus,
};
use crate::domain::ids::{AgencyId, FindingId, InspectionId, PlanId, RemedyId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = inspections, treat_none_as_null = true)]
pub struct InspectionRow {
    pub id: InspectionId,
    pub plan_id: PlanId,
    pub agency_id: AgencyId,
    pub scheduled_on: NaiveDate,
    pub scope: Vec<ReformArea>,
    pub team: String,
    pub plan_document: Option<String>,
    pub status: InspectionStatus,
    pub conducted_on: Option<NaiveDate>,
    pub conclusion_document_number: Option<String>,
    pub conclusion_issued_on: Option<NaiveDate>,
    pub conclusion_issuer: Option<String>,
    pub conclusion: Option<String>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancelled_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = findings)]
pub struct FindingRow {
    pub id: FindingId,
    pub inspection_id: InspectionId,
    pub plan_id: PlanId,
    pub agency_id: AgencyId,
    pub area: ReformArea,
    pub description: String,
    pub severity: FindingSeverity,
    pub required_action: String,
    pub due_on: NaiveDate,
    pub status: FindingStatus,
    pub recorded_on: NaiveDate,
    pub verified_on: Option<NaiveDate>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = finding_remedies)]
pub struct RemedyRow {
    pub id: RemedyId,
    pub finding_id: FindingId,
    pub agency_id: AgencyId,
    pub author_id: UserId,
    pub summary: String,
    pub status: RemedyStatus,
    pub reviewer_id: Option<UserId>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The agency a row is about, as lists show it.
#[derive(Debug, Clone, Queryable)]
pub struct AgencyName {
    pub code: String,
    pub name: String,
}

pub fn insert_inspection(
    conn: &mut PgConnection,
    row: &InspectionRow,
) -> QueryResult<InspectionRow> {
    diesel::insert_into(inspections::table)
        .values(row)
        .returning(InspectionRow::as_returning())
        .get_result(conn)
}

pub fn find_inspection(
    conn: &mut PgConnection,
    id: InspectionId,
) -> QueryResult<Option<(InspectionRow, AgencyName)>> {
    inspections::table
        .inner_join(agencies::table)
        .filter(inspections::id.eq(id))
        .select((InspectionRow::as_select(), (agencies::code, agencies::name)))
        .first(conn)
        .optional()
}

/// The inspection, locked against every other writer for the transaction:
/// its changes, and findings recorded on it, are judged on its status as it is.
pub fn lock_inspection(
    conn: &mut PgConnection,
    id: InspectionId,
) -> QueryResult<Option<InspectionRow>> {
    inspections::table
        .find(id)
        .select(InspectionRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Writes the inspection whole, as the use case decided it.
pub fn save_inspection(conn: &mut PgConnection, row: &InspectionRow) -> QueryResult<InspectionRow> {
    diesel::update(inspections::table.find(row.id))
        .set(row)
        .returning(InspectionRow::as_returning())
        .get_result(conn)
}

/// Which inspections a list shows; every filter is optional, they combine with AND.
#[derive(Debug, Clone, Copy, Default)]
pub struct InspectionFilter {
    pub plan_id: Option<PlanId>,
    pub agency_id: Option<AgencyId>,
    pub status: Option<InspectionStatus>,
}

/// Inspections matching `filter`, by scheduled day (keyset on `scheduled_on`, id).
pub fn list_inspections(
    conn: &mut PgConnection,
    filter: &InspectionFilter,
    after: Option<&After<NaiveDate, InspectionId>>,
    limit: i64,
) -> QueryResult<Vec<(InspectionRow, AgencyName)>> {
    let mut q = inspections::table
        .inner_join(agencies::table)
        .select((InspectionRow::as_select(), (agencies::code, agencies::name)))
        .into_boxed();
    if let Some(plan) = filter.plan_id {
        q = q.filter(inspections::plan_id.eq(plan));
    }
    if let Some(agency) = filter.agency_id {
        q = q.filter(inspections::agency_id.eq(agency));
    }
    if let Some(status) = filter.status {
        q = q.filter(inspections::status.eq(status));
    }
    if let Some(a) = after {
        // `>=` on the day alone bounds the index scan; the OR settles ties.
        q = q.filter(inspections::scheduled_on.ge(a.key)).filter(
            inspections::scheduled_on
                .gt(a.key)
                .or(inspections::id.gt(a.id)),
        );
    }
    q.order((inspections::scheduled_on, inspections::id))
        .limit(limit)
        .load(conn)
}

/// Every inspection of a plan (a programme has tens of them: not paged).
pub fn inspections_of_plan(
    conn: &mut PgConnection,
    plan_id: PlanId,
) -> QueryResult<Vec<InspectionRow>> {
    inspections::table
        .filter(inspections::plan_id.eq(plan_id))
        .order((inspections::scheduled_on, inspections::id))
        .select(InspectionRow::as_select())
        .load(conn)
}

pub fn insert_finding(conn: &mut PgConnection, row: &FindingRow) -> QueryResult<FindingRow> {
    diesel::insert_into(findings::table)
        .values(row)
        .returning(FindingRow::as_returning())
        .get_result(conn)
}

pub fn find_finding(
    conn: &mut PgConnection,
    id: FindingId,
) -> QueryResult<Option<(FindingRow, AgencyName)>> {
    findings::table
        .inner_join(agencies::table)
        .filter(findings::id.eq(id))
        .select((FindingRow::as_select(), (agencies::code, agencies::name)))
        .first(conn)
        .optional()
}

/// The finding, locked for a remedy or its verification.
pub fn lock_finding(conn: &mut PgConnection, id: FindingId) -> QueryResult<Option<FindingRow>> {
    findings::table
        .find(id)
        .select(FindingRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn set_finding_status(
    conn: &mut PgConnection,
    id: FindingId,
    status: FindingStatus,
    verified_on: Option<NaiveDate>,
    at: DateTime<Utc>,
) -> QueryResult<FindingRow> {
    diesel::update(findings::table.find(id))
        .set((
            findings::status.eq(status),
            findings::verified_on.eq(verified_on),
            findings::updated_at.eq(at),
        ))
        .returning(FindingRow::as_returning())
        .get_result(conn)
}

/// An inspection's findings, by due day.
pub fn findings_of_inspection(
    conn: &mut PgConnection,
    inspection_id: InspectionId,
) -> QueryResult<Vec<(FindingRow, AgencyName)>> {
    findings::table
        .inner_join(agencies::table)
        .filter(findings::inspection_id.eq(inspection_id))
        .order((findings::due_on, findings::id))
        .select((FindingRow::as_select(), (agencies::code, agencies::name)))
        .load(conn)
}

/// The earliest due day of an inspection's findings.
pub fn earliest_due_on(
    conn: &mut PgConnection,
    inspection_id: InspectionId,
) -> QueryResult<Option<NaiveDate>> {
    findings::table
        .filter(findings::inspection_id.eq(inspection_id))
        .select(diesel::dsl::min(findings::due_on))
        .first(conn)
}

/// Which findings a list shows; every filter is optional, they combine with AND.
#[derive(Debug, Clone, Copy)]
pub struct FindingFilter {
    pub plan_id: Option<PlanId>,
    pub agency_id: Option<AgencyId>,
    pub inspection_id: Option<InspectionId>,
    pub status: Option<FindingStatus>,
    pub severity: Option<FindingSeverity>,
    /// `true`: overdue as of `as_of`; `false`: not overdue then.
    pub overdue: Option<bool>,
    pub as_of: NaiveDate,
}

/// Findings matching `filter`, by due day (keyset on `due_on`, id).
pub fn list_findings(
    conn: &mut PgConnection,
    filter: &FindingFilter,
    after: Option<&After<NaiveDate, FindingId>>,
    limit: i64,
) -> QueryResult<Vec<(FindingRow, AgencyName)>> {
    let mut q = findings::table
        .inner_join(agencies::table)
        .select((FindingRow::as_select(), (agencies::code, agencies::name)))
        .into_boxed();
    if let Some(plan) = filter.plan_id {
        q = q.filter(findings::plan_id.eq(plan));
    }
    if let Some(agency) = filter.agency_id {
        q = q.filter(findings::agency_id.eq(agency));
    }
    if let Some(inspection) = filter.inspection_id {
        q = q.filter(findings::inspection_id.eq(inspection));
    }
    if let Some(status) = filter.status {
        q = q.filter(findings::status.eq(status));
    }
    if let Some(severity) = filter.severity {
        q = q.filter(findings::severity.eq(severity));
    }
    let as_of = filter.as_of;
    // As `domain::overdue::FindingAsOf::days_overdue`: recorded by then, due
    // before then, and not verified by then.
    match filter.overdue {
        Some(true) => {
            q = q
                .filter(findings::recorded_on.le(as_of))
                .filter(findings::due_on.lt(as_of))
                .filter(
                    findings::verified_on
                        .is_null()
                        .or(findings::verified_on.gt(as_of)),
                );
        }
        Some(false) => {
            q = q.filter(
                findings::recorded_on
                    .gt(as_of)
                    .or(findings::due_on.ge(as_of))
                    .or(findings::verified_on.le(as_of)),
            );
        }
        None => {}
    }
    if let Some(a) = after {
        q = q
            .filter(findings::due_on.ge(a.key))
            .filter(findings::due_on.gt(a.key).or(findings::id.gt(a.id)));
    }
    q.order((findings::due_on, findings::id))
        .limit(limit)
        .load(conn)
}

/// Findings of a plan and/or an agency, for counts (tens or hundreds: not paged).
pub fn findings_for_counts(
    conn: &mut PgConnection,
    plan_id: Option<PlanId>,
    agency_id: Option<AgencyId>,
) -> QueryResult<Vec<FindingRow>> {
    let mut q = findings::table.select(FindingRow::as_select()).into_boxed();
    if let Some(plan) = plan_id {
        q = q.filter(findings::plan_id.eq(plan));
    }
    if let Some(agency) = agency_id {
        q = q.filter(findings::agency_id.eq(agency));
    }
    q.order((findings::due_on, findings::id)).load(conn)
}

pub fn insert_remedy(conn: &mut PgConnection, row: &RemedyRow) -> QueryResult<RemedyRow> {
    diesel::insert_into(finding_remedies::table)
        .values(row)
        .returning(RemedyRow::as_returning())
        .get_result(conn)
}

/// The finding's remedy awaiting verification, locked.
pub fn pending_remedy(
    conn: &mut PgConnection,
    finding_id: FindingId,
) -> QueryResult<Option<RemedyRow>> {
    finding_remedies::table
        .filter(finding_remedies::finding_id.eq(finding_id))
        .filter(finding_remedies::status.eq(RemedyStatus::Pending))
        .select(RemedyRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn review_remedy(
    conn: &mut PgConnection,
    id: RemedyId,
    status: RemedyStatus,
    reviewer: UserId,
    at: DateTime<Utc>,
    comment: Option<&str>,
) -> QueryResult<RemedyRow> {
    diesel::update(finding_remedies::table.find(id))
        .set((
            finding_remedies::status.eq(status),
            finding_remedies::reviewer_id.eq(reviewer),
            finding_remedies::reviewed_at.eq(at),
            finding_remedies::review_comment.eq(comment),
        ))
        .returning(RemedyRow::as_returning())
        .get_result(conn)
}

/// The remedies of these findings, oldest first.
pub fn remedies_of(
    conn: &mut PgConnection,
    finding_ids: &[FindingId],
) -> QueryResult<Vec<RemedyRow>> {
    finding_remedies::table
        .filter(finding_remedies::finding_id.eq_any(finding_ids))
        .order((
            finding_remedies::finding_id,
            finding_remedies::created_at,
            finding_remedies::id,
        ))
        .select(RemedyRow::as_select())
        .load(conn)
}

pub fn evidence_of_remedies(
    conn: &mut PgConnection,
    remedy_ids: &[RemedyId],
) -> QueryResult<Vec<EvidenceRow>> {
    evidence_documents::table
        .left_join(crate::db::schema::files::table)
        .filter(evidence_documents::finding_remedy_id.eq_any(remedy_ids))
        .order((
            evidence_documents::finding_remedy_id,
            evidence_documents::position,
        ))
        .select(EvidenceRow::as_select())
        .load(conn)
}
