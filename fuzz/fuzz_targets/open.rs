//! Arbitrary bytes as a token against a fixed keyring. Without the key, nothing may open: an `Ok`
//! is a forgery. No input may panic.
#![no_main]

mod common;

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use sealed_session::{OpenError, Sealer};

static SEALER: LazyLock<Sealer> = LazyLock::new(common::fixed_sealer);

fuzz_target!(|data: &[u8]| {
    let sealer = &*SEALER;
    let text = String::from_utf8_lossy(data);
    let Err(typed) = sealer.open::<common::Session>(&text) else {
        panic!("forged token opened: {text:?}");
    };
    let Err(raw) = sealer.open_raw(&text) else {
        panic!("forged token opened raw: {text:?}");
    };
    // Without authentication the error cannot depend on the requested type.
    assert_eq!(typed, raw);
    assert_eq!(
        matches!(typed, OpenError::TooLong { .. }),
        text.len() > sealer.config().max_token_len()
    );
});
