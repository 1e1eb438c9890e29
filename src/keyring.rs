//! The keyring: which master keys exist, which one seals, and their ids.
//!
//! Exactly one key is primary (new tokens are sealed under it); the others only open. Each has a
//! one-byte id carried in the token header, so `open` finds the key directly, never by trying each.
//! Retiring a key is removing it from the ring. [`KeyTable`] is the ring as a sealer holds it: each
//! key with its cache of epoch keys, found by id in O(1).

use std::fmt;
use std::sync::Arc;

use crate::config::Config;
use crate::epoch;
use crate::epoch_keys::{EpochRange, KeyEntry};
use crate::error::KeyError;
use crate::keys::{MasterKey, read_env_text};
use crate::open_cache::OpenCache;

/// A set of master keys with one primary (sealing) key and any number of open-only keys.
///
/// # Example
/// ```
/// use sealed_session::{Keyring, MasterKey};
/// // Rotation: the new key 2 seals, the old key 1 still opens tokens it sealed.
/// let ring = Keyring::new(2, MasterKey::generate()?).with_open_only(1, MasterKey::generate()?)?;
/// assert_eq!(ring.primary_id(), 2);
/// assert_eq!(ring.ids().collect::<Vec<_>>(), [2, 1]);
/// // Duplicate ids are refused.
/// assert!(ring.with_open_only(2, MasterKey::generate()?).is_err());
/// # Ok::<(), sealed_session::KeyError>(())
/// ```
pub struct Keyring {
    /// The key that seals. There is always one.
    primary: (u8, Arc<MasterKey>),
    /// Keys that only open, in the order added; ids distinct from each other and the primary's.
    others: Vec<(u8, Arc<MasterKey>)>,
}

impl Keyring {
    /// A keyring whose only key, `id`, is primary.
    ///
    /// # Example
    /// ```
    /// let ring = sealed_session::Keyring::new(1, sealed_session::MasterKey::generate()?);
    /// assert_eq!(ring.primary_id(), 1);
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    #[must_use]
    pub fn new(id: u8, primary: MasterKey) -> Self {
        Self {
            primary: (id, Arc::new(primary)),
            others: Vec::new(),
        }
    }

    /// Adds a key that opens tokens but never seals.
    ///
    /// # Errors
    /// [`KeyError::DuplicateId`] if the id is already in the ring.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Keyring, MasterKey};
    /// let ring = Keyring::new(1, MasterKey::generate()?).with_open_only(7, MasterKey::generate()?)?;
    /// assert_eq!(ring.ids().collect::<Vec<_>>(), [1, 7]);
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    pub fn with_open_only(mut self, id: u8, key: MasterKey) -> Result<Self, KeyError> {
        if self.ids().any(|i| i == id) {
            return Err(KeyError::DuplicateId { id });
        }
        self.others.push((id, Arc::new(key)));
        Ok(self)
    }

    /// Parses a keyring from a list of `ID:KEY` entries separated by commas or whitespace; the
    /// first entry is primary. Each key is in any form [`MasterKey::from_text`] reads.
    ///
    /// # Errors
    /// [`KeyError::BadListEntry`] for an entry without a numeric id, [`KeyError::DuplicateId`], and
    /// the key errors of [`MasterKey::from_text`]; [`KeyError::Missing`] for an empty list.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Keyring, MasterKey};
    /// let (a, b) = (MasterKey::generate()?.to_base64url(), MasterKey::generate()?.to_base64url());
    /// let ring = Keyring::from_list(&format!("2:{}, 1:{}", *a, *b))?;
    /// assert_eq!(ring.primary_id(), 2);
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    pub fn from_list(list: &str) -> Result<Self, KeyError> {
        Self::from_list_named(list, None)
    }

    /// Reads a keyring list (see [`Keyring::from_list`]) from the environment variable `var`, or
    /// from the file named by `{var}_FILE`. Prefer the file: keys in the environment stay there
    /// for the life of the process (and its children), where this crate cannot wipe them.
    ///
    /// # Errors
    /// As [`Keyring::from_list`], plus [`KeyError::Missing`] and [`KeyError::Unreadable`]; every
    /// error names the variable.
    ///
    /// # Example
    /// ```
    /// let err = sealed_session::Keyring::from_env("SEALED_SESSION_DOCTEST_UNSET").unwrap_err();
    /// assert!(err.to_string().contains("SEALED_SESSION_DOCTEST_UNSET"));
    /// ```
    pub fn from_env(var: &str) -> Result<Self, KeyError> {
        let text = read_env_text(var)?;
        Self::from_list_named(&text, Some(var))
    }

