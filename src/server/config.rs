//! Service configuration: every option has a long flag, a `SCRUTINEER_*` environment variable
//! and a default; an optional TOML file sits under them. Precedence: flag > env > file >
//! default. The whole configuration is validated before anything starts.

use crate::codes::Code;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use serde::Deserialize;

/// Command-line and environment options; `None` means "not given here".
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ServeArgs {
    /// A TOML file with any of the options below (flag and env values win over it).
    #[arg(long, env = "SCRUTINEER_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address and port to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "SCRUTINEER_BIND")]
    pub bind: Option<SocketAddr>,
    /// Data directory: log segments, index, service records [default: ./data].
    #[arg(long, env = "SCRUTINEER_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Keys directory; private keys are created here with mode 0600 [default: ./keys].
    #[arg(long, env = "SCRUTINEER_KEYS_DIR")]
    pub keys_dir: Option<PathBuf>,
    /// TLS certificate chain (PEM). With --tls-key, serves HTTPS (rustls, ring provider).
    #[arg(long, env = "SCRUTINEER_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "SCRUTINEER_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Most ballots committed with one fdatasync [default: 512].
    #[arg(long, env = "SCRUTINEER_BATCH_MAX")]
    pub batch_max: Option<usize>,
    /// Longest a commit batch waits for more ballots, in milliseconds [default: 2].
    #[arg(long, env = "SCRUTINEER_BATCH_WAIT_MS")]
    pub batch_wait_ms: Option<u64>,
    /// Largest request body, in bytes [default: 8388608].
    #[arg(long, env = "SCRUTINEER_REQUEST_BYTES_MAX")]
    pub request_bytes_max: Option<usize>,
    /// HTTP worker threads, 0 = one per core [default: 0].
    #[arg(long, env = "SCRUTINEER_WORKERS")]
    pub workers: Option<usize>,
    /// Login attempts per client address per minute [default: 10].
    #[arg(long, env = "SCRUTINEER_LOGINS_PER_MINUTE")]
    pub logins_per_minute: Option<u32>,
    /// Kiosk pairing attempts per client address per minute [default: 10].
    #[arg(long, env = "SCRUTINEER_PAIRINGS_PER_MINUTE")]
    pub pairings_per_minute: Option<u32>,
    /// Token checks (kiosk ballot fetch) per client address per minute [default: 120].
    #[arg(long, env = "SCRUTINEER_TOKEN_CHECKS_PER_MINUTE")]
    pub token_checks_per_minute: Option<u32>,
    /// Receipt lookups per client address per minute [default: 60].
    #[arg(long, env = "SCRUTINEER_RECEIPTS_PER_MINUTE")]
    pub receipts_per_minute: Option<u32>,
    /// Log exports per client address per minute [default: 4].
    #[arg(long, env = "SCRUTINEER_EXPORTS_PER_MINUTE")]
    pub exports_per_minute: Option<u32>,
    /// Exports streamed at the same time, from all clients; as many again for auditors',
    /// organisers' and tellers' sessions, which public downloads cannot take [default: 2].
    #[arg(long, env = "SCRUTINEER_EXPORTS_CONCURRENT_MAX")]
    pub exports_concurrent_max: Option<u32>,
    /// Stateless tallies (POST /api/v1/tally, public; the organiser page's spec check) per
    /// client address per minute [default: 120].
    #[arg(long, env = "SCRUTINEER_TALLIES_PER_MINUTE")]
    pub tallies_per_minute: Option<u32>,
    /// Session lifetime, in hours [default: 12].
    #[arg(long, env = "SCRUTINEER_SESSION_HOURS")]
    pub session_hours: Option<u64>,
    /// A paired kiosk's credential lifetime, in hours [default: until 24:00 (UTC+8) of the
    /// election day when that is ahead, else 24].
    #[arg(long, env = "SCRUTINEER_KIOSK_SESSION_HOURS")]
    pub kiosk_session_hours: Option<u64>,
    /// Wrong tries a pairing code survives; the last one kills it [default: 5].
    #[arg(long, env = "SCRUTINEER_PAIRING_TRIES_PER_CODE")]
    pub pairing_tries_per_code: Option<u32>,
    /// Wrong pairing codes per minute from all clients together, after which wrong codes are
    /// refused for the rest of the minute (a right one still pairs) [default: 30].
    #[arg(long, env = "SCRUTINEER_PAIRING_FAILURES_PER_MINUTE")]
    pub pairing_failures_per_minute: Option<u32>,
    /// Spare slips per pool, as a percentage of the roll [default: 5].
    #[arg(long, env = "SCRUTINEER_POOL_SPARE_PERCENT")]
    pub pool_spare_percent: Option<u64>,
    /// Addresses of reverse proxies (nginx) whose `X-Forwarded-For` names the real client, so
    /// per-client rate limits apply per kiosk or browser, not to the proxy as one client.
    /// Comma-separated; from anyone else the header is ignored [default: none].
    #[arg(long, env = "SCRUTINEER_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,
    // --- Limits at the edge (issue 11): connections, timeouts, the public address -------------
    /// Longest a client may take to send a request's head (line and headers), in milliseconds;
    /// slower connections get 408 and are closed [default: 5000].
    #[arg(long, env = "SCRUTINEER_REQUEST_HEAD_TIMEOUT_MS")]
    pub request_head_timeout_ms: Option<u64>,
    /// Longest a client may take to send a request's whole body once its head has arrived, in
    /// seconds; slower bodies get 408 `body_timeout` and the connection is closed [default: 30].
    #[arg(long, env = "SCRUTINEER_BODY_READ_TIMEOUT_SECONDS")]
    pub body_read_timeout_seconds: Option<u64>,
    /// Longest a client may leave a streamed export unread, in seconds; then the export is
    /// cut and its place among `exports_concurrent_max` freed for others [default: 60].
    #[arg(long, env = "SCRUTINEER_RESPONSE_STALL_SECONDS")]
    pub response_stall_seconds: Option<u64>,
    /// How long an idle keep-alive connection stays open between requests, in seconds; 0 closes
    /// every connection after its response [default: 5].
    #[arg(long, env = "SCRUTINEER_KEEP_ALIVE_SECONDS")]
    pub keep_alive_seconds: Option<u64>,
    /// Open connections from one peer address; requests on connections beyond it get 429
    /// `too_many_connections` and the connection is closed. 0 = no cap. Trusted proxies are
    /// exempt [default: 256].
    #[arg(long, env = "SCRUTINEER_CONNECTIONS_PER_CLIENT_MAX")]
    pub connections_per_client_max: Option<u32>,
    /// Open connections from all clients together; beyond it the service stops accepting until
    /// one closes. Lowered at start-up to fit the open-file limit (`ulimit -n`) [default: 4096].
    #[arg(long, env = "SCRUTINEER_CONNECTIONS_MAX")]
    pub connections_max: Option<usize>,
    /// The service's public address as voters and observers reach it, e.g.
    /// `https://vote.example.gov.cn`: the results board's QR code links there. Without it links
    /// use the bind address, never a client's Host or X-Forwarded-Host [default: none].
    #[arg(long, env = "SCRUTINEER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The hall's time zone, for every time the pages and messages show: an IANA name China
    /// uses (`Asia/Shanghai`, `Asia/Urumqi`, `Asia/Hong_Kong`, `Asia/Macau`, `Asia/Taipei`),
    /// `UTC`, or a fixed offset such as `+08:00` [default: Asia/Shanghai].
    #[arg(long, env = "SCRUTINEER_TIMEZONE")]
    pub timezone: Option<String>,
    // --- end of the edge limits ---------------------------------------------------------------
    /// Load a sample township party congress with an account for every role (for trying it out).
    #[arg(long, env = "SCRUTINEER_DEMO")]
    pub demo: bool,
    /// Test only: send session cookies without the Secure flag even over TLS.
    #[arg(long, env = "SCRUTINEER_INSECURE_COOKIES", hide = true)]
    pub insecure_cookies: bool,
}

