//! Arbitrary `Cookie` header values, read for our session cookie (single or chunked) and opened:
//! never a panic; a token is only ever assembled from base64url bytes; without the key nothing
//! opens; a real session cookie hidden among arbitrary cookies opens as itself or not at all.
#![no_main]

mod common;

use std::sync::LazyLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sealed_session::{CookieSettings, Keyring, ManualClock, SessionCookie, SessionOptions};

struct Fixture {
    cookies: SessionCookie,
    chunked: SessionCookie,
    /// `name=value` of a real session cookie, and of a real 3-chunk set.
    single: String,
    chunks: Vec<String>,
}

fn session_cookie(settings: CookieSettings) -> SessionCookie {
    let config = settings.config_builder().build().expect("valid config");
    let ring = Keyring::new(1, common::key(0));
    let clock = ManualClock::at(common::now());
    let sealer = sealed_session::Sealer::new(ring, config).with_clock(clock);
    SessionCookie::new(sealer, settings).expect("bound")
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let cookies = session_cookie(CookieSettings::default());
    let chunked = session_cookie(
        CookieSettings::builder()
            .chunks(3)
            .build()
            .expect("valid settings"),
    );
    let set = cookies
        .seal(
            &cookies.settings().read([]),
            &7u64,
            &SessionOptions::default(),
        )
        .expect("seals");
    let single = set
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .next()
        .expect("one cookie");
    let big = vec![0x5au8; 5000];
    let set = chunked
        .seal(
            &chunked.settings().read([]),
            &big,
            &SessionOptions::default(),
        )
        .expect("seals");
    let chunks = set
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect();
    Fixture {
        cookies,
        chunked,
        single,
        chunks,
    }
});

#[derive(Arbitrary, Debug)]
struct Input {
    headers: Vec<Vec<u8>>,
    /// Where to hide the real cookie(s), if at all.
    plant: Option<(u8, u16)>,
    chunked: bool,
}

fuzz_target!(|input: Input| {
    let f = &*FIXTURE;
    let mut headers: Vec<Vec<u8>> = input.headers.into_iter().take(8).collect();
    let planted = input.plant.is_some();
    if let Some((which, at)) = input.plant {
        if headers.is_empty() {
            headers.push(Vec::new());
        }
        let n = headers.len();
        let planting: Vec<&String> = if input.chunked {
            f.chunks.iter().collect()
        } else {
            vec![&f.single]
        };
        for (k, cookie) in planting.into_iter().enumerate() {
            let h = &mut headers[(usize::from(which) + k) % n];
            let pos = usize::from(at) % (h.len() + 1);
            let piece = format!("; {cookie}; ");
            h.splice(pos..pos, piece.bytes());
        }
    }
    let views: Vec<&[u8]> = headers.iter().map(Vec::as_slice).collect();
    for (cookies, is_chunked) in [(&f.cookies, false), (&f.chunked, true)] {
        let read = cookies.settings().read(views.iter().copied());
        if let Ok(Some(token)) = sealed_session::fuzzing::read_token(&read) {
            assert!(!token.is_empty());
            assert!(token.len() <= cookies.settings().max_token_len());
            assert!(
                token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
        }
        if let Ok(Some(opened)) = cookies.open::<Vec<u8>>(&read) {
            assert!(planted, "a session opened from arbitrary cookies");
            assert!(
                input.chunked && is_chunked,
                "opened under the wrong settings"
            );
            assert_eq!(opened.session, vec![0x5a; 5000]);
        }
        if let Ok(Some(opened)) = cookies.open::<u64>(&read) {
            // Chunk-enabled settings read a single cookie too (a token that fits one cookie is
            // never chunked), and both fixtures share the cookie name and so the purpose: the
            // planted single cookie may open under either. Found by the CI smoke run
            // (findings/cookie_header-single-cookie-under-chunk-settings).
            assert!(planted && !input.chunked);
            assert_eq!(opened.session, 7);
        }
    }
});
