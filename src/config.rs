//! Configuration from environment variables, parsed once at start-up.
//! A missing or malformed value is reported in one line naming the variable.

use std::net::{IpAddr, SocketAddr};
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
    /// Async connections each worker keeps for reading one task (`db::reads`).
    pub read_connections_per_worker: usize,
    pub tokens: TokenConfig,
    /// Where the client's address (the key of login throttling) comes from.
    pub client_address: ClientAddress,
    /// Password checks (Argon2, ~19 MiB and tens of milliseconds of a core
    /// each) that may run at once; a login beyond them is told to retry.
    pub login_concurrency: usize,
    /// Browser origins allowed to call the API (CORS); none by default.
    pub cors_origins: CorsOrigins,
    /// The daily reminder run and webhook targets.
    pub workers: crate::worker::WorkerConfig,
    /// Where browsers reach the service (`PUBLIC_URL`); https makes the web
    /// pages' cookies `Secure`.
    pub public_url: Option<url::Url>,
}

impl Config {
    /// Whether the web pages' cookies are `Secure`: when `PUBLIC_URL` is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }
}

/// Origins (`https://dashboard.example.gov.vn`) whose pages may call the API
/// from a browser. Exact matches only: no wildcards, no paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsOrigins(pub Vec<String>);

impl CorsOrigins {
    /// One origin as browsers send it: scheme, host, optional port; nothing else.
    pub fn parse_origin(text: &str) -> Option<String> {
        let (scheme, rest) = text.split_once("://")?;
        let host_ok = !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        (matches!(scheme, "http" | "https") && host_ok).then(|| text.to_ascii_lowercase())
    }

    pub fn allows(&self, origin: &str) -> bool {
        self.0.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }
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
        let read_connections_per_worker = parse_number(
            &get,
            "READ_CONNECTIONS_PER_WORKER",
            crate::db::reads::DEFAULT_PER_WORKER as i64,
            0,
            16,
        )? as usize;

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
        if get("TRUST_FORWARDED_FOR").is_some() {
            return Err(bad(
                "TRUST_FORWARDED_FOR",
                "is replaced by TRUSTED_PROXIES: list the proxies' addresses (CIDRs)",
            ));
        }
        let trusted_proxies = match get("TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(|c| {
                    Cidr::parse(c).ok_or_else(|| {
                        bad(
                            "TRUSTED_PROXIES",
                            format!("'{c}' is not an address or CIDR such as 10.0.0.0/8"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let cors_origins = match get("CORS_ORIGINS") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(|o| {
                    CorsOrigins::parse_origin(o).ok_or_else(|| {
                        bad(
                            "CORS_ORIGINS",
                            format!("'{o}' is not an origin such as https://dashboard.example.gov.vn (scheme and host, no path)"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let login_concurrency =
            parse_number(&get, "LOGIN_CONCURRENCY", cores.div_ceil(2) as i64, 1, 64)? as usize;
        let workers = workers(&get)?;
        let public_url = match get("PUBLIC_URL") {
            None => None,
            Some(text) => Some(
                url::Url::parse(text.trim())
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
                    .ok_or_else(|| {
                        bad(
                            "PUBLIC_URL",
                            "must be an http:// or https:// URL such as https://cchc.example.gov.vn",
                        )
                    })?,
            ),
        };
        Ok(Config {
            public_url,
            database_url,
            bind,
            data_dir,
            db_pool_size,
            read_connections_per_worker,
            tokens,
            client_address: ClientAddress { trusted_proxies },
            login_concurrency,
            cors_origins: CorsOrigins(cors_origins),
            workers,
        })
    }
}

/// `REMINDER_TIME` (HH:MM, province time), `REMINDER_DAYS` (e.g. `7,3,1`),
/// `WEBHOOK_ALLOW_HTTP`, `WEBHOOK_ALLOW_PRIVATE` (`true`/`false`).
fn workers(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<crate::worker::WorkerConfig, ConfigError> {
    let mut config = crate::worker::WorkerConfig::default();
    if let Some(time) = get("REMINDER_TIME") {
        config.reminder_time =
            chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M").map_err(|_| {
                bad(
                    "REMINDER_TIME",
                    format!("'{time}' is not a time such as 07:00"),
                )
            })?;
    }
    if let Some(days) = get("REMINDER_DAYS") {
        let parsed: Option<Vec<u32>> = days
            .split(',')
            .map(|d| d.trim().parse::<u32>().ok().filter(|d| *d <= 366))
            .collect();
        config.reminder_days = parsed.filter(|d| !d.is_empty()).ok_or_else(|| {
            bad(
                "REMINDER_DAYS",
                format!("'{days}' is not a list of days such as 7,3,1"),
            )
        })?;
    }
    let flag = |name: &'static str| match get(name).as_deref().map(str::trim) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(bad(name, format!("'{other}' is neither true nor false"))),
    };
    if let Some(url) = get("SMTP_URL") {
        lettre::SmtpTransport::from_url(url.trim())
            .map_err(|e| bad("SMTP_URL", format!("'{url}' is not an SMTP URL such as smtp://mail.example.gov.vn:587?tls=required: {e}")))?;
        let from = get("SMTP_FROM").unwrap_or_else(|| "cchc@localhost".into());
        from.parse::<lettre::message::Mailbox>()
            .map_err(|e| bad("SMTP_FROM", format!("'{from}' is not an address: {e}")))?;
        config.mail = Some(crate::worker::MailConfig {
            url: url.trim().to_string(),
            from,
        });
    }
    config.targets.allow_http = flag("WEBHOOK_ALLOW_HTTP")?;
    config.targets.allow_private = flag("WEBHOOK_ALLOW_PRIVATE")?;
    Ok(config)
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
        assert_eq!(c.read_connections_per_worker, 2);
    }

    #[test]
    fn reads_on_the_workers_own_connections_can_be_turned_off() {
        let off = from(&[("READ_CONNECTIONS_PER_WORKER", "0")]).unwrap();
        assert_eq!(off.read_connections_per_worker, 0);
        let most = from(&[("READ_CONNECTIONS_PER_WORKER", "16")]).unwrap();
        assert_eq!(most.read_connections_per_worker, 16);
        for bad in ["17", "-1", "two"] {
            assert_eq!(
                from(&[("READ_CONNECTIONS_PER_WORKER", bad)])
                    .unwrap_err()
                    .var,
                "READ_CONNECTIONS_PER_WORKER"
            );
        }
    }

    #[test]
    fn an_https_public_url_makes_the_pages_cookies_secure() {
        assert!(!from(&[]).unwrap().secure_cookies());
        let http = from(&[("PUBLIC_URL", "http://127.0.0.1:8080")]).unwrap();
        assert!(!http.secure_cookies());
        let https = from(&[("PUBLIC_URL", "https://cchc.example.gov.vn")]).unwrap();
        assert!(https.secure_cookies());
        for bad in [
            "cchc.example.gov.vn",
            "ftp://cchc.example.gov.vn",
            "https://",
        ] {
            assert_eq!(
                from(&[("PUBLIC_URL", bad)]).unwrap_err().var,
                "PUBLIC_URL",
                "{bad}"
            );
        }
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
            from(&[("TRUST_FORWARDED_FOR", "true")]).unwrap_err().var,
            "TRUST_FORWARDED_FOR"
        );
        assert_eq!(
            from(&[("TRUSTED_PROXIES", "10.0.0.0/33")]).unwrap_err().var,
            "TRUSTED_PROXIES"
        );
        let proxies = from(&[("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7,::1/128")])
            .unwrap()
            .client_address
            .trusted_proxies;
        assert_eq!(proxies.len(), 3);
    }
}

/// An address range, `10.0.0.0/8` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Cidr {
            network: addr,
            prefix,
        })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        fn masked(bits: u128, width: u32, prefix: u8) -> u128 {
            if prefix == 0 {
                0
            } else {
                bits >> (width - u32::from(prefix))
            }
        }
        match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                masked(u32::from(n).into(), 32, self.prefix)
                    == masked(u32::from(a).into(), 32, self.prefix)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                masked(u128::from(n), 128, self.prefix) == masked(u128::from(a), 128, self.prefix)
            }
            _ => false,
        }
    }
}