/// The same options as a TOML file.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    keys_dir: Option<PathBuf>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    batch_max: Option<usize>,
    batch_wait_ms: Option<u64>,
    request_bytes_max: Option<usize>,
    workers: Option<usize>,
    logins_per_minute: Option<u32>,
    pairings_per_minute: Option<u32>,
    token_checks_per_minute: Option<u32>,
    receipts_per_minute: Option<u32>,
    exports_per_minute: Option<u32>,
    exports_concurrent_max: Option<u32>,
    tallies_per_minute: Option<u32>,
    session_hours: Option<u64>,
    kiosk_session_hours: Option<u64>,
    pairing_tries_per_code: Option<u32>,
    pairing_failures_per_minute: Option<u32>,
    pool_spare_percent: Option<u64>,
    trusted_proxies: Option<Vec<IpAddr>>,
    // Limits at the edge (issue 11).
    request_head_timeout_ms: Option<u64>,
    body_read_timeout_seconds: Option<u64>,
    response_stall_seconds: Option<u64>,
    keep_alive_seconds: Option<u64>,
    connections_per_client_max: Option<u32>,
    connections_max: Option<usize>,
    public_url: Option<String>,
    timezone: Option<String>,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub keys_dir: PathBuf,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub batch_max: usize,
    pub batch_wait_ms: u64,
    pub request_bytes_max: usize,
    pub workers: usize,
    pub logins_per_minute: u32,
    pub pairings_per_minute: u32,
    pub token_checks_per_minute: u32,
    pub receipts_per_minute: u32,
    pub exports_per_minute: u32,
    pub exports_concurrent_max: u32,
    pub tallies_per_minute: u32,
    pub session_hours: u64,
    /// `None`: until the end of the election day (see [`ServeArgs::kiosk_session_hours`]).
    pub kiosk_session_hours: Option<u64>,
    pub pairing_tries_per_code: u32,
    pub pairing_failures_per_minute: u32,
    pub pool_spare_percent: u64,
    pub trusted_proxies: Vec<IpAddr>,
    // Limits at the edge (issue 11).
    pub request_head_timeout_ms: u64,
    pub body_read_timeout_seconds: u64,
    pub response_stall_seconds: u64,
    pub keep_alive_seconds: u64,
    /// 0 = no cap.
    pub connections_per_client_max: u32,
    pub connections_max: usize,
    /// Without a trailing slash.
    pub public_url: Option<String>,
    /// The hall's time zone: its name and its offset from UTC in minutes.
    pub timezone: (String, i32),
    pub demo: bool,
    pub secure_cookies: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            keys_dir: PathBuf::from("./keys"),
            tls: None,
            batch_max: crate::ledger::BATCH_MAX_DEFAULT,
            batch_wait_ms: crate::ledger::BATCH_WAIT_MS_DEFAULT,
            request_bytes_max: 8 * 1024 * 1024,
            workers: 0,
            logins_per_minute: 10,
            pairings_per_minute: 10,
            token_checks_per_minute: 120,
            receipts_per_minute: 60,
            exports_per_minute: 4,
            exports_concurrent_max: 2,
            tallies_per_minute: 120,
            session_hours: 12,
            kiosk_session_hours: None,
            pairing_tries_per_code: 5,
            pairing_failures_per_minute: 30,
            pool_spare_percent: 5,
            trusted_proxies: Vec::new(),
            request_head_timeout_ms: 5_000,
            body_read_timeout_seconds: 30,
            response_stall_seconds: 60,
            keep_alive_seconds: 5,
            connections_per_client_max: 256,
            connections_max: 4096,
            public_url: None,
            timezone: ("Asia/Shanghai".into(), 480),
            demo: false,
            secure_cookies: false,
        }
    }
}

