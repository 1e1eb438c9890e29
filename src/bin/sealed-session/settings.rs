//! What every command shares: where the keys come from, the settings flags (each with a
//! `SESSION_*` environment variable), and the reading and writing of times and durations.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use sealed_session::{
    Clock as _, Config, ConfigBuilder, ConfigError, CookieSettings, DEFAULT_COOKIE_NAME, Keyring,
    Lifetimes,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zeroize::Zeroizing;

use crate::Failure;

/// The variable the application reads its keyring from, by convention.
pub(crate) const DEFAULT_KEYS_VAR: &str = "SESSION_KEYS";

/// Where the keyring comes from.
#[derive(Args, Debug)]
pub(crate) struct KeySource {
    /// Environment variable holding the keyring list `ID:KEY, ID:KEY` (first = primary), as
    /// `Keyring::from_env` reads it; when it is unset, `{VAR}_FILE` names a file holding the list
    #[arg(long, value_name = "VAR", default_value = DEFAULT_KEYS_VAR)]
    pub(crate) keys_var: String,
    /// Read the keyring list from this file instead of the environment
    #[arg(long, value_name = "PATH")]
    pub(crate) keys_file: Option<PathBuf>,
}

impl KeySource {
    /// A short description of the source, for reports (no key material).
    pub(crate) fn describe(&self) -> String {
        match &self.keys_file {
            Some(path) => format!("file {}", path.display()),
            None => format!("{} (or {}_FILE)", self.keys_var, self.keys_var),
        }
    }

    /// Whether the default source was left unset: `inspect` then reads the header only.
    pub(crate) fn is_absent(&self) -> bool {
        self.keys_file.is_none()
            && self.keys_var == DEFAULT_KEYS_VAR
            && std::env::var_os(&self.keys_var).is_none()
            && std::env::var_os(format!("{}_FILE", self.keys_var)).is_none()
    }

    /// The keyring list as text (wiped on drop), for entry-by-entry diagnosis.
    pub(crate) fn text(&self) -> Option<Zeroizing<String>> {
        let bytes = match &self.keys_file {
            Some(path) => read_keys_file(path).ok()?,
            None => match std::env::var(&self.keys_var) {
                Ok(text) => return Some(Zeroizing::new(text)),
                Err(_) => {
                    let path = std::env::var_os(format!("{}_FILE", self.keys_var))?;
                    read_keys_file(Path::new(&path)).ok()?
                }
            },
        };
        std::str::from_utf8(&bytes)
            .ok()
            .map(|t| Zeroizing::new(t.to_owned()))
    }

    /// Loads the keyring: from the environment exactly as `Keyring::from_env` does, or from the
    /// file given.
    pub(crate) fn load(&self) -> Result<Keyring, Failure> {
        let Some(path) = &self.keys_file else {
            return Ok(Keyring::from_env(&self.keys_var)?);
        };
        let shown = path.display();
        let bytes = read_keys_file(path)
            .map_err(|e| Failure(format!("cannot read the keys file {shown}: {e}")))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| Failure(format!("keys file {shown} is not UTF-8 text")))?;
        Keyring::from_list(text).map_err(|e| Failure(format!("keys file {shown}: {e}")))
    }
}

/// The longest keys file read.
const MAX_KEYS_FILE: u64 = 1 << 20;

/// Reads a keys file into one buffer allocated up front and wiped on drop: the buffer never
/// grows, so no partial copy of a key is freed unwiped (the library reads `{VAR}_FILE` with
/// the same care).
fn read_keys_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.kind().to_string())?;
    let capacity = usize::try_from(MAX_KEYS_FILE.saturating_add(1)).unwrap_or(usize::MAX);
    let mut buf = Zeroizing::new(Vec::with_capacity(capacity));
    file.take(MAX_KEYS_FILE)
        .read_to_end(&mut buf)
        .map_err(|e| e.kind().to_string())?;
    if u64::try_from(buf.len()).unwrap_or(u64::MAX) >= MAX_KEYS_FILE {
        return Err("longer than 1 MiB".into());
    }
    Ok(buf)
}

