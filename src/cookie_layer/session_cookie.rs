//! A sealer bound to cookie settings: open the session a request carries, write the cookies for
//! a new, renewed or reissued session, remove it. Framework adapters are thin layers over this.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::Config;
#[cfg(any(feature = "tower", feature = "actix-web"))]
use crate::cookie_layer::chunk;
use crate::cookie_layer::error::LoadError;
use crate::cookie_layer::parse::ReadCookies;
use crate::cookie_layer::render::SetCookies;
use crate::cookie_layer::settings::CookieSettings;
use crate::error::{ConfigError, SealError};
use crate::lifecycle::Lineage;
use crate::observe::Event;
use crate::sealer::Sealer;
use crate::session::{Opened, SessionMeta, SessionOptions};

/// A [`Sealer`] bound to the [`CookieSettings`] its tokens travel in. Cheap to clone.
///
/// Bound means: the sealer's purpose is the cookie name, so a token minted for one cookie never
/// opens as another, and its maximum token length is at most what the cookies carry, so a session
/// too large for them fails to seal with [`SealError::TooLong`] and `sealer().max_payload_len(..)`
/// is the cookie answer. [`SessionCookie::new`] refuses a sealer that is not bound; a hot reload
/// that later swaps in an unbound config ([`Sealer::replace_config`]) is bound again by the next
/// operation (purpose set back to the cookie name, maximum token length capped), so no token is
/// ever sealed or opened unbound.
///
/// Every operation takes the request's [`ReadCookies`], so a write also removes what the request
/// carried that is now stale.
///
/// # Example
/// ```
/// use sealed_session::*;
/// let settings = CookieSettings::default();
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?);
/// let cookies = SessionCookie::new(sealer, settings)?;
///
/// // Login: a fresh session, its Set-Cookie headers.
/// let anonymous = cookies.settings().read([]);
/// let set = cookies.seal(&anonymous, &"alice", &SessionOptions::default())?;
/// let header = set.iter().next().unwrap().to_string();
///
/// // The next request sends the cookie back.
/// let pair = header.split(';').next().unwrap();
/// let read = cookies.settings().read([pair.as_bytes()]);
/// let opened = cookies.open::<String>(&read)?.expect("a session");
/// assert_eq!(opened.session, "alice");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SessionCookie {
    // One reference count for the whole binding: the layers clone a `SessionCookie` per request.
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    sealer: Sealer,
    settings: CookieSettings,
    /// The sealer's config version last found bound: the binding is checked again only when a
    /// replacement moved it.
    bound_version: AtomicU64,
}

/// Whether `config` is bound to `settings`.
fn check_binding(config: &Config, settings: &CookieSettings) -> Result<(), ConfigError> {
    if config.purpose() != settings.name() {
        return Err(ConfigError::CookiePurpose);
    }
    if config.max_token_len() > settings.max_token_len() {
        return Err(ConfigError::CookieTokenLen {
            max: config.max_token_len(),
            room: settings.max_token_len(),
        });
    }
    Ok(())
}

