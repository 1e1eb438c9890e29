//! How a revocation is written in Redis: the sorted-set member that names its target and the
//! pub/sub message that announces it. Text only, no I/O.
//!
//! ```text
//! member  = "s:" 32 lower-case hex digits     one session, by session id
//!         | "u:" subject                      every session of a subject started before the score
//!         | "g"                               every session started before the score
//! score   = the revocation time, unix seconds (the entry can matter until score + max token age)
//! message = version " " score " " member      version: the value of the version counter after the
//!                                              write, so a follower sees a gap
//! ```

use crate::claims::SESSION_ID_LEN;
use crate::session::SessionId;

/// The longest subject a revocation accepts, in bytes: it bounds the replica's memory per entry.
pub const MAX_SUBJECT_LEN: usize = 256;

/// What a revocation refuses.
///
/// # Example
/// ```
/// use sealed_session::revocation::RevocationTarget;
/// let all_of_alice = RevocationTarget::Subject("alice".into());
/// assert_ne!(all_of_alice, RevocationTarget::All);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevocationTarget {
    /// One session, by its session id (the config must enable session ids).
    Session(SessionId),
    /// Every session of one subject (a user) that started before the revocation second: "log out
    /// everywhere". The subject is what [`RevocationSubject`](super::RevocationSubject) returns
    /// for the application's session type; at most [`MAX_SUBJECT_LEN`] bytes, not empty.
    Subject(String),
    /// Every session that started before the revocation second.
    All,
}

const SESSION_TAG: &str = "s:";
const SUBJECT_TAG: &str = "u:";
const ALL_MEMBER: &str = "g";

/// The sorted-set member naming `target`.
pub(crate) fn member(target: &RevocationTarget) -> String {
    match target {
        RevocationTarget::Session(id) => format!("{SESSION_TAG}{id}"),
        RevocationTarget::Subject(subject) => format!("{SUBJECT_TAG}{subject}"),
        RevocationTarget::All => ALL_MEMBER.to_owned(),
    }
}

/// The target a member names, or `None` for anything this version does not write.
pub(crate) fn parse_member(member: &str) -> Option<RevocationTarget> {
    if member == ALL_MEMBER {
        return Some(RevocationTarget::All);
    }
    if let Some(hex) = member.strip_prefix(SESSION_TAG) {
        return parse_session_id(hex).map(RevocationTarget::Session);
    }
    let subject = member.strip_prefix(SUBJECT_TAG)?;
    valid_subject(subject).then(|| RevocationTarget::Subject(subject.to_owned()))
}

/// Whether `subject` can be revoked: not empty, at most [`MAX_SUBJECT_LEN`] bytes.
pub(crate) fn valid_subject(subject: &str) -> bool {
    !subject.is_empty() && subject.len() <= MAX_SUBJECT_LEN
}

/// The message announcing a write: `version score member` (Redis builds it in the revoke script;
/// this pins the form the follower parses).
#[cfg(test)]
pub(crate) fn message(version: u64, revoked_at: i64, member: &str) -> String {
    format!("{version} {revoked_at} {member}")
}

/// One announced revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Announced {
    pub(crate) version: u64,
    pub(crate) revoked_at: i64,
    pub(crate) target: RevocationTarget,
}

/// Parses a message; `None` for anything malformed (the follower then reconciles).
pub(crate) fn parse_message(text: &str) -> Option<Announced> {
    let (version, rest) = text.split_once(' ')?;
    let (revoked_at, member) = rest.split_once(' ')?;
    Some(Announced {
        version: version.parse().ok()?,
        revoked_at: revoked_at.parse().ok()?,
        target: parse_member(member)?,
    })
}

/// A sorted-set score (Redis sends it as text) as whole unix seconds; `None` if it is not one.
pub(crate) fn parse_score(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().or_else(|| {
        let f = text.parse::<f64>().ok()?;
        // Scores are written as integers; a float form of one (e.g. "1.8e9") is read back exactly,
        // anything fractional or out of range is refused.
        #[allow(
            clippy::cast_possible_truncation,
            reason = "checked: integral and inside the i64 range before the cast"
        )]
        (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
    })
}

