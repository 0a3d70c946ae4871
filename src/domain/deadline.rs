//! Deadlines as plans write them: a day, a month, a quarter, or "thường xuyên"
//! (ongoing). Each resolves to the date a task is measured against.

use chrono::{Datelike, NaiveDate};

use super::enums::DeadlineKind;

/// A parsed deadline: its kind, the value as given, and what it resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    /// Canonical value: `2024-06-30`, `2024-09`, `2024-Q2`; `None` for ongoing.
    pub value: Option<String>,
    /// The Vietnamese label: "30/6/2024", "Tháng 9/2024", "Tháng 01/2025", "Quý II/2024", "Thường xuyên".
    pub label: String,
    pub due_on: NaiveDate,
}

/// A month number as Nghị định 30/2020 writes it in dates: 1 and 2 take a
/// leading zero (so "01" cannot be misread as "11" or "12"), the others do not.
pub fn month_vi(month: u32) -> String {
    if month <= 2 {
        format!("{month:02}")
    } else {
        month.to_string()
    }
}

/// A day as Nghị định 30/2020 writes it: days below 10 and the months 1 and 2
/// take a leading zero (`02/4/2023`, `30/9/2023`, `31/01/2024`).
pub fn date_vi(date: NaiveDate) -> String {
    format!(
        "{:02}/{}/{}",
        date.day(),
        month_vi(date.month()),
        date.year()
    )
}

const ROMAN_QUARTERS: [&str; 4] = ["I", "II", "III", "IV"];

fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(next_year, next_month, 1)?.pred_opt()
}