/// The application's session settings. Every flag has an environment variable, so a deploy
/// pipeline can run the tool with the application's own environment.
#[derive(Args, Debug, Clone)]
pub(crate) struct Settings {
    /// Cookie name; tokens are bound to it (it is their purpose)
    #[arg(long, env = "SESSION_COOKIE_NAME", default_value = DEFAULT_COOKIE_NAME)]
    pub(crate) cookie_name: String,
    /// Most cookies one session may be split over
    #[arg(long, env = "SESSION_COOKIE_CHUNKS", default_value_t = 1)]
    pub(crate) chunks: u8,
    /// Cookie Path attribute
    #[arg(long, env = "SESSION_COOKIE_PATH")]
    pub(crate) cookie_path: Option<String>,
    /// Cookie Domain attribute
    #[arg(long, env = "SESSION_COOKIE_DOMAIN")]
    pub(crate) cookie_domain: Option<String>,
    /// Tokens not carried in a cookie: bind them to this purpose instead of the cookie name
    #[arg(long, env = "SESSION_PURPOSE")]
    pub(crate) purpose: Option<String>,
    /// Longest token in characters (default: what the cookies carry, or 4096 with --purpose)
    #[arg(long, env = "SESSION_MAX_TOKEN_LEN")]
    pub(crate) max_token_len: Option<usize>,
    /// Browser-session absolute lifetime (e.g. 12h)
    #[arg(long, env = "SESSION_ABSOLUTE", value_parser = parse_duration)]
    pub(crate) absolute: Option<Duration>,
    /// Browser-session idle lifetime (e.g. 2h)
    #[arg(long, env = "SESSION_IDLE", value_parser = parse_duration)]
    pub(crate) idle: Option<Duration>,
    /// Persistent ("remember me") absolute lifetime (e.g. 30d)
    #[arg(long, env = "SESSION_PERSISTENT_ABSOLUTE", value_parser = parse_duration)]
    pub(crate) persistent_absolute: Option<Duration>,
    /// Persistent idle lifetime (e.g. 7d)
    #[arg(long, env = "SESSION_PERSISTENT_IDLE", value_parser = parse_duration)]
    pub(crate) persistent_idle: Option<Duration>,
    /// Clock tolerance between servers (e.g. 60s)
    #[arg(long, env = "SESSION_LEEWAY", value_parser = parse_duration)]
    pub(crate) leeway: Option<Duration>,
    /// Key rotation period (e.g. 1d)
    #[arg(long, env = "SESSION_ROTATION_PERIOD", value_parser = parse_duration)]
    pub(crate) rotation_period: Option<Duration>,
    /// Percentage of the idle window after which renewal is due
    #[arg(long, env = "SESSION_RENEW_AFTER_PERCENT")]
    pub(crate) renew_after_percent: Option<u8>,
    /// Tokens of a lower generation are revoked
    #[arg(long, env = "SESSION_GENERATION_FLOOR")]
    pub(crate) generation_floor: Option<u64>,
    /// Sessions started before this time are revoked (unix seconds or RFC 3339)
    #[arg(long, env = "SESSION_NOT_BEFORE", value_parser = parse_time)]
    pub(crate) not_before: Option<OffsetDateTime>,
    /// The application's session schema version
    #[arg(long, env = "SESSION_SCHEMA_VERSION")]
    pub(crate) schema_version: Option<u32>,
    /// New sessions carry a random 16-byte session id
    #[arg(long, env = "SESSION_IDS")]
    pub(crate) session_ids: bool,
}

/// The settings, built and checked by the library.
pub(crate) struct Built {
    pub(crate) config: Config,
    /// `None` with `--purpose`: tokens not carried in a cookie.
    pub(crate) cookie: Option<CookieSettings>,
}

/// Groups of config fields, so that a refused group can be left at its default to find the
/// next problem.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    Purpose,
    Lifetimes,
    Rotation,
    Leeway,
    MaxTokenLen,
    RenewAfter,
}

fn group_of(e: &ConfigError) -> Option<&'static [Group]> {
    Some(match e {
        ConfigError::Purpose => &[Group::Purpose],
        ConfigError::Lifetime => &[Group::Lifetimes, Group::Rotation],
        ConfigError::RotationPeriod => &[Group::Rotation],
        ConfigError::Leeway => &[Group::Leeway],
        ConfigError::MaxTokenLen => &[Group::MaxTokenLen],
        ConfigError::RenewAfter => &[Group::RenewAfter],
        _ => return None,
    })
}

impl Settings {
    /// These settings with `chunks` cookies (for `sizes`).
    pub(crate) fn with_chunks(&self, chunks: u8) -> Self {
        Self {
            chunks,
            ..self.clone()
        }
    }

    fn cookie_settings(&self) -> Result<CookieSettings, String> {
        let mut b = CookieSettings::builder()
            .name(self.cookie_name.as_str())
            .chunks(self.chunks);
        if let Some(path) = &self.cookie_path {
            b = b.path(path.as_str());
        }
        if let Some(domain) = &self.cookie_domain {
            b = b.domain(domain.as_str());
        }
        b.build().map_err(|e| format!("cookie settings: {e}"))
    }

