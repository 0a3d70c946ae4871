//! Configuration from environment variables, parsed once at start-up.
//! A missing or malformed value is reported in one line naming the variable.

use std::net::SocketAddr;
use std::path::PathBuf;

/// How tokens are signed and checked.
#[derive(Clone)]
pub struct TokenConfig {
    /// HS256 secret; at least 32 bytes. `None` means "generate one in the data folder" (local mode).
    pub secret: Option<Vec<u8>>,
    pub issuer: String,
    pub audience: String,
    pub access_ttl_seconds: i64,
    pub refresh_ttl_seconds: i64,
}

impl std::fmt::Debug for TokenConfig {
    // Never print the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenConfig")
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_ttl_seconds", &self.access_ttl_seconds)
            .field("refresh_ttl_seconds", &self.refresh_ttl_seconds)
            .finish()
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    /// `None`: run a private PostgreSQL cluster under `data_dir`.
    pub database_url: Option<String>,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub db_pool_size: u32,
    pub tokens: TokenConfig,
    /// Take the client's address for login throttling from `Forwarded` /
    /// `X-Forwarded-For`: only behind a proxy that sets those headers itself.
    pub trust_forwarded_for: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {var}: {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

fn bad(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        problem: problem.into(),
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests can supply their own variables.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let database_url = match get("DATABASE_URL") {
            None => None,
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Some(url)
            }
            Some(_) => {
                return Err(bad(
                    "DATABASE_URL",
                    "must be a postgres:// or postgresql:// URL",
                ))
            }
        };
        let bind = match get("BIND") {
            None => "127.0.0.1:8080".parse().expect("default address parses"),
            Some(v) => v.parse().map_err(|_| {
                bad(
                    "BIND",
                    format!("'{v}' is not an address such as 127.0.0.1:8080"),
                )
            })?,
        };
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let db_pool_size = parse_number(&get, "DB_POOL_SIZE", 8, 1, 200)? as u32;

        let secret = match get("JWT_SECRET") {
            None => None,
            Some(s) if s.len() < 32 => {
                return Err(bad(
                    "JWT_SECRET",
                    format!("is {} bytes long; at least 32 are required", s.len()),
                ))
            }
            Some(s) => Some(s.into_bytes()),
        };
        if secret.is_none() && database_url.is_some() {
            return Err(bad(
                "JWT_SECRET",
                "is required when DATABASE_URL is set (every node must share it); use at least 32 random bytes",
            ));
        }
        let tokens = TokenConfig {
            secret,
            issuer: get("JWT_ISSUER").unwrap_or_else(|| "par-tracker".into()),
            audience: get("JWT_AUDIENCE").unwrap_or_else(|| "par-tracker-api".into()),
            access_ttl_seconds: parse_number(&get, "ACCESS_TOKEN_TTL_SECONDS", 900, 30, 86_400)?,
            refresh_ttl_seconds: parse_number(
                &get,
                "REFRESH_TOKEN_TTL_SECONDS",
                1_209_600,
                300,
                31_536_000,
            )?,
        };
        let trust_forwarded_for = match get("TRUST_FORWARDED_FOR").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => {
                return Err(bad(
                    "TRUST_FORWARDED_FOR",
                    format!("'{other}' is not true or false"),
                ))
            }
        };
        Ok(Config {
            database_url,
            bind,
            data_dir,
            db_pool_size,
            tokens,
            trust_forwarded_for,
        })
    }
}

fn parse_number(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(bad(
                var,
                format!("'{v}' is not a whole number from {min} to {max}"),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_run_locally() {
        let c = from(&[]).unwrap();
        assert!(c.database_url.is_none());
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.tokens.access_ttl_seconds, 900);
    }

    #[test]
    fn malformed_values_name_the_variable() {
        assert_eq!(from(&[("BIND", "nowhere")]).unwrap_err().var, "BIND");
        assert_eq!(
            from(&[("DATABASE_URL", "mysql://x")]).unwrap_err().var,
            "DATABASE_URL"
        );
        assert_eq!(
            from(&[("JWT_SECRET", "short")]).unwrap_err().var,
            "JWT_SECRET"
        );
        assert_eq!(
            from(&[("DATABASE_URL", "postgres://h/db")])
                .unwrap_err()
                .var,
            "JWT_SECRET"
        );
        assert_eq!(
            from(&[("ACCESS_TOKEN_TTL_SECONDS", "0")]).unwrap_err().var,
            "ACCESS_TOKEN_TTL_SECONDS"
        );
        assert_eq!(
            from(&[("TRUST_FORWARDED_FOR", "yes please")])
                .unwrap_err()
                .var,
            "TRUST_FORWARDED_FOR"
        );
        assert!(
            from(&[("TRUST_FORWARDED_FOR", "true")])
                .unwrap()
                .trust_forwarded_for
        );
    }
}

/// Where the client's address (for login throttling) comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAddress {
    /// The TCP peer: right when clients connect directly.
    #[default]
    Peer,
    /// `Forwarded` / `X-Forwarded-For`: right only behind a proxy that sets them.
    Forwarded,
}
