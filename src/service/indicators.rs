//! A plan's indicators (chỉ tiêu), their targets, and the figures recorded
//! for each period: the province's, and each agency's.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::periods::lock_open;
use super::Actor;
use crate::domain::enums::{Aggregation, IndicatorDirection, IndicatorUnit};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::{AgencyId, IndicatorId, PeriodId, PlanId, UserId};
use crate::domain::indicator::{aggregate, check_figure, in_range, met, percent_of, Figure};
use crate::domain::input::{optional_whole_number, Checker};
use crate::domain::policy::Action;
use crate::domain::text::{Code, Name, OutputText};
use crate::store;
use crate::store::indicators::{IndicatorRow, ObservationRow};
use crate::store::periods::PeriodRow;

/// What the plan aims for.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    #[schema(minimum = -1e15, maximum = 1e15)]
    pub value: f64,
    /// For a rank: out of how many (`{"value": 30, "out_of": 63}`).
    #[serde(default, deserialize_with = "optional_whole_number")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 100000)]
    pub out_of: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIndicator {
    pub code: Code,
    pub name: Name,
    pub unit: IndicatorUnit,
    /// Which way is better: `decrease` for a rank or a late-dossier rate.
    pub direction: IndicatorDirection,
    pub target: Option<Target>,
    /// The agency that reports the province's figure, if one does.
    pub responsible_agency_id: Option<AgencyId>,
    /// How agencies' figures add up when the province's own is not recorded (default `none`).
    pub aggregation: Option<Aggregation>,
    /// Where the figure comes from, what it counts.
    pub note: Option<OutputText>,
}

/// An indicator of a plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct Indicator {
    pub id: IndicatorId,
    pub plan_id: PlanId,
    pub code: String,
    pub name: String,
    pub unit: IndicatorUnit,
    pub direction: IndicatorDirection,
    pub target: Option<Target>,
    pub responsible_agency_id: Option<AgencyId>,
    pub aggregation: Aggregation,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&IndicatorRow> for Indicator {
    fn from(r: &IndicatorRow) -> Indicator {
        Indicator {
            id: r.id,
            plan_id: r.plan_id,
            code: r.code.clone(),
            name: r.name.clone(),
            unit: r.unit,
            direction: r.direction,
            target: r.target_value.map(|value| Target {
                value,
                out_of: r.target_out_of.map(i64::from),
            }),
            responsible_agency_id: r.responsible_agency_id,
            aggregation: r.aggregation,
            note: r.note.clone(),
            created_at: r.created_at,
        }
    }
}

/// Adds an indicator to a plan (coordinator).
pub fn create(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    plan_id: PlanId,
    input: CreateIndicator,
) -> DomainResult<Indicator> {
    actor.may(Action::EditPlan)?;
    store::plans::find(conn, plan_id)?.ok_or(DomainError::not_found("plan"))?;
    let mut check = Checker::new();
    if let Some(target) = &input.target {
        if let Err(message) = in_range(input.unit, target.value) {
            check.rule("target.value", message);
        }
        match (target.out_of, input.unit) {
            (Some(_), unit) if unit != IndicatorUnit::Rank => {
                check.rule("target.out_of", "is for a rank only")
            }
            (Some(n), _) if !(1..=100_000).contains(&n) || (n as f64) < target.value => check.rule(
                "target.out_of",
                "must be at least 1 and not below the ranked place",
            ),
            _ => {}
        }
    }
    let aggregation = input.aggregation.unwrap_or(Aggregation::None);
    if aggregation == Aggregation::Ratio && input.unit != IndicatorUnit::Percent {
        check.rule("aggregation", "a ratio adds up percents only");
    }
    if let Some(agency) = input.responsible_agency_id {
        if store::agencies::find(conn, agency)?.is_none() {
            check.rule("responsible_agency_id", "no such agency");
        }
    }
    check.finish()?;
    let row = store::indicators::insert(
        conn,
        &IndicatorRow {
            id: IndicatorId::new(),
            plan_id,
            code: input.code.to_string(),
            name: input.name.to_string(),
            unit: input.unit,
            direction: input.direction,
            target_value: input.target.as_ref().map(|t| t.value),
            target_out_of: input
                .target
                .as_ref()
                .and_then(|t| t.out_of)
                .and_then(|n| i32::try_from(n).ok()),
            responsible_agency_id: input.responsible_agency_id,
            aggregation,
            note: input.note.as_ref().map(|n| n.to_string()),
            created_at: actor.now,
        },
    )
    .map_err(store::duplicate_as(format!(
        "the plan already has an indicator {}",
        input.code
    )))?;
    let event = Event::IndicatorCreated {
        indicator: row.id,
        plan_id,
        code: row.code.clone(),
        name: row.name.clone(),
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    Ok(Indicator::from(&row))
}

/// A figure as sent: a value, or for a percent a numerator and a denominator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FigureIn {
    /// In an agency report's `indicator_values`: which indicator (ignored on `PUT …/observations/…`).
    pub indicator_id: Option<IndicatorId>,
    #[schema(minimum = -1e15, maximum = 1e15)]
    pub value: Option<f64>,
    #[schema(minimum = 0, maximum = 1e15)]
    pub numerator: Option<f64>,
    #[schema(exclusive_minimum = 0, maximum = 1e15)]
    pub denominator: Option<f64>,
    /// Where the figure comes from: a document number or a system.
    pub source: Option<Name>,
    pub note: Option<OutputText>,
}

