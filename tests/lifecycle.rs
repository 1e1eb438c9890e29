//! Expiry boundaries, renewal, reissue, revocation, schema migration, the clock going backwards
//! and extreme values, through the public API.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use sealed_session::{
    Config, Lifetimes, OpenError, Revocation, SealError, SessionMeta, SessionOptions,
};

#[test]
fn absolute_and_idle_boundaries_to_the_second() {
    let s = sealer(); // browser session: 12 h absolute, 2 h idle, 60 s leeway
    let t = s
        .at(T0)
        .seal(&session(), &SessionOptions::default())
        .unwrap();
    assert!(s.at(T0 + 2 * HOUR + 60).open::<Session>(&t).is_ok());
    assert_eq!(
        s.at(T0 + 2 * HOUR + 61).open::<Session>(&t).unwrap_err(),
        OpenError::IdleTimeout
    );

    // Keep renewing every hour: the idle deadline moves, the absolute one does not.
    let mut token = t;
    let mut now = T0;
    loop {
        now += HOUR;
        match s.at(now).open::<Session>(&token) {
            Ok(o) => {
                assert_eq!(o.meta.absolute_deadline(), at(T0 + 12 * HOUR));
                assert!(o.meta.idle_deadline() <= o.meta.absolute_deadline());
                match s.at(now).renew(&o.session, &o.meta) {
                    Ok(next) => token = next,
                    Err(e) => {
                        assert_eq!(e, SealError::Expired);
                        break;
                    }
                }
            }
            Err(e) => {
                assert_eq!(e, OpenError::Expired, "at {}", now - T0);
                break;
            }
        }
    }
    assert!(
        (T0 + 12 * HOUR..=T0 + 13 * HOUR).contains(&now),
        "ended at +{}s",
        now - T0
    );
    // The last renewal (at +12h) opens until +12h+60s and not a second after.
    assert!(s.at(T0 + 12 * HOUR + 60).open::<Session>(&token).is_ok());
    assert_eq!(
        s.at(T0 + 12 * HOUR + 61)
            .open::<Session>(&token)
            .unwrap_err(),
        OpenError::Expired
    );
}

#[test]
fn persistent_profile_uses_its_own_lifetimes() {
    let s = sealer();
    let t = s
        .at(T0)
        .seal(&session(), &SessionOptions::default().persistent(true))
        .unwrap();
    let o = s.at(T0 + 3 * DAY).open::<Session>(&t).unwrap();
    assert!(o.meta.is_persistent());
    assert_eq!(o.meta.absolute_deadline(), at(T0 + 30 * DAY));
    assert_eq!(o.meta.idle_deadline(), at(T0 + 7 * DAY));
}

#[test]
fn renewal_hint_after_the_configured_part_of_the_idle_window() {
    let s = sealer_with(Config::builder().renew_after_percent(25).build().unwrap());
    let t = s
        .at(T0)
        .seal(&session(), &SessionOptions::default())
        .unwrap();
    assert!(
        !s.at(T0 + 1799)
            .open::<Session>(&t)
            .unwrap()
            .meta
            .renewal_due()
    );
    assert!(
        s.at(T0 + 1800)
            .open::<Session>(&t)
            .unwrap()
            .meta
            .renewal_due()
    );
}

#[test]
fn clock_going_backwards() {
    let s = sealer();
    let t = s
        .at(T0)
        .seal(&session(), &SessionOptions::default())
        .unwrap();
    // Another server 60 s behind accepts it (leeway); 61 s behind refuses it.
    assert!(s.at(T0 - 60).open::<Session>(&t).is_ok());
    assert_eq!(
        s.at(T0 - 61).open::<Session>(&t).unwrap_err(),
        OpenError::FromTheFuture
    );
    // A server behind the one that started the session renews without sealing before the start.
    let o = s.at(T0 - 30).open::<Session>(&t).unwrap();
    let r = s.at(T0 - 30).renew(&o.session, &o.meta).unwrap();
    let r = s.at(T0).open::<Session>(&r).unwrap();
    assert_eq!(r.meta.sealed_at(), at(T0));
    // A clock before 1970 cannot seal and opens nothing.
    assert_eq!(
        s.at(-5).seal(&1u8, &SessionOptions::default()).unwrap_err(),
        SealError::Clock
    );
    assert_eq!(
        {
            let token = s
                .at(T0)
                .seal(&session(), &SessionOptions::default())
                .unwrap();
            s.at(-5).open::<Session>(&token)
        }
        .unwrap_err(),
        OpenError::RetiredEpoch
    );
}

#[test]
fn reissue_starts_a_fresh_session_with_a_new_id() {
    let s = sealer_with(Config::builder().session_ids(true).build().unwrap());
    let opts = SessionOptions::default().persistent(true).generation(5);
    let token = s.at(T0).seal(&session(), &opts).unwrap();
    let guest = s.at(T0 + 600).open::<Session>(&token).unwrap();
    let admin = s.at(T0 + 600).reissue(&session(), &guest.meta).unwrap();
    let admin = s.at(T0 + 600).open::<Session>(&admin).unwrap();
    assert_ne!(admin.meta.session_id(), guest.meta.session_id());
    assert!(admin.meta.session_id().is_some());
    assert_eq!(admin.meta.session_start(), at(T0 + 600));
    assert_eq!(
        (admin.meta.is_persistent(), admin.meta.generation()),
        (true, 5)
    );
    // Renewal keeps the id.
    let renewed = s.at(T0 + 700).renew(&admin.session, &admin.meta).unwrap();
    assert_eq!(
        s.at(T0 + 700)
            .open::<Session>(&renewed)
            .unwrap()
            .meta
            .session_id(),
        admin.meta.session_id()
    );
}

