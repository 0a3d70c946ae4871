//! Indicators of a plan and their observations per period.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{indicator_observations, indicators};
use crate::domain::enums::{Aggregation, IndicatorDirection, IndicatorUnit};
use crate::domain::ids::{AgencyId, IndicatorId, PeriodId, PlanId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = indicators)]
pub struct IndicatorRow {
    pub id: IndicatorId,
    pub plan_id: PlanId,
    pub code: String,
    pub name: String,
    pub unit: IndicatorUnit,
    pub direction: IndicatorDirection,
    pub target_value: Option<f64>,
    pub target_out_of: Option<i32>,
    pub responsible_agency_id: Option<AgencyId>,
    pub aggregation: Aggregation,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub fn insert(conn: &mut PgConnection, row: &IndicatorRow) -> QueryResult<IndicatorRow> {
    diesel::insert_into(indicators::table)
        .values(row)
        .returning(IndicatorRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: IndicatorId) -> QueryResult<Option<IndicatorRow>> {
    indicators::table
        .find(id)
        .select(IndicatorRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_code(
    conn: &mut PgConnection,
    plan_id: PlanId,
    code: &str,
) -> QueryResult<Option<IndicatorRow>> {
    indicators::table
        .filter(indicators::plan_id.eq(plan_id))
        .filter(indicators::code.eq(code))
        .select(IndicatorRow::as_select())
        .first(conn)
        .optional()
}

/// A plan's indicators, by code.
pub fn list(conn: &mut PgConnection, plan_id: PlanId) -> QueryResult<Vec<IndicatorRow>> {
    indicators::table
        .filter(indicators::plan_id.eq(plan_id))
        .order(indicators::code)
        .select(IndicatorRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = indicator_observations, treat_none_as_null = true)]
pub struct ObservationRow {
    pub indicator_id: IndicatorId,
    pub period_id: PeriodId,
    pub agency_id: Option<AgencyId>,
    pub value: f64,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

/// Records the figure, replacing the one before for the same indicator,
/// period and agency (or the province's, without an agency).
pub fn save_observation(
    conn: &mut PgConnection,
    row: &ObservationRow,
) -> QueryResult<ObservationRow> {
    // The unique index treats NULL agencies as equal (NULLS NOT DISTINCT), so
    // the province's figure is replaced like an agency's.
    diesel::insert_into(indicator_observations::table)
        .values(row)
        .on_conflict((
            indicator_observations::indicator_id,
            indicator_observations::period_id,
            indicator_observations::agency_id,
        ))
        .do_update()
        .set(row)
        .returning(ObservationRow::as_returning())
        .get_result(conn)
}

/// Every figure of the period for `indicator_ids`, the province's first.
pub fn observations(
    conn: &mut PgConnection,
    period_id: PeriodId,
    indicator_ids: &[IndicatorId],
) -> QueryResult<Vec<ObservationRow>> {
    indicator_observations::table
        .filter(indicator_observations::period_id.eq(period_id))
        .filter(indicator_observations::indicator_id.eq_any(indicator_ids))
        .order((
            indicator_observations::indicator_id,
            indicator_observations::agency_id.asc().nulls_first(),
        ))
        .select(ObservationRow::as_select())
        .load(conn)
}
