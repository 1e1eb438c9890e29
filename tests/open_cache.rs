//! The open cache changes no verdict: a sealer with it answers every open exactly as one
//! without it, through seals, expiry, epochs, tampering, key and config replacement and
//! revocation.

mod common;

use std::sync::Arc;

use common::*;
use proptest::prelude::*;
use sealed_session::{Config, Keyring, OpenError, Revocation, SessionMeta, SessionOptions};

/// Refuses sessions of one generation.
struct RevokeGeneration(u64);

impl Revocation for RevokeGeneration {
    fn is_revoked(&self, meta: &SessionMeta) -> bool {
        meta.generation() == self.0
    }
}

#[derive(Debug, Clone)]
enum Step {
    /// Move both clocks on by this many seconds (or back, when negative).
    Wait(i64),
    /// Seal a session of this generation with the cached sealer.
    Seal { generation: u64 },
    /// Renew token `i` (if it opens) with the cached sealer.
    Renew(prop::sample::Index),
    /// Open token `i` with both sealers.
    Open(prop::sample::Index),
    /// Add a copy of token `i` with one character changed.
    Tamper {
        i: prop::sample::Index,
        at: prop::sample::Index,
        to: u8,
    },
    /// Replace both keyrings: `true` retires key 1 entirely, `false` keeps it open-only.
    Rekey(bool),
    /// Raise the generation floor on both.
    Floor(u64),
    /// Set (or clear) a revocation hook on both.
    Revoke(Option<u64>),
}

fn arb_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => prop_oneof![-60i64..HOUR, -HOUR..(10 * DAY)].prop_map(Step::Wait),
        4 => (0u64..4).prop_map(|generation| Step::Seal { generation }),
        2 => any::<prop::sample::Index>().prop_map(Step::Renew),
        8 => any::<prop::sample::Index>().prop_map(Step::Open),
        2 => (any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<u8>())
            .prop_map(|(i, at, to)| Step::Tamper { i, at, to }),
        1 => any::<bool>().prop_map(Step::Rekey),
        1 => (0u64..4).prop_map(Step::Floor),
        1 => prop::option::of(0u64..4).prop_map(Step::Revoke),
    ]
}

/// The same keys and config, one sealer with a small open cache (so tokens also evict each
/// other) and one without.
fn pair(slots: usize) -> (Clocked, Clocked) {
    let cached = sealer_with(Config::builder().open_cache(slots).build().unwrap());
    let plain = sealer_with(Config::default());
    (cached, plain)
}

fn opts(generation: u64) -> SessionOptions {
    SessionOptions::default().generation(generation)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn a_cached_sealer_answers_as_an_uncached_one(
        slots in 1usize..5,
        steps in prop::collection::vec(arb_step(), 1..40),
    ) {
        let sealers = pair(slots);
        let (cached, plain) = (&sealers.0, &sealers.1);
        let mut now = T0;
        let mut tokens: Vec<String> = Vec::new();
        let mut floor = 0;
        for step in steps {
            match step {
                Step::Wait(secs) => {
                    now += secs;
                    cached.at(now);
                    plain.at(now);
                }
                Step::Seal { generation } => {
                    tokens.push(cached.seal(&session(), &opts(generation)).unwrap());
                }
                Step::Renew(i) if !tokens.is_empty() => {
                    if let Ok(opened) = cached.open::<Session>(&tokens[i.index(tokens.len())]) {
                        tokens.push(cached.renew(&opened.session, &opened.meta).unwrap());
                    }
                }
                Step::Open(i) if !tokens.is_empty() => {
                    let token = &tokens[i.index(tokens.len())];
                    let want = plain.open::<Session>(token);
                    prop_assert_eq!(cached.open::<Session>(token), want.clone());
                    // And again, now that the cached sealer has seen it.
                    prop_assert_eq!(cached.open::<Session>(token), want);
                }
                Step::Tamper { i, at, to } if !tokens.is_empty() => {
                    let mut token = tokens[i.index(tokens.len())].clone().into_bytes();
                    let at = at.index(token.len());
                    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
                    let new = alphabet[usize::from(to) % alphabet.len()];
                    if token[at] != new {
                        token[at] = new;
                        tokens.push(String::from_utf8(token).unwrap());
                    }
                }
                Step::Rekey(retire) => {
                    let ring = || if retire {
                        Keyring::new(2, key(2))
                    } else {
                        Keyring::new(2, key(2)).with_open_only(1, key(1)).unwrap()
                    };
                    cached.replace_keyring(ring());
                    plain.replace_keyring(ring());
                }
                Step::Floor(by) => {
                    floor += by;
                    let config = |c: &Config| c.to_builder().generation_floor(floor).build().unwrap();
                    cached.replace_config(config(&cached.config()));
                    plain.replace_config(config(&plain.config()));
                }
                Step::Revoke(generation) => {
                    let hook = generation.map(|g| Arc::new(RevokeGeneration(g)) as Arc<dyn Revocation>);
                    cached.set_revocation(hook.clone());
                    plain.set_revocation(hook);
                }
                _ => {}
            }
        }
    }
}