    fn from_list_named(list: &str, var: Option<&str>) -> Result<Self, KeyError> {
        let mut ring: Option<Self> = None;
        let entries = list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty());
        for (index, entry) in entries.enumerate() {
            let position = index.saturating_add(1);
            let bad = || KeyError::BadListEntry {
                var: var.map(str::to_owned),
                position,
            };
            let (id, key_text) = entry.split_once(':').ok_or_else(bad)?;
            let id: u8 = id.parse().map_err(|_| bad())?;
            let key = MasterKey::from_text_named(key_text, var)?;
            ring = Some(match ring {
                None => Self::new(id, key),
                Some(r) => r.with_open_only(id, key)?,
            });
        }
        ring.ok_or_else(|| KeyError::Missing {
            var: var.unwrap_or("the keyring list").to_owned(),
        })
    }

    /// The id of the key that seals.
    ///
    /// # Example
    /// ```
    /// let ring = sealed_session::Keyring::new(9, sealed_session::MasterKey::generate()?);
    /// assert_eq!(ring.primary_id(), 9);
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    #[must_use]
    pub fn primary_id(&self) -> u8 {
        self.primary.0
    }

    /// The ids in the ring, primary first.
    ///
    /// # Example
    /// ```
    /// let ring = sealed_session::Keyring::new(9, sealed_session::MasterKey::generate()?);
    /// assert_eq!(ring.ids().count(), 1);
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    pub fn ids(&self) -> impl Iterator<Item = u8> + '_ {
        std::iter::once(&self.primary)
            .chain(&self.others)
            .map(|(id, _)| *id)
    }

    /// The same keys, shared (the key bytes are not copied).
    pub(crate) fn share(&self) -> Self {
        Self {
            primary: (self.primary.0, Arc::clone(&self.primary.1)),
            others: self
                .others
                .iter()
                .map(|(id, k)| (*id, Arc::clone(k)))
                .collect(),
        }
    }
}

/// A keyring as a sealer holds it: every key with its epoch-key cache, the primary one apart
/// (so sealing never looks for it), and an O(1) lookup by id for opening.
pub(crate) struct KeyTable {
    primary: KeyEntry,
    others: Vec<KeyEntry>,
    /// `index[id]`: 0 if absent, 1 for the primary key, `n + 2` for `others[n]`.
    index: [u16; 256],
    /// The unix seconds at which every key's cache serves the clock (`EpochRange::served_seconds`).
    pub(crate) served: (u64, u64),
    /// Tokens these keys authenticated (when the config asks for it). A new keyring or config
    /// starts it empty; a table rebuilt for the clock alone ([`KeyTable::moved_to`]) shares it.
    open_cache: Option<Arc<OpenCache>>,
}

impl KeyTable {
    /// Every key of `ring`, with an empty cache of the epoch keys it derives under `config`
    /// (its rotation period and purpose are inputs of the derivation, FORMAT.md R4.1) for the
    /// epochs around unix time `now`: a table serves one config, and a clock inside its
    /// [`KeyTable::covers`] range.
    pub(crate) fn new(ring: &Keyring, config: &Config, now: u64) -> Self {
        Self {
            open_cache: OpenCache::new(config.open_cache).map(Arc::new),
            ..Self::new_without_open_cache(ring, config, now)
        }
    }

