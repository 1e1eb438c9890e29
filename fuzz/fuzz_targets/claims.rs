//! The post-authentication decoding (claims, their checks, the payload) on arbitrary plaintext,
//! through the `cfg(fuzzing)` hook: reachable in real life only with the key, so the other targets
//! cannot get here.
#![no_main]

mod common;

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use sealed_session::fuzzing::decode_plaintext;

fuzz_target!(|data: &[u8]| {
    let Some((head, plain)) = data.split_first_chunk::<4>() else {
        return;
    };
    // Open near the epoch the plaintext claims to be from, so the checks often pass.
    let epoch = u64::from(u16::from_le_bytes([head[0], head[1]])) + 20_000;
    let now = epoch * 86_400 + u64::from(u16::from_le_bytes([head[2], head[3]])) * 2;
    let session = decode_plaintext::<common::Session>(plain, epoch, now);
    if let Some(Ok(s)) = &session.payload {
        let again = postcard::to_allocvec(s).expect("serializes");
        let back: common::Session = postcard::from_bytes(&again).expect("decodes");
        assert_eq!(&back, s);
    }
    let nest = decode_plaintext::<common::Nest>(plain, epoch, now);
    let map = decode_plaintext::<HashMap<u64, Vec<u64>>>(plain, epoch, now);
    let bytes = decode_plaintext::<Vec<u8>>(plain, epoch, now);
    // The claims part does not depend on the payload type.
    assert_eq!(session.checks, nest.checks);
    assert_eq!(session.checks, map.checks);
    assert_eq!(session.checks, bytes.checks);
});
