//! Text input types that parse once (parse, don't validate): a value of one
//! of these types is known to be within its length, free of control
//! characters and, for codes and names, of the right shape. Each carries its
//! rule into the OpenAPI spec too, so clients validate exactly as we do.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

/// Some visible character, and no control characters other than tab and line breaks.
pub const TEXT_PATTERN: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

fn is_forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

/// Checks free text: 1..=max characters, something visible, no control characters.
/// Returns it trimmed.
pub fn parse_text(value: &str, max: usize) -> Result<String, String> {
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if value.chars().any(is_forbidden) {
        return Err("must not contain control characters".into());
    }
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("must not be empty".into());
    }
    Ok(trimmed.to_string())
}

fn string_schema(
    description: &str,
    min: Option<usize>,
    max: usize,
    pattern: &str,
    format: Option<&str>,
) -> RefOr<Schema> {
    let mut builder = ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .min_length(min)
        .max_length(Some(max))
        .pattern(Some(pattern));
    if let Some(format) = format {
        builder = builder.format(Some(utoipa::openapi::SchemaFormat::Custom(
            format.to_string(),
        )));
    }
    RefOr::T(Schema::Object(builder.build()))
}

macro_rules! string_type {
    ($(#[$meta:meta])* $name:ident, $max:expr, $min:expr, $pattern:expr, $format:expr, $parse:expr, $doc:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MAX: usize = $max;

            pub fn parse(value: &str) -> Result<$name, String> {
                let parse: fn(&str) -> Result<String, String> = $parse;
                parse(value).map($name)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let raw = Cow::<str>::deserialize(d)?;
                $name::parse(&raw).map_err(serde::de::Error::custom)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                string_schema($doc, $min, $max, $pattern, $format)
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

macro_rules! text_type {
    ($(#[$meta:meta])* $name:ident, $max:expr) => {
        string_type!(
            $(#[$meta])* $name, $max, Some(1), TEXT_PATTERN, None,
            |v| parse_text(v, $max),
            concat!("Free text, 1-", stringify!($max), " characters (trimmed), no control characters other than tabs and line breaks.")
        );
    };
}

text_type!(
    /// A name: of an agency, an issuer.
    Name, 300
);
text_type!(
    /// A person's or account's display name.
    DisplayName, 200
);
text_type!(
    /// A plan's title or programme.
    PlanTitle, 500
);
text_type!(
    /// A title: of an objective, a task, a document.
    Title, 1000
);
text_type!(
    /// A task's expected output.
    OutputText, 2000
);
text_type!(
    /// A summary, reason or comment.
    LongText, 5000
);
text_type!(
    /// A document number and symbol, e.g. `123/QĐ-UBND`.
    DocumentNumber, 100
);
text_type!(
    /// A section of an agency's period report: results, limitations, causes, next steps.
    ReportSection, 20000
);

const CODE_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._-]*$";

fn parse_code(value: &str, max: usize) -> Result<String, String> {
    let ok = !value.is_empty()
        && value.len() <= max
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(value.to_ascii_uppercase())
    } else {
        Err(format!(
            "must be 1-{max} letters, digits, '.', '_' or '-', starting with a letter or digit"
        ))
    }
}

string_type!(
    /// A human code (`SNV`, `CCHC-2023`, `NV12`), stored upper-case.
    Code, 40, Some(1), CODE_PATTERN, None,
    |v| parse_code(v, 40),
    "A human code: 1-40 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit; stored upper-case."
);

string_type!(
    /// A username: lower-case letters, digits, `.`, `_`, `-`.
    Username, 64, Some(2), "^[a-z0-9][a-z0-9._-]{1,63}$", None,
    |v| {
        let ok = (2..=64).contains(&v.len())
            && v.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && v.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if ok { Ok(v.to_string()) } else { Err("must be 2-64 lower-case letters, digits, '.', '_' or '-'".into()) }
    },
    "2-64 lower-case ASCII letters, digits, '.', '_' or '-', starting with a letter or digit."
);

string_type!(
    /// An e-mail address (where notifications are mailed).
    EmailAddress, 254, Some(3), "^[^@\\s\\u0000-\\u001F\\u007F-\\u009F]+@[^@\\s\\u0000-\\u001F\\u007F-\\u009F]+$", None,
    |v| {
        let part_ok = |p: &str| !p.is_empty() && !p.chars().any(|c| c == '@' || c.is_whitespace() || c.is_control());
        let ok = v.chars().count() <= 254 && v.split_once('@').is_some_and(|(local, domain)| part_ok(local) && part_ok(domain));
        if ok { Ok(v.to_string()) } else { Err("must be an e-mail address such as dau-moi@stp.khanhhoa.gov.vn".into()) }
    },
    "An e-mail address: one `@` between two non-empty parts, no spaces."
);

string_type!(
    /// A new password.
    Password, 1024, Some(10), "^[\\s\\S]*$", Some("password"),
    |v| {
        let n = v.chars().count();
        if (10..=1024).contains(&n) { Ok(v.to_string()) } else { Err("must be 10 to 1024 characters".into()) }
    },
    "10 to 1024 characters."
);

string_type!(
    /// An http(s) link.
    HttpUrl, 2000, Some(8), "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s\\u0000-\\u001F\\u007F-\\u009F]+$", Some("uri"),
    |v| {
        let lower = v.get(..8).unwrap_or(v).to_ascii_lowercase();
        let rest = if lower.starts_with("https://") { &v[8..] } else if lower.starts_with("http://") { &v[7..] } else { "" };
        let ok = v.chars().count() <= 2000 && !rest.is_empty() && !rest.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok { Ok(v.to_string()) } else { Err("must be an http:// or https:// link".into()) }
    },
    "An http:// or https:// link, up to 2000 characters."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(
            Title::parse("  Kế hoạch số 45/KH-UBND\n").unwrap().as_str(),
            "Kế hoạch số 45/KH-UBND"
        );
        assert!(Title::parse("a\u{0}b").is_err());
        assert!(Title::parse("a\u{9c}b").is_err());
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse("").is_err());
        assert!(Title::parse(&"x".repeat(1001)).is_err());
        assert!(Title::parse("dòng 1\ndòng 2\tcột").is_ok());
    }

    #[test]
    fn codes_usernames_and_links() {
        assert_eq!(Code::parse("nv01").unwrap().as_str(), "NV01");
        assert!(Code::parse(" NV01").is_err());
        assert!(Code::parse("NV 01").is_err());
        assert!(Username::parse("snv").is_ok());
        assert!(Username::parse("SNV").is_err());
        assert!(HttpUrl::parse("https://khanhhoa.gov.vn/x").is_ok());
        assert!(HttpUrl::parse("HTTP://khanhhoa.gov.vn").is_ok());
        assert!(HttpUrl::parse("javascript:alert(1)").is_err());
        assert!(HttpUrl::parse("https://").is_err());
        assert!(HttpUrl::parse("https://a b").is_err());
        assert!(Password::parse("short").is_err());
    }

    #[test]
    fn text_may_be_exactly_as_long_as_its_limit_in_characters() {
        assert!(Title::parse(&"x".repeat(Title::MAX)).is_ok());
        // characters, not bytes: "ế" is three bytes in UTF-8
        assert!(Title::parse(&"ế".repeat(Title::MAX)).is_ok());
        assert!(Title::parse(&"ế".repeat(Title::MAX + 1)).is_err());
        assert!(DocumentNumber::parse(&"9".repeat(100)).is_ok());
        assert!(DocumentNumber::parse(&"9".repeat(101)).is_err());
    }
}
