//! Fixtures shared by the adapters' unit tests: one fixed time, one cookie configuration on a
//! manual clock, fixed keys.

use crate::{CookieSettings, Keyring, Lifetimes, ManualClock, MasterKey, Sealer, SessionCookie};

/// 2027-01-15 08:00:00 UTC.
pub(crate) const T0: i64 = 1_800_000_000;

pub(crate) fn at(secs: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(secs).unwrap()
}

/// Idle 1 h, absolute 3 h, renewal after 50 %, leeway 60 s, key 1, on `clock`.
pub(crate) fn clocked(settings: CookieSettings, clock: &ManualClock) -> SessionCookie {
    let lifetimes = Lifetimes::new(
        std::time::Duration::from_secs(3 * 3600),
        std::time::Duration::from_secs(3600),
    );
    let config = settings
        .config_builder()
        .browser_session(lifetimes)
        .renew_after_percent(50)
        .build()
        .unwrap();
    let sealer = Sealer::new(Keyring::new(1, key(1)), config).with_clock(clock.clone());
    SessionCookie::new(sealer, settings).unwrap()
}

/// A fixed key per label.
pub(crate) fn key(label: u8) -> MasterKey {
    let bytes: Vec<u8> = (0u8..32)
        .map(|i| i.wrapping_mul(73).wrapping_add(label.wrapping_mul(29)) ^ 0x5a)
        .collect();
    MasterKey::from_bytes(&bytes).unwrap()
}

/// The `name=value` part of a Set-Cookie header.
pub(crate) fn pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}
