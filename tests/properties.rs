//! Property tests: round trips hold for arbitrary sessions, options and times; no mutated token
//! ever opens to a different value.

mod common;

use common::*;
use proptest::prelude::*;
use sealed_session::{Config, SessionOptions};

fn arb_session() -> impl Strategy<Value = Session> {
    (
        any::<u64>(),
        ".{0,40}",
        prop::collection::vec("[a-z]{0,12}", 0..6),
        any::<[u8; 16]>(),
    )
        .prop_map(|(user_id, name, roles, csrf)| Session {
            user_id,
            name,
            roles,
            csrf,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn round_trip(session in arb_session(), persistent: bool, generation: u64, dt in 0i64..(50 * 365 * DAY), ids: bool) {
        let s = sealer_with(Config::builder().session_ids(ids).build().unwrap());
        let now = at(T0 + dt);
        let opts = SessionOptions::default().persistent(persistent).generation(generation);
        let token = s.at((now).unix_timestamp()).seal(&session, &opts).unwrap();
        prop_assert!(token.len() <= s.sealed_len(postcard::to_allocvec(&session).unwrap().len(), &opts));
        let opened = s.at((now).unix_timestamp()).open::<Session>(&token).unwrap();
        prop_assert_eq!(&opened.session, &session);
        prop_assert_eq!(opened.meta.sealed_at(), now);
        prop_assert_eq!(opened.meta.session_start(), now);
        prop_assert_eq!(opened.meta.generation(), generation);
        prop_assert_eq!(opened.meta.is_persistent(), persistent);
        prop_assert_eq!(opened.meta.session_id().is_some(), ids);
        prop_assert_eq!(opened.meta.key_id(), 1);
    }

    #[test]
    fn renewal_round_trip(session in arb_session(), age in 0i64..(12 * HOUR)) {
        let s = sealer();
        let t = s.at(T0).seal(&session, &SessionOptions::default()).unwrap();
        let first = s.at(T0).open::<Session>(&t).unwrap();
        let renewed = s.at(T0 + age).renew(&session, &first.meta).unwrap();
        let o = s.at(T0 + age).open::<Session>(&renewed).unwrap();
        prop_assert_eq!(o.session, session);
        prop_assert_eq!(o.meta.session_start(), at(T0));
        prop_assert_eq!(o.meta.absolute_deadline(), first.meta.absolute_deadline());
    }

    #[test]
    fn mutated_tokens_never_open_to_another_value(
        session in arb_session(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..4),
    ) {
        let s = sealer();
        let token = s.at(T0).seal(&session, &SessionOptions::default()).unwrap();
        let mut bytes = token.clone().into_bytes();
        for (idx, byte, kind) in edits {
            match kind {
                0 if !bytes.is_empty() => { let i = idx.index(bytes.len()); bytes[i] = byte; }
                1 if !bytes.is_empty() => { let i = idx.index(bytes.len()); bytes.remove(i); }
                2 => { let i = idx.index(bytes.len() + 1); bytes.insert(i, byte); }
                _ => { let i = idx.index(bytes.len() + 1); bytes.truncate(i); }
            }
        }
        let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
        match s.at(T0).open::<Session>(&text) {
            Ok(o) => {
                prop_assert_eq!(&text, &token, "only the untouched token opens");
                prop_assert_eq!(o.session, session);
            }
            Err(_) => prop_assert_ne!(&text, &token),
        }
    }
}
