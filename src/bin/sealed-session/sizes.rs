//! `sizes`: the largest session payload per cookie count, from the library's own size
//! arithmetic (`Sealer::max_payload_len` and `Sealer::sealed_len`: the worst case over every
//! time of day).

use std::io::Write;

use sealed_session::{Keyring, MasterKey, Sealer, SessionOptions};

use crate::settings::Settings;
use crate::{Failure, Outcome};

/// The largest session payload (postcard bytes) that fits per number of cookies, for these
/// settings
///
/// Rows go from one cookie to --chunks cookies. No key is needed: a throwaway key sizes the
/// tokens, and is never printed.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The generation sealed into sessions (larger ones take more bytes)
    #[arg(long, default_value_t = 0)]
    generation: u64,
    /// Also say how long the token of a payload of this many postcard bytes can be
    #[arg(long, value_name = "BYTES")]
    payload: Option<usize>,
    #[command(flatten)]
    settings: Settings,
}

pub(crate) fn run(args: &Args, out: &mut impl Write) -> Outcome {
    let browser = SessionOptions::default().generation(args.generation);
    let persistent = browser.persistent(true);
    let first = args
        .settings
        .build()
        .map_err(|problems| Failure(problems.join("; ")))?;
    let config = &first.config;
    match &first.cookie {
        Some(cookie) => writeln!(out, "cookie {}", cookie.name())?,
        None => writeln!(out, "purpose {:?} (no cookie)", config.purpose())?,
    }
    writeln!(
        out,
        "generation {}, schema {}, session ids {}; sizes hold at every time of day",
        args.generation,
        config.schema_version(),
        if config.session_ids() { "on" } else { "off" }
    )?;
    writeln!(
        out,
        "{:>7}  {:>10}  {:>15}  {:>10}",
        "cookies", "token room", "browser-session", "persistent"
    )?;
    let counts: Vec<u8> = if first.cookie.is_some() {
        (1..=args.settings.chunks).collect()
    } else {
        vec![0]
    };
    let room = |n: Option<usize>| n.map_or_else(|| "none".to_string(), |n| n.to_string());
    let mut payload_rows = Vec::new();
    for count in counts {
        let built = if count == 0 {
            first.config.clone()
        } else {
            args.settings
                .with_chunks(count)
                .build()
                .map_err(|problems| Failure(problems.join("; ")))?
                .config
        };
        let max_len = built.max_token_len();
        // A key only to build a sealer: sizes do not depend on it.
        let sealer = Sealer::new(Keyring::new(0, MasterKey::generate()?), built);
        let label = if count == 0 {
            "-".to_string()
        } else {
            count.to_string()
        };
        writeln!(
            out,
            "{label:>7}  {max_len:>10}  {:>15}  {:>10}",
            room(sealer.max_payload_len(&browser)),
            room(sealer.max_payload_len(&persistent)),
        )?;
        if let Some(n) = args.payload {
            payload_rows.push((
                label,
                max_len,
                sealer.sealed_len(n, &browser),
                sealer.sealed_len(n, &persistent),
            ));
        }
    }
    if let Some(n) = args.payload {
        writeln!(out, "a payload of {n} bytes gives tokens of up to:")?;
        for (label, max_len, b, p) in payload_rows {
            let fits = |len: usize| if len <= max_len { "fits" } else { "too long" };
            writeln!(
                out,
                "{label:>7}  {max_len:>10}  {:>15}  {:>10}",
                format!("{b} {}", fits(b)),
                format!("{p} {}", fits(p)),
            )?;
        }
    }
    Ok(true)
}