/// A token opened once is still refused once it expires, is retired or revoked, though it
/// sits in the cache: every check after the AEAD runs on a hit.
#[test]
fn a_cached_token_is_still_judged_at_every_open() {
    let (cached, _) = pair(64);
    let token = cached.at(T0).seal(&session(), &opts(1)).unwrap();
    assert_eq!(
        cached
            .at(T0 + HOUR)
            .open::<Session>(&token)
            .unwrap()
            .session,
        session()
    );
    // Idle lifetime (2 h by default) passed.
    assert_eq!(
        cached.at(T0 + 3 * HOUR).open::<Session>(&token),
        Err(OpenError::IdleTimeout)
    );
    // From the future, beyond the leeway.
    assert_eq!(
        cached.at(T0 - HOUR).open::<Session>(&token),
        Err(OpenError::FromTheFuture)
    );
    assert!(cached.at(T0 + HOUR).open::<Session>(&token).is_ok());
    // Revoked.
    cached.set_revocation(Some(Arc::new(RevokeGeneration(1))));
    assert_eq!(cached.open::<Session>(&token), Err(OpenError::Revoked));
    cached.set_revocation(None);
    // A type the payload does not decode as.
    assert_eq!(
        cached.open::<([u64; 32], [u64; 8])>(&token),
        Err(OpenError::Payload)
    );
    assert!(cached.open::<Session>(&token).is_ok());
    // Below the generation floor.
    cached.replace_config(
        Config::builder()
            .open_cache(64)
            .generation_floor(2)
            .build()
            .unwrap(),
    );
    assert_eq!(cached.open::<Session>(&token), Err(OpenError::Revoked));
    // The key retired.
    cached.replace_config(Config::builder().open_cache(64).build().unwrap());
    assert!(cached.open::<Session>(&token).is_ok());
    cached.replace_keyring(Keyring::new(2, key(2)));
    assert_eq!(
        cached.open::<Session>(&token),
        Err(OpenError::UnknownKeyId { id: 1 })
    );
}

/// Another key under the same id: a token the old key sealed and the cache holds must not open.
#[test]
fn a_new_key_under_the_same_id_empties_the_cache() {
    let (cached, _) = pair(64);
    let token = cached.at(T0).seal(&session(), &opts(0)).unwrap();
    assert!(cached.open::<Session>(&token).is_ok());
    cached.replace_keyring(Keyring::new(1, key(9)));
    assert_eq!(
        cached.open::<Session>(&token),
        Err(OpenError::Authentication)
    );
}

/// Every one-character change of a token the cache holds is judged as without the cache: a hit
/// needs the whole token.
#[test]
fn no_change_to_a_cached_token_opens_from_the_cache() {
    let (cached, plain) = pair(1);
    let token = cached.at(T0).seal(&session(), &opts(0)).unwrap();
    plain.at(T0);
    for at in 0..token.len() {
        for new in [b'A', b'g', b'-'] {
            let mut changed = token.clone().into_bytes();
            if changed[at] == new {
                continue;
            }
            changed[at] = new;
            let changed = String::from_utf8(changed).unwrap();
            assert_eq!(
                cached.open::<Session>(&changed),
                plain.open::<Session>(&changed),
                "character {at}"
            );
            // The original is still the one the slot holds.
            assert!(cached.open::<Session>(&token).is_ok());
        }
    }
}

/// Threads sealing and opening their own sessions through a two-slot cache, so they contend for
/// the same slots all the time: each always gets back exactly its own session.
#[test]
fn threads_sharing_a_small_cache_never_see_each_others_sessions() {
    let (cached, _) = pair(2);
    std::thread::scope(|scope| {
        for thread in 0..4u64 {
            let sealer = &cached.sealer;
            scope.spawn(move || {
                let mut mine = session();
                for round in 0..300u64 {
                    mine.user_id = thread * 1_000 + round;
                    let token = sealer.seal(&mine, &opts(thread)).unwrap();
                    for _ in 0..3 {
                        let opened = sealer.open::<Session>(&token).unwrap();
                        assert_eq!(opened.session, mine);
                        assert_eq!(opened.meta.generation(), thread);
                    }
                }
            });
        }
    });
}
