//! Master keys: the long-lived secrets that every epoch key is derived from.
//!
//! A [`MasterKey`] is 32 to 1024 bytes of real entropy. It is zeroized on drop, its `Debug` prints
//! nothing of it, it has no `Serialize`, no `Clone` and no equality. Every constructor is fallible
//! and refuses keys that are obviously not random.

use std::fmt;
use std::io::Read as _;
use std::path::Path;

use zeroize::{Zeroize as _, Zeroizing};

use crate::encoding;
use crate::error::{KeyError, MAX_KEY_LEN, MIN_KEY_LEN};
use crate::scratch;

/// The example key shown in this crate's documentation (base64url). Refused as a real key: it is
/// public, and anyone who copied it into production must be stopped at startup.
pub const EXAMPLE_KEY: &str = "n9Xq2v7YtCkR4mW8pL0sHj3eGfA6bZ1uVxNcTqEoKyI";

/// A second published example key, used where the docs show a keyring with two keys.
pub const EXAMPLE_KEY_2: &str = "Q3rT8mVx0LpZs6YhKc2WnB5gJdF9aEuR7iOtMkXqNwA";

/// The fixed key of the `testing` module's test keyring. Published in this source like the
/// example keys, so refused by every constructor too: only the `testing` module makes it.
pub(crate) const TEST_KEY: &str = "KbS7f1t8eRdi_Sy4DbSYVihVNWV5sV04h3vZpC-sOPU";

/// The published keys, refused by every constructor.
const PUBLISHED_KEYS: [&str; 3] = [EXAMPLE_KEY, EXAMPLE_KEY_2, TEST_KEY];

/// The fewest different byte values a key may hold. A uniformly random 32-byte key holds about
/// 30 (fewer than 8 with probability below 2^-100); fewer than 8 means a pattern or a repeated
/// short secret, not randomness.
const MIN_DISTINCT_BYTES: usize = 8;

/// How much a key file's buffer grows by at least per step (a key list is a few hundred bytes).
const FILE_READ_STEP: usize = 1024;

/// A secret master key, from which per-epoch encryption keys are derived with HKDF-SHA256.
///
/// Build it from an environment variable ([`MasterKey::from_env`]), from text in hex, base64 or
/// base64url ([`MasterKey::from_text`]), from raw bytes, or generate one.
///
/// # Example
/// ```
/// use sealed_session::MasterKey;
/// let key = MasterKey::generate()?;
/// // Debug never shows key material.
/// assert_eq!(format!("{key:?}"), "MasterKey { .. }");
/// // Obviously weak keys are refused.
/// assert!(MasterKey::from_bytes(&[0u8; 32]).is_err());
/// # Ok::<(), sealed_session::KeyError>(())
/// ```
pub struct MasterKey {
    bytes: Zeroizing<Vec<u8>>,
}

impl MasterKey {
    /// The shortest accepted key, in bytes.
    pub const MIN_LEN: usize = MIN_KEY_LEN;
    /// The longest accepted key, in bytes.
    pub const MAX_LEN: usize = MAX_KEY_LEN;