#[test]
fn revocation_floor_cutoff_and_hook() {
    let s = sealer();
    let g1 = s
        .at(T0)
        .seal(&session(), &SessionOptions::default().generation(1))
        .unwrap();
    let g2 = s
        .at(T0 + 10)
        .seal(&session(), &SessionOptions::default().generation(2))
        .unwrap();
    s.replace_config(s.config().to_builder().generation_floor(2).build().unwrap());
    assert_eq!(
        s.at(T0 + 20).open::<Session>(&g1).unwrap_err(),
        OpenError::Revoked
    );
    assert!(s.at(T0 + 20).open::<Session>(&g2).is_ok());

    s.replace_config(
        s.config()
            .to_builder()
            .not_before(at(T0 + 5))
            .build()
            .unwrap(),
    );
    assert_eq!(
        s.at(T0 + 20).open::<Session>(&g1).unwrap_err(),
        OpenError::Revoked
    );
    assert!(s.at(T0 + 20).open::<Session>(&g2).is_ok());

    struct RevokeUser7;
    impl Revocation for RevokeUser7 {
        fn is_revoked(&self, meta: &SessionMeta) -> bool {
            meta.generation() == 2
        }
    }
    s.set_revocation(Some(Arc::new(RevokeUser7)));
    assert_eq!(
        s.at(T0 + 20).open::<Session>(&g2).unwrap_err(),
        OpenError::Revoked
    );
    s.set_revocation(None);
    let o = s.at(T0 + 20).open::<Session>(&g2).unwrap();
    assert_eq!(
        o.clone().require_generation(3).unwrap_err(),
        OpenError::Revoked
    );
    assert!(o.require_generation(2).is_ok());
}

#[test]
fn schema_mismatch_is_reported_and_migratable() {
    let v1 = sealer_with(Config::builder().schema_version(1).build().unwrap());
    let v2 = sealer_with(Config::builder().schema_version(2).build().unwrap());
    let old = v1
        .at(T0)
        .seal(&(7u64, "bob"), &SessionOptions::default())
        .unwrap();
    assert_eq!(
        v2.at(T0).open::<Session>(&old).unwrap_err(),
        OpenError::SchemaMismatch {
            found: 1,
            expected: 2
        }
    );
    let raw = v2.at(T0).open_raw(&old).unwrap();
    let (user_id, name): (u64, String) = postcard::from_bytes(&raw.session).unwrap();
    let migrated = Session {
        user_id,
        name,
        roles: vec![],
        csrf: [0; 16],
    };
    let fresh = v2.at(T0 + 1).renew(&migrated, &raw.meta).unwrap();
    let o = v2.at(T0 + 1).open::<Session>(&fresh).unwrap();
    assert_eq!((o.session.user_id, o.meta.schema_version()), (7, 2));
    assert_eq!(o.meta.session_start(), at(T0));
    // Raw open still enforces everything else.
    assert_eq!(
        v2.at(T0 + 3 * HOUR).open_raw(&old).unwrap_err(),
        OpenError::IdleTimeout
    );
}

#[test]
fn wrong_payload_type_is_payload_error() {
    let s = sealer();
    let t = s
        .at(T0)
        .seal(&(1u8, 2u8, 3u8), &SessionOptions::default())
        .unwrap();
    assert_eq!(
        s.at(T0).open::<Session>(&t).unwrap_err(),
        OpenError::Payload
    );
    // Trailing bytes are refused: (u8, u8) does not consume (u8, u8, u8).
    assert_eq!(
        s.at(T0).open::<(u8, u8)>(&t).unwrap_err(),
        OpenError::Payload
    );
}

#[test]
fn extreme_values() {
    let s = sealer_with(
        Config::builder()
            .schema_version(u32::MAX)
            .session_ids(true)
            .build()
            .unwrap(),
    );
    let opts = SessionOptions::default()
        .generation(u64::MAX)
        .persistent(true);
    let t = s.at(T0).seal(&u64::MAX, &opts).unwrap();
    let o = s.at(T0).open::<u64>(&t).unwrap();
    assert_eq!(
        (o.session, o.meta.generation(), o.meta.schema_version()),
        (u64::MAX, u64::MAX, u32::MAX)
    );
    assert!(t.len() <= s.sealed_len(10, &opts));
    // Near the end of what `time` can represent (year 9999): seals and opens without overflow.
    let far = time::Date::from_calendar_date(9999, time::Month::December, 1)
        .unwrap()
        .midnight()
        .assume_utc();
    let t = s
        .at((far).unix_timestamp())
        .seal(&1u8, &SessionOptions::default())
        .unwrap();
    assert!(s.at((far).unix_timestamp()).open::<u8>(&t).is_ok());
    // u32/u64-sized lifetimes and periods are refused or handled without panicking.
    let huge = Lifetimes::new(
        Duration::from_secs(u64::MAX),
        Duration::from_secs(u64::MAX / 2),
    );
    let cfg = Config::builder()
        .persistent(huge)
        .rotation_period(Duration::from_secs(u64::MAX))
        .build()
        .unwrap();
    let s = sealer_with(cfg);
    let t = s.at(T0).seal(&1u8, &opts).unwrap();
    assert_eq!(
        s.at(T0 + 100 * 365 * DAY).open::<u8>(&t).unwrap().session,
        1
    );
    assert!(s.at(T0).open::<u8>(&t).is_ok());
}

/// A value whose `Serialize` fails is refused as `Serialize`, with nothing emitted.
#[test]
fn a_value_that_cannot_be_serialized_is_refused() {
    struct Unserializable;
    impl serde::Serialize for Unserializable {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("no"))
        }
    }
    let s = sealer();
    assert_eq!(
        s.seal(&Unserializable, &SessionOptions::default()),
        Err(SealError::Serialize)
    );
}