/// Why the service's configuration cannot be used; each with a stable code. The service
/// does not start, and says which flag or file to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("--config {path}: {detail}")]
    File { path: String, detail: String },
    #[error("--tls-cert and --tls-key go together: give both or neither")]
    TlsPair,
    #[error("--timezone {0:?}: not a time zone this service knows (Asia/Shanghai, Asia/Urumqi, Asia/Hong_Kong, Asia/Macau, Asia/Taipei, UTC, or an offset like +08:00)")]
    Timezone(String),
    #[error("配置无效 / invalid configuration:\n  {}", .0.join("\n  "))]
    Invalid(Vec<String>),
}

impl ConfigError {
    pub fn code(&self) -> Code {
        match self {
            ConfigError::File { .. } => Code::ConfigFile,
            ConfigError::TlsPair => Code::ConfigTlsPair,
            ConfigError::Timezone(_) => Code::ConfigTimezone,
            ConfigError::Invalid(_) => Code::ConfigInvalid,
        }
    }
}

impl Config {
    /// Merges flags, environment and the optional file, and validates the result.
    pub fn load(args: &ServeArgs) -> Result<Config, ConfigError> {
        let file = match &args.config {
            None => FileConfig::default(),
            Some(p) => {
                let file_err = |detail: String| ConfigError::File {
                    path: p.display().to_string(),
                    detail,
                };
                let text = std::fs::read_to_string(p).map_err(|e| file_err(e.to_string()))?;
                toml::from_str(&text).map_err(|e| file_err(e.to_string()))?
            }
        };
        let d = Config::default();
        let tls_cert = args.tls_cert.clone().or(file.tls_cert);
        let tls_key = args.tls_key.clone().or(file.tls_key);
        let tls = match (tls_cert, tls_key) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => None,
            _ => return Err(ConfigError::TlsPair),
        };
        let c = Config {
            bind: args.bind.or(file.bind).unwrap_or(d.bind),
            data_dir: args
                .data_dir
                .clone()
                .or(file.data_dir)
                .unwrap_or(d.data_dir),
            keys_dir: args
                .keys_dir
                .clone()
                .or(file.keys_dir)
                .unwrap_or(d.keys_dir),
            secure_cookies: tls.is_some() && !args.insecure_cookies,
            tls,
            batch_max: args.batch_max.or(file.batch_max).unwrap_or(d.batch_max),
            batch_wait_ms: args
                .batch_wait_ms
                .or(file.batch_wait_ms)
                .unwrap_or(d.batch_wait_ms),
            request_bytes_max: args
                .request_bytes_max
                .or(file.request_bytes_max)
                .unwrap_or(d.request_bytes_max),
            workers: args.workers.or(file.workers).unwrap_or(d.workers),
            logins_per_minute: args
                .logins_per_minute
                .or(file.logins_per_minute)
                .unwrap_or(d.logins_per_minute),
            pairings_per_minute: args
                .pairings_per_minute
                .or(file.pairings_per_minute)
                .unwrap_or(d.pairings_per_minute),
            token_checks_per_minute: args
                .token_checks_per_minute
                .or(file.token_checks_per_minute)
                .unwrap_or(d.token_checks_per_minute),
            receipts_per_minute: args
                .receipts_per_minute
                .or(file.receipts_per_minute)
                .unwrap_or(d.receipts_per_minute),
            exports_per_minute: args
                .exports_per_minute
                .or(file.exports_per_minute)
                .unwrap_or(d.exports_per_minute),
            tallies_per_minute: args
                .tallies_per_minute
                .or(file.tallies_per_minute)
                .unwrap_or(d.tallies_per_minute),
            exports_concurrent_max: args
                .exports_concurrent_max
                .or(file.exports_concurrent_max)
                .unwrap_or(d.exports_concurrent_max),
            session_hours: args
                .session_hours
                .or(file.session_hours)
                .unwrap_or(d.session_hours),
            kiosk_session_hours: args.kiosk_session_hours.or(file.kiosk_session_hours),
            pairing_tries_per_code: args
                .pairing_tries_per_code
                .or(file.pairing_tries_per_code)
                .unwrap_or(d.pairing_tries_per_code),
            pairing_failures_per_minute: args
                .pairing_failures_per_minute
                .or(file.pairing_failures_per_minute)
                .unwrap_or(d.pairing_failures_per_minute),
            pool_spare_percent: args
                .pool_spare_percent
                .or(file.pool_spare_percent)
                .unwrap_or(d.pool_spare_percent),
            trusted_proxies: if args.trusted_proxies.is_empty() {
                file.trusted_proxies.unwrap_or(d.trusted_proxies)
            } else {
                args.trusted_proxies.clone()
            },
            request_head_timeout_ms: args
                .request_head_timeout_ms
                .or(file.request_head_timeout_ms)
                .unwrap_or(d.request_head_timeout_ms),
            body_read_timeout_seconds: args
                .body_read_timeout_seconds
                .or(file.body_read_timeout_seconds)
                .unwrap_or(d.body_read_timeout_seconds),
            response_stall_seconds: args
                .response_stall_seconds
                .or(file.response_stall_seconds)
                .unwrap_or(d.response_stall_seconds),
            keep_alive_seconds: args
                .keep_alive_seconds
                .or(file.keep_alive_seconds)
                .unwrap_or(d.keep_alive_seconds),
            connections_per_client_max: args
                .connections_per_client_max
                .or(file.connections_per_client_max)
                .unwrap_or(d.connections_per_client_max),
            connections_max: args
                .connections_max
                .or(file.connections_max)
                .unwrap_or(d.connections_max),
            public_url: args
                .public_url
                .clone()
                .or(file.public_url)
                .map(|u| u.trim_end_matches('/').to_string()),
            timezone: match args.timezone.clone().or(file.timezone) {
                Some(name) => match timezone_offset(&name) {
                    Some(m) => (name, m),
                    None => return Err(ConfigError::Timezone(name.clone())),
                },
                None => d.timezone.clone(),
            },
            demo: args.demo,
        };
        c.validate()?;
        Ok(c)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        if !(1024..=1024 * 1024 * 1024).contains(&self.request_bytes_max) {
            problems.push(format!(
                "--request-bytes-max {} must be between 1024 and 1073741824",
                self.request_bytes_max
            ));
        }
        if self.workers > 256 {
            problems.push(format!("--workers {} must be at most 256", self.workers));
        }
        if !(1..=100_000).contains(&self.batch_max) {
            problems.push(format!(
                "--batch-max {} must be between 1 and 100000",
                self.batch_max
            ));
        }
        if self.batch_wait_ms > 10_000 {
            problems.push(format!(
                "--batch-wait-ms {} must be at most 10000",
                self.batch_wait_ms
            ));
        }
        for (name, v) in [
            ("--logins-per-minute", self.logins_per_minute),
            ("--pairings-per-minute", self.pairings_per_minute),
            ("--token-checks-per-minute", self.token_checks_per_minute),
            ("--receipts-per-minute", self.receipts_per_minute),
            ("--exports-per-minute", self.exports_per_minute),
            ("--exports-concurrent-max", self.exports_concurrent_max),
            ("--tallies-per-minute", self.tallies_per_minute),
            (
                "--pairing-failures-per-minute",
                self.pairing_failures_per_minute,
            ),
        ] {
            if v == 0 || v > 1_000_000 {
                problems.push(format!("{name} {v} must be between 1 and 1000000"));
            }
        }
        if !(1..=24 * 30).contains(&self.session_hours) {
            problems.push(format!(
                "--session-hours {} must be between 1 and 720",
                self.session_hours
            ));
        }
        if let Some(h) = self.kiosk_session_hours {
            if !(1..=24 * 30).contains(&h) {
                problems.push(format!(
                    "--kiosk-session-hours {h} must be between 1 and 720"
                ));
            }
        }
        if !(1..=100).contains(&self.pairing_tries_per_code) {
            problems.push(format!(
                "--pairing-tries-per-code {} must be between 1 and 100",
                self.pairing_tries_per_code
            ));
        }
        if self.pool_spare_percent > 100 {
            problems.push(format!(
                "--pool-spare-percent {} must be at most 100",
                self.pool_spare_percent
            ));
        }
        if self.trusted_proxies.len() > 64 {
            problems.push(format!(
                "--trusted-proxies lists {} addresses; at most 64",
                self.trusted_proxies.len()
            ));
        }
        self.validate_edges(&mut problems);
        if let Some((c, k)) = &self.tls {
            for p in [c, k] {
                if !p.is_file() {
                    problems.push(format!("TLS file {} does not exist", p.display()));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(problems))
        }
    }