/// A recorded figure.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Observation {
    pub indicator_id: IndicatorId,
    pub period_id: PeriodId,
    /// The agency whose figure it is; `null` for the province's.
    pub agency_id: Option<AgencyId>,
    pub value: f64,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// 100 × numerator / denominator, when `value` was given beside them and differs
    /// (a published rate kept as published).
    pub computed_value: Option<f64>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

impl From<&ObservationRow> for Observation {
    fn from(r: &ObservationRow) -> Observation {
        let computed = match (r.numerator, r.denominator) {
            (Some(n), Some(d)) => Some(percent_of(n, d)).filter(|c| *c != r.value),
            _ => None,
        };
        Observation {
            indicator_id: r.indicator_id,
            period_id: r.period_id,
            agency_id: r.agency_id,
            value: r.value,
            numerator: r.numerator,
            denominator: r.denominator,
            computed_value: computed,
            source: r.source.clone(),
            note: r.note.clone(),
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        }
    }
}

fn find(conn: &mut PgConnection, id: IndicatorId) -> DomainResult<IndicatorRow> {
    store::indicators::find(conn, id)?.ok_or(DomainError::not_found("indicator"))
}

/// Records an indicator's figure for a period: the province's, or with
/// `agency_id` one agency's (coordinator, or that agency's officer; the
/// province's figure also by the indicator's responsible agency).
pub fn record(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    indicator_id: IndicatorId,
    period_id: PeriodId,
    agency_id: Option<AgencyId>,
    input: FigureIn,
) -> DomainResult<Observation> {
    let indicator = find(conn, indicator_id)?;
    let period = store::periods::find(conn, period_id)?.ok_or(DomainError::not_found("period"))?;
    actor.may(Action::RecordFigure {
        agency_id: agency_id.or(indicator.responsible_agency_id),
    })?;
    let mut check = Checker::new();
    if period.plan_id != indicator.plan_id {
        check.rule(
            "period_id",
            "is a period of another plan than the indicator's",
        );
    }
    if let Some(agency) = agency_id {
        if store::agencies::find(conn, agency)?.is_none() {
            check.rule("agency_id", "no such agency");
        }
    }
    let figure = check_figure(
        &mut check,
        indicator.unit,
        input.value,
        input.numerator,
        input.denominator,
    );
    check.finish()?;
    let figure = figure.ok_or_else(|| DomainError::rule("value", "is required"))?;
    let period = lock_open(conn, period.id, "its figures cannot change")?;
    let text = |t: &Option<Name>| t.as_ref().map(|t| t.to_string());
    let row = save(
        conn,
        actor,
        &indicator,
        &period,
        agency_id,
        figure,
        text(&input.source),
        input.note.as_ref().map(|n| n.to_string()),
    )?;
    Ok(Observation::from(&row))
}

#[allow(clippy::too_many_arguments)]
fn save(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    indicator: &IndicatorRow,
    period: &PeriodRow,
    agency_id: Option<AgencyId>,
    figure: Figure,
    source: Option<String>,
    note: Option<String>,
) -> DomainResult<ObservationRow> {
    let row = store::indicators::save_observation(
        conn,
        &ObservationRow {
            indicator_id: indicator.id,
            period_id: period.id,
            agency_id,
            value: figure.value,
            numerator: figure.numerator,
            denominator: figure.denominator,
            source,
            note,
            recorded_by: actor.principal.user_id,
            recorded_at: actor.now,
        },
    )?;
    let event = Event::FigureRecorded {
        indicator: indicator.id,
        period_id: period.id,
        agency_id,
        value: figure.value,
        numerator: figure.numerator,
        denominator: figure.denominator,
    };
    audit::record(conn, actor.principal.user_id, actor.now, &event)?;
    Ok(row)
}

/// Records the figures an agency's period report carries, as that agency's
/// (the caller has authorised the agency and locked the open period).
pub fn record_for_agency(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    period: &PeriodRow,
    agency_id: AgencyId,
    values: &[FigureIn],
    source: &str,
) -> DomainResult<()> {
    let mut check = Checker::new();
    let mut figures = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let field = |name: &str| format!("indicator_values[{i}].{name}");
        let Some(id) = v.indicator_id else {
            check.add(field("indicator_id"), "is required");
            continue;
        };
        let indicator = match store::indicators::find(conn, id)? {
            Some(ind) if ind.plan_id == period.plan_id => ind,
            _ => {
                check.rule(
                    field("indicator_id"),
                    "is not an indicator of the period's plan",
                );
                continue;
            }
        };
        let mut own = Checker::new();
        let figure = check_figure(
            &mut own,
            indicator.unit,
            v.value,
            v.numerator,
            v.denominator,
        );
        if let Err(e) = own.finish() {
            for f in e.field_errors() {
                check.rule(field(&f.field), f.message.clone());
            }
            continue;
        }
        if let Some(figure) = figure {
            figures.push((indicator, figure, v.note.as_ref().map(|n| n.to_string())));
        }
    }
    check.finish()?;
    for (indicator, figure, note) in figures {
        save(
            conn,
            actor,
            &indicator,
            period,
            Some(agency_id),
            figure,
            Some(source.to_string()),
            note,
        )?;
    }
    Ok(())
}

