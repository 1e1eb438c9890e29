//! The spec pins every rule: an independent reference reader (and writer) of token format v1,
//! written from FORMAT.md and sharing no code with `src/`, run over `tests/vectors/v1.json`.
//!
//! With no rule switched off, it must agree with every vector: the same session, metadata and
//! error, and (writer) the same token bytes from each positive vector's inputs. Then each switch
//! breaks exactly one numbered rule of FORMAT.md (or one metadata flag), and at least one vector
//! must disagree: otherwise the vectors do not pin that rule. The test prints the table
//! `rule -> vector that catches it` (run with `--nocapture` to see it).
//!
//! Times are `i128` throughout, so that every overflow, saturation and clamp the spec names is an
//! explicit step here (and a switch can get it wrong).

use chacha20poly1305::aead::{AeadInOut as _, KeyInit as _};
use chacha20poly1305::{Key, Tag, XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;

const VECTORS: &str = include_str!("vectors/v1.json");

/// The largest instant the vectors' JSON reports: 9999-12-31T23:59:59Z (FORMAT.md §11).
const MAX_REPORTED: i128 = 253_402_300_799;
const U64_MAX: i128 = u64::MAX as i128;

/// One breakage of one rule. `rules()` gives each its FORMAT.md rule number and a description.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Rule {
    EpochLowLittleEndian,
    NonceWithoutFixedBytes,
    SealTimeIgnoresEpochStart,
    WindowHiWithoutLeeway,
    WindowLoWithoutLeeway,
    WindowLoFromBrowserIdleOnly,
    WindowLoWraps,
    EpochLowIsFullEpoch,
    EpochRecoveryWithoutWrap,
    EpochWindowAfterAead,
    KdfWithoutPeriod,
    KdfWithoutPurpose,
    KdfPurposeLengthPrefixed,
    KdfPurposeFirst,
    TryEveryKey,
    HeaderAsAad,
    PurposeAsAad,
    PersistentFlagIgnored,
    UnknownFlagsIgnored,
    NonCanonicalVarintAccepted,
    VarintOverflowWraps,
    SessionIdRefusedWhenOff,
    SessionIdRequiredWhenOn,
    ZeroOptionalAccepted,
    SchemaTruncatedToU32,
    SessionStartSaturates,
    SealTimeSaturates,
    ShortClaimsArePayload,
    IdleDeadlineNotCapped,
    DeadlinesWrap,
    ClockBefore1970Refuses,
    ClockBefore1970Signed,
    LengthCountsChars,
    LengthLimitExclusive,
    LengthCheckedAfterDecoding,
    PaddingAccepted,
    StandardAlphabetAccepted,
    TrailingBitsAccepted,
    LengthBeforeVersion,
    MinimumLength42,
    EmptyIsVersionZero,
    EpochBeforeKeyId,
    AeadFailureIsMalformed,
    LastFailureWins,
    IdleCheckedBeforeAbsolute,
    NoOffsetCheck,
    OffsetMayEqualPeriod,
    AbsoluteWithoutLeeway,
    IdleWithoutLeeway,
    FutureWithoutLeeway,
    GenerationFloorStrict,
    NoGenerationFloor,
    NotBeforeStrict,
    NotBeforeOnSealTime,
    NoSchemaCheck,
    TrailingPayloadAccepted,
    RenewalDueStrict,
    RenewAfterRoundedUp,
    RenewAfterFromSessionStart,
    RenewalDueIgnoresOldKey,
    RenewalDueIgnoresOldEpoch,
    RenewalDueIgnoresAbsolute,
    RenewalDueAtAbsolute,
    OldKeyNeverSet,
    OldEpochOnlyEarlier,
    OldEpochNeverSet,
    EpochReportedAsLowBits,
    SessionIdUpperCase,
    ReportedTimesNotClamped,
    CookieNameByPrefix,
    SingleCookieTwiceAccepted,
    SingleCookieLimitIgnored,
    SingleCookieLimitExclusive,
    ChunksInHeaderOrder,
    ChunkIndexNotCanonical,
    ChunkRoomWithoutValuePrefix,
    ChunkTwiceAccepted,
    ChunkBeyondCountIgnored,
    ChunkCountsNotCompared,
    ChunkSetIdsNotCompared,
    SetIdNotTokenEnd,
    ChunksForTokenThatFitsOneCookie,
    ShortChunkAccepted,
    SingleCookieWinsOverChunks,
    MaxChunksIgnored,
}

