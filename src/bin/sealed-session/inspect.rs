//! `inspect`: what a token says. Without a key: the clear-text header (unverified). With the
//! keyring: `open_raw` at the chosen time, the claims and deadlines from `SessionMeta`, the
//! verdict `open` would give, and the payload as hex. A token `open` refuses after
//! authentication (expired, idle, retired epoch, ...) still shows its authenticated claims and
//! deadlines, read with `forensics::claims_of_refused_token`, and which check refused it; one
//! that does not authenticate shows nothing beyond its unverified header.

use std::io::{Read, Write};

use sealed_session::forensics::{self, RefusedTokenClaims};
use sealed_session::{
    Config, CookieSettings, Keyring, MAX_CHUNKS, ManualClock, OpenError, Opened, Sealer,
    SessionMeta, UnverifiedToken,
};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::settings::{self, KeySource, Settings, relative, show_duration, show_time};
use crate::{Failure, Outcome};

/// The most input read from standard input: more than any token (1 MiB) with its header.
const MAX_INPUT: u64 = 2 << 20;

/// Show what a token says: its header without a key and, with the keyring, its claims, its
/// deadlines, the verdict of `open` and the payload
///
/// The token may be given alone, as a `name=value` cookie pair, or as a whole `Cookie:` (or
/// `Set-Cookie:`) header, in which case the cookie named by --cookie-name is read (or its chunk
/// cookies `NAME.0`, `NAME.1`, ..., put together as the cookie layer does). A token refused
/// after authentication (expired, idle, retired epoch, from the future, revoked by the config,
/// another schema) still shows its claims and deadlines and which check refused it. Exit status:
/// 0 when the token opens (or, without keys, when its header reads), 1 when it is refused.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The token, a cookie pair or a Cookie header; `-` reads it from standard input (better for
    /// a live token: arguments show in `ps` and shell history)
    #[arg(value_name = "TOKEN")]
    token: String,
    /// Open at this time instead of now (unix seconds or RFC 3339)
    #[arg(long, value_name = "TIME", value_parser = settings::parse_time)]
    at: Option<OffsetDateTime>,
    /// Read the header only, even when keys are available
    #[arg(long)]
    no_keys: bool,
    #[command(flatten)]
    keys: KeySource,
    #[command(flatten)]
    settings: Settings,
}