impl SessionCookie {
    /// Binds a sealer to cookie settings. Build the sealer's config with
    /// [`CookieSettings::config_builder`]: its purpose is then the cookie name and its maximum
    /// token length what the cookies can carry.
    ///
    /// # Errors
    /// [`ConfigError::CookiePurpose`] if the sealer's purpose is not the cookie name,
    /// [`ConfigError::CookieTokenLen`] if it allows tokens longer than the cookies carry.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let settings = CookieSettings::default();
    /// let ring = || Ok::<_, KeyError>(Keyring::new(1, MasterKey::generate()?));
    /// let bound = Sealer::new(ring()?, settings.config_builder().build()?);
    /// assert!(SessionCookie::new(bound, settings.clone()).is_ok());
    /// let unbound = Sealer::new(ring()?, Config::default());
    /// assert_eq!(SessionCookie::new(unbound, settings).unwrap_err(), ConfigError::CookiePurpose);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(sealer: Sealer, settings: CookieSettings) -> Result<Self, ConfigError> {
        let version = sealer.config_version();
        check_binding(&sealer.config(), &settings)?;
        Ok(Self {
            shared: Arc::new(Shared {
                sealer,
                settings,
                bound_version: AtomicU64::new(version),
            }),
        })
    }

    /// The sealer (for its `max_payload_len`, hot reload, hooks).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let settings = CookieSettings::default();
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// assert_eq!(cookies.sealer().config().purpose(), cookies.settings().name());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn sealer(&self) -> &Sealer {
        &self.shared.sealer
    }

    /// The cookie settings.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let settings = CookieSettings::default();
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// assert_eq!(cookies.settings().name(), "__Host-session");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn settings(&self) -> &CookieSettings {
        &self.shared.settings
    }

    /// The sealer, bound again first if a hot reload swapped in a config that is not bound to
    /// the cookie. The config is checked only when the sealer's config version moved since the
    /// last check that found it bound; otherwise this is one atomic load.
    fn bound(&self) -> &Sealer {
        // The version is read before the config it vouches for: a replacement in between moves
        // it again, and the next operation checks again.
        let version = self.shared.sealer.config_version();
        if self.shared.bound_version.load(Ordering::Relaxed) == version {
            return &self.shared.sealer;
        }
        let bound = self
            .shared
            .sealer
            .with_config(|config| check_binding(config, &self.shared.settings).is_ok());
        if bound {
            self.shared.bound_version.store(version, Ordering::Relaxed);
        } else {
            let mut rebound = self.shared.sealer.config();
            self.shared.settings.name().clone_into(&mut rebound.purpose);
            rebound.max_token_len = rebound
                .max_token_len
                .min(self.shared.settings.max_token_len());
            self.shared.sealer.replace_config(rebound);
        }
        &self.shared.sealer
    }

    /// Opens the session a request carried: `Ok(None)` if it carried none.
    ///
    /// # Errors
    /// A [`LoadError`] if session cookies came that do not form one token, or the token did not
    /// open. Either means "no session"; remove the cookies ([`SessionCookie::remove`]).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let settings = CookieSettings::default();
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// let none = cookies.settings().read([b"theme=dark".as_slice()]);
    /// assert_eq!(cookies.open::<u8>(&none), Ok(None));
    /// let bad = cookies.settings().read([b"__Host-session=garbage".as_slice()]);
    /// assert_eq!(cookies.open::<u8>(&bad), Err(LoadError::Open(OpenError::Malformed)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open<T: DeserializeOwned>(
        &self,
        read: &ReadCookies,
    ) -> Result<Option<Opened<T>>, LoadError> {
        match read.token()? {
            None => Ok(None),
            Some(token) => Ok(Some(self.bound().open::<T>(token)?)),
        }
    }

    /// Opens the session a request carried (the middleware's `token`, borrowed from the request)
    /// and hands its authenticated payload bytes to `keep`, refusing another schema version as
    /// [`SessionCookie::open`] does (the session middleware: it needs no `T`).
    #[cfg(any(feature = "tower", feature = "actix-web"))]
    pub(crate) fn open_bytes<R>(
        &self,
        token: Result<Option<&[u8]>, LoadError>,
        keep: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<Opened<R>>, LoadError> {
        let Some(token) = token? else {
            return Ok(None);
        };
        let sealer = self.bound();
        let result = sealer.open_checked(token, true, |payload| Ok(keep(payload)));
        // The middleware's reading leaves a single cookie's alphabet to the sealer's strict
        // decoding; a value outside it is refused as the cookie layer refuses it everywhere
        // (`LoadError::Malformed`, before any open: the observer hears nothing of it).
        if result.is_err() && !chunk::all_base64url(token) {
            return Err(LoadError::Malformed);
        }
        sealer
            .observer()
            .notify(|| Event::opened(&result, token.len()));
        Ok(Some(result?))
    }

    /// Seals `value` as a new session (login) and renders its cookies, removing stale ones the
    /// request carried. A new session has a new start and, where enabled, a new session id:
    /// whatever session the client had before does not carry over (fixation defence).
    ///
    /// # Errors
    /// [`SealError::TooLong`] for a session larger than the cookies can carry,
    /// [`SealError::Serialize`], or a failure of the clock or random generator. Nothing is
    /// emitted then.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let settings = CookieSettings::default();
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// let read = cookies.settings().read([]);
    /// let set = cookies.seal(&read, &vec![0u8; 2000], &SessionOptions::default())?;
    /// assert_eq!(set.iter().len(), 1);
    /// let too_big = cookies.seal(&read, &vec![0u8; 4000], &SessionOptions::default());
    /// assert!(matches!(too_big, Err(SealError::TooLong { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn seal<T: Serialize + ?Sized>(
        &self,
        read: &ReadCookies,
        value: &T,
        options: &SessionOptions,
    ) -> Result<SetCookies, SealError> {
        self.write(read, value, Lineage::New(options))
    }

    /// Seals a value (changed or not) into the open session: same session start, deadlines and
    /// id, a new idle deadline; renders its cookies.
    ///
    /// # Errors
    /// As [`SessionCookie::seal`], and [`SealError::Expired`] past the absolute deadline.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let settings = CookieSettings::default();
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// # let set = cookies.seal(&cookies.settings().read([]), &1u32, &SessionOptions::default())?;
    /// # let header = format!("__Host-session={}", set.iter().next().unwrap().value());
    /// let read = cookies.settings().read([header.as_bytes()]);
    /// let opened = cookies.open::<u32>(&read)?.expect("a session");
    /// let set = cookies.renew(&read, &(opened.session + 1), &opened.meta)?;
    /// assert_eq!(set.iter().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn renew<T: Serialize + ?Sized>(
        &self,
        read: &ReadCookies,
        value: &T,
        meta: &SessionMeta,
    ) -> Result<SetCookies, SealError> {
        self.write(read, value, Lineage::Renew(meta))
    }

    /// Starts a fresh session from an open one after a privilege change: new session start and
    /// id (fixation defence), same profile and generation; renders its cookies.
    ///
    /// # Errors
    /// As [`SessionCookie::seal`].
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let settings = CookieSettings::default();
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// # let set = cookies.seal(&cookies.settings().read([]), &"user", &SessionOptions::default())?;
    /// # let header = format!("__Host-session={}", set.iter().next().unwrap().value());
    /// let read = cookies.settings().read([header.as_bytes()]);
    /// let opened = cookies.open::<String>(&read)?.expect("a session");
    /// let set = cookies.reissue(&read, &"admin", &opened.meta)?;
    /// assert_eq!(set.iter().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reissue<T: Serialize + ?Sized>(
        &self,
        read: &ReadCookies,
        value: &T,
        meta: &SessionMeta,
    ) -> Result<SetCookies, SealError> {
        self.write(read, value, Lineage::Reissue(meta))
    }

    /// Removal cookies for logout: the session cookie, and every chunk the request carried. Each
    /// matches the live cookie's name, Path, Domain and flags.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let settings = CookieSettings::builder().chunks(3).build()?;
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// let read = cookies.settings().read([b"__Host-session.0=x; __Host-session.1=y".as_slice()]);
    /// let names: Vec<_> = cookies.remove(&read).iter().map(|c| c.name().to_owned()).collect();
    /// assert_eq!(names, ["__Host-session", "__Host-session.0", "__Host-session.1"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn remove(&self, read: &ReadCookies) -> SetCookies {
        let set = self.shared.settings.removal_cookies(read.present());
        let cookies = set.iter().len();
        self.shared
            .sealer
            .observer()
            .notify(|| Event::Remove { cookies });
        set
    }

    /// Removal cookies for exactly the session cookies the request carried (none if it carried
    /// none): for cookies that gave no session.
    #[cfg(any(feature = "tower", feature = "actix-web"))]
    pub(crate) fn cleanup(&self, read: &ReadCookies) -> SetCookies {
        self.shared.settings.cleanup_cookies(read.present())
    }

    /// Re-seals the authenticated payload bytes of an open session as they are (the tower layer's
    /// renewal: it needs no `T`).
    #[cfg(any(feature = "tower", feature = "actix-web"))]
    pub(crate) fn renew_bytes(
        &self,
        read: &ReadCookies,
        payload: &[u8],
        meta: &SessionMeta,
    ) -> Result<SetCookies, SealError> {
        self.write(read, &RawPayload(payload), Lineage::Renew(meta))
    }

    /// Seals, then renders the cookies with the expiry the new token's own metadata gives.
    fn write<T: Serialize + ?Sized>(
        &self,
        read: &ReadCookies,
        value: &T,
        lineage: Lineage<'_>,
    ) -> Result<SetCookies, SealError> {
        let sealer = self.bound();
        let settings = &self.shared.settings;
        let mut written = (0, 0);
        let prefix = [settings.name(), "="];
        let result = sealer
            .seal_with_meta(value, lineage, &prefix, |meta, now| {
                settings.room_after_token(meta, now)
            })
            .and_then(|(line, meta, now)| {
                let len = line
                    .len()
                    .saturating_sub(settings.name().len().saturating_add(1));
                // The buffer holding `name=token` becomes the header value: no copy.
                let set = settings.set_cookies(line, &meta, now, read.present())?;
                // The cookies that carry the token, not the removals of stale ones.
                let chunks = set.iter().filter(|c| c.has_value()).count();
                written = (len, chunks);
                Ok(set)
            });
        let outcome = result.as_ref().map(|_| ()).map_err(|e| *e);
        sealer
            .observer()
            .notify(|| lineage.event(outcome, written.0, written.1));
        result
    }
}

