//! Where "now" comes from: the system clock, or a fixed instant in tests, so
//! that "today in the province" (UTC+7) can be set on either side of midnight.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::overdue::province_date;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Clock {
    #[default]
    System,
    /// Always this instant (tests).
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(at) => at,
        }
    }

    /// Today in Asia/Ho_Chi_Minh.
    pub fn today(self) -> NaiveDate {
        province_date(self.now())
    }
}