pub(crate) fn run(args: &Args, out: &mut impl Write) -> Outcome {
    let input = if args.token == "-" {
        read_stdin()?
    } else {
        Zeroizing::new(args.token.clone())
    };
    let built = args
        .settings
        .build()
        .map_err(|problems| Failure(problems.join("; ")))?;
    let token = extract_token(&input, &args.settings.cookie_name)?;
    let config = &built.config;
    let now = match args.at {
        Some(t) => t,
        None => settings::system_now()?,
    };
    let clock = ManualClock::at(now);

    writeln!(out, "at:          {}", show_time(now))?;
    let header = match UnverifiedToken::parse(&token) {
        Ok(h) => h,
        Err(e) => {
            writeln!(
                out,
                "token:       {} characters, unreadable: {e}",
                token.len()
            )?;
            return Ok(false);
        }
    };
    let raw_len = UnverifiedToken::HEADER_LEN
        .saturating_add(header.ciphertext_len())
        .saturating_add(UnverifiedToken::TAG_LEN);
    writeln!(
        out,
        "token:       {} characters, {raw_len} bytes = header {} + ciphertext {} + tag {} \
         (header UNVERIFIED until opened)",
        token.len(),
        UnverifiedToken::HEADER_LEN,
        header.ciphertext_len(),
        UnverifiedToken::TAG_LEN,
    )?;
    writeln!(out, "version:     {}", header.version())?;
    writeln!(out, "key id:      {}", header.key_id())?;
    let period = config.rotation_period();
    let period_secs = period.as_secs().max(1);
    write!(
        out,
        "epoch:       low bits {:#06x}, rotation every {}: ",
        header.epoch_low_bits(),
        show_duration(period)
    )?;
    match header.epoch(config, &clock) {
        Some(epoch) => writeln!(
            out,
            "epoch {epoch}, sealed between {}",
            epoch_range(epoch, period_secs)
        )?,
        None => {
            write!(out, "no epoch in the window open accepts now")?;
            let low = header.epoch_low_bits();
            match nearest_epochs(low, now, period_secs) {
                (Some(e), _) => writeln!(
                    out,
                    "; the latest with these bits is {e}, sealed between {}",
                    epoch_range(e, period_secs)
                )?,
                (None, Some(e)) => writeln!(
                    out,
                    "; the next with these bits is {e}, between {} (a clock behind, or a forgery)",
                    epoch_range(e, period_secs)
                )?,
                (None, None) => writeln!(out)?,
            }
        }
    }

    if args.no_keys || args.keys.is_absent() {
        writeln!(
            out,
            "keys:        none given (set {} or pass --keys-file): header only",
            args.keys.keys_var
        )?;
        return Ok(true);
    }
    let keyring = args.keys.load()?;
    let sealer = Sealer::new(keyring_summary(keyring, out)?, config.clone()).with_clock(clock);
    match sealer.open_raw(&token) {
        Err(e) => {
            let refused_after_authentication = matches!(
                e,
                OpenError::RetiredEpoch
                    | OpenError::Expired
                    | OpenError::IdleTimeout
                    | OpenError::FromTheFuture
                    | OpenError::Revoked
            );
            // Only a token that authenticates shows its claims; the verdict stays open's.
            match refused_after_authentication
                .then(|| forensics::claims_of_refused_token(&sealer, &token).ok())
                .flatten()
            {
                Some(seen) => {
                    writeln!(
                        out,
                        "open:        REFUSED: {e}: {}",
                        why_refused(&e, &seen, config, now)
                    )?;
                    writeln!(
                        out,
                        "             (authentic: the claims below are the token's)"
                    )?;
                    show_meta(&seen.meta, now, out)?;
                }
                None => writeln!(out, "open:        REFUSED: {e}")?,
            }
            Ok(false)
        }
        Ok(opened) => {
            let expected = config.schema_version();
            let found = opened.meta.schema_version();
            let valid = found == expected;
            if valid {
                writeln!(out, "open:        valid")?;
            } else {
                let e = OpenError::SchemaMismatch { found, expected };
                writeln!(
                    out,
                    "open:        REFUSED: {e} (authentic: open_raw reads it for a migration)"
                )?;
            }
            show_meta(&opened.meta, now, out)?;
            show_payload(&opened, header.ciphertext_len(), out)?;
            Ok(valid)
        }
    }
}

/// Which deadline or rule refused an authentic token, with its time.
fn why_refused(
    e: &OpenError,
    seen: &RefusedTokenClaims,
    config: &Config,
    now: OffsetDateTime,
) -> String {
    let meta = &seen.meta;
    let leeway = show_duration(config.leeway());
    let when = |t: OffsetDateTime| format!("{} ({})", show_time(t), relative(t, now));
    match e {
        OpenError::Expired => format!(
            "expired at {} (absolute deadline; leeway {leeway})",
            when(meta.absolute_deadline())
        ),
        OpenError::IdleTimeout => format!(
            "idle since {} (idle deadline; leeway {leeway})",
            when(meta.idle_deadline())
        ),
        OpenError::FromTheFuture => format!(
            "sealed at {}, beyond the leeway of {leeway}",
            when(meta.sealed_at())
        ),
        OpenError::RetiredEpoch => format!(
            "sealed in epoch {}, outside the epochs open accepts at this time",
            meta.epoch()
        ),
        OpenError::Revoked if meta.generation() < config.generation_floor() => format!(
            "generation {} is below the floor {}",
            meta.generation(),
            config.generation_floor()
        ),
        OpenError::Revoked => format!(
            "session started {}, before the not-before cut-off",
            when(meta.session_start())
        ),
        other => other.to_string(),
    }
}

/// Prints the keyring's ids (never a key) and hands it on.
fn keyring_summary(keyring: Keyring, out: &mut impl Write) -> Result<Keyring, Failure> {
    let ids: Vec<String> = keyring.ids().map(|id| id.to_string()).collect();
    writeln!(
        out,
        "keys:        ids {} (primary {})",
        ids.join(", "),
        keyring.primary_id()
    )?;
    Ok(keyring)
}