    /// The limits at the edge (issue 11).
    fn validate_edges(&self, problems: &mut Vec<String>) {
        if !(100..=600_000).contains(&self.request_head_timeout_ms) {
            problems.push(format!(
                "--request-head-timeout-ms {} must be between 100 and 600000",
                self.request_head_timeout_ms
            ));
        }
        if !(1..=3600).contains(&self.body_read_timeout_seconds) {
            problems.push(format!(
                "--body-read-timeout-seconds {} must be between 1 and 3600",
                self.body_read_timeout_seconds
            ));
        }
        if !(1..=3600).contains(&self.response_stall_seconds) {
            problems.push(format!(
                "--response-stall-seconds {} must be between 1 and 3600",
                self.response_stall_seconds
            ));
        }
        if self.keep_alive_seconds > 3600 {
            problems.push(format!(
                "--keep-alive-seconds {} must be at most 3600",
                self.keep_alive_seconds
            ));
        }
        if self.connections_per_client_max > 1_000_000 {
            problems.push(format!(
                "--connections-per-client-max {} must be at most 1000000 (0 turns the cap off)",
                self.connections_per_client_max
            ));
        }
        if !(16..=1_000_000).contains(&self.connections_max) {
            problems.push(format!(
                "--connections-max {} must be between 16 and 1000000",
                self.connections_max
            ));
        }
        if let Some(url) = &self.public_url {
            if let Err(why) = check_public_url(url) {
                problems.push(format!("--public-url {url:?}: {why}"));
            }
        }
    }
}