/// Every switch: (rule number in FORMAT.md, the switch, what the broken reader does).
fn rules() -> Vec<(&'static str, Rule, &'static str)> {
    use Rule::*;
    vec![
        (
            "R2.1",
            EpochLowLittleEndian,
            "reads epoch_low little-endian",
        ),
        (
            "R2.2",
            NonceWithoutFixedBytes,
            "nonce = 4 zero bytes || random",
        ),
        (
            "R3.1",
            SealTimeIgnoresEpochStart,
            "sealed_at = offset, without the epoch start",
        ),
        (
            "R3.2",
            WindowHiWithoutLeeway,
            "hi = floor(now / period), no leeway",
        ),
        (
            "R3.3",
            WindowLoWithoutLeeway,
            "max_token_age without the leeway",
        ),
        (
            "R3.3",
            WindowLoFromBrowserIdleOnly,
            "max_token_age from the browser idle lifetime only",
        ),
        (
            "R3.3",
            WindowLoWraps,
            "now - max_token_age wraps below 0 instead of saturating",
        ),
        (
            "R3.4",
            EpochLowIsFullEpoch,
            "takes epoch_low as the full epoch",
        ),
        (
            "R3.4",
            EpochRecoveryWithoutWrap,
            "full epoch = hi's high bits || epoch_low",
        ),
        (
            "R3.4",
            EpochWindowAfterAead,
            "checks the window only after authentication",
        ),
        (
            "R4.1",
            KdfWithoutPeriod,
            "HKDF info without the rotation period",
        ),
        ("R4.1", KdfWithoutPurpose, "HKDF info without the purpose"),
        (
            "R4.1",
            KdfPurposeLengthPrefixed,
            "HKDF info with a length byte before the purpose",
        ),
        (
            "R4.1",
            KdfPurposeFirst,
            "HKDF info with the purpose right after the label",
        ),
        (
            "R4.2",
            TryEveryKey,
            "an unknown key id tries every key of the ring",
        ),
        ("R5.1", HeaderAsAad, "the header as associated data"),
        ("R5.1", PurposeAsAad, "the purpose as associated data"),
        (
            "R6.1",
            PersistentFlagIgnored,
            "bit 0 ignored: always the browser profile",
        ),
        ("R6.2", UnknownFlagsIgnored, "flag bits 4-7 ignored"),
        (
            "R6.3",
            NonCanonicalVarintAccepted,
            "accepts varints with trailing zero groups",
        ),
        (
            "R6.3",
            VarintOverflowWraps,
            "accepts a 10th varint byte over 1, dropping bits",
        ),
        (
            "R6.4",
            SessionIdRefusedWhenOff,
            "refuses a session id when the config has them off",
        ),
        (
            "R6.4",
            SessionIdRequiredWhenOn,
            "refuses a token without a session id when on",
        ),
        (
            "R6.5",
            ZeroOptionalAccepted,
            "accepts a present generation or schema of 0",
        ),
        (
            "R6.6",
            SchemaTruncatedToU32,
            "keeps the low 32 bits of a larger schema version",
        ),
        (
            "R6.7",
            SessionStartSaturates,
            "session_start saturates at 0",
        ),
        ("R6.7", SealTimeSaturates, "sealed_at saturates at 2^64 - 1"),
        (
            "R6.8",
            ShortClaimsArePayload,
            "claims cut short reported as Payload",
        ),
        (
            "R6.9",
            IdleDeadlineNotCapped,
            "idle deadline not capped by the absolute one",
        ),
        (
            "R6.9",
            DeadlinesWrap,
            "deadlines wrap modulo 2^64 instead of saturating",
        ),
        (
            "R8.0",
            ClockBefore1970Refuses,
            "a clock before 1970 refuses every token",
        ),
        (
            "R8.0",
            ClockBefore1970Signed,
            "a clock before 1970 used as a negative time",
        ),
        ("R8.1", LengthCountsChars, "max_token_len counts characters"),
        (
            "R8.1",
            LengthLimitExclusive,
            "a token of exactly max_token_len is TooLong",
        ),
        (
            "R8.1",
            LengthCheckedAfterDecoding,
            "length checked on the decoded bytes",
        ),
        ("R8.2", PaddingAccepted, "accepts = padding"),
        ("R8.2", StandardAlphabetAccepted, "accepts + and /"),
        (
            "R8.2",
            TrailingBitsAccepted,
            "accepts non-zero unused trailing bits",
        ),
        (
            "R8.3",
            LengthBeforeVersion,
            "checks the 43-byte minimum before the version",
        ),
        ("R8.3", MinimumLength42, "accepts 42 raw bytes"),
        (
            "R8.3",
            EmptyIsVersionZero,
            "an empty token is UnsupportedVersion(0)",
        ),
        (
            "R8.4",
            EpochBeforeKeyId,
            "looks up the epoch before the key id",
        ),
        (
            "R8.5",
            AeadFailureIsMalformed,
            "an AEAD failure reported as Malformed",
        ),
        (
            "R8.7",
            LastFailureWins,
            "reports the last failing check, not the first",
        ),
        (
            "R8.7",
            IdleCheckedBeforeAbsolute,
            "IdleTimeout before Expired",
        ),
        ("R8.7.1", NoOffsetCheck, "no offset < rotation_period check"),
        ("R8.7.1", OffsetMayEqualPeriod, "offset <= rotation_period"),
        (
            "R8.7.2",
            AbsoluteWithoutLeeway,
            "now <= absolute_deadline, no leeway",
        ),
        (
            "R8.7.3",
            IdleWithoutLeeway,
            "now <= idle_deadline, no leeway",
        ),
        ("R8.7.4", FutureWithoutLeeway, "sealed_at <= now, no leeway"),
        ("R8.7.5", GenerationFloorStrict, "generation > floor"),
        ("R8.7.5", NoGenerationFloor, "no generation floor check"),
        ("R8.7.6", NotBeforeStrict, "session_start > not_before"),
        (
            "R8.7.6",
            NotBeforeOnSealTime,
            "not_before compared with sealed_at",
        ),
        ("R8.7.7", NoSchemaCheck, "no schema version check"),
        (
            "R8.9",
            TrailingPayloadAccepted,
            "bytes after the payload ignored",
        ),
        (
            "R10.1",
            RenewalDueStrict,
            "renewal_due with > instead of >=",
        ),
        ("R10.1", RenewAfterRoundedUp, "renew_after rounded up"),
        (
            "R10.1",
            RenewAfterFromSessionStart,
            "renew_after counted from the session start",
        ),
        (
            "R10.1",
            RenewalDueIgnoresOldKey,
            "renewal_due not set by old_key",
        ),
        (
            "R10.1",
            RenewalDueIgnoresOldEpoch,
            "renewal_due not set by old_epoch",
        ),
        (
            "R10.1",
            RenewalDueIgnoresAbsolute,
            "renewal_due also at or past the absolute deadline",
        ),
        (
            "R10.1",
            RenewalDueAtAbsolute,
            "renewal_due while now <= absolute_deadline",
        ),
        ("R10.2", OldKeyNeverSet, "old_key always false"),
        (
            "R10.3",
            OldEpochOnlyEarlier,
            "old_epoch only for earlier epochs",
        ),
        ("R10.3", OldEpochNeverSet, "old_epoch always false"),
        (
            "R10.4",
            EpochReportedAsLowBits,
            "meta epoch = the header's 16 bits",
        ),
        (
            "R10.4",
            SessionIdUpperCase,
            "session id shown in upper-case hex",
        ),
        (
            "§11",
            ReportedTimesNotClamped,
            "times past year 9999 reported unclamped",
        ),
        (
            "R9.1",
            CookieNameByPrefix,
            "a cookie whose name starts with ours is ours",
        ),
        (
            "R9.1",
            SingleCookieTwiceAccepted,
            "the single cookie twice with equal values",
        ),
        (
            "R9.1",
            SingleCookieLimitIgnored,
            "no 4096 - len(name) limit on the single value",
        ),
        (
            "R9.1",
            SingleCookieLimitExclusive,
            "a single value of exactly the limit refused",
        ),
        (
            "R9.2",
            ChunksInHeaderOrder,
            "parts joined in the header's order",
        ),
        ("R9.2", ChunkIndexNotCanonical, "`.01` read as chunk 1"),
        (
            "R9.2",
            ChunkRoomWithoutValuePrefix,
            "a full chunk's room ignores the `n.setid.` prefix",
        ),
        (
            "R9.3",
            ChunkTwiceAccepted,
            "a chunk twice with equal values",
        ),
        (
            "R9.3",
            ChunkBeyondCountIgnored,
            "chunks at or above n ignored",
        ),
        ("R9.3", ChunkCountsNotCompared, "n taken from chunk 0 only"),
        (
            "R9.3",
            ChunkSetIdsNotCompared,
            "set id taken from chunk 0 only",
        ),
        (
            "R9.3",
            SetIdNotTokenEnd,
            "the token need not end with the set id",
        ),
        (
            "R9.3",
            ChunksForTokenThatFitsOneCookie,
            "chunks accepted for a token that fits one cookie",
        ),
        (
            "R9.3",
            ShortChunkAccepted,
            "chunks before the last need not be full",
        ),
        (
            "R9.3",
            SingleCookieWinsOverChunks,
            "the single cookie used when chunks also came",
        ),
        ("R9.3", MaxChunksIgnored, "no configured maximum of chunks"),
    ]
}

