//! `check`: loads the keys and settings as the application does and reports every problem at
//! once, for deploy pipelines.

use std::io::Write;

use sealed_session::{KeyError, Keyring, ManualClock, Sealer, SessionOptions};
use time::OffsetDateTime;

use crate::settings::{self, Built, KeySource, Settings, show_duration};
use crate::{Failure, Outcome};

/// Load the keys and settings as the application does and report every problem at once
///
/// Exit status 0 when all is well, 1 when anything is wrong, 2 on a command line that cannot be
/// parsed. Warnings (for example a single key, or a cookie name without a security prefix) do
/// not fail the check.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Check as of this time instead of now (unix seconds or RFC 3339)
    #[arg(long, value_name = "TIME", value_parser = settings::parse_time)]
    at: Option<OffsetDateTime>,
    #[command(flatten)]
    keys: KeySource,
    #[command(flatten)]
    settings: Settings,
}

/// The findings, printed as they come.
struct Report<'a, W: Write> {
    out: &'a mut W,
    errors: usize,
    warnings: usize,
}

impl<W: Write> Report<'_, W> {
    fn ok(&mut self, text: &str) -> Result<(), Failure> {
        Ok(writeln!(self.out, "ok:      {text}")?)
    }

    fn warn(&mut self, text: &str) -> Result<(), Failure> {
        self.warnings = self.warnings.saturating_add(1);
        Ok(writeln!(self.out, "warning: {text}")?)
    }

    fn error(&mut self, text: &str) -> Result<(), Failure> {
        self.errors = self.errors.saturating_add(1);
        Ok(writeln!(self.out, "error:   {text}")?)
    }
}

pub(crate) fn run(args: &Args, out: &mut impl Write) -> Outcome {
    let mut report = Report {
        out,
        errors: 0,
        warnings: 0,
    };
    let keyring = check_keys(&args.keys, &mut report)?;
    let built = match args.settings.build() {
        Ok(built) => {
            describe_settings(&built, &mut report)?;
            Some(built)
        }
        Err(problems) => {
            for p in problems {
                report.error(&p)?;
            }
            None
        }
    };
    if let (Some(keyring), Some(built)) = (keyring, built) {
        let now = match args.at {
            Some(t) => t,
            None => settings::system_now()?,
        };
        round_trip(keyring, &built, now, &mut report)?;
    }
    let (errors, warnings) = (report.errors, report.warnings);
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if errors == 0 {
        writeln!(
            report.out,
            "passed ({warnings} warning{})",
            plural(warnings)
        )?;
        Ok(true)
    } else {
        writeln!(
            report.out,
            "FAILED: {errors} problem{}, {warnings} warning{}",
            plural(errors),
            plural(warnings)
        )?;
        Ok(false)
    }
}

/// Loads the keyring as the application does; when that fails, reads the list entry by entry so
/// that every bad entry is reported, not only the first.
fn check_keys<W: Write>(
    keys: &KeySource,
    report: &mut Report<'_, W>,
) -> Result<Option<Keyring>, Failure> {
    match keys.load() {
        Ok(ring) => {
            let ids: Vec<String> = ring.ids().map(|id| id.to_string()).collect();
            report.ok(&format!(
                "keyring from {}: {} key{} (ids {}), primary id {}",
                keys.describe(),
                ids.len(),
                if ids.len() == 1 { "" } else { "s" },
                ids.join(", "),
                ring.primary_id()
            ))?;
            Ok(Some(ring))
        }
        Err(Failure(first)) => {
            let problems = keys.text().map(|t| entry_problems(&t)).unwrap_or_default();
            if problems.is_empty() {
                report.error(&first)?;
            }
            for p in problems {
                report.error(&format!("{}: {p}", keys.describe()))?;
            }
            Ok(None)
        }
    }
}

fn describe_settings<W: Write>(built: &Built, report: &mut Report<'_, W>) -> Result<(), Failure> {
    let c = &built.config;
    match &built.cookie {
        Some(cookie) => {
            report.ok(&format!(
                "cookie {}: up to {} cookie{}, tokens up to {} characters",
                cookie.name(),
                cookie.max_chunks(),
                if cookie.max_chunks() == 1 { "" } else { "s" },
                cookie.max_token_len()
            ))?;
            let name = cookie.name();
            if !name.starts_with("__Host-") && !name.starts_with("__Secure-") {
                report.warn(&format!(
                    "cookie name {name} has no __Host- or __Secure- prefix: a sibling host can \
                     set or shadow it"
                ))?;
            }
        }
        None => report.ok(&format!(
            "purpose {:?} (no cookie), tokens up to {} characters",
            c.purpose(),
            c.max_token_len()
        ))?,
    }
    let (b, p) = (c.browser_session(), c.persistent());
    report.ok(&format!(
        "config: browser-session {} absolute / {} idle, persistent {} / {}, leeway {}, \
         rotation every {}, schema {}, session ids {}",
        show_duration(b.absolute()),
        show_duration(b.idle()),
        show_duration(p.absolute()),
        show_duration(p.idle()),
        show_duration(c.leeway()),
        show_duration(c.rotation_period()),
        c.schema_version(),
        if c.session_ids() { "on" } else { "off" },
    ))
}

/// Seals and opens a small session with these keys and settings, and says how large a session
/// fits: the proof that the application can start with them.
fn round_trip<W: Write>(
    keyring: Keyring,
    built: &Built,
    now: OffsetDateTime,
    report: &mut Report<'_, W>,
) -> Result<(), Failure> {
    let ids: Vec<u8> = keyring.ids().collect();
    if ids.len() == 1 {
        report.warn(
            "one key only: rotating it will log every user out; add the next key as open-only \
             first (see SECURITY.md)",
        )?;
    }
    let sealer = Sealer::new(keyring, built.config.clone()).with_clock(ManualClock::at(now));
    for (name, options) in [
        ("browser-session", SessionOptions::default()),
        ("persistent", SessionOptions::default().persistent(true)),
    ] {
        match sealer.max_payload_len(&options) {
            None => report.error(&format!(
                "{name}: no session fits in {} characters",
                built.config.max_token_len()
            ))?,
            Some(room) => {
                let opened = sealer
                    .seal(&(), &options)
                    .map_err(|e| e.to_string())
                    .and_then(|t| sealer.open::<()>(&t).map_err(|e| e.to_string()));
                match opened {
                    Ok(_) => report.ok(&format!(
                        "{name}: a session seals and opens; payloads up to {room} bytes fit"
                    ))?,
                    Err(e) => report.error(&format!("{name}: a test session fails: {e}"))?,
                }
            }
        }
    }
    Ok(())
}

/// Every bad entry of a keyring list, read one by one (the list's own separators, commas and
/// whitespace, as `Keyring::from_list` splits it): `Keyring::from_list` stops at the first.
fn entry_problems(list: &str) -> Vec<String> {
    let entries = list
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|e| !e.is_empty());
    let mut seen = Vec::new();
    let mut problems = Vec::new();
    for (index, entry) in entries.enumerate() {
        let position = index.saturating_add(1);
        match Keyring::from_list(entry) {
            Ok(one) => {
                let id = one.primary_id();
                if seen.contains(&id) {
                    problems.push(format!(
                        "keyring entry {position}: key id {id} is used twice"
                    ));
                }
                seen.push(id);
            }
            Err(KeyError::BadListEntry { .. }) => problems.push(format!(
                "keyring entry {position} is not of the form ID:KEY (ID 0 to 255)"
            )),
            Err(e) => problems.push(format!("keyring entry {position}: {e}")),
        }
    }
    problems
}