    /// A fresh 32-byte key from the operating system's random number generator.
    ///
    /// # Errors
    /// [`KeyError::Rng`] if the operating system's generator fails.
    ///
    /// # Example
    /// ```
    /// let key = sealed_session::MasterKey::generate()?;
    /// assert_eq!(key.to_base64url().len(), 43); // 32 bytes
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new(vec![0u8; Self::MIN_LEN]);
        getrandom::fill(&mut bytes).map_err(|_| KeyError::Rng)?;
        Self::checked(bytes, None)
    }

    /// A key from raw bytes (copied; the caller should zeroize its own copy).
    ///
    /// # Errors
    /// [`KeyError::BadLength`] outside 32..=1024 bytes, [`KeyError::Weak`] for zero, repeated or
    /// patterned bytes, [`KeyError::Published`] for a documentation example key.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{KeyError, MasterKey};
    /// assert!(matches!(MasterKey::from_bytes(&[7u8; 32]), Err(KeyError::Weak { .. })));
    /// assert!(matches!(MasterKey::from_bytes(&[1, 2, 3]), Err(KeyError::BadLength { len: 3, .. })));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        Self::checked(Zeroizing::new(bytes.to_vec()), None)
    }

    /// A key from text: hex, base64 or base64url, padded or not, surrounding whitespace ignored.
    ///
    /// # Errors
    /// [`KeyError::Encoding`] if the text is in none of those forms, and the errors of
    /// [`MasterKey::from_bytes`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::MasterKey;
    /// let text = MasterKey::generate()?.to_base64url();
    /// let key = MasterKey::from_text(&text)?;
    /// assert_eq!(key.to_base64url().len(), 43); // 32 bytes
    /// // The documentation's own example key is refused.
    /// assert!(MasterKey::from_text(sealed_session::EXAMPLE_KEY).is_err());
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    pub fn from_text(text: &str) -> Result<Self, KeyError> {
        Self::from_text_named(text, None)
    }

    /// Reads a key from the environment variable `var`, or, when it is unset, from the file named
    /// by `{var}_FILE` (as container secrets are mounted). Errors name the variable. Prefer the
    /// file: a key in the environment stays there for the life of the process (and its children),
    /// where this crate cannot wipe it.
    ///
    /// # Errors
    /// [`KeyError::Missing`] when neither is set, [`KeyError::Unreadable`] when the file cannot be
    /// read, and the errors of [`MasterKey::from_text`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::{KeyError, MasterKey};
    /// let err = MasterKey::from_env("SEALED_SESSION_DOCTEST_UNSET").unwrap_err();
    /// assert!(matches!(err, KeyError::Missing { .. }));
    /// assert!(err.to_string().contains("SEALED_SESSION_DOCTEST_UNSET_FILE"));
    /// ```
    pub fn from_env(var: &str) -> Result<Self, KeyError> {
        let text = read_env_text(var)?;
        Self::from_text_named(&text, Some(var))
    }

    pub(crate) fn from_text_named(text: &str, var: Option<&str>) -> Result<Self, KeyError> {
        let bytes = encoding::decode_key_text(text).ok_or_else(|| KeyError::Encoding {
            var: var.map(str::to_owned),
        })?;
        Self::checked(bytes, var)
    }

    fn checked(bytes: Zeroizing<Vec<u8>>, var: Option<&str>) -> Result<Self, KeyError> {
        let var = || var.map(str::to_owned);
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&bytes.len()) {
            return Err(KeyError::BadLength {
                var: var(),
                len: bytes.len(),
            });
        }
        if distinct_bytes(&bytes) < MIN_DISTINCT_BYTES {
            return Err(KeyError::Weak { var: var() });
        }
        // A key whose base64url export is all hex digits would re-import as hex, as another key:
        // refuse it (a random key does this with probability below 2^-68; the fuzzer found a
        // mostly-zero one, whose zero bytes export as `A`).
        if encoding::is_hex_text(&Zeroizing::new(encoding::encode_key_text(&bytes))) {
            return Err(KeyError::Weak { var: var() });
        }
        let published = PUBLISHED_KEYS
            .iter()
            .filter_map(|k| encoding::decode_key_text(k))
            .any(|k| k.as_slice() == bytes.as_slice());
        if published {
            return Err(KeyError::Published { var: var() });
        }
        Ok(Self { bytes })
    }

    /// The published test key, past the refusal every public constructor applies (the
    /// `testing` module decides whether to allow it). `None` cannot happen: the text is valid.
    #[cfg(feature = "testing")]
    pub(crate) fn published_test_key() -> Option<Self> {
        encoding::decode_key_text(TEST_KEY).map(|bytes| Self { bytes })
    }

    /// The key's length in bytes (for the fuzz targets' invariants).
    #[cfg(fuzzing)]
    pub(crate) fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// The key as unpadded base64url text, for storing a generated key in a secret manager.
    /// The returned string is zeroized on drop.
    ///
    /// # Example
    /// ```
    /// use sealed_session::MasterKey;
    /// let text = MasterKey::generate()?.to_base64url();
    /// assert_eq!(text.len(), 43);
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    #[must_use]
    pub fn to_base64url(&self) -> Zeroizing<String> {
        Zeroizing::new(encoding::encode_key_text(&self.bytes))
    }

    pub(crate) fn expose(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey { .. }")
    }
}

/// How many different byte values `bytes` holds, counted on the stack (a set on the heap would
/// leave the key's bytes behind in freed memory).
fn distinct_bytes(bytes: &[u8]) -> usize {
    let mut seen = [false; 256];
    for b in bytes {
        if let Some(s) = seen.get_mut(usize::from(*b)) {
            *s = true;
        }
    }
    let count = seen.iter().filter(|s| **s).count();
    seen.zeroize();
    count
}