impl Deadline {
    /// Parses `{kind, value}` for a plan of `plan_year`. Errors are messages about `value`.
    pub fn parse(
        kind: DeadlineKind,
        value: Option<&str>,
        plan_year: i32,
    ) -> Result<Deadline, String> {
        let value = value.map(str::trim);
        // Any four-digit year parses; whether it is a sensible one is the caller's rule.
        let year_ok = |y: i32| (0..=9999).contains(&y);
        match kind {
            DeadlineKind::Ongoing => match value {
                Some(_) => Err("must be absent for an ongoing deadline".into()),
                _ => Ok(Deadline {
                    kind,
                    value: None,
                    label: "Thường xuyên".into(),
                    due_on: NaiveDate::from_ymd_opt(plan_year, 12, 31)
                        .ok_or("the plan year is out of range")?,
                }),
            },
            DeadlineKind::Date => {
                let v = value.ok_or("is required: a date such as 2024-06-30")?;
                let date = NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .ok()
                    .filter(|d| v.len() == 10 && year_ok(d.year()))
                    .ok_or_else(|| format!("'{v}' is not a date such as 2024-06-30"))?;
                Ok(Deadline {
                    kind,
                    value: Some(date.format("%Y-%m-%d").to_string()),
                    label: date_vi(date),
                    due_on: date,
                })
            }
            DeadlineKind::Month => {
                let v = value.ok_or("is required: a month such as 2024-09")?;
                let parsed = v
                    .split_once('-')
                    .filter(|(y, m)| y.len() == 4 && m.len() == 2)
                    .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
                    .filter(|(y, m)| year_ok(*y) && (1..=12).contains(m));
                let (year, month) =
                    parsed.ok_or_else(|| format!("'{v}' is not a month such as 2024-09"))?;
                Ok(Deadline {
                    kind,
                    value: Some(format!("{year:04}-{month:02}")),
                    label: format!("Tháng {}/{year}", month_vi(month)),
                    due_on: last_day_of_month(year, month).ok_or("month out of range")?,
                })
            }
            DeadlineKind::Quarter => {
                let v = value.ok_or("is required: a quarter such as 2024-Q2")?;
                let parsed = v
                    .split_once("-Q")
                    .filter(|(y, q)| y.len() == 4 && q.len() == 1)
                    .and_then(|(y, q)| Some((y.parse::<i32>().ok()?, q.parse::<u32>().ok()?)))
                    .filter(|(y, q)| year_ok(*y) && (1..=4).contains(q));
                let (year, quarter) =
                    parsed.ok_or_else(|| format!("'{v}' is not a quarter such as 2024-Q2"))?;
                Ok(Deadline {
                    kind,
                    value: Some(format!("{year:04}-Q{quarter}")),
                    label: format!("Quý {}/{year}", ROMAN_QUARTERS[quarter as usize - 1]),
                    due_on: last_day_of_month(year, quarter * 3).ok_or("quarter out of range")?,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn each_kind_resolves_to_its_last_day_with_a_vietnamese_label() {
        let date = Deadline::parse(DeadlineKind::Date, Some("2024-06-30"), 2024).unwrap();
        assert_eq!(
            (date.label.as_str(), date.due_on),
            ("30/6/2024", d(2024, 6, 30))
        );
        let month = Deadline::parse(DeadlineKind::Month, Some("2024-02"), 2024).unwrap();
        assert_eq!(
            (month.label.as_str(), month.due_on),
            ("Tháng 02/2024", d(2024, 2, 29))
        );
        let month = Deadline::parse(DeadlineKind::Month, Some("2023-02"), 2023).unwrap();
        assert_eq!(month.due_on, d(2023, 2, 28));
        let dec = Deadline::parse(DeadlineKind::Month, Some("2023-12"), 2023).unwrap();
        assert_eq!(dec.due_on, d(2023, 12, 31));
        let q2 = Deadline::parse(DeadlineKind::Quarter, Some("2024-Q2"), 2024).unwrap();
        assert_eq!(
            (q2.label.as_str(), q2.due_on),
            ("Quý II/2024", d(2024, 6, 30))
        );
        let q4 = Deadline::parse(DeadlineKind::Quarter, Some("2023-Q4"), 2023).unwrap();
        assert_eq!(
            (q4.label.as_str(), q4.due_on),
            ("Quý IV/2023", d(2023, 12, 31))
        );
        let ongoing = Deadline::parse(DeadlineKind::Ongoing, None, 2023).unwrap();
        assert_eq!(
            (ongoing.label.as_str(), ongoing.due_on, ongoing.value),
            ("Thường xuyên", d(2023, 12, 31), None)
        );
    }

    #[test]
    fn dates_are_written_as_nghi_dinh_30_2020_says() {
        assert_eq!(date_vi(d(2023, 4, 2)), "02/4/2023");
        assert_eq!(date_vi(d(2023, 9, 30)), "30/9/2023");
        assert_eq!(date_vi(d(2024, 1, 31)), "31/01/2024");
        assert_eq!(date_vi(d(2024, 2, 9)), "09/02/2024");
        assert_eq!(date_vi(d(2024, 12, 10)), "10/12/2024");
        let month = Deadline::parse(DeadlineKind::Month, Some("2024-09"), 2024).unwrap();
        assert_eq!(month.label, "Tháng 9/2024");
        let month = Deadline::parse(DeadlineKind::Month, Some("2024-01"), 2024).unwrap();
        assert_eq!(month.label, "Tháng 01/2024");
    }

    #[test]
    fn impossible_values_are_rejected() {
        for (kind, value) in [
            (DeadlineKind::Date, Some("2023-02-30")),
            (DeadlineKind::Date, Some("30/06/2023")),
            (DeadlineKind::Date, None),
            (DeadlineKind::Month, Some("2023-13")),
            (DeadlineKind::Month, Some("2023-9")),
            (DeadlineKind::Quarter, Some("2023-Q5")),
            (DeadlineKind::Quarter, Some("2023-Q0")),
            (DeadlineKind::Ongoing, Some("2023-12-31")),
        ] {
            assert!(
                Deadline::parse(kind, value, 2023).is_err(),
                "{kind:?} {value:?}"
            );
        }
    }

    #[test]
    fn deadlines_are_written_in_full_with_a_four_digit_year() {
        for (kind, value) in [
            (DeadlineKind::Date, "2024-6-30"),
            (DeadlineKind::Date, "-001-06-30"),
            (DeadlineKind::Month, "024-09"),
            (DeadlineKind::Month, "2024-00"),
            (DeadlineKind::Quarter, "2024-Q02"),
            (DeadlineKind::Quarter, "024-Q2"),
            (DeadlineKind::Quarter, "-001-Q2"),
        ] {
            assert!(
                Deadline::parse(kind, Some(value), 2024).is_err(),
                "{kind:?} {value}"
            );
        }
        // surrounding spaces are not part of the value
        let padded = Deadline::parse(DeadlineKind::Quarter, Some(" 2024-Q3 "), 2024).unwrap();
        assert_eq!(padded.value.as_deref(), Some("2024-Q3"));
        assert_eq!(padded.due_on, d(2024, 9, 30));
    }
}
