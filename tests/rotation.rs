//! Key rotation end to end: a new key is added open-only, promoted, then the old one retired; epoch
//! keys roll over by themselves; the keyring is swapped at run time under concurrent use.

mod common;

use common::*;
use sealed_session::{Config, Keyring, LogLevel, OpenError, Sealer, SessionOptions};

#[test]
fn master_key_rotation_playbook() {
    let cfg = Config::default;
    // Before: key 1 only.
    let before = clocked(Sealer::new(Keyring::new(1, key(1)), cfg()));
    let old_token = before
        .at(T0)
        .seal(&session(), &SessionOptions::default())
        .unwrap();

    // Step 1: key 2 added open-only. Tokens under key 1 still seal and open; key 2 opens too.
    let step1 = clocked(Sealer::new(
        Keyring::new(1, key(1)).with_open_only(2, key(2)).unwrap(),
        cfg(),
    ));
    let opened = step1.at(T0 + 60).open::<Session>(&old_token).unwrap();
    assert!(!opened.meta.old_key());
    assert_eq!(
        step1
            .open::<Session>(&step1.seal(&session(), &SessionOptions::default()).unwrap())
            .unwrap()
            .meta
            .key_id(),
        1
    );

    // Step 2: key 2 promoted. New tokens use key 2; key-1 tokens open and say old_key.
    let step2 = clocked(Sealer::new(
        Keyring::new(2, key(2)).with_open_only(1, key(1)).unwrap(),
        cfg(),
    ));
    let new_token = step2
        .at(T0 + 120)
        .seal(&session(), &SessionOptions::default())
        .unwrap();
    assert_eq!(
        step2
            .at(T0 + 120)
            .open::<Session>(&new_token)
            .unwrap()
            .meta
            .key_id(),
        2
    );
    let opened = step2.at(T0 + 120).open::<Session>(&old_token).unwrap();
    assert!(opened.meta.old_key() && opened.meta.renewal_due());
    // The renewal path moves it to key 2, keeping the session start.
    let moved = step2
        .at(T0 + 120)
        .renew(&opened.session, &opened.meta)
        .unwrap();
    let moved = step2.at(T0 + 121).open::<Session>(&moved).unwrap();
    assert_eq!((moved.meta.key_id(), moved.meta.old_key()), (2, false));
    assert_eq!(moved.meta.session_start(), opened.meta.session_start());
    // Step 1's servers (not yet upgraded) open key-2 tokens too: the order of deploys is safe.
    assert!(step1.at(T0 + 120).open::<Session>(&new_token).is_ok());

    // Step 3: key 1 retired.
    let step3 = clocked(Sealer::new(Keyring::new(2, key(2)), cfg()));
    let retired = step3.at(T0 + 180).open::<Session>(&old_token).unwrap_err();
    assert_eq!(retired, OpenError::UnknownKeyId { id: 1 });
    // A browser still holding a key-1 cookie is no attacker: logged at the quietest level.
    assert_eq!(retired.log_level(), LogLevel::Debug);
    assert!(step3.at(T0 + 180).open::<Session>(&new_token).is_ok());
}

#[test]
fn epoch_keys_roll_over_and_old_epochs_are_flagged() {
    let s = sealer();
    let persistent = sealed_session::SessionOptions::default().persistent(true);
    let t = s.at(T0).seal(&session(), &persistent).unwrap();
    let same = s.at(T0 + 60).open::<Session>(&t).unwrap();
    assert!(!same.meta.old_epoch());
    let next_day = s.at(T0 + DAY).open::<Session>(&t).unwrap();
    assert!(next_day.meta.old_epoch() && next_day.meta.renewal_due());
    assert_eq!(next_day.meta.epoch(), (T0 / DAY) as u64);
    let renewed = s
        .at(T0 + DAY)
        .renew(&next_day.session, &next_day.meta)
        .unwrap();
    assert_eq!(
        s.at(T0 + DAY)
            .open::<Session>(&renewed)
            .unwrap()
            .meta
            .epoch(),
        ((T0 + DAY) / DAY) as u64
    );
}

#[test]
fn tokens_outside_the_epoch_window_are_refused_whatever_the_claims_say() {
    // A long absolute lifetime does not keep a token alive past the epoch window, which follows
    // the idle lifetime: 8 days after its seal a persistent token (7-day idle) is refused.
    let s = sealer();
    let opts = sealed_session::SessionOptions::default().persistent(true);
    let t = s.at(T0).seal(&session(), &opts).unwrap();
    assert!(s.at(T0 + 7 * DAY).open::<Session>(&t).is_ok());
    let err = s.at(T0 + 9 * DAY).open::<Session>(&t).unwrap_err();
    assert_eq!(err, OpenError::RetiredEpoch);
}

/// The purpose is an input of the epoch key (FORMAT.md R4.1), so a config that changes it must
/// not reuse the epoch keys cached under the old one: every seal below fills the cache first.
#[test]
fn replacing_the_purpose_never_reuses_keys_derived_for_the_old_one() {
    let with_purpose = |p: &str| Config::builder().purpose(p).build().unwrap();
    let s = sealer_with(with_purpose("purpose-a"));
    let sealed_a = s
        .at(T0)
        .seal(&session(), &SessionOptions::default())
        .unwrap();
    assert!(s.open::<Session>(&sealed_a).is_ok(), "A's epoch key cached");

    s.replace_config(with_purpose("purpose-b"));
    assert_eq!(
        s.at(T0 + 1).open::<Session>(&sealed_a).unwrap_err(),
        OpenError::Authentication
    );
    let sealed_b = s.seal(&session(), &SessionOptions::default()).unwrap();
    assert!(s.open::<Session>(&sealed_b).is_ok());
    // Sealed under B's own key: a fresh sealer for B opens it, one for A does not.
    let fresh = |p: &str| {
        sealer_with(with_purpose(p))
            .at(T0 + 2)
            .open::<Session>(&sealed_b)
    };
    assert!(fresh("purpose-b").is_ok());
    assert_eq!(fresh("purpose-a").unwrap_err(), OpenError::Authentication);

    // And back: A's tokens open again, under keys derived afresh.
    s.replace_config(with_purpose("purpose-a"));
    assert!(s.at(T0 + 3).open::<Session>(&sealed_a).is_ok());
    assert_eq!(
        s.open::<Session>(&sealed_b).unwrap_err(),
        OpenError::Authentication
    );
}

#[test]
fn hot_reload_under_concurrent_use() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let s = sealer();
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (s, stop) = (s.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut n = 0u32;
                while !stop.load(Ordering::Relaxed) || n < 200 {
                    // Every token a worker seals opens again, whichever ring was in force: both
                    // rings hold both keys, only the primary changes.
                    let t = s.seal(&n, &SessionOptions::default()).unwrap();
                    assert_eq!(s.open::<u32>(&t).unwrap().session, n);
                    n += 1;
                }
                n
            })
        })
        .collect();
    for i in 0..200 {
        let ring = if i % 2 == 0 {
            Keyring::new(2, key(2)).with_open_only(1, key(1)).unwrap()
        } else {
            Keyring::new(1, key(1)).with_open_only(2, key(2)).unwrap()
        };
        s.replace_keyring(ring);
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        assert!(w.join().unwrap() >= 200);
    }
}
