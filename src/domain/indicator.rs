//! Indicators (chỉ tiêu): what a figure may be in its unit, how agencies'
//! figures add up, and whether a target is met.

use super::enums::{Aggregation, IndicatorDirection, IndicatorUnit};
use super::input::Checker;

/// A figure as recorded: its value, and for a rate the counts it comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    pub value: f64,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
}

/// 100 × numerator / denominator, to two decimals: a percent as reports print it.
pub fn percent_of(numerator: f64, denominator: f64) -> f64 {
    (numerator * 10_000.0 / denominator).round() / 100.0
}

/// Checks a figure in `unit`. A value alone, or for a percent a numerator and a
/// denominator (the value is then derived unless given: a published rate is
/// kept as published). Errors are 422s on the named fields.
pub fn check_figure(
    check: &mut Checker,
    unit: IndicatorUnit,
    value: Option<f64>,
    numerator: Option<f64>,
    denominator: Option<f64>,
) -> Option<Figure> {
    let mut ok = true;
    let mut fail = |field: &str, message: &str| {
        check.rule(field, message);
        ok = false;
    };
    match (numerator, denominator) {
        (Some(_), None) => fail("denominator", "is required with a numerator"),
        (None, Some(_)) => fail("numerator", "is required with a denominator"),
        (None, None) if value.is_none() => {
            fail("value", "give a value, or a numerator and a denominator")
        }
        _ => {}
    }
    if numerator.is_some() && unit != IndicatorUnit::Percent {
        fail(
            "numerator",
            "only a percent is recorded as a numerator and a denominator",
        );
    }
    if numerator.is_some_and(|n| n < 0.0) {
        fail("numerator", "must not be negative");
    }
    for (field, v) in [("numerator", numerator), ("denominator", denominator)] {
        if v.is_some_and(|v| v > MAX_FIGURE) {
            fail(field, "must be at most 10^15");
        }
    }
    if denominator.is_some_and(|d| d <= 0.0) {
        fail("denominator", "must be greater than 0");
    }
    if let (Some(n), Some(d)) = (numerator, denominator) {
        if d > 0.0 && n > d {
            fail("numerator", "must not exceed the denominator of a percent");
        }
    }
    if let Some(v) = value {
        if let Err(message) = in_range(unit, v) {
            fail("value", message);
        }
    }
    if !ok {
        return None;
    }
    let value = match (value, numerator, denominator) {
        (Some(v), _, _) => v,
        (None, Some(n), Some(d)) => percent_of(n, d),
        _ => return None,
    };
    Some(Figure {
        value,
        numerator,
        denominator,
    })
}

/// The largest figure: 10^15 (a quadrillion đồng) keeps every sum and rate
/// exact enough and finite.
pub const MAX_FIGURE: f64 = 1e15;

/// Whether `value` can be a figure in `unit`.
pub fn in_range(unit: IndicatorUnit, value: f64) -> Result<(), &'static str> {
    let whole = value.fract() == 0.0;
    if value.abs() > MAX_FIGURE {
        return Err("must be at most 10^15 in size");
    }
    match unit {
        IndicatorUnit::Percent if !(0.0..=100.0).contains(&value) => {
            Err("must be between 0 and 100 for a percent")
        }
        IndicatorUnit::Count if value < 0.0 || !whole => {
            Err("must be a whole number, 0 or more, for a count")
        }
        IndicatorUnit::Rank if value < 1.0 || !whole => {
            Err("must be a whole number, 1 or more, for a rank")
        }
        IndicatorUnit::AmountVnd | IndicatorUnit::Score if value < 0.0 => {
            Err("must not be negative")
        }
        _ => Ok(()),
    }
}

/// The province's figure from the agencies' own, when none is recorded for
/// the province as a whole.
pub fn aggregate(aggregation: Aggregation, by_agency: &[Figure]) -> Option<Figure> {
    if by_agency.is_empty() {
        return None;
    }
    match aggregation {
        Aggregation::None => None,
        Aggregation::Sum => Some(Figure {
            value: by_agency.iter().map(|f| f.value).sum(),
            numerator: None,
            denominator: None,
        }),
        Aggregation::Ratio => {
            // Only figures that carry their counts can be added up as a ratio.
            let counted: Vec<(f64, f64)> = by_agency
                .iter()
                .filter_map(|f| Some((f.numerator?, f.denominator?)))
                .collect();
            let numerator: f64 = counted.iter().map(|(n, _)| n).sum();
            let denominator: f64 = counted.iter().map(|(_, d)| d).sum();
            (denominator > 0.0).then(|| Figure {
                value: percent_of(numerator, denominator),
                numerator: Some(numerator),
                denominator: Some(denominator),
            })
        }
    }
}