/// The offset from UTC in minutes of a time zone the halls use (none of them keeps daylight
/// saving time), or of a fixed offset `±hh:mm`.
pub fn timezone_offset(name: &str) -> Option<i32> {
    match name.trim() {
        "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Harbin" | "Asia/Hong_Kong" | "Asia/Macau"
        | "Asia/Taipei" | "PRC" => Some(480),
        "Asia/Urumqi" | "Asia/Kashgar" => Some(360),
        "UTC" | "Etc/UTC" | "Z" => Some(0),
        other => {
            let (sign, rest) = match other.as_bytes().first()? {
                b'+' => (1, &other[1..]),
                b'-' => (-1, &other[1..]),
                _ => return None,
            };
            let (h, m) = rest.split_once(':')?;
            if h.len() != 2 || m.len() != 2 {
                return None;
            }
            let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
            (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
        }
    }
}

/// A public URL is `http://` or `https://`, a host (name, IPv4 or bracketed IPv6) with an
/// optional port, and an optional path; no user, query, fragment, space or quote, since it is
/// printed into pages and QR codes.
fn check_public_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("it must start with https:// or http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return Err("it names no host".into());
    }
    let host_ok = |c: char| c.is_ascii_alphanumeric() || "-.:[]".contains(c);
    if !authority.chars().all(host_ok) {
        return Err("the host may hold only letters, digits, '-', '.', ':' and brackets".into());
    }
    let path_ok = |c: char| c.is_ascii_alphanumeric() || "-._~/%".contains(c);
    if !path.chars().all(path_ok) {
        return Err(
            "the path may hold only letters, digits and -._~/% (no query or fragment)".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The shipped example must stay a valid configuration file.
    #[test]
    fn the_example_configuration_parses() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/deploy/scrutineer.toml.example"
        ))
        .unwrap();
        let file: FileConfig = toml::from_str(&text).unwrap();
        assert_eq!(file.trusted_proxies, Some(vec![]));
        assert_eq!(
            check_public_url(file.public_url.as_deref().unwrap()),
            Ok(())
        );
        assert_eq!(file.connections_per_client_max, Some(256));
        assert_eq!(file.response_stall_seconds, Some(60));
        let proxied: FileConfig =
            toml::from_str("trusted_proxies = [\"127.0.0.1\", \"::1\"]").unwrap();
        assert_eq!(proxied.trusted_proxies.unwrap().len(), 2);
        assert!(toml::from_str::<FileConfig>("trusted_proxies = [\"nginx\"]").is_err());
    }

    #[test]
    fn time_zones_the_halls_use() {
        assert_eq!(timezone_offset("Asia/Shanghai"), Some(480));
        assert_eq!(timezone_offset("Asia/Urumqi"), Some(360));
        assert_eq!(timezone_offset("UTC"), Some(0));
        assert_eq!(timezone_offset("+08:00"), Some(480));
        assert_eq!(timezone_offset("-03:30"), Some(-210));
        for bad in ["Europe/Paris", "+8", "+08:60", "+15:00", "", "08:00"] {
            assert_eq!(timezone_offset(bad), None, "{bad}");
        }
    }

    #[test]
    fn public_urls() {
        for ok in [
            "https://vote.example.gov.cn",
            "http://192.168.10.2:8443",
            "https://[2001:db8::1]:8443",
            "https://hall.example/scrutineer",
        ] {
            assert_eq!(check_public_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "vote.example.gov.cn",
            "ftp://vote.example",
            "https://",
            "https://user@vote.example",
            "https://vote.example/?q=1",
            "https://vote.example/#x",
            "https://vote.example/\"><script>",
            "https://vote example",
        ] {
            assert!(check_public_url(bad).is_err(), "{bad}");
        }
    }

    /// Every edge limit is checked, and the message names the flag and the value.
    #[test]
    fn edge_limits_are_validated() {
        let bad = Config {
            request_head_timeout_ms: 0,
            body_read_timeout_seconds: 0,
            response_stall_seconds: 0,
            keep_alive_seconds: 3601,
            connections_per_client_max: 2_000_000,
            connections_max: 1,
            public_url: Some("vote.example".into()),
            ..Config::default()
        };
        let err = bad.validate().unwrap_err();
        assert_eq!(err.code(), "config_invalid");
        let why = err.to_string();
        for flag in [
            "--request-head-timeout-ms 0",
            "--body-read-timeout-seconds 0",
            "--response-stall-seconds 0",
            "--keep-alive-seconds 3601",
            "--connections-per-client-max 2000000",
            "--connections-max 1",
            "--public-url \"vote.example\"",
        ] {
            assert!(why.contains(flag), "{flag}: {why}");
        }
        assert_eq!(Config::default().validate(), Ok(()));
        let off = Config {
            keep_alive_seconds: 0,
            connections_per_client_max: 0,
            ..Config::default()
        };
        assert_eq!(off.validate(), Ok(()));
    }
}
