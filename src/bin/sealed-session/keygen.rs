//! `keygen`: new master keys from the operating system's generator, in the text form the
//! library reads (unpadded base64url, 32 bytes).

use std::io::Write;

use sealed_session::MasterKey;

use crate::{Failure, Outcome};

/// Print new master keys (one per line), in the base64url form the library reads
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Print keyring entries `ID:KEY` (for SESSION_KEYS), numbered from this id
    #[arg(long, value_name = "N")]
    id: Option<u8>,
    /// How many keys to make
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    count: u16,
}

pub(crate) fn run(args: &Args, out: &mut impl Write) -> Outcome {
    if let Some(first) = args.id {
        let last = u16::from(first)
            .saturating_add(args.count)
            .saturating_sub(1);
        if last > u16::from(u8::MAX) {
            return Err(Failure(format!(
                "--id {first} with --count {}: key ids end at 255",
                args.count
            )));
        }
    }
    for i in 0..args.count {
        let key = MasterKey::generate()?;
        let text = key.to_base64url();
        match args.id {
            // Checked above: the id stays within 0..=255.
            Some(first) => {
                let id = u16::from(first).saturating_add(i);
                writeln!(out, "{id}:{}", text.as_str())?;
            }
            None => writeln!(out, "{}", text.as_str())?,
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(id: Option<u8>, count: u16) -> Result<String, Failure> {
        let mut out = Vec::new();
        run(&Args { id, count }, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn keys_read_back_as_a_keyring() {
        let text = run_with(Some(4), 3).unwrap();
        let ring = sealed_session::Keyring::from_list(&text).unwrap();
        assert_eq!(ring.ids().collect::<Vec<_>>(), [4, 5, 6]);
        let plain = run_with(None, 1).unwrap();
        assert_eq!(plain.trim_end().len(), 43);
        assert!(MasterKey::from_text(plain.trim_end()).is_ok());
    }

    #[test]
    fn ids_past_255_are_refused() {
        assert!(run_with(Some(255), 1).is_ok());
        let err = run_with(Some(255), 2).unwrap_err();
        assert!(err.0.contains("255"), "{}", err.0);
    }
}