/// Payload bytes that serialize as themselves: postcard writes a tuple's elements one after
/// another without a length, and a `u8` as one byte.
#[cfg(any(feature = "tower", feature = "actix-web"))]
struct RawPayload<'a>(&'a [u8]);

#[cfg(any(feature = "tower", feature = "actix-web"))]
impl Serialize for RawPayload<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple as _;
        let mut tuple = serializer.serialize_tuple(self.0.len())?;
        for byte in self.0 {
            tuple.serialize_element(byte)?;
        }
        tuple.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OpenError;
    use crate::{Keyring, MasterKey};

    /// A fixed key, so that two sealers share it and only the purpose tells their tokens apart.
    fn key() -> MasterKey {
        let bytes: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(73) ^ 0x5a).collect();
        MasterKey::from_bytes(&bytes).unwrap()
    }

    fn sealer(config: Config) -> Sealer {
        // A fixed time (2027-01-15 08:00 UTC): no test reads the wall clock.
        Sealer::new(Keyring::new(1, key()), config).with_clock(crate::ManualClock::at(
            time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
        ))
    }

    fn cookies(settings: CookieSettings) -> SessionCookie {
        let config = settings.config_builder().build().unwrap();
        SessionCookie::new(sealer(config), settings).unwrap()
    }

    /// What a browser would send back for these Set-Cookie headers, given what it had.
    fn jar(mut had: Vec<(String, String)>, set: &SetCookies) -> Vec<(String, String)> {
        for c in set {
            had.retain(|(n, _)| n != c.name());
            if !c.is_removal() {
                had.push((c.name().to_owned(), c.value().to_owned()));
            }
        }
        had
    }

    fn read(c: &SessionCookie, jar: &[(String, String)]) -> ReadCookies {
        let header = jar
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        c.settings().read([header.as_bytes()])
    }

    fn none(c: &SessionCookie) -> ReadCookies {
        c.settings().read([])
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens KB-sized tokens: minutes under Miri; the same code runs there in the sealer and render tests"
    )]
    fn an_unbound_sealer_is_refused() {
        let settings = CookieSettings::builder()
            .name("__Host-shop")
            .build()
            .unwrap();
        // Config::default(): another purpose, and a token limit over what one cookie carries.
        assert_eq!(
            SessionCookie::new(sealer(Config::default()), settings.clone()).unwrap_err(),
            ConfigError::CookiePurpose
        );
        let too_long = Config::builder()
            .purpose("__Host-shop")
            .max_token_len(4096)
            .build()
            .unwrap();
        assert_eq!(
            SessionCookie::new(sealer(too_long), settings.clone()).unwrap_err(),
            ConfigError::CookieTokenLen {
                max: 4096,
                room: 4085
            }
        );
        // A smaller limit than the cookies carry is bound too.
        let smaller = settings
            .config_builder()
            .max_token_len(1000)
            .build()
            .unwrap();
        assert!(SessionCookie::new(sealer(smaller), settings).is_ok());
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens KB-sized tokens: minutes under Miri; the same code runs there in the sealer and render tests"
    )]
    fn a_token_for_one_cookie_never_opens_as_another() {
        let shop = cookies(
            CookieSettings::builder()
                .name("__Host-shop")
                .build()
                .unwrap(),
        );
        let admin = cookies(
            CookieSettings::builder()
                .name("__Host-admin")
                .build()
                .unwrap(),
        );
        let set = shop
            .seal(&none(&shop), &1u8, &SessionOptions::default())
            .unwrap();
        let value = set.iter().next().unwrap().value().to_owned();
        let as_admin = admin
            .settings()
            .read([format!("__Host-admin={value}").as_bytes()]);
        assert_eq!(
            admin.open::<u8>(&as_admin).unwrap_err(),
            LoadError::Open(OpenError::Authentication)
        );
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens KB-sized tokens: minutes under Miri; the same code runs there in the sealer and render tests"
    )]
    fn an_oversized_session_fails_to_seal_as_too_long() {
        let c = cookies(CookieSettings::default());
        let err = c
            .seal(&none(&c), &vec![7u8; 4000], &SessionOptions::default())
            .unwrap_err();
        assert!(
            matches!(err, SealError::TooLong { max: 4082, .. }),
            "{err:?}"
        );
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens KB-sized tokens: minutes under Miri; the same code runs there in the sealer and render tests"
    )]
    fn a_hot_reload_cannot_unbind_the_cookie() {
        let shop = cookies(
            CookieSettings::builder()
                .name("__Host-shop")
                .build()
                .unwrap(),
        );
        let admin = cookies(
            CookieSettings::builder()
                .name("__Host-admin")
                .build()
                .unwrap(),
        );
        // Operations before the reload find both bound (and skip the check until a reload).
        for c in [&shop, &admin] {
            c.seal(&none(c), &0u8, &SessionOptions::default()).unwrap();
            c.seal(&none(c), &0u8, &SessionOptions::default()).unwrap();
        }
        // Both sealers get a config of one shared purpose and the default token limit swapped in.
        let foreign = Config::builder().purpose("shared").build().unwrap();
        shop.sealer().replace_config(foreign.clone());
        admin.sealer().replace_config(foreign.clone());
        let set = shop
            .seal(&none(&shop), &1u8, &SessionOptions::default())
            .unwrap();
        // The write bound the sealer again: purpose and token limit are the cookie's.
        assert_eq!(shop.sealer().config().purpose(), "__Host-shop");
        assert_eq!(
            shop.sealer().config().max_token_len(),
            shop.settings().max_token_len()
        );
        let value = set.iter().next().unwrap().value().to_owned();
        let as_admin = admin
            .settings()
            .read([format!("__Host-admin={value}").as_bytes()]);
        assert_eq!(
            admin.open::<u8>(&as_admin).unwrap_err(),
            LoadError::Open(OpenError::Authentication)
        );
        assert_eq!(admin.sealer().config().purpose(), "__Host-admin");
        // A token sealed under the swapped-in purpose does not open either.
        let stray = sealer(Config::builder().purpose("shared").build().unwrap())
            .seal(&1u8, &SessionOptions::default())
            .unwrap();
        let stray = shop
            .settings()
            .read([format!("__Host-shop={stray}").as_bytes()]);
        assert!(shop.open::<u8>(&stray).is_err());
        // And the session sealed before the reload still opens.
        let own = shop
            .settings()
            .read([format!("__Host-shop={value}").as_bytes()]);
        assert_eq!(shop.open::<u8>(&own).unwrap().unwrap().session, 1);
        // A second reload, after operations found the binding good: an open binds it again too.
        shop.sealer().replace_config(foreign);
        assert_eq!(shop.open::<u8>(&own).unwrap().unwrap().session, 1);
        assert_eq!(shop.sealer().config().purpose(), "__Host-shop");
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens KB-sized tokens: minutes under Miri; the same code runs there in the sealer and render tests"
    )]
    fn chunked_session_grows_and_shrinks() {
        let c = cookies(CookieSettings::builder().chunks(4).build().unwrap());
        let opts = SessionOptions::default();
        let set = c.seal(&none(&c), &"x".repeat(5000), &opts).unwrap();
        let j = jar(vec![("other".into(), "1".into())], &set);
        assert_eq!(j.len(), 3);
        let r = read(&c, &j);
        let opened = c.open::<String>(&r).unwrap().unwrap();
        assert_eq!(opened.session.len(), 5000);
        // Shrink: back to one cookie, chunks removed.
        let set = c.renew(&r, &"small", &opened.meta).unwrap();
        let j = jar(j, &set);
        assert_eq!(
            j.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["other", "__Host-session"]
        );
        assert_eq!(
            c.open::<String>(&read(&c, &j)).unwrap().unwrap().session,
            "small"
        );
    }

    #[cfg(any(feature = "tower", feature = "actix-web"))]
    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens KB-sized tokens: minutes under Miri; the same code runs there in the sealer and render tests"
    )]
    fn renewing_the_payload_bytes_keeps_the_value() {
        let c = cookies(CookieSettings::default());
        let value = (42u64, "alice".to_owned(), vec![1u8, 2, 3]);
        let j = jar(
            vec![],
            &c.seal(&none(&c), &value, &SessionOptions::default())
                .unwrap(),
        );
        let r = read(&c, &j);
        let raw = c
            .open_bytes(r.token().map(|t| t.map(str::as_bytes)), <[u8]>::to_vec)
            .unwrap()
            .unwrap();
        let set = c.renew_bytes(&r, &raw.session, &raw.meta).unwrap();
        let renewed = c.open::<(u64, String, Vec<u8>)>(&read(&c, &jar(j, &set)));
        let renewed = renewed.unwrap().unwrap();
        assert_eq!(renewed.session, value);
        assert_eq!(renewed.meta.session_start(), raw.meta.session_start());
    }

    #[cfg(any(feature = "tower", feature = "actix-web"))]
    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens KB-sized tokens: minutes under Miri; the same code runs there in the sealer and render tests"
    )]
    fn another_schema_is_refused_when_opened_as_bytes() {
        let settings = CookieSettings::default();
        let v1 = settings.config_builder().schema_version(1).build().unwrap();
        let v2 = settings.config_builder().schema_version(2).build().unwrap();
        let old = SessionCookie::new(sealer(v1), settings.clone()).unwrap();
        let new = SessionCookie::new(sealer(v2), settings).unwrap();
        let j = jar(
            vec![],
            &old.seal(&none(&old), &1u8, &SessionOptions::default())
                .unwrap(),
        );
        assert_eq!(
            new.open_bytes(
                read(&new, &j).token().map(|t| t.map(str::as_bytes)),
                <[u8]>::to_vec
            )
            .unwrap_err(),
            LoadError::Open(OpenError::SchemaMismatch {
                found: 1,
                expected: 2
            })
        );
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens KB-sized tokens: minutes under Miri; the same code runs there in the sealer and render tests"
    )]
    fn spliced_chunks_do_not_open() {
        let c = cookies(CookieSettings::builder().chunks(4).build().unwrap());
        let opts = SessionOptions::default();
        let a: Vec<_> = c
            .seal(&none(&c), &"a".repeat(7000), &opts)
            .unwrap()
            .into_iter()
            .collect();
        let b: Vec<_> = c
            .seal(&none(&c), &"b".repeat(7000), &opts)
            .unwrap()
            .into_iter()
            .collect();
        let pairs = |x: &crate::SetCookie, y: &crate::SetCookie| {
            vec![
                (x.name().to_owned(), x.value().to_owned()),
                (y.name().to_owned(), y.value().to_owned()),
            ]
        };
        assert_eq!(
            c.open::<String>(&read(&c, &pairs(&a[0], &b[1])))
                .unwrap_err(),
            LoadError::Inconsistent
        );
        // Same set id forged onto b's part: structure passes, authentication does not.
        let set_id = &a[0].value()[2..8];
        let part = &b[1].value()[9..];
        let forged = vec![
            (a[0].name().to_owned(), a[0].value().to_owned()),
            (b[1].name().to_owned(), format!("2.{set_id}.{part}")),
        ];
        assert!(c.open::<String>(&read(&c, &forged)).is_err());
    }
}