#[derive(Serialize, Deserialize, Debug)]
struct VectorSession {
    user_id: u64,
    name: String,
    roles: Vec<String>,
    csrf: [u8; 16],
}

struct Config {
    purpose: Vec<u8>,
    period: i128,
    leeway: i128,
    browser: (i128, i128),
    persistent: (i128, i128),
    max_token_len: usize,
    renew_after_percent: i128,
    generation_floor: i128,
    not_before: i128,
    schema_version: i128,
    session_ids: bool,
}

fn int(v: &Value) -> i128 {
    v.as_i64()
        .map(i128::from)
        .or_else(|| v.as_u64().map(i128::from))
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not an integer: {v}"))
}

impl Config {
    fn from_json(c: &Value) -> Self {
        Self {
            purpose: c["purpose"].as_str().unwrap().as_bytes().to_vec(),
            period: int(&c["rotation_period"]),
            leeway: int(&c["leeway"]),
            browser: (int(&c["browser_absolute"]), int(&c["browser_idle"])),
            persistent: (int(&c["persistent_absolute"]), int(&c["persistent_idle"])),
            max_token_len: usize::try_from(int(&c["max_token_len"])).unwrap(),
            renew_after_percent: int(&c["renew_after_percent"]),
            generation_floor: int(&c["generation_floor"]),
            not_before: int(&c["not_before"]),
            schema_version: int(&c["schema_version"]),
            session_ids: c["session_ids"].as_bool().unwrap(),
        }
    }
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn floor_div(a: i128, b: i128) -> i128 {
    a.div_euclid(b)
}

type Verdict = Result<Value, String>;

fn fail<T>(kind: &str) -> Result<T, String> {
    Err(kind.to_owned())
}

/// The reference reader and writer, with at most one rule broken.
struct Reader {
    broken: Option<Rule>,
}

impl Reader {
    fn b(&self, r: Rule) -> bool {
        self.broken == Some(r)
    }

    // ---- base64url (§8 step 2) ----

    fn decode_b64(&self, text: &str) -> Option<Vec<u8>> {
        let mut text = text.as_bytes();
        if self.b(Rule::PaddingAccepted) {
            while let [rest @ .., b'='] = text {
                text = rest;
            }
        }
        let value = |c: u8| -> Option<u32> {
            Some(match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'-' => 62,
                b'_' => 63,
                b'+' if self.b(Rule::StandardAlphabetAccepted) => 62,
                b'/' if self.b(Rule::StandardAlphabetAccepted) => 63,
                _ => return None,
            } as u32)
        };
        if text.len() % 4 == 1 {
            return None;
        }
        let mut out = Vec::new();
        for group in text.chunks(4) {
            let mut acc = 0u32;
            for &c in group {
                acc = (acc << 6) | value(c)?;
            }
            let bits = 6 * group.len();
            let bytes = bits / 8;
            let unused = bits - 8 * bytes;
            if acc & ((1 << unused) - 1) != 0 && !self.b(Rule::TrailingBitsAccepted) {
                return None;
            }
            let acc = acc >> unused;
            for i in (0..bytes).rev() {
                out.push((acc >> (8 * i)) as u8);
            }
        }
        Some(out)
    }

