//! Reporting periods (kỳ báo cáo) and their default windows.
//!
//! Nghị định 09/2019/NĐ-CP, Art. 12 (thời gian chốt số liệu): a quarter's
//! figures run from the 15th of the month before it to the 14th of its last
//! month; six months from 15/12 of the previous year to 14/6; the year from
//! 15/12 of the previous year to 14/12. Nine months follow the same pattern
//! (15/12 to 14/9). Unless told otherwise, the agencies' reports are due on
//! the day after the figures close (the 15th of the period's last month).

use chrono::{Days, Months, NaiveDate};

use super::enums::PeriodKind;

/// A period named by its kind and value (`quarter`, `2023-Q1`), with the
/// window the national rule gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodName {
    pub kind: PeriodKind,
    pub year: i32,
    /// 1-4 for a quarter; the last month for the others (6, 9, 12).
    pub part: u32,
}

impl PeriodName {
    /// Reads `value` as `kind` writes it: `2023-Q1`, `2023-H1`, `2023-9M`, `2023`.
    pub fn parse(kind: PeriodKind, value: &str) -> Result<PeriodName, String> {
        let expected = match kind {
            PeriodKind::Quarter => "a quarter such as 2023-Q1 (Q1 to Q4)",
            PeriodKind::HalfYear => "the first half of a year, such as 2023-H1",
            PeriodKind::NineMonths => "nine months of a year, such as 2023-9M",
            PeriodKind::Year => "a year such as 2023",
        };
        let (Some(year), Some(rest)) = (value.get(..4), value.get(4..)) else {
            return Err(format!("must be {expected}"));
        };
        let year = match year.parse::<i32>() {
            Ok(y) if year.bytes().all(|b| b.is_ascii_digit()) && (2000..=2100).contains(&y) => y,
            _ => return Err(format!("must be {expected}, in the years 2000 to 2100")),
        };
        let part = match (kind, rest) {
            (PeriodKind::Quarter, "-Q1") => 1,
            (PeriodKind::Quarter, "-Q2") => 2,
            (PeriodKind::Quarter, "-Q3") => 3,
            (PeriodKind::Quarter, "-Q4") => 4,
            (PeriodKind::HalfYear, "-H1") => 6,
            (PeriodKind::NineMonths, "-9M") => 9,
            (PeriodKind::Year, "") => 12,
            _ => return Err(format!("must be {expected}")),
        };
        Ok(PeriodName { kind, year, part })
    }

    /// The value as written: `2023-Q1`.
    pub fn value(&self) -> String {
        match self.kind {
            PeriodKind::Quarter => format!("{}-Q{}", self.year, self.part),
            PeriodKind::HalfYear => format!("{}-H1", self.year),
            PeriodKind::NineMonths => format!("{}-9M", self.year),
            PeriodKind::Year => self.year.to_string(),
        }
    }

    /// As the province's documents name it: `Quý I/2023`, `6 tháng đầu năm 2023`.
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Quarter => {
                let roman = ["I", "II", "III", "IV"][(self.part - 1) as usize];
                format!("Quý {roman}/{}", self.year)
            }
            PeriodKind::HalfYear => format!("6 tháng đầu năm {}", self.year),
            PeriodKind::NineMonths => format!("9 tháng đầu năm {}", self.year),
            PeriodKind::Year => format!("Năm {}", self.year),
        }
    }

    /// The period's last month (3, 6, 9 or 12).
    fn last_month(&self) -> u32 {
        match self.kind {
            PeriodKind::Quarter => self.part * 3,
            _ => self.part,
        }
    }

    /// The figures' window by Nghị định 09/2019, Art. 12: `(data_from, data_to)`.
    pub fn default_window(&self) -> (NaiveDate, NaiveDate) {
        let last = self.last_month();
        let to = NaiveDate::from_ymd_opt(self.year, last, 14).expect("the 14th exists");
        let first_month = match self.kind {
            PeriodKind::Quarter => last - 2,
            _ => 1,
        };
        let from = NaiveDate::from_ymd_opt(self.year, first_month, 15).expect("the 15th exists")
            - Months::new(1);
        (from, to)
    }
}

