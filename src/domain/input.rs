//! Parsing of free input: each request body is checked once, every problem
//! collected with its field name, before anything touches the database.

use crate::error::{ApiError, FieldError};

/// Collects field errors while a request body is parsed.
#[derive(Debug, Default)]
pub struct Checker {
    errors: Vec<FieldError>,
}

/// Characters that have no place in an official's text (NUL among them, which
/// PostgreSQL refuses): control characters other than line breaks and tabs.
fn has_forbidden_chars(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

impl Checker {
    pub fn new() -> Checker {
        Checker::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// A required text: trimmed, 1..=max characters, no control characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.add(field, "must not be empty");
        } else {
            self.check_content(field, trimmed, max);
        }
        trimmed.to_string()
    }

    /// An optional text: empty means absent.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        let trimmed = value.map(str::trim).filter(|v| !v.is_empty())?;
        self.check_content(field, trimmed, max);
        Some(trimmed.to_string())
    }

    fn check_content(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        } else if has_forbidden_chars(value) {
            self.add(field, "must not contain control characters");
        }
    }

    /// A human code such as `SNV`, `CCHC-2023`, `NV01`: upper-case letters, digits, `.`, `_`, `-`.
    pub fn code(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim().to_uppercase();
        let ok = !v.is_empty()
            && v.len() <= max
            && v.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !ok {
            self.add(field, format!("must be 1-{max} letters, digits, '.', '_' or '-', starting with a letter or digit"));
        }
        v
    }

    pub fn percent(&mut self, field: &str, value: i64) -> i16 {
        if !(0..=100).contains(&value) {
            self.add(field, "must be between 0 and 100");
            return 0;
        }
        value as i16
    }

    /// An optional http(s) link.
    pub fn url(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let v = self.optional_text(field, value, 2000)?;
        let lower = v.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"));
        match rest {
            Some(host) if !host.is_empty() && !v.contains(char::is_whitespace) => Some(v),
            _ => {
                self.add(field, "must be an http:// or https:// link");
                None
            }
        }
    }

    /// A date within the years this system deals with.
    pub fn date_in_range(&mut self, field: &str, value: chrono::NaiveDate) -> chrono::NaiveDate {
        use chrono::Datelike;
        if !(2000..=2100).contains(&value.year()) {
            self.add(field, "must be a date between 2000 and 2100");
        }
        value
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Ends the check: `Err(400)` naming every offending field, or `Ok`.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_nul_overlong_and_bad_links() {
        let mut c = Checker::new();
        c.text("summary", "a\u{0}b", 100);
        c.text("title", &"x".repeat(11), 10);
        c.url("evidence[0].url", Some("javascript:alert(1)"));
        c.percent("progress_percent", 101);
        c.code("code", "bad code", 20);
        let err = c.finish().unwrap_err();
        match err {
            ApiError::BadRequest { errors, .. } => {
                let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(
                    fields,
                    [
                        "summary",
                        "title",
                        "evidence[0].url",
                        "progress_percent",
                        "code"
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn accepts_vietnamese_text_and_https_links() {
        let mut c = Checker::new();
        assert_eq!(
            c.text("t", "  Kế hoạch số 45/KH-UBND\n", 100),
            "Kế hoạch số 45/KH-UBND"
        );
        assert_eq!(
            c.url("u", Some("https://khanhhoa.gov.vn/x")).as_deref(),
            Some("https://khanhhoa.gov.vn/x")
        );
        assert_eq!(c.code("c", "nv01", 20), "NV01");
        assert!(c.is_ok());
    }
}