    fn encode_b64(raw: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut s = String::new();
        for chunk in raw.chunks(3) {
            let mut acc = 0u32;
            for &b in chunk {
                acc = (acc << 8) | u32::from(b);
            }
            let chars = chunk.len() + 1;
            acc <<= 6 * chars - 8 * chunk.len();
            for i in (0..chars).rev() {
                s.push(char::from(A[((acc >> (6 * i)) & 63) as usize]));
            }
        }
        s
    }

    // ---- §2, §4, §5 ----

    fn epoch_low(&self, header: &[u8]) -> u16 {
        if self.b(Rule::EpochLowLittleEndian) {
            u16::from_le_bytes([header[2], header[3]])
        } else {
            u16::from_be_bytes([header[2], header[3]])
        }
    }

    fn nonce(&self, header: &[u8]) -> [u8; 24] {
        let mut n: [u8; 24] = header.try_into().unwrap();
        if self.b(Rule::NonceWithoutFixedBytes) {
            n[..4].fill(0);
        }
        n
    }

    fn epoch_key(
        &self,
        master: &[u8],
        key_id: u8,
        period: i128,
        epoch: i128,
        purpose: &[u8],
    ) -> [u8; 32] {
        let mut info = b"sealed-session v1 epoch key".to_vec();
        if self.b(Rule::KdfPurposeFirst) {
            info.extend_from_slice(purpose);
        }
        info.push(1);
        info.push(key_id);
        if !self.b(Rule::KdfWithoutPeriod) {
            info.extend_from_slice(&u64::try_from(period).unwrap().to_be_bytes());
        }
        info.extend_from_slice(&u64::try_from(epoch).unwrap().to_be_bytes());
        if self.b(Rule::KdfPurposeLengthPrefixed) {
            info.push(u8::try_from(purpose.len()).unwrap());
        }
        if !self.b(Rule::KdfWithoutPurpose) && !self.b(Rule::KdfPurposeFirst) {
            info.extend_from_slice(purpose);
        }
        let mut okm = [0u8; 32];
        Hkdf::<Sha256>::new(None, master)
            .expand(&info, &mut okm)
            .unwrap();
        okm
    }

    /// The associated data (R5.1): none.
    fn aad(&self, header: &[u8], purpose: &[u8]) -> Vec<u8> {
        let mut aad = Vec::new();
        if self.b(Rule::HeaderAsAad) {
            aad.extend_from_slice(header);
        }
        if self.b(Rule::PurposeAsAad) {
            aad.extend_from_slice(purpose);
        }
        aad
    }

    // ---- §6 ----

    fn varint(&self, input: &mut &[u8]) -> Result<i128, String> {
        let mut value: i128 = 0;
        for i in 0..10 {
            let Some((&byte, rest)) = input.split_first() else {
                return fail(if self.b(Rule::ShortClaimsArePayload) {
                    "Payload"
                } else {
                    "Malformed"
                });
            };
            *input = rest;
            let bits = i128::from(byte & 0x7f);
            if i == 9 && bits > 1 && !self.b(Rule::VarintOverflowWraps) {
                return fail("Malformed");
            }
            value |= bits << (7 * i);
            if byte & 0x80 == 0 {
                if i > 0 && byte == 0 && !self.b(Rule::NonCanonicalVarintAccepted) {
                    return fail("Malformed");
                }
                if self.b(Rule::VarintOverflowWraps) {
                    value &= U64_MAX;
                }
                return Ok(value);
            }
        }
        fail("Malformed")
    }

    fn lifetimes(&self, c: &Config, persistent: bool) -> (i128, i128) {
        if persistent && !self.b(Rule::PersistentFlagIgnored) {
            c.persistent
        } else {
            c.browser
        }
    }