    fn config_builder(&self, base: ConfigBuilder, skip: &[Group]) -> ConfigBuilder {
        let mut b = base;
        let use_ = |g: Group| !skip.contains(&g);
        if let (Some(purpose), true) = (&self.purpose, use_(Group::Purpose)) {
            b = b.purpose(purpose.as_str());
        }
        if use_(Group::Lifetimes) {
            let d = Config::default();
            let browser = d.browser_session();
            let persistent = d.persistent();
            b = b
                .browser_session(Lifetimes::new(
                    self.absolute.unwrap_or(browser.absolute()),
                    self.idle.unwrap_or(browser.idle()),
                ))
                .persistent(Lifetimes::new(
                    self.persistent_absolute.unwrap_or(persistent.absolute()),
                    self.persistent_idle.unwrap_or(persistent.idle()),
                ));
        }
        if let (Some(v), true) = (self.rotation_period, use_(Group::Rotation)) {
            b = b.rotation_period(v);
        }
        if let (Some(v), true) = (self.leeway, use_(Group::Leeway)) {
            b = b.leeway(v);
        }
        if let (Some(v), true) = (self.max_token_len, use_(Group::MaxTokenLen)) {
            b = b.max_token_len(v);
        }
        if let (Some(v), true) = (self.renew_after_percent, use_(Group::RenewAfter)) {
            b = b.renew_after_percent(v);
        }
        if let Some(v) = self.generation_floor {
            b = b.generation_floor(v);
        }
        if let Some(v) = self.not_before {
            b = b.not_before(v);
        }
        if let Some(v) = self.schema_version {
            b = b.schema_version(v);
        }
        b.session_ids(self.session_ids)
    }

    /// Builds the cookie settings and the config as the application would, collecting every
    /// problem: each rule the library refuses is reported, and its fields are then left at their
    /// defaults to look for the next.
    pub(crate) fn build(&self) -> Result<Built, Vec<String>> {
        let mut problems = Vec::new();
        let cookie = if self.purpose.is_some() {
            None
        } else {
            match self.cookie_settings() {
                Ok(c) => Some(c),
                Err(e) => {
                    problems.push(e);
                    None
                }
            }
        };
        let base = || match &cookie {
            Some(c) => c.config_builder(),
            None => Config::builder(),
        };
        let mut skip: Vec<Group> = Vec::new();
        let config = loop {
            match self.config_builder(base(), &skip).build() {
                Ok(config) => break Some(config),
                Err(e) => {
                    problems.push(format!("config: {e}"));
                    match group_of(&e) {
                        Some(groups) if !groups.iter().all(|g| skip.contains(g)) => {
                            skip.extend_from_slice(groups);
                        }
                        _ => break None,
                    }
                }
            }
        };
        match config {
            Some(config) if problems.is_empty() => Ok(Built { config, cookie }),
            _ => Err(problems),
        }
    }
}

/// The system clock, read as whole unix seconds (as the library reads it).
pub(crate) fn system_now() -> Result<OffsetDateTime, Failure> {
    let secs = sealed_session::SystemClock.unix_seconds();
    OffsetDateTime::from_unix_timestamp(secs)
        .map_err(|_| Failure("the system clock is out of range".into()))
}

/// Reads a time: unix seconds, or RFC 3339 (`2027-01-15T08:00:00Z`).
pub(crate) fn parse_time(text: &str) -> Result<OffsetDateTime, String> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<i64>() {
        return OffsetDateTime::from_unix_timestamp(secs)
            .map_err(|_| format!("{secs} is out of range for a time"));
    }
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
        "expected unix seconds or an RFC 3339 time such as 2027-01-15T08:00:00Z".into()
    })
}

/// Reads a duration: whole seconds, or a number with a unit `s`, `m`, `h` or `d` (`90s`, `12h`).
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, "s"),
    };
    let scale: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err("expected seconds, or a number with s, m, h or d (e.g. 12h)".into()),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| "expected a whole number before the unit (e.g. 12h)".to_string())?;
    n.checked_mul(scale)
        .map(Duration::from_secs)
        .ok_or_else(|| "duration too long".into())
}

/// A duration in the largest whole units: `12h`, `30d`, `1h30m`, `90s`.
pub(crate) fn show_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        let n = secs / size;
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
            secs %= size;
        }
    }
    out
}

/// A time as RFC 3339.
pub(crate) fn show_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// How far `t` is from `now`: `in 1h59m` or `2d3h ago`.
pub(crate) fn relative(t: OffsetDateTime, now: OffsetDateTime) -> String {
    let secs = (t - now).whole_seconds();
    let span = show_duration(Duration::from_secs(secs.unsigned_abs()));
    match secs {
        0 => "now".into(),
        s if s > 0 => format!("in {span}"),
        _ => format!("{span} ago"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("-5s").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
        assert_eq!(show_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(show_duration(Duration::from_secs(30 * 86_400)), "30d");
    }

    #[test]
    fn times() {
        let t = parse_time("2027-01-15T08:00:00Z").unwrap();
        assert_eq!(t.unix_timestamp(), 1_800_000_000);
        assert_eq!(parse_time("1800000000"), Ok(t));
        assert_eq!(show_time(t), "2027-01-15T08:00:00Z");
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("99999999999999").is_err());
        let later = parse_time("1800007200").unwrap();
        assert_eq!(relative(later, t), "in 2h");
        assert_eq!(relative(t, later), "2h ago");
    }
}
