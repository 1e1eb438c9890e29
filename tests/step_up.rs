//! Step-up authentication: `SessionMeta::authenticated_within` counts from the last
//! authentication (login or reissue) to the open, at fixed times; renewal keeps it, reissue
//! resets it.

mod common;

use common::{HOUR, T0};
use sealed_session::SessionOptions;
use time::Duration;

#[test]
fn renewal_keeps_the_authentication_time_and_reissue_resets_it() {
    let s = common::sealer();
    let fifteen = Duration::minutes(15);
    let login = s
        .at(T0)
        .seal(&common::session(), &SessionOptions::default())
        .unwrap();

    // Within 15 minutes of the login, up to and including the 15th.
    let opened = s.at(T0 + 15 * 60).open::<common::Session>(&login).unwrap();
    assert!(opened.meta.authenticated_within(fifteen));
    let opened = s
        .at(T0 + 15 * 60 + 1)
        .open::<common::Session>(&login)
        .unwrap();
    assert!(!opened.meta.authenticated_within(fifteen));
    assert!(opened.meta.authenticated_within(Duration::hours(1)));

    // A renewal an hour in keeps the session start: still not fresh.
    let renewed = s
        .at(T0 + HOUR)
        .renew(&opened.session, &opened.meta)
        .unwrap();
    let opened = s.at(T0 + HOUR).open::<common::Session>(&renewed).unwrap();
    assert_eq!(opened.meta.session_start(), common::at(T0));
    assert!(!opened.meta.authenticated_within(fifteen));

    // After re-authenticating, the app reissues: fresh again, for 15 minutes.
    let reissued = s
        .at(T0 + HOUR)
        .reissue(&opened.session, &opened.meta)
        .unwrap();
    let fresh = s
        .at(T0 + HOUR + 60)
        .open::<common::Session>(&reissued)
        .unwrap();
    assert_eq!(fresh.meta.session_start(), common::at(T0 + HOUR));
    assert!(fresh.meta.authenticated_within(fifteen));
    let later = s
        .at(T0 + HOUR + 16 * 60)
        .open::<common::Session>(&reissued)
        .unwrap();
    assert!(!later.meta.authenticated_within(fifteen));
    assert!(!later.meta.authenticated_within(Duration::seconds(-1)));
}