    /// The plaintext's claims (§6) in the writer's direction.
    fn encode_claims(&self, claims: &Value, offset: i128) -> Vec<u8> {
        let persistent = claims["persistent"].as_bool().unwrap();
        let generation = int(&claims["generation"]);
        let schema = int(&claims["schema_version"]);
        let sid = claims["session_id_hex"].as_str().map(unhex);
        let age = int(&claims["sealed_at"]) - int(&claims["session_start"]);
        let zero_written = self.b(Rule::ZeroOptionalAccepted);
        let mut flags = 0u8;
        if persistent && !self.b(Rule::PersistentFlagIgnored) {
            flags |= 1;
        }
        if sid.is_some() {
            flags |= 2;
        }
        if generation != 0 || zero_written {
            flags |= 4;
        }
        if schema != 0 || zero_written {
            flags |= 8;
        }
        let mut out = vec![flags];
        let put = |out: &mut Vec<u8>, mut v: i128| loop {
            let low = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(low);
                break;
            }
            out.push(low | 0x80);
        };
        put(&mut out, offset);
        put(&mut out, age);
        if flags & 4 != 0 {
            put(&mut out, generation);
        }
        if flags & 8 != 0 {
            put(&mut out, schema);
        }
        if let Some(id) = sid {
            out.extend_from_slice(&id);
        }
        out
    }

    /// Seals a positive vector's `sealed_with` inputs: the token it must give.
    fn seal(&self, v: &Value) -> String {
        let c = Config::from_json(&v["config"]);
        let sw = &v["sealed_with"];
        let key_id = u8::try_from(int(&sw["key_id"])).unwrap();
        let master = v["keyring"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| int(&k["id"]) == i128::from(key_id))
            .map(|k| unhex(k["key_hex"].as_str().unwrap()))
            .unwrap();
        let sealed_at = int(&sw["claims"]["sealed_at"]);
        let epoch = floor_div(sealed_at, c.period);
        let offset = if self.b(Rule::SealTimeIgnoresEpochStart) {
            sealed_at
        } else {
            sealed_at - epoch * c.period
        };
        let low = (epoch & 0xffff) as u16;
        let mut header = vec![1, key_id];
        if self.b(Rule::EpochLowLittleEndian) {
            header.extend_from_slice(&low.to_le_bytes());
        } else {
            header.extend_from_slice(&low.to_be_bytes());
        }
        header.extend_from_slice(&unhex(sw["random_hex"].as_str().unwrap()));
        let mut body = self.encode_claims(&sw["claims"], offset);
        body.extend_from_slice(&unhex(sw["payload_postcard_hex"].as_str().unwrap()));
        let key = self.epoch_key(&master, key_id, c.period, epoch, &c.purpose);
        let tag = XChaCha20Poly1305::new(&Key::from(key))
            .encrypt_inout_detached(
                &XNonce::from(self.nonce(&header)),
                &self.aad(&header, &c.purpose),
                body.as_mut_slice().into(),
            )
            .unwrap();
        let mut raw = header;
        raw.extend_from_slice(&body);
        raw.extend_from_slice(&tag);
        Self::encode_b64(&raw)
    }

    /// Opens a vector's token (FORMAT.md §8), giving `{session, meta}` or the error's name.
    fn open(&self, v: &Value) -> Verdict {
        let c = Config::from_json(&v["config"]);
        let ring: Vec<(u8, Vec<u8>)> = v["keyring"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    u8::try_from(int(&k["id"])).unwrap(),
                    unhex(k["key_hex"].as_str().unwrap()),
                )
            })
            .collect();
        let token = v["token"].as_str().unwrap();
        // R8.0: whole unix seconds; a clock before 1970 reads as 0.
        let clock = int(&v["open_at"]);
        if clock < 0 && self.b(Rule::ClockBefore1970Refuses) {
            return fail("RetiredEpoch");
        }
        let now = if self.b(Rule::ClockBefore1970Signed) {
            clock
        } else {
            clock.max(0)
        };

        // R8.1: length in bytes, before decoding.
        let len = if self.b(Rule::LengthCountsChars) {
            token.chars().count()
        } else {
            token.len()
        };
        let too_long = if self.b(Rule::LengthLimitExclusive) {
            len >= c.max_token_len
        } else {
            len > c.max_token_len
        };
        if too_long && !self.b(Rule::LengthCheckedAfterDecoding) {
            return fail("TooLong");
        }
        // R8.2
        let Some(raw) = self.decode_b64(token) else {
            return fail("Malformed");
        };
        if self.b(Rule::LengthCheckedAfterDecoding) && raw.len() > c.max_token_len {
            return fail("TooLong");
        }
        // R8.3: version first, then the minimum length.
        let min_len = if self.b(Rule::MinimumLength42) {
            42
        } else {
            43
        };
        if self.b(Rule::LengthBeforeVersion) && raw.len() < min_len {
            return fail("Malformed");
        }
        match raw.first() {
            None if self.b(Rule::EmptyIsVersionZero) => return fail("UnsupportedVersion"),
            None => return fail("Malformed"),
            Some(1) => {}
            Some(_) => return fail("UnsupportedVersion"),
        }
        if raw.len() < min_len {
            return fail("Malformed");
        }
        let (header, rest) = raw.split_at(24);
        let (ciphertext, tag) = rest.split_at(rest.len() - 16);
        let key_id = header[1];

        // R3.2, R3.3: the accepted window.
        let (browser_idle, persistent_idle) = (c.browser.1, c.persistent.1);
        let idle = if self.b(Rule::WindowLoFromBrowserIdleOnly) {
            browser_idle
        } else {
            browser_idle.max(persistent_idle)
        };
        let max_token_age = if self.b(Rule::WindowLoWithoutLeeway) {
            idle
        } else {
            idle + c.leeway
        };
        let mut since = now - max_token_age;
        if since < 0 {
            since = if self.b(Rule::WindowLoWraps) {
                since + (1 << 64)
            } else {
                0
            };
        }
        let lo = floor_div(since, c.period);
        let hi = if self.b(Rule::WindowHiWithoutLeeway) {
            floor_div(now, c.period)
        } else {
            floor_div(now + c.leeway, c.period)
        };
        // R3.4: the one epoch of the window with these low bits.
        let low = i128::from(self.epoch_low(header));
        let recover = |check_lo: bool| -> Option<i128> {
            let e = if self.b(Rule::EpochLowIsFullEpoch) {
                low
            } else if self.b(Rule::EpochRecoveryWithoutWrap) {
                (hi & !0xffff) | low
            } else {
                hi - (hi - low).rem_euclid(1 << 16)
            };
            (e <= hi && (!check_lo || e >= lo) && e >= 0).then_some(e)
        };
        // R8.4: key id, then epoch; no other key is tried.
        let lookup_key = || {
            ring.iter()
                .find(|(id, _)| *id == key_id)
                .map(|(_, k)| k.clone())
        };
        let (master, epoch) = if self.b(Rule::EpochBeforeKeyId) {
            let Some(e) = recover(true) else {
                return fail("RetiredEpoch");
            };
            let Some(m) = lookup_key() else {
                return fail("UnknownKeyId");
            };
            (Some(m), e)
        } else {
            let m = lookup_key();
            if m.is_none() && !self.b(Rule::TryEveryKey) {
                return fail("UnknownKeyId");
            }
            let late = self.b(Rule::EpochWindowAfterAead);
            let Some(e) = recover(!late) else {
                return fail("RetiredEpoch");
            };
            (m, e)
        };
        // R8.5: AEAD.
        let candidates: Vec<Vec<u8>> = match master {
            Some(m) => vec![m],
            None => ring.iter().map(|(_, k)| k.clone()).collect(),
        };
        let aad = self.aad(header, &c.purpose);
        let nonce = self.nonce(header);
        let plain = candidates.iter().find_map(|m| {
            let key = self.epoch_key(m, key_id, c.period, epoch, &c.purpose);
            let mut body = ciphertext.to_vec();
            XChaCha20Poly1305::new(&Key::from(key))
                .decrypt_inout_detached(
                    &XNonce::from(nonce),
                    &aad,
                    body.as_mut_slice().into(),
                    &Tag::try_from(tag).unwrap(),
                )
                .ok()
                .map(|()| body)
        });
        let Some(plain) = plain else {
            return fail(if self.b(Rule::AeadFailureIsMalformed) {
                "Malformed"
            } else {
                "Authentication"
            });
        };
        if self.b(Rule::EpochWindowAfterAead) && epoch < lo {
            return fail("RetiredEpoch");
        }

        // R8.6: claims (§6).
        let mut p: &[u8] = &plain;
        let Some((&flags, rest)) = p.split_first() else {
            return fail("Malformed");
        };
        p = rest;
        if flags & 0xf0 != 0 && !self.b(Rule::UnknownFlagsIgnored) {
            return fail("Malformed");
        }
        let offset = self.varint(&mut p)?;
        let age = self.varint(&mut p)?;
        let optional = |present: bool, p: &mut &[u8]| -> Result<i128, String> {
            if !present {
                return Ok(0);
            }
            let v = self.varint(p)?;
            if v == 0 && !self.b(Rule::ZeroOptionalAccepted) {
                return fail("Malformed");
            }
            Ok(v)
        };
        let generation = optional(flags & 4 != 0, &mut p)?;
        let mut schema = optional(flags & 8 != 0, &mut p)?;
        if schema > i128::from(u32::MAX) {
            if self.b(Rule::SchemaTruncatedToU32) {
                schema &= i128::from(u32::MAX);
            } else {
                return fail("Malformed");
            }
        }
        let session_id = if flags & 2 != 0 {
            if p.len() < 16 {
                return fail(if self.b(Rule::ShortClaimsArePayload) {
                    "Payload"
                } else {
                    "Malformed"
                });
            }
            let (id, rest) = p.split_at(16);
            p = rest;
            let shown = hex(id);
            Some(if self.b(Rule::SessionIdUpperCase) {
                shown.to_uppercase()
            } else {
                shown
            })
        } else {
            None
        };
        if session_id.is_some() && !c.session_ids && self.b(Rule::SessionIdRefusedWhenOff) {
            return fail("Malformed");
        }
        if session_id.is_none() && c.session_ids && self.b(Rule::SessionIdRequiredWhenOn) {
            return fail("Malformed");
        }
        let payload = p;
        // R6.7: times.
        let epoch_start = epoch * c.period;
        let mut sealed_at = if self.b(Rule::SealTimeIgnoresEpochStart) {
            offset
        } else {
            epoch_start + offset
        };
        if sealed_at > U64_MAX {
            if self.b(Rule::SealTimeSaturates) {
                sealed_at = U64_MAX;
            } else {
                return fail("Malformed");
            }
        }
        let mut session_start = sealed_at - age;
        if session_start < 0 {
            if self.b(Rule::SessionStartSaturates) {
                session_start = 0;
            } else {
                return fail("Malformed");
            }
        }
        // R6.9: deadlines.
        let persistent = flags & 1 != 0;
        let (absolute_lifetime, idle_lifetime) = self.lifetimes(&c, persistent);
        let limit = |t: i128| {
            if self.b(Rule::DeadlinesWrap) {
                t.rem_euclid(1 << 64)
            } else {
                t.min(U64_MAX)
            }
        };
        let absolute = limit(session_start + absolute_lifetime);
        let idle_raw = limit(sealed_at + idle_lifetime);
        let idle = if self.b(Rule::IdleDeadlineNotCapped) {
            idle_raw
        } else {
            idle_raw.min(absolute)
        };

        // R8.7: every check, the first failure reported.
        let leeway = |broken: Rule| if self.b(broken) { 0 } else { c.leeway };
        let offset_ok = if self.b(Rule::NoOffsetCheck) {
            true
        } else if self.b(Rule::OffsetMayEqualPeriod) {
            offset <= c.period
        } else {
            offset < c.period
        };
        let mut checks = [
            (offset_ok, "RetiredEpoch"),
            (
                now <= absolute + leeway(Rule::AbsoluteWithoutLeeway),
                "Expired",
            ),
            (now <= idle + leeway(Rule::IdleWithoutLeeway), "IdleTimeout"),
            (
                sealed_at <= now + leeway(Rule::FutureWithoutLeeway),
                "FromTheFuture",
            ),
            (
                self.b(Rule::NoGenerationFloor)
                    || if self.b(Rule::GenerationFloorStrict) {
                        generation > c.generation_floor
                    } else {
                        generation >= c.generation_floor
                    },
                "Revoked",
            ),
            (
                {
                    let t = if self.b(Rule::NotBeforeOnSealTime) {
                        sealed_at
                    } else {
                        session_start
                    };
                    if self.b(Rule::NotBeforeStrict) {
                        t > c.not_before
                    } else {
                        t >= c.not_before
                    }
                },
                "Revoked",
            ),
            (
                self.b(Rule::NoSchemaCheck) || schema == c.schema_version,
                "SchemaMismatch",
            ),
        ];
        if self.b(Rule::IdleCheckedBeforeAbsolute) {
            checks.swap(1, 2);
        }
        if self.b(Rule::LastFailureWins) {
            checks.reverse();
        }
        if let Some((_, kind)) = checks.iter().find(|(ok, _)| !ok) {
            return fail(kind);
        }

        // R8.9: the payload, consumed exactly.
        let session = match postcard::take_from_bytes::<VectorSession>(payload) {
            Ok((s, rest)) if rest.is_empty() || self.b(Rule::TrailingPayloadAccepted) => s,
            _ => return fail("Payload"),
        };

        // §10: metadata.
        let primary = ring[0].0;
        let old_key = !self.b(Rule::OldKeyNeverSet) && key_id != primary;
        let current = floor_div(now, c.period);
        let old_epoch = if self.b(Rule::OldEpochNeverSet) {
            false
        } else if self.b(Rule::OldEpochOnlyEarlier) {
            epoch < current
        } else {
            epoch != current
        };
        let product = idle_lifetime * c.renew_after_percent;
        let renew_after = if self.b(Rule::RenewAfterRoundedUp) {
            (product + 99) / 100
        } else {
            product / 100
        };
        let since = if self.b(Rule::RenewAfterFromSessionStart) {
            session_start
        } else {
            sealed_at
        };
        let due_at = (since + renew_after).min(U64_MAX);
        let idle_part_used = if self.b(Rule::RenewalDueStrict) {
            now > due_at
        } else {
            now >= due_at
        };
        let renewable = if self.b(Rule::RenewalDueIgnoresAbsolute) {
            true
        } else if self.b(Rule::RenewalDueAtAbsolute) {
            now <= absolute
        } else {
            now < absolute
        };
        let renewal_due = (idle_part_used
            || (old_key && !self.b(Rule::RenewalDueIgnoresOldKey))
            || (old_epoch && !self.b(Rule::RenewalDueIgnoresOldEpoch)))
            && renewable;
        let t = |x: i128| -> i128 {
            if self.b(Rule::ReportedTimesNotClamped) {
                x
            } else {
                x.min(MAX_REPORTED)
            }
        };
        let num = |x: i128| -> Value {
            i64::try_from(x).map_or_else(|_| json!(u64::try_from(x).unwrap()), |x| json!(x))
        };
        Ok(json!({
            "session": serde_json::to_value(&session).unwrap(),
            "meta": {
                "session_start": num(t(session_start)),
                "sealed_at": num(t(sealed_at)),
                "absolute_deadline": num(t(absolute)),
                "idle_deadline": num(t(idle)),
                "key_id": key_id,
                "epoch": num(if self.b(Rule::EpochReportedAsLowBits) { low } else { epoch }),
                "generation": generation.to_string(),
                "schema_version": num(schema),
                "persistent": persistent,
                "session_id": session_id,
                "renewal_due": renewal_due,
                "old_key": old_key,
                "old_epoch": old_epoch,
            }
        }))
    }

    // ---- §9: cookies ----

    fn chunk_room(base: &str, i: usize, n: usize, broken_prefix: bool) -> usize {
        let name = base.len() + 1 + i.to_string().len();
        let prefix = if broken_prefix {
            0
        } else {
            n.to_string().len() + 1 + 6 + 1
        };
        4096 - name - prefix
    }

    /// A canonical decimal (no leading zero), or `None`.
    fn decimal(&self, s: &str) -> Option<usize> {
        let canonical = !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit())
            && (s == "0" || !s.starts_with('0') || self.b(Rule::ChunkIndexNotCanonical));
        canonical.then(|| s.parse().ok()).flatten()
    }

    fn is_token_text(s: &str) -> bool {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }

    /// The token a `Cookie` header carries for these settings (FORMAT.md §9), or `None`.
    fn read_cookies(&self, settings: &Value, header: &str) -> Option<String> {
        let base = settings["name"].as_str().unwrap();
        let max_chunks = usize::try_from(int(&settings["chunks"])).unwrap();
        let mut single: Vec<&str> = Vec::new();
        let mut chunks: Vec<(usize, &str)> = Vec::new();
        for pair in header.split(';') {
            let Some((name, value)) = pair.trim_matches([' ', '\t']).split_once('=') else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            if name == base || (self.b(Rule::CookieNameByPrefix) && name.starts_with(base)) {
                single.push(value);
            } else if let Some(i) = name
                .strip_prefix(base)
                .and_then(|r| r.strip_prefix('.'))
                .and_then(|d| self.decimal(d))
                .filter(|&i| i < 16)
            {
                chunks.push((i, value));
            }
        }
        if !single.is_empty() && !chunks.is_empty() && !self.b(Rule::SingleCookieWinsOverChunks) {
            return None;
        }
        if let Some(&first) = single.first() {
            let twice_ok =
                self.b(Rule::SingleCookieTwiceAccepted) && single.iter().all(|v| *v == first);
            if single.len() > 1 && !twice_ok {
                return None;
            }
            let room = 4096 - base.len();
            let fits = if self.b(Rule::SingleCookieLimitIgnored) {
                true
            } else if self.b(Rule::SingleCookieLimitExclusive) {
                first.len() < room
            } else {
                first.len() <= room
            };
            return (fits && Self::is_token_text(first)).then(|| first.to_owned());
        }
        if chunks.is_empty() {
            return None;
        }
        // Each index once.
        let mut by_index: Vec<Option<&str>> = vec![None; 16];
        for &(i, v) in &chunks {
            match by_index[i] {
                Some(prev) if prev == v && self.b(Rule::ChunkTwiceAccepted) => {}
                Some(_) => return None,
                None => by_index[i] = Some(v),
            }
        }
        let parse = |v: &str| -> Option<(usize, String, String)> {
            let mut f = v.splitn(3, '.');
            let (n, set, part) = (f.next()?, f.next()?, f.next()?);
            let n = self.decimal(n).filter(|&n| n >= 2)?;
            (set.len() == 6 && Self::is_token_text(set) && Self::is_token_text(part))
                .then(|| (n, set.to_owned(), part.to_owned()))
        };
        let (n, set_id, _) = parse(by_index[0]?)?;
        if n > max_chunks && !self.b(Rule::MaxChunksIgnored) {
            return None;
        }
        let mut parts = Vec::new();
        for (i, slot) in by_index.iter().enumerate() {
            match (i < n, slot) {
                (true, Some(v)) => {
                    let (ni, si, part) = parse(v)?;
                    if ni != n && !self.b(Rule::ChunkCountsNotCompared) {
                        return None;
                    }
                    if si != set_id && !self.b(Rule::ChunkSetIdsNotCompared) {
                        return None;
                    }
                    parts.push((i, part));
                }
                (true, None) => return None,
                (false, Some(_)) if !self.b(Rule::ChunkBeyondCountIgnored) => return None,
                (false, _) => {}
            }
        }
        if self.b(Rule::ChunksInHeaderOrder) {
            let order: Vec<usize> = chunks.iter().map(|(i, _)| *i).collect();
            parts.sort_by_key(|(i, _)| order.iter().position(|o| o == i));
        }
        let token: String = parts.iter().map(|(_, p)| p.as_str()).collect();
        let broken_prefix = self.b(Rule::ChunkRoomWithoutValuePrefix);
        let needed =
            if token.len() <= 4096 - base.len() && !self.b(Rule::ChunksForTokenThatFitsOneCookie) {
                1
            } else {
                (2..=16)
                    .find(|&c| {
                        (0..c)
                            .map(|i| Self::chunk_room(base, i, c, broken_prefix))
                            .sum::<usize>()
                            >= token.len()
                    })
                    .unwrap_or(17)
            };
        let full = self.b(Rule::ShortChunkAccepted)
            || parts
                .iter()
                .take(n - 1)
                .all(|(i, p)| p.len() == Self::chunk_room(base, *i, n, broken_prefix));
        if needed != n || !full {
            return None;
        }
        (self.b(Rule::SetIdNotTokenEnd) || token.ends_with(&set_id)).then_some(token)
    }

    fn cookie_disagreement(&self, v: &Value, tokens: &Value) -> Option<String> {
        let got = self.read_cookies(&v["settings"], v["cookie_header"].as_str().unwrap());
        let want = v["expect"]["token"]
            .as_str()
            .map(|name| tokens[name].as_str().unwrap().to_owned());
        (got != want).then(|| format!("read {:?} chars", got.map(|t| t.len())))
    }

    /// Where this reader disagrees with a vector, if anywhere.
    fn disagreement(&self, v: &Value) -> Option<String> {
        let got = self.open(v);
        let expect = &v["expect"];
        let agree = match (&got, expect.get("ok"), expect.get("error")) {
            (Ok(value), Some(want), None) => value == want,
            (Err(kind), None, Some(want)) => want.as_str() == Some(kind.as_str()),
            _ => false,
        };
        if !agree {
            return Some(format!("open gave {got:?}, expected {expect}"));
        }
        if v["valid"] == true {
            let token = self.seal(v);
            if token != v["token"].as_str().unwrap() {
                return Some(format!("seal gave {token}"));
            }
        }
        None
    }
}