/// One agency's figure, with its name.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyFigure {
    pub agency_id: AgencyId,
    pub agency_code: String,
    pub agency_name: String,
    #[serde(flatten)]
    pub observation: Observation,
}

/// The figure for the period: the province's as recorded, else the agencies' added up.
#[derive(Debug, Serialize, ToSchema)]
pub struct Actual {
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// `recorded`: the province's own figure; `aggregated`: the agencies' added up by the
    /// indicator's `aggregation`; `none`: no figure.
    pub basis: ActualBasis,
    /// 100 × numerator / denominator where it differs from a published `value`.
    pub computed_value: Option<f64>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub by_agency: Vec<AgencyFigure>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActualBasis {
    Recorded,
    Aggregated,
    None,
}

/// An indicator with its target and, for a period, its actual.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorStanding {
    #[serde(flatten)]
    pub indicator: Indicator,
    /// The period the actual is for; `null` when none was asked.
    pub period_id: Option<PeriodId>,
    pub actual: Option<Actual>,
    /// Whether the actual meets the target: `null` with no target or no actual.
    pub met: Option<bool>,
}

/// A plan's indicators; with a period, each with its actual and whether it meets its target.
pub fn list(
    conn: &mut PgConnection,
    plan_id: PlanId,
    period_id: Option<PeriodId>,
) -> DomainResult<Vec<IndicatorStanding>> {
    store::plans::find(conn, plan_id)?.ok_or(DomainError::not_found("plan"))?;
    if let Some(period) = period_id {
        match store::periods::find(conn, period)? {
            Some(p) if p.plan_id == plan_id => {}
            Some(_) => {
                return Err(DomainError::rule(
                    "period_id",
                    "is a period of another plan",
                ))
            }
            None => return Err(DomainError::rule("period_id", "no such period")),
        }
    }
    let rows = store::indicators::list(conn, plan_id)?;
    let observations = match period_id {
        Some(period) => {
            let ids: Vec<IndicatorId> = rows.iter().map(|r| r.id).collect();
            store::indicators::observations(conn, period, &ids)?
        }
        None => Vec::new(),
    };
    let mut agency_ids: Vec<AgencyId> = observations.iter().filter_map(|o| o.agency_id).collect();
    agency_ids.dedup();
    let agencies = store::agencies::find_many(conn, &agency_ids)?;
    let name_of = |id: AgencyId| {
        agencies
            .iter()
            .find(|a| a.id == id)
            .map(|a| (a.code.clone(), a.name.clone()))
            .unwrap_or_default()
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let mine: Vec<&ObservationRow> = observations
            .iter()
            .filter(|o| o.indicator_id == row.id)
            .collect();
        let actual = period_id.map(|_| {
            let province = mine.iter().find(|o| o.agency_id.is_none());
            let by_agency: Vec<AgencyFigure> = mine
                .iter()
                .filter_map(|o| {
                    let agency_id = o.agency_id?;
                    let (code, name) = name_of(agency_id);
                    Some(AgencyFigure {
                        agency_id,
                        agency_code: code,
                        agency_name: name,
                        observation: Observation::from(*o),
                    })
                })
                .collect();
            match province {
                Some(p) => {
                    let o = Observation::from(*p);
                    Actual {
                        value: Some(o.value),
                        numerator: o.numerator,
                        denominator: o.denominator,
                        basis: ActualBasis::Recorded,
                        computed_value: o.computed_value,
                        source: o.source,
                        note: o.note,
                        by_agency,
                    }
                }
                None => {
                    let figures: Vec<Figure> = by_agency
                        .iter()
                        .map(|f| Figure {
                            value: f.observation.value,
                            numerator: f.observation.numerator,
                            denominator: f.observation.denominator,
                        })
                        .collect();
                    let total = aggregate(row.aggregation, &figures);
                    Actual {
                        value: total.map(|t| t.value),
                        numerator: total.and_then(|t| t.numerator),
                        denominator: total.and_then(|t| t.denominator),
                        basis: if total.is_some() {
                            ActualBasis::Aggregated
                        } else {
                            ActualBasis::None
                        },
                        computed_value: None,
                        source: None,
                        note: None,
                        by_agency,
                    }
                }
            }
        });
        let met = met(
            row.direction,
            row.target_value,
            actual.as_ref().and_then(|a| a.value),
        );
        out.push(IndicatorStanding {
            indicator: Indicator::from(row),
            period_id,
            actual,
            met,
        });
    }
    Ok(out)
}