fn parse_session_id(hex: &str) -> Option<SessionId> {
    let digits = hex.as_bytes();
    if digits.len() != SESSION_ID_LEN.checked_mul(2)? {
        return None;
    }
    let mut bytes = [0u8; SESSION_ID_LEN];
    for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        let [hi, lo] = pair else { return None };
        *byte = nibble(*hi)?.checked_mul(16)?.checked_add(nibble(*lo)?)?;
    }
    Some(SessionId(bytes))
}

/// One lower-case hex digit (the form `SessionId`'s `Display` writes).
fn nibble(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => digit.checked_sub(b'0'),
        b'a'..=b'f' => digit.checked_sub(b'a')?.checked_add(10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(seed: u8) -> SessionId {
        SessionId(core::array::from_fn(|i| {
            seed.wrapping_mul(37).wrapping_add(u8::try_from(i).unwrap())
        }))
    }

    #[test]
    fn members_round_trip() {
        for target in [
            RevocationTarget::Session(id(3)),
            RevocationTarget::Session(SessionId([0xff; SESSION_ID_LEN])),
            RevocationTarget::Subject("alice".into()),
            RevocationTarget::Subject("with space: and colon".into()),
            RevocationTarget::All,
        ] {
            assert_eq!(parse_member(&member(&target)), Some(target));
        }
    }

    #[test]
    fn members_of_other_shapes_are_refused() {
        let upper = member(&RevocationTarget::Session(SessionId([0xab; 16]))).to_uppercase();
        for bad in [
            "",
            "x",
            "G",
            "s:",
            "s:00",
            &upper,
            "s:0g000000000000000000000000000000",
            "u:",
            &format!("u:{}", "a".repeat(MAX_SUBJECT_LEN + 1)),
        ] {
            assert_eq!(parse_member(bad), None, "{bad}");
        }
        assert!(parse_member(&format!("u:{}", "a".repeat(MAX_SUBJECT_LEN))).is_some());
    }

    #[test]
    fn messages_round_trip_and_refuse_garbage() {
        let m = message(
            42,
            1_800_000_000,
            &member(&RevocationTarget::Subject("a b".into())),
        );
        assert_eq!(
            parse_message(&m),
            Some(Announced {
                version: 42,
                revoked_at: 1_800_000_000,
                target: RevocationTarget::Subject("a b".into()),
            })
        );
        for bad in ["", "1", "1 2", "x 2 g", "1 y g", "1 2 q", "-1 2 g"] {
            assert_eq!(parse_message(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]
        /// Every target a revoke accepts survives the member and the message, whatever its
        /// characters (spaces, colons, newlines, any Unicode).
        #[test]
        fn every_valid_target_round_trips(
            subject in "\\PC{1,64}",
            bytes in proptest::array::uniform16(proptest::prelude::any::<u8>()),
            version in proptest::prelude::any::<u64>(),
            at in proptest::prelude::any::<i64>(),
        ) {
            for target in [
                RevocationTarget::Session(SessionId(bytes)),
                RevocationTarget::Subject(subject.clone()),
                RevocationTarget::All,
            ] {
                if let RevocationTarget::Subject(s) = &target && !valid_subject(s) {
                    continue;
                }
                let m = member(&target);
                proptest::prop_assert_eq!(parse_member(&m), Some(target.clone()));
                let announced = parse_message(&message(version, at, &m));
                proptest::prop_assert_eq!(
                    announced,
                    Some(Announced { version, revoked_at: at, target })
                );
            }
        }
    }

    #[test]
    fn scores_parse_as_whole_seconds() {
        assert_eq!(parse_score("1800000000"), Some(1_800_000_000));
        assert_eq!(parse_score("1.8e9"), Some(1_800_000_000));
        assert_eq!(parse_score("-5"), Some(-5));
        assert_eq!(parse_score("1.5"), None);
        assert_eq!(parse_score("inf"), None);
        assert_eq!(parse_score("nan"), None);
        assert_eq!(parse_score(""), None);
    }
}
