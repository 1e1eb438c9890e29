//! Master keys and keyring lists from arbitrary text (hex, base64, base64url, `ID:KEY` lists):
//! never a panic, and whatever is accepted is a sane key that round-trips and is never printed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealed_session::{Keyring, MasterKey};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(key) = MasterKey::from_text(&text) {
        assert!(
            (MasterKey::MIN_LEN..=MasterKey::MAX_LEN)
                .contains(&sealed_session::fuzzing::key_len(&key))
        );
        let exported = key.to_base64url();
        let again = MasterKey::from_text(&exported).expect("an exported key re-imports");
        assert_eq!(again.to_base64url(), exported);
        let shown = format!("{key:?}");
        assert_eq!(shown, "MasterKey { .. }");
    }
    if let Ok(ring) = Keyring::from_list(&text) {
        let ids: Vec<u8> = ring.ids().collect();
        assert!(!ids.is_empty());
        assert_eq!(ring.primary_id(), ids[0]);
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "duplicate ids accepted");
    }
});