fn show_meta(meta: &SessionMeta, now: OffsetDateTime, out: &mut impl Write) -> Result<(), Failure> {
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let profile = if meta.is_persistent() {
        "persistent"
    } else {
        "browser-session"
    };
    writeln!(out, "profile:     {profile}")?;
    for (name, t) in [
        ("started:    ", meta.session_start()),
        ("sealed:     ", meta.sealed_at()),
        ("idle until: ", meta.idle_deadline()),
        ("ends:       ", meta.absolute_deadline()),
    ] {
        writeln!(out, "{name} {} ({})", show_time(t), relative(t, now))?;
    }
    writeln!(
        out,
        "key, epoch:  {} ({}), {} ({})",
        meta.key_id(),
        if meta.old_key() { "old key" } else { "primary" },
        meta.epoch(),
        if meta.old_epoch() {
            "old epoch"
        } else {
            "current"
        }
    )?;
    writeln!(out, "generation:  {}", meta.generation())?;
    writeln!(out, "schema:      {}", meta.schema_version())?;
    match meta.session_id() {
        Some(id) => writeln!(out, "session id:  {id}")?,
        None => writeln!(out, "session id:  none")?,
    }
    writeln!(out, "renew due:   {}", yes_no(meta.renewal_due()))?;
    Ok(())
}

/// The payload as postcard bytes in hex, with printable ASCII beside (postcard is not
/// self-describing: the application's own types decode it, for example through `open_raw`).
fn show_payload(
    opened: &Opened<Vec<u8>>,
    ciphertext_len: usize,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let bytes = &opened.session;
    writeln!(
        out,
        "payload:     {} bytes (postcard, hex); the other {} encrypted bytes are the claims",
        bytes.len(),
        ciphertext_len.saturating_sub(bytes.len())
    )?;
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        let ascii: String = chunk
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    char::from(b)
                } else {
                    '.'
                }
            })
            .collect();
        writeln!(
            out,
            "  {:06x}  {:<47}  {ascii}",
            row.saturating_mul(16),
            hex.join(" ")
        )?;
    }
    Ok(())
}

/// The seal-time range an epoch covers.
fn epoch_range(epoch: u64, period: u64) -> String {
    let at = |e: u64| {
        e.checked_mul(period)
            .and_then(|s| i64::try_from(s).ok())
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .map_or_else(|| "?".to_string(), show_time)
    };
    format!("{} and {}", at(epoch), at(epoch.saturating_add(1)))
}

/// The latest epoch up to `now`, and the next one after it, whose low 16 bits are `low`: when a
/// token the window refuses was sealed (it repeats every 65536 epochs).
fn nearest_epochs(low: u16, now: OffsetDateTime, period: u64) -> (Option<u64>, Option<u64>) {
    let Some(current) = u64::try_from(now.unix_timestamp())
        .ok()
        .and_then(|s| s.checked_div(period))
    else {
        return (None, None);
    };
    let current_low = (current & 0xffff) as u16;
    let back = u64::from(current_low.wrapping_sub(low));
    let ahead = u64::from(low.wrapping_sub(current_low));
    (current.checked_sub(back), current.checked_add(ahead))
}

/// Reads standard input, bounded; the text is wiped on drop.
fn read_stdin() -> Result<Zeroizing<String>, Failure> {
    let mut text = Zeroizing::new(String::new());
    std::io::stdin()
        .take(MAX_INPUT.saturating_add(1))
        .read_to_string(&mut text)
        .map_err(|e| Failure(format!("cannot read standard input: {}", e.kind())))?;
    if u64::try_from(text.len()).unwrap_or(u64::MAX) > MAX_INPUT {
        return Err(Failure("standard input is longer than 2 MiB".into()));
    }
    if text.trim().is_empty() {
        return Err(Failure(
            "standard input is empty: nothing to inspect".into(),
        ));
    }
    Ok(text)
}