/// Reads `var`, or the file named by `{var}_FILE`; the text is zeroized when dropped.
pub(crate) fn read_env_text(var: &str) -> Result<Zeroizing<String>, KeyError> {
    match std::env::var(var) {
        Ok(text) => return Ok(Zeroizing::new(text)),
        Err(std::env::VarError::NotUnicode(mut raw)) => {
            raw.zeroize_os();
            return Err(KeyError::Encoding {
                var: Some(var.to_owned()),
            });
        }
        Err(std::env::VarError::NotPresent) => {}
    }
    let file_var = format!("{var}_FILE");
    let Some(path) = std::env::var_os(&file_var) else {
        return Err(KeyError::Missing {
            var: var.to_owned(),
        });
    };
    let bytes = read_secret_file(Path::new(&path)).map_err(|e| KeyError::Unreadable {
        var: var.to_owned(),
        reason: e.kind().to_string(),
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| KeyError::Encoding {
        var: Some(file_var),
    })?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// Reads a whole file into a buffer wiped on drop. `std::fs::read` sizes its buffer from the
/// file's metadata and grows it by reallocation when the file is longer (a pipe or a procfs file
/// reports no size), which would free a partial copy of the key unwiped; this grows by
/// copy-and-wipe instead.
fn read_secret_file(path: &Path) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = Zeroizing::new(Vec::new());
    let mut len = 0usize;
    loop {
        if len == buf.len() {
            scratch::reserve(&mut buf, FILE_READ_STEP);
            let capacity = buf.capacity();
            buf.resize(capacity, 0);
        }
        let Some(free) = buf.get_mut(len..) else {
            break;
        };
        match file.read(free) {
            Ok(0) => break,
            Ok(n) => len = len.saturating_add(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(len);
    Ok(buf)
}

/// Best-effort wipe of an `OsString` that held key text.
trait ZeroizeOs {
    fn zeroize_os(&mut self);
}

impl ZeroizeOs for std::ffi::OsString {
    fn zeroize_os(&mut self) {
        let mut bytes = std::mem::take(self).into_encoded_bytes();
        bytes.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        (0u8..32)
            .map(|i| i.wrapping_mul(37).wrapping_add(11))
            .collect()
    }

    #[test]
    fn debug_shows_no_key_byte() {
        let key = MasterKey::from_bytes(&sample()).unwrap();
        // Both forms print the type name and nothing else: no byte, in no encoding.
        assert_eq!(format!("{key:?}"), "MasterKey { .. }");
        assert_eq!(format!("{key:#?}"), "MasterKey { .. }");
    }

    #[test]
    fn refuses_weak_and_published_keys() {
        assert!(matches!(
            MasterKey::from_bytes(&[0; 32]),
            Err(KeyError::Weak { .. })
        ));
        assert!(matches!(
            MasterKey::from_bytes(&[0xAB; 64]),
            Err(KeyError::Weak { .. })
        ));
        let pattern: Vec<u8> = (0..32).map(|i| [1u8, 2, 3][i % 3]).collect();
        assert!(matches!(
            MasterKey::from_bytes(&pattern),
            Err(KeyError::Weak { .. })
        ));
        assert!(matches!(
            MasterKey::from_text(EXAMPLE_KEY),
            Err(KeyError::Published { .. })
        ));
        assert!(matches!(
            MasterKey::from_text(EXAMPLE_KEY_2),
            Err(KeyError::Published { .. })
        ));
        assert!(matches!(
            MasterKey::from_text(TEST_KEY),
            Err(KeyError::Published { .. })
        ));
        assert!(matches!(
            MasterKey::from_bytes(&sample()[..31]),
            Err(KeyError::BadLength { len: 31, .. })
        ));
        assert!(MasterKey::from_bytes(&vec![5u8; 2000]).is_err());
    }

    #[test]
    fn keys_whose_export_reads_as_hex_are_refused() {
        // fuzz/findings/keys-export-reads-as-hex: accepted from padded base64, exported as
        // base64url text made only of hex digits, which re-imported as a different key.
        let text = format!(" {}69bc0e50a2f5{}==", "A".repeat(75), "A".repeat(23));
        assert!(matches!(
            MasterKey::from_text(&text),
            Err(KeyError::Weak { .. })
        ));
        // Fewer under Miri, where each round takes over half a second.
        for _ in 0..if cfg!(miri) { 5 } else { 100 } {
            let key = MasterKey::generate().unwrap();
            let again = MasterKey::from_text(&key.to_base64url()).unwrap();
            assert_eq!(again.expose(), key.expose());
        }
    }

    #[test]
    fn published_keys_decode_to_32_bytes() {
        for k in PUBLISHED_KEYS {
            assert_eq!(encoding::decode_key_text(k).unwrap().len(), 32);
        }
    }

    #[test]
    fn text_forms_agree() {
        let bytes = sample();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let a = MasterKey::from_text(&hex).unwrap();
        let b = MasterKey::from_text(&a.to_base64url()).unwrap();
        assert_eq!(a.expose(), bytes.as_slice());
        assert_eq!(b.expose(), bytes.as_slice());
    }

    #[test]
    fn secret_files_read_whole_across_growth_steps() {
        let dir = std::env::temp_dir().join(format!("sealed-session-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for len in [
            0,
            1,
            FILE_READ_STEP - 1,
            FILE_READ_STEP,
            5 * FILE_READ_STEP + 3,
        ] {
            let path = dir.join(format!("key-{len}"));
            let content: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &content).unwrap();
            assert_eq!(
                read_secret_file(&path).unwrap().as_slice(),
                content.as_slice()
            );
        }
        assert!(read_secret_file(&dir.join("missing")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn generated_keys_differ() {
        let a = MasterKey::generate().unwrap();
        let b = MasterKey::generate().unwrap();
        assert_ne!(a.expose(), b.expose());
    }
}