/// Whether `actual` meets `target`: `None` without either.
pub fn met(
    direction: IndicatorDirection,
    target: Option<f64>,
    actual: Option<f64>,
) -> Option<bool> {
    let (target, actual) = (target?, actual?);
    Some(match direction {
        IndicatorDirection::Increase => actual >= target,
        IndicatorDirection::Decrease => actual <= target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(
        unit: IndicatorUnit,
        v: Option<f64>,
        n: Option<f64>,
        d: Option<f64>,
    ) -> Result<Figure, Vec<String>> {
        let mut check = Checker::new();
        let f = check_figure(&mut check, unit, v, n, d);
        match check.finish() {
            Ok(()) => Ok(f.expect("a figure when no rule broke")),
            Err(e) => Err(e.field_errors().iter().map(|e| e.field.clone()).collect()),
        }
    }

    #[test]
    fn a_percent_is_derived_from_its_counts_and_a_published_one_is_kept() {
        let f = figure(IndicatorUnit::Percent, None, Some(2_597.0), Some(543_317.0)).unwrap();
        assert_eq!(f.value, 0.48);
        let published = figure(
            IndicatorUnit::Percent,
            Some(0.49),
            Some(2_597.0),
            Some(543_317.0),
        );
        assert_eq!(published.unwrap().value, 0.49, "as the report prints it");
        assert_eq!(percent_of(1.0, 3.0), 33.33);
        assert_eq!(percent_of(2.0, 3.0), 66.67);
    }

    #[test]
    fn each_unit_has_its_range_on_both_sides() {
        use IndicatorUnit::*;
        for (unit, good, bad) in [
            (Percent, 0.0, -0.01),
            (Percent, 100.0, 100.01),
            (Count, 0.0, -1.0),
            (Count, 3.0, 3.5),
            (Rank, 1.0, 0.0),
            (Rank, 25.0, 25.5),
            (AmountVnd, 0.0, -1.0),
            (Score, 0.0, -0.5),
        ] {
            assert!(in_range(unit, good).is_ok(), "{unit} {good}");
            assert!(in_range(unit, bad).is_err(), "{unit} {bad}");
        }
        assert!(in_range(AmountVnd, 5_132_071_000_000.0).is_ok());
        assert!(in_range(AmountVnd, MAX_FIGURE).is_ok());
        assert!(in_range(AmountVnd, MAX_FIGURE * 1.5).is_err());
        assert!(in_range(Score, -MAX_FIGURE * 2.0).is_err());
    }

    #[test]
    fn counts_must_come_in_pairs_with_a_positive_denominator() {
        use IndicatorUnit::*;
        assert_eq!(
            figure(Percent, None, Some(1.0), Some(0.0)).unwrap_err(),
            ["denominator"]
        );
        assert!(figure(Percent, None, Some(0.0), Some(0.5)).is_ok());
        assert_eq!(
            figure(Percent, None, Some(1.0), None).unwrap_err(),
            ["denominator"]
        );
        assert_eq!(
            figure(Percent, None, None, Some(1.0)).unwrap_err(),
            ["numerator"]
        );
        assert_eq!(figure(Percent, None, None, None).unwrap_err(), ["value"]);
        assert_eq!(
            figure(Percent, None, Some(5.0), Some(4.0)).unwrap_err(),
            ["numerator"]
        );
        assert!(figure(Percent, None, Some(4.0), Some(4.0)).is_ok());
        assert_eq!(
            figure(Percent, None, Some(-1.0), Some(4.0)).unwrap_err(),
            ["numerator"]
        );
        assert_eq!(
            figure(Count, None, Some(1.0), Some(4.0)).unwrap_err(),
            ["numerator"]
        );
        assert_eq!(
            figure(Percent, Some(101.0), None, None).unwrap_err(),
            ["value"]
        );
        // counts are bounded like values, and the bound itself is allowed
        assert_eq!(
            figure(Percent, None, Some(1.0), Some(2e15)).unwrap_err(),
            ["denominator"]
        );
        assert!(figure(Percent, None, Some(1.0), Some(MAX_FIGURE)).is_ok());
        assert!(figure(Percent, None, Some(MAX_FIGURE), Some(MAX_FIGURE)).is_ok());
        assert_eq!(
            figure(Percent, None, Some(2e15), Some(3e15)).unwrap_err(),
            ["numerator", "denominator"]
        );
    }

    #[test]
    fn agencies_add_up_as_a_sum_or_as_a_ratio_of_their_counts() {
        let rate = |n: f64, d: f64| Figure {
            value: percent_of(n, d),
            numerator: Some(n),
            denominator: Some(d),
        };
        // 90 % of 100 and 50 % of 300: 240 of 400 is 60 %, not the 70 % of an average
        let ratio =
            aggregate(Aggregation::Ratio, &[rate(90.0, 100.0), rate(150.0, 300.0)]).unwrap();
        assert_eq!(
            (ratio.value, ratio.numerator, ratio.denominator),
            (60.0, Some(240.0), Some(400.0))
        );
        let sum = aggregate(Aggregation::Sum, &[rate(1.0, 2.0), rate(1.0, 4.0)]).unwrap();
        assert_eq!(sum.value, 75.0);
        assert_eq!(aggregate(Aggregation::None, &[rate(1.0, 2.0)]), None);
        assert_eq!(aggregate(Aggregation::Sum, &[]), None);
        let bare = Figure {
            value: 50.0,
            numerator: None,
            denominator: None,
        };
        assert_eq!(
            aggregate(Aggregation::Ratio, &[bare]),
            None,
            "no counts, no ratio"
        );
    }

    #[test]
    fn a_target_is_met_on_its_side_and_exactly_at_it() {
        use IndicatorDirection::*;
        assert_eq!(met(Increase, Some(50.0), Some(50.0)), Some(true));
        assert_eq!(met(Increase, Some(50.0), Some(49.99)), Some(false));
        assert_eq!(met(Decrease, Some(30.0), Some(30.0)), Some(true));
        assert_eq!(met(Decrease, Some(30.0), Some(30.5)), Some(false));
        assert_eq!(met(Decrease, Some(30.0), Some(25.0)), Some(true));
        assert_eq!(met(Increase, None, Some(25.0)), None);
        assert_eq!(met(Increase, Some(1.0), None), None);
    }
}