fn vectors() -> Vec<Value> {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

fn cookie_vectors() -> (Vec<Value>, Value) {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    (
        doc["cookie_vectors"].as_array().unwrap().clone(),
        doc["cookie_tokens"].clone(),
    )
}

/// The ids of the vectors (token and cookie) this reader disagrees with.
fn caught_by(reader: &Reader, vectors: &[Value], cookies: &(Vec<Value>, Value)) -> Vec<String> {
    let tokens = vectors
        .iter()
        .filter(|v| reader.disagreement(v).is_some())
        .map(|v| v["id"].as_str().unwrap().to_owned());
    let cookie = cookies
        .0
        .iter()
        .filter(|v| reader.cookie_disagreement(v, &cookies.1).is_some())
        .map(|v| v["id"].as_str().unwrap().to_owned());
    tokens.chain(cookie).collect()
}

#[test]
fn the_reference_reader_agrees_with_every_vector() {
    let reader = Reader { broken: None };
    let vectors = vectors();
    for v in &vectors {
        if let Some(why) = reader.disagreement(v) {
            panic!("vector {}: {why}", v["id"]);
        }
    }
    assert!(vectors.len() >= 75, "{} vectors", vectors.len());
    let (cookies, tokens) = cookie_vectors();
    for v in &cookies {
        if let Some(why) = reader.cookie_disagreement(v, &tokens) {
            panic!("cookie vector {}: {why}", v["id"]);
        }
    }
    assert!(cookies.len() >= 20, "{} cookie vectors", cookies.len());
}

#[test]
fn every_rule_is_pinned_by_a_vector() {
    let vectors = vectors();
    let cookies = cookie_vectors();
    let mut uncaught = Vec::new();
    println!(
        "{:<8} {:<58} vector that catches it",
        "rule", "broken reader"
    );
    for (number, rule, what) in rules() {
        let reader = Reader { broken: Some(rule) };
        let caught = caught_by(&reader, &vectors, &cookies);
        match caught.first() {
            Some(first) => {
                let more = if caught.len() > 1 {
                    format!(" (+{} more)", caught.len() - 1)
                } else {
                    String::new()
                };
                println!("{number:<8} {what:<58} {first}{more}");
            }
            None => {
                println!("{number:<8} {what:<58} NONE");
                uncaught.push(format!("{number} {rule:?}"));
            }
        }
    }
    let total = rules().len();
    println!(
        "{} of {total} single-rule breakages caught",
        total - uncaught.len()
    );
    assert!(uncaught.is_empty(), "rules no vector pins: {uncaught:?}");
}
