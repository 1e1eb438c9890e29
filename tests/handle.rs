//! The sealer as a handle: clones, the injected clock, hot reload under concurrent writers,
//! redacted `Debug`.

mod common;

use std::sync::Barrier;

use common::*;
use sealed_session::{Config, Keyring, ManualClock, OpenError, SealError, Sealer, SessionOptions};

#[test]
fn sealer_is_send_sync_and_clone() {
    fn assert_traits<T: Send + Sync + Clone>() {}
    assert_traits::<Sealer>();
}

#[test]
fn too_long_is_refused_before_decoding() {
    let s = sealer();
    let long = "A".repeat(5000);
    let err = s.open::<u8>(&long).unwrap_err();
    assert_eq!(
        err,
        OpenError::TooLong {
            len: 5000,
            max: 4096
        }
    );
}

#[test]
fn with_clock_on_a_shared_sealer_keeps_keys_and_config() {
    let s = sealer_with(Config::builder().generation_floor(1).build().unwrap());
    let moved = s.sealer.clone().with_clock(ManualClock::at(at(T0 + 60)));
    let token = moved
        .seal(&1u8, &SessionOptions::default().generation(1))
        .unwrap();
    assert_eq!(s.open::<u8>(&token).unwrap().meta.sealed_at(), at(T0 + 60));
    assert_eq!(moved.config(), s.config());
}

#[test]
fn a_clock_before_1970_seals_nothing_and_opens_nothing() {
    let s = sealer();
    let token = s.seal(&1u8, &SessionOptions::default()).unwrap();
    let before_1970 = s.at(-1);
    assert_eq!(
        before_1970.seal(&1u8, &SessionOptions::default()),
        Err(SealError::Clock)
    );
    assert_eq!(
        before_1970.open::<u8>(&token).unwrap_err(),
        OpenError::RetiredEpoch
    );
}

#[test]
fn renewal_keeps_the_session_id_and_reissue_mints_one() {
    let s = sealer_with(Config::builder().session_ids(true).build().unwrap());
    let opts = SessionOptions::default();
    let meta = s.open::<u8>(&s.seal(&1u8, &opts).unwrap()).unwrap().meta;
    let renewed = s.open::<u8>(&s.renew(&1u8, &meta).unwrap()).unwrap().meta;
    assert_eq!(renewed.session_id(), meta.session_id());
    let reissued = s.open::<u8>(&s.reissue(&1u8, &meta).unwrap()).unwrap().meta;
    assert!(reissued.session_id().is_some());
    assert_ne!(reissued.session_id(), meta.session_id());
}

#[test]
fn debug_redacts_keys() {
    let shown = format!("{:?}", sealer().sealer);
    assert!(shown.starts_with("Sealer { primary_id: 1, config: Config {"));
    assert!(!shown.contains("MasterKey {"));
}

/// Two writers at once (a key rotation and a revocation by generation floor) must not undo each
/// other: neither may store its new half with the other's old half.
#[test]
fn a_keyring_swap_and_a_config_swap_at_once_keep_both() {
    let floor = Config::builder().generation_floor(7).build().unwrap();
    let opts = SessionOptions::default().generation(7);
    for round in 0..400 {
        let s = sealer();
        let old = s.seal(&1u8, &opts).unwrap();
        let start = Barrier::new(2);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                start.wait();
                s.replace_keyring(Keyring::new(2, key(2)));
            });
            scope.spawn(|| {
                start.wait();
                s.replace_config(floor.clone());
            });
        });
        assert_eq!(s.config(), floor, "round {round}: the new config was lost");
        assert_eq!(
            s.open::<u8>(&old).unwrap_err(),
            OpenError::UnknownKeyId { id: 1 },
            "round {round}: the removed key came back"
        );
        let fresh = s.seal(&1u8, &opts).unwrap();
        assert_eq!(
            s.open::<u8>(&fresh).unwrap().meta.key_id(),
            2,
            "round {round}"
        );
    }
}
