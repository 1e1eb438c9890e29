//! The `testing` module: the fixed test keyring and the forged `Cookie` header, used as an
//! application's handler tests would use them.
#![cfg(feature = "testing")]

mod common;

use sealed_session::{Config, CookieSettings, Sealer, SessionCookie, SessionOptions, testing};

fn cookies(settings: CookieSettings) -> SessionCookie {
    let config = settings.config_builder().build().unwrap();
    let clock = testing::ManualClock::at(common::at(common::T0));
    let sealer = Sealer::new(testing::test_keyring(), config).with_clock(clock);
    SessionCookie::new(sealer, settings).unwrap()
}

#[test]
fn the_test_keyring_is_the_same_in_every_call() {
    let clock = testing::ManualClock::at(common::at(common::T0));
    let a = Sealer::new(testing::test_keyring(), Config::default()).with_clock(clock.clone());
    let b = Sealer::new(testing::test_keyring(), Config::default()).with_clock(clock);
    let token = a.seal(&5u8, &SessionOptions::default()).unwrap();
    assert_eq!(b.open::<u8>(&token).unwrap().session, 5);
    assert_eq!(testing::test_keyring().primary_id(), 1);
    // A sealer over other keys does not open it.
    let other = common::sealer();
    assert!(other.open::<u8>(&token).is_err());
}

#[test]
fn the_forged_header_opens_in_the_cookie_layer() {
    let cookies = cookies(CookieSettings::default());
    let header =
        testing::cookie_header(&cookies, &common::session(), &SessionOptions::default()).unwrap();
    assert!(header.starts_with("__Host-session="), "{header}");
    assert!(!header.contains(';'), "one cookie: {header}");
    let read = cookies.settings().read([header.as_bytes()]);
    let opened = cookies.open::<common::Session>(&read).unwrap().unwrap();
    assert_eq!(opened.session, common::session());
    assert_eq!(opened.meta.session_start(), common::at(common::T0));
}

#[test]
fn the_forged_header_carries_every_chunk() {
    let cookies = cookies(CookieSettings::builder().chunks(3).build().unwrap());
    let big = common::noise(5000, 3);
    let header = testing::cookie_header(&cookies, &big, &SessionOptions::default()).unwrap();
    let names: Vec<&str> = header
        .split("; ")
        .map(|pair| pair.split('=').next().unwrap())
        .collect();
    assert!(names.len() >= 2, "{names:?}");
    for (i, name) in names.iter().enumerate() {
        assert_eq!(*name, format!("__Host-session.{i}"));
    }
    let read = cookies.settings().read([header.as_bytes()]);
    assert_eq!(
        cookies.open::<Vec<u8>>(&read).unwrap().unwrap().session,
        big
    );
    // Too large for the cookies: the seal's own error.
    assert!(matches!(
        testing::cookie_header(
            &cookies,
            &common::noise(20_000, 4),
            &SessionOptions::default()
        ),
        Err(sealed_session::SealError::TooLong { .. })
    ));
}