    fn new_without_open_cache(ring: &Keyring, config: &Config, now: u64) -> Self {
        let period = config.rotation_period;
        let range = EpochRange::around(
            epoch::epoch_of(now, period),
            config.window_at(now).lo,
            config.window_epochs(),
        );
        let purpose: Arc<[u8]> = Arc::from(config.purpose.as_bytes());
        let entry = |(id, master): &(u8, Arc<MasterKey>)| {
            KeyEntry::new(*id, Arc::clone(master), period, range, Arc::clone(&purpose))
        };
        let mut index = [0u16; 256];
        let primary = entry(&ring.primary);
        if let Some(slot) = index.get_mut(usize::from(primary.id)) {
            *slot = 1;
        }
        let mut others = Vec::with_capacity(ring.others.len());
        for key in &ring.others {
            // The keyring refuses duplicate ids; a repeated one would only be skipped here.
            if let Some(slot) = index.get_mut(usize::from(key.0))
                && *slot == 0
            {
                others.push(entry(key));
                *slot = u16::try_from(others.len().saturating_add(1)).unwrap_or(0);
            }
        }
        Self {
            primary,
            others,
            index,
            served: range.served_seconds(period),
            open_cache: None,
        }
    }

    /// The same keys under the same `config`, with epoch-key caches for the epochs around unix
    /// time `now`; the open cache carries over (the same keys give the same plaintext, and its
    /// entries hold the epoch they opened in), so a clock moving on allocates no new one.
    pub(crate) fn moved_to(&self, ring: &Keyring, config: &Config, now: u64) -> Self {
        Self {
            open_cache: self.open_cache.clone(),
            ..Self::new_without_open_cache(ring, config, now)
        }
    }

    /// The open cache, if the config asks for one.
    pub(crate) fn open_cache(&self) -> Option<&OpenCache> {
        self.open_cache.as_deref()
    }

    /// Whether the epoch-key caches still serve a clock at unix time `now`: its epoch and the
    /// next one are cached.
    pub(crate) fn serves(&self, now: u64) -> bool {
        (self.served.0..self.served.1).contains(&now)
    }

    /// The key that seals.
    pub(crate) fn primary(&self) -> &KeyEntry {
        &self.primary
    }

    /// The key with this id, if the ring has one.
    pub(crate) fn get(&self, id: u8) -> Option<&KeyEntry> {
        match *self.index.get(usize::from(id))? {
            0 => None,
            1 => Some(&self.primary),
            n => self.others.get(usize::from(n).checked_sub(2)?),
        }
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("primary_id", &self.primary_id())
            .field("ids", &self.ids().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_parsing() {
        let a = MasterKey::generate().unwrap().to_base64url();
        let b = MasterKey::generate().unwrap().to_base64url();
        let ring = Keyring::from_list(&format!(" 3:{}\n 4:{} ", *a, *b)).unwrap();
        assert_eq!(ring.ids().collect::<Vec<_>>(), [3, 4]);
        assert!(matches!(
            Keyring::from_list(&format!("3:{}, 3:{}", *a, *b)),
            Err(KeyError::DuplicateId { id: 3 })
        ));
        assert!(matches!(
            Keyring::from_list(&format!("300:{}", *a)),
            Err(KeyError::BadListEntry { position: 1, .. })
        ));
        assert!(matches!(
            Keyring::from_list(&a),
            Err(KeyError::BadListEntry { .. })
        ));
        assert!(matches!(
            Keyring::from_list(" , "),
            Err(KeyError::Missing { .. })
        ));
    }

    #[test]
    fn debug_shows_ids_only() {
        let key = MasterKey::generate().unwrap();
        let text = key.to_base64url();
        let ring = Keyring::new(1, key)
            .with_open_only(7, MasterKey::generate().unwrap())
            .unwrap();
        let shown = format!("{ring:?} {ring:#?}");
        assert_eq!(
            format!("{ring:?}"),
            "Keyring { primary_id: 1, ids: [1, 7], .. }"
        );
        assert!(!shown.contains(text.as_str()));
    }

    #[test]
    fn table_finds_every_key_by_id_and_no_other() {
        let ring = Keyring::new(9, MasterKey::generate().unwrap())
            .with_open_only(4, MasterKey::generate().unwrap())
            .unwrap()
            .with_open_only(0, MasterKey::generate().unwrap())
            .unwrap();
        let table = KeyTable::new(&ring, &Config::default(), 1_800_000_000);
        assert_eq!(table.primary().id, 9);
        for id in 0..=255u8 {
            let in_ring = ring.ids().any(|i| i == id);
            assert_eq!(table.get(id).map(|e| e.id), in_ring.then_some(id));
        }
        let shared = ring.share();
        assert_eq!(shared.ids().collect::<Vec<_>>(), [9, 4, 0]);
    }
}
