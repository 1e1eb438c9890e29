//! `sealed-session`: the operators' tool for sealed-session keys, tokens and settings.
//!
//! Exit status: 0 when all is well, 1 when something is wrong (a refused token, a bad key, a
//! problem found by `check`), 2 when the command line cannot be parsed. Errors are one line on
//! standard error and never contain a key or a token.

#![forbid(unsafe_code)]
// Bad input must give a message, never a panic: no unwrap, expect, panic or indexing outside
// the unit tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod check;
mod inspect;
mod keygen;
mod settings;
mod sizes;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Make master keys, look into tokens, check a deployment's keys and settings, and size sessions.
///
/// Keys are read as the application reads them: a keyring list `ID:KEY, ID:KEY` (first = primary)
/// from SESSION_KEYS, or from the file named by SESSION_KEYS_FILE. No key is ever printed,
/// except the new ones `keygen` makes.
#[derive(Parser)]
#[command(name = "sealed-session", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Keygen(keygen::Args),
    Inspect(inspect::Args),
    Check(check::Args),
    Sizes(sizes::Args),
}

/// The parser's message for errors whose standard text would quote the offending value (a
/// token or a key typed in the wrong place): the argument is named, the value never shown.
/// `None` for the others, whose standard text quotes no value.
fn usage_error(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    use std::error::Error as _;
    let arg = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) => arg.clone(),
        _ => "an argument".to_owned(),
    };
    let hint = "see --help";
    Some(match e.kind() {
        ErrorKind::InvalidValue if matches!(e.get(ContextKind::InvalidValue), Some(ContextValue::String(v)) if v.is_empty()) =>
        {
            format!("{arg} needs a value; {hint}")
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => match e.source() {
            Some(why) => format!("invalid value for {arg}: {why}; {hint}"),
            None => format!("invalid value for {arg}; {hint}"),
        },
        ErrorKind::UnknownArgument | ErrorKind::TooManyValues => {
            format!("unexpected argument (not shown: it may be a secret); {hint}")
        }
        ErrorKind::InvalidSubcommand => {
            format!("unknown command (not shown: it may be a secret); {hint}")
        }
        ErrorKind::InvalidUtf8 => format!("an argument is not valid UTF-8; {hint}"),
        _ => return None,
    })
}

/// The parser's own message on one line (its later lines list usage; `--help` shows it all).
fn first_line(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() == ErrorKind::MissingRequiredArgument
        && let Some(ContextValue::Strings(args)) = e.get(ContextKind::InvalidArg)
    {
        return format!("missing {}; see --help", args.join(", "));
    }
    let text = e.render().to_string();
    let line = text.lines().next().unwrap_or_default();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    format!("{line}; see --help")
}

/// Why a command failed: one line for standard error, never holding a secret.
#[derive(Debug)]
pub(crate) struct Failure(pub(crate) String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Self(e.to_string())
    }
}

/// What a command reports: success, or "something is wrong" (exit status 1) after its output.
pub(crate) type Outcome = Result<bool, Failure>;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` are not errors.
            if !e.use_stderr() {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                let _ = e.print();
                return ExitCode::from(2);
            }
            let message = usage_error(&e).unwrap_or_else(|| first_line(&e));
            let _ = writeln!(std::io::stderr(), "sealed-session: usage error: {message}");
            return ExitCode::from(2);
        }
    };
    // Output is small: gathered first, then written once, so a reader that stops early (`| head`)
    // costs no error message. Wiped on drop: it may hold new keys.
    let mut out = zeroize::Zeroizing::new(Vec::new());
    let outcome = match cli.command {
        Command::Keygen(args) => keygen::run(&args, &mut *out),
        Command::Inspect(args) => inspect::run(&args, &mut *out),
        Command::Check(args) => check::run(&args, &mut *out),
        Command::Sizes(args) => sizes::run(&args, &mut *out),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(&out).and_then(|()| stdout.flush());
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(Failure(message)) => {
            let _ = writeln!(std::io::stderr(), "sealed-session: error: {message}");
            ExitCode::from(1)
        }
    }
}