/// The default due day of the agencies' reports: the day after the figures close.
pub fn default_report_due_on(data_to: NaiveDate) -> NaiveDate {
    data_to + Days::new(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn window(kind: PeriodKind, value: &str) -> (NaiveDate, NaiveDate) {
        PeriodName::parse(kind, value).unwrap().default_window()
    }

    #[test]
    fn quarters_run_from_the_15th_before_to_the_14th_of_their_last_month() {
        assert_eq!(
            window(PeriodKind::Quarter, "2023-Q1"),
            (d(2022, 12, 15), d(2023, 3, 14)),
            "the first quarter starts in the previous year"
        );
        assert_eq!(
            window(PeriodKind::Quarter, "2023-Q2"),
            (d(2023, 3, 15), d(2023, 6, 14))
        );
        assert_eq!(
            window(PeriodKind::Quarter, "2023-Q3"),
            (d(2023, 6, 15), d(2023, 9, 14))
        );
        assert_eq!(
            window(PeriodKind::Quarter, "2023-Q4"),
            (d(2023, 9, 15), d(2023, 12, 14))
        );
    }

    #[test]
    fn half_year_nine_months_and_year_start_on_15_12_of_the_year_before() {
        assert_eq!(
            window(PeriodKind::HalfYear, "2023-H1"),
            (d(2022, 12, 15), d(2023, 6, 14))
        );
        assert_eq!(
            window(PeriodKind::NineMonths, "2023-9M"),
            (d(2022, 12, 15), d(2023, 9, 14))
        );
        assert_eq!(
            window(PeriodKind::Year, "2024"),
            (d(2023, 12, 15), d(2024, 12, 14))
        );
        assert_eq!(default_report_due_on(d(2024, 12, 14)), d(2024, 12, 15));
    }

    #[test]
    fn labels_are_written_as_provincial_documents_write_them() {
        let label = |k, v| PeriodName::parse(k, v).unwrap().label();
        assert_eq!(label(PeriodKind::Quarter, "2023-Q1"), "Quý I/2023");
        assert_eq!(label(PeriodKind::Quarter, "2023-Q2"), "Quý II/2023");
        assert_eq!(label(PeriodKind::Quarter, "2023-Q3"), "Quý III/2023");
        assert_eq!(label(PeriodKind::Quarter, "2023-Q4"), "Quý IV/2023");
        assert_eq!(
            label(PeriodKind::HalfYear, "2023-H1"),
            "6 tháng đầu năm 2023"
        );
        assert_eq!(
            label(PeriodKind::NineMonths, "2023-9M"),
            "9 tháng đầu năm 2023"
        );
        assert_eq!(label(PeriodKind::Year, "2023"), "Năm 2023");
    }

    #[test]
    fn a_value_must_fit_its_kind() {
        for (kind, bad) in [
            (PeriodKind::Quarter, "2023-Q5"),
            (PeriodKind::Quarter, "2023-Q0"),
            (PeriodKind::Quarter, "2023"),
            (PeriodKind::Quarter, "2023-H1"),
            (PeriodKind::HalfYear, "2023-H2"),
            (PeriodKind::NineMonths, "2023-Q3"),
            (PeriodKind::Year, "2023-Q1"),
            (PeriodKind::Year, "1999"),
            (PeriodKind::Year, "2101"),
            (PeriodKind::Year, "+202"),
            (PeriodKind::Year, "23"),
            (PeriodKind::Year, ""),
            (PeriodKind::Quarter, "Ⅱ023-Q1"),
            (PeriodKind::Quarter, "2é23-Q1"),
        ] {
            assert!(PeriodName::parse(kind, bad).is_err(), "{kind} {bad}");
        }
        for (kind, good) in [
            (PeriodKind::Year, "2000"),
            (PeriodKind::Year, "2100"),
            (PeriodKind::Quarter, "2100-Q4"),
        ] {
            let name = PeriodName::parse(kind, good).unwrap();
            assert_eq!(name.value(), good);
        }
    }
}