/// The token in `input`: the text itself, or the value of the cookie `name` in a cookie pair or
/// a `Cookie:` / `Set-Cookie:` header (a token never holds `=`, `;` or `:`), or the token its
/// chunk cookies `name.0`, `name.1`, ... carry, put together by the cookie layer's own reader.
/// Never echoes input.
fn extract_token(input: &str, name: &str) -> Result<Zeroizing<String>, Failure> {
    let text = input.trim();
    if text.is_empty() {
        return Err(Failure("the token is empty".into()));
    }
    if !text.contains(['=', ';', ':']) {
        return Ok(Zeroizing::new(text.to_owned()));
    }
    let lower = text.get(..11).unwrap_or_default().to_ascii_lowercase();
    let (header, cookies) = if lower.starts_with("set-cookie:") {
        // The first pair of a Set-Cookie header is the cookie; the rest are attributes.
        let value = text.get(11..).unwrap_or_default();
        (true, value.split(';').next().unwrap_or_default())
    } else if lower.starts_with("cookie:") {
        (true, text.get(7..).unwrap_or_default())
    } else {
        (false, text)
    };
    let pairs: Vec<(&str, &str)> = cookies
        .split(';')
        .filter_map(|p| p.split_once('='))
        .map(|(n, v)| (n.trim(), v.trim().trim_matches('"')))
        .collect();
    if let Some((_, value)) = pairs.iter().find(|(n, _)| *n == name) {
        return Ok(Zeroizing::new((*value).to_owned()));
    }
    let chunk_prefix = format!("{name}.");
    if pairs.iter().any(|(n, _)| n.starts_with(&chunk_prefix)) {
        return chunked_token(cookies, name);
    }
    match pairs.as_slice() {
        [(_, value)] if !header || !value.is_empty() => Ok(Zeroizing::new((*value).to_owned())),
        [] => Err(Failure(
            "no cookie in the input: give a token, a name=value pair or a Cookie header".into(),
        )),
        _ => Err(Failure(format!(
            "no cookie named {name} in the input (set --cookie-name)"
        ))),
    }
}

/// The token the chunk cookies of `name` in `cookies` (a `Cookie` header's value) carry, read as
/// the cookie layer reads a request, with room for the largest chunk set it writes.
fn chunked_token(cookies: &str, name: &str) -> Result<Zeroizing<String>, Failure> {
    let settings = CookieSettings::builder()
        .name(name)
        .chunks(MAX_CHUNKS)
        .build()
        .map_err(|e| Failure(format!("cookie name {name}: {e}")))?;
    let read = settings.read([cookies.as_bytes()]);
    match forensics::assembled_token(&read) {
        Ok(Some(token)) => Ok(Zeroizing::new(token.to_owned())),
        Ok(None) => Err(Failure(format!(
            "no cookie named {name} in the input (set --cookie-name)"
        ))),
        Err(e) => Err(Failure(format!(
            "the chunk cookies {name}.0, {name}.1, ... do not form one token: {e}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(input: &str) -> Result<String, String> {
        extract_token(input, "__Host-session")
            .map(|t| t.as_str().to_owned())
            .map_err(|e| e.0)
    }

    #[test]
    fn finds_the_token_in_headers_and_pairs() {
        assert_eq!(token("  AQID  \n").unwrap(), "AQID");
        assert_eq!(token("__Host-session=AQID").unwrap(), "AQID");
        assert_eq!(token("other=AQID").unwrap(), "AQID");
        assert_eq!(
            token("Cookie: theme=dark; __Host-session=\"AQID\"; x=1").unwrap(),
            "AQID"
        );
        assert_eq!(
            token("set-cookie: __Host-session=AQID; Path=/; Secure").unwrap(),
            "AQID"
        );
    }

    #[test]
    fn says_why_no_token_was_found_without_echoing_input() {
        let err = token("Cookie: a=SECRET1; b=SECRET2").unwrap_err();
        assert!(err.contains("no cookie named __Host-session"), "{err}");
        assert!(!err.contains("SECRET"));
        let err =
            token("Cookie: __Host-session.0=2.abcdef.SECRET; __Host-session.1=x").unwrap_err();
        assert!(err.contains("chunk"), "{err}");
        assert!(!err.contains("SECRET"));
        assert!(token("Cookie:").is_err());
        assert!(token("   ").is_err());
    }

    #[test]
    fn nearest_epochs_with_bits() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let current = 1_800_000_000 / 86_400; // 20833
        let near = |low: u64| nearest_epochs(low as u16, now, 86_400);
        assert_eq!(near(current), (Some(current), Some(current)));
        assert_eq!(
            near(current - 5),
            (Some(current - 5), Some(current - 5 + 65_536))
        );
        // Bits of a later epoch: 65536 epochs earlier is before 1970.
        assert_eq!(near(current + 1), (None, Some(current + 1)));
    }
}
