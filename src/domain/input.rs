//! Checks that span fields or need the database's view of the world. Shape
//! rules (lengths, patterns, types) live in the input types themselves
//! (`domain::text`, enums), so they are in the spec too; what remains here is
//! what a schema cannot say: dates within the years this system deals with,
//! one field requiring another. Those are 422, shape errors 400.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize};

use super::error::{DomainError, FieldError, ProblemType};

/// Collects field errors while a request is checked.
#[derive(Debug, Default)]
pub struct Checker {
    /// Shape errors: 400.
    errors: Vec<FieldError>,
    /// Rule errors on well-formed input: 422.
    rules: Vec<FieldError>,
}

impl Checker {
    pub fn new() -> Checker {
        Checker::default()
    }

    /// A malformed field (400).
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// A well-formed field that breaks a rule (422).
    pub fn rule(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.rules.push(FieldError::new(field, message));
    }

    /// A date within the years this system deals with.
    pub fn date_in_range(&mut self, field: &str, value: impl Into<NaiveDate>) -> NaiveDate {
        let value = value.into();
        if !(2000..=2100).contains(&value.year()) {
            self.rule(field, "must be a date between 2000 and 2100");
        }
        value
    }

    /// Ends the check: 400 when a field is malformed, else 422 when a rule is
    /// broken, else `Ok`. Either answer names every field at fault, malformed first.
    pub fn finish(mut self) -> Result<(), DomainError> {
        if !self.errors.is_empty() {
            self.errors.append(&mut self.rules);
            return Err(DomainError::Invalid(self.errors));
        }
        if !self.rules.is_empty() {
            let detail = match self.rules.as_slice() {
                [one] => format!("{}: {}", one.field, one.message),
                _ => format!("{} fields break a rule", self.rules.len()),
            };
            return Err(DomainError::Unprocessable {
                problem: ProblemType::Unprocessable,
                detail,
                errors: self.rules,
            });
        }
        Ok(())
    }
}

/// A calendar day written exactly `YYYY-MM-DD`, as the spec's `format: date`
/// says (chrono alone would also take `2026-1-1` or `+2026-01-01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct IsoDate(pub NaiveDate);

impl IsoDate {
    pub fn parse(text: &str) -> Result<IsoDate, String> {
        let shape = text.len() == 10
            && text.char_indices().all(|(i, c)| match i {
                4 | 7 => c == '-',
                _ => c.is_ascii_digit(),
            });
        shape
            .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
            .flatten()
            .map(IsoDate)
            .ok_or_else(|| format!("'{text}' is not a date written YYYY-MM-DD, such as 2024-06-30"))
    }
}

impl<'de> Deserialize<'de> for IsoDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<IsoDate, D::Error> {
        let text = String::deserialize(d)?;
        IsoDate::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl From<IsoDate> for NaiveDate {
    fn from(d: IsoDate) -> NaiveDate {
        d.0
    }
}

/// For merge patches: distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Deserialises a whole number that JSON may write as `42` or `42.0`
/// (JSON Schema's `integer` admits both).
pub fn whole_number<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Int(i64),
        Float(f64),
    }
    match Number::deserialize(d).map_err(|_| serde::de::Error::custom("must be a whole number"))? {
        Number::Int(n) => Ok(n),
        Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        Number::Float(_) => Err(serde::de::Error::custom("must be a whole number")),
    }
}