/// Where the client's address (for login throttling) comes from: the TCP
/// peer, unless the peer is a trusted proxy; then the right-most
/// `X-Forwarded-For` hop that is not itself a trusted proxy (hops to its left
/// were written by the client and prove nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientAddress {
    pub trusted_proxies: Vec<Cidr>,
}

impl ClientAddress {
    fn trusted(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|c| c.contains(ip))
    }

    /// The client's address, given the TCP peer and the `X-Forwarded-For` values in order.
    pub fn resolve<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl Iterator<Item = &'a str>,
    ) -> IpAddr {
        if !self.trusted(peer) {
            return peer;
        }
        let hops: Vec<IpAddr> = forwarded_for
            .flat_map(|v| v.split(','))
            .filter_map(|h| parse_hop(h.trim()))
            .collect();
        hops.iter()
            .rev()
            .find(|ip| !self.trusted(**ip))
            .or(hops.first())
            .copied()
            .unwrap_or(peer)
    }
}

/// An `X-Forwarded-For` hop: an address, possibly with a port or in brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.trim_start_matches('[')
                .split(']')
                .next()
                .and_then(|h| h.parse().ok())
        })
}

#[cfg(test)]
mod address_tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_client_is_the_rightmost_hop_not_a_trusted_proxy() {
        let behind = ClientAddress {
            trusted_proxies: vec![Cidr::parse("10.0.0.0/8").unwrap()],
        };
        let proxy = ip("10.1.2.3");
        // the attacker wrote the left-most value; the proxy appended the real one
        let hops = ["6.6.6.6, 203.0.113.9"];
        assert_eq!(behind.resolve(proxy, hops.into_iter()), ip("203.0.113.9"));
        // a chain of trusted proxies is skipped
        let hops = ["203.0.113.9, 10.0.0.5"];
        assert_eq!(behind.resolve(proxy, hops.into_iter()), ip("203.0.113.9"));
        // a peer that is not a trusted proxy is the client, whatever it claims
        let hops = ["203.0.113.9"];
        assert_eq!(
            behind.resolve(ip("198.51.100.1"), hops.into_iter()),
            ip("198.51.100.1")
        );
        // without trusted proxies the header is ignored
        let direct = ClientAddress::default();
        assert_eq!(direct.resolve(proxy, ["1.2.3.4"].into_iter()), proxy);
    }

    #[test]
    fn cidrs_match_their_prefix_only() {
        let net = Cidr::parse("192.168.4.0/22").unwrap();
        assert!(net.contains(ip("192.168.7.255")));
        assert!(!net.contains(ip("192.168.8.0")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(Cidr::parse("::1").unwrap().contains(ip("::1")));
        assert!(!Cidr::parse("::1").unwrap().contains(ip("127.0.0.1")));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
    }
}