/// `whole_number` for an optional field (absent or `null`: `None`).
pub fn optional_whole_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole_number")] i64);
    Ok(Option::<Whole>::deserialize(d)?.map(|w| w.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_errors_come_before_rule_errors() {
        let mut c = Checker::new();
        c.rule("completed_on", "must not be in the future");
        c.add("progress_percent", "must be between 0 and 100");
        c.add("summary", "must not be empty");
        match c.finish().unwrap_err() {
            DomainError::Invalid(errors) => assert_eq!(
                errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
                ["progress_percent", "summary", "completed_on"],
                "every field at fault, malformed first"
            ),
            other => panic!("{other:?}"),
        }
        let mut c = Checker::new();
        c.date_in_range("issued_on", NaiveDate::from_ymd_opt(1999, 12, 31).unwrap());
        assert!(matches!(c.finish(), Err(DomainError::Unprocessable { .. })));
    }

    #[test]
    fn whole_numbers_may_be_written_as_floats() {
        #[derive(Deserialize)]
        struct T {
            #[serde(deserialize_with = "whole_number")]
            n: i64,
        }
        assert_eq!(
            serde_json::from_str::<T>(r#"{"n": 2055.0}"#).unwrap().n,
            2055
        );
        assert_eq!(serde_json::from_str::<T>(r#"{"n": 7}"#).unwrap().n, 7);
        assert!(serde_json::from_str::<T>(r#"{"n": 7.5}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"n": "7"}"#).is_err());
    }

    #[test]
    fn an_optional_whole_number_is_absent_null_or_whole() {
        #[derive(Deserialize)]
        struct T {
            #[serde(default, deserialize_with = "optional_whole_number")]
            n: Option<i64>,
        }
        let n = |json: &str| serde_json::from_str::<T>(json).map(|t| t.n);
        assert_eq!(n(r#"{"n": 63.0}"#).unwrap(), Some(63));
        assert_eq!(n(r#"{"n": -2}"#).unwrap(), Some(-2));
        assert_eq!(n(r#"{"n": null}"#).unwrap(), None);
        assert_eq!(n(r#"{}"#).unwrap(), None);
        assert!(n(r#"{"n": 63.5}"#).is_err());
    }

    #[test]
    fn dates_are_exactly_yyyy_mm_dd() {
        assert_eq!(
            IsoDate::parse("2024-02-29").map(NaiveDate::from),
            Ok(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())
        );
        for bad in [
            "2026-1-1",
            "2026-01-1",
            "+2026-01-01",
            "2023-02-29",
            "20240101",
            "2024-13-01",
            " 2024-01-01",
            "２０２４-01-01",
        ] {
            assert!(IsoDate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_single_broken_rule_is_named_in_the_detail() {
        let mut c = Checker::new();
        c.rule("completed_on", "must not be in the future");
        match c.finish() {
            Err(DomainError::Unprocessable { detail, errors, .. }) => {
                assert_eq!(detail, "completed_on: must not be in the future");
                assert_eq!(errors.len(), 1);
            }
            other => panic!("{other:?}"),
        }
        let mut c = Checker::new();
        c.rule("completed_on", "must not be in the future");
        c.rule("issued_on", "must be a date between 2000 and 2100");
        match c.finish() {
            Err(DomainError::Unprocessable { detail, errors, .. }) => {
                assert_eq!(detail, "2 fields break a rule");
                assert_eq!(errors.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(Checker::new().finish().is_ok());
    }

    #[test]
    fn whole_numbers_written_as_floats_stop_below_9e15() {
        #[derive(Deserialize)]
        struct T {
            #[serde(deserialize_with = "whole_number")]
            n: i64,
        }
        let n = |json: &str| serde_json::from_str::<T>(json).map(|t| t.n);
        assert_eq!(n(r#"{"n": 8.5e15}"#).unwrap(), 8_500_000_000_000_000);
        assert_eq!(n(r#"{"n": -100.0}"#).unwrap(), -100);
        assert!(n(r#"{"n": 9e15}"#).is_err());
        assert!(n(r#"{"n": -9e15}"#).is_err());
        assert!(n(r#"{"n": 1e300}"#).is_err());
    }

    #[test]
    fn a_patch_tells_an_absent_field_from_null() {
        #[derive(Deserialize)]
        struct Patch {
            #[serde(default, deserialize_with = "nullable")]
            objective_id: Option<Option<String>>,
        }
        let patch = |json: &str| serde_json::from_str::<Patch>(json).unwrap().objective_id;
        assert_eq!(patch("{}"), None, "absent: leave as it is");
        assert_eq!(
            patch(r#"{"objective_id": null}"#),
            Some(None),
            "null: clear it"
        );
        assert_eq!(
            patch(r#"{"objective_id": "MT1"}"#),
            Some(Some("MT1".to_string()))
        );
    }
}
