//! Cookie settings with secure defaults, checked once when built: the name and its prefix, Path,
//! Domain, Secure, HttpOnly, SameSite and the chunk limit.

use std::sync::Arc;

use core::fmt;

use crate::config::{Config, ConfigBuilder};
use crate::cookie_layer::chunk::{self, MAX_CHUNKS};
use crate::cookie_layer::size::{MAX_ATTRIBUTE_VALUE_LEN, MAX_NAME_LEN};
use crate::error::ConfigError;

/// The default cookie name: the `__Host-` prefix makes browsers refuse the cookie unless it is
/// `Secure`, host-only (no `Domain`) and `Path=/`, so no sibling host can set or shadow it.
///
/// # Example
/// ```
/// assert_eq!(sealed_session::CookieSettings::default().name(), sealed_session::DEFAULT_COOKIE_NAME);
/// ```
pub const DEFAULT_COOKIE_NAME: &str = "__Host-session";

/// The cookie name in the insecure development mode: no prefix, since it needs `Secure`.
///
/// # Example
/// ```
/// let dev = sealed_session::CookieSettings::builder().insecure_plain_http_dev_mode().build()?;
/// assert_eq!(dev.name(), sealed_session::DEV_COOKIE_NAME);
/// # Ok::<(), sealed_session::ConfigError>(())
/// ```
pub const DEV_COOKIE_NAME: &str = "session";

/// What [`CookieSettings::dev_mode_warning`] says.
const DEV_WARNING: &str = "WARNING: session cookies are in INSECURE plain-http development mode: \
     no Secure flag and no __Host- prefix, so they travel over plain http and any sibling host can \
     shadow them; never use this outside local development";

/// The `SameSite` attribute.
///
/// # Example
/// ```
/// use sealed_session::{CookieSettings, SameSite};
/// let s = CookieSettings::builder().same_site(SameSite::Strict).build()?;
/// assert!(format!("{s:?}").contains("same_site: Strict"));
/// assert_eq!(SameSite::Lax.to_string(), "Lax");
/// # Ok::<(), sealed_session::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SameSite {
    /// Sent on same-site requests only. Breaks the first request of a cross-site login redirect
    /// (OAuth, SSO): the session looks absent there.
    Strict,
    /// Sent on same-site requests and on top-level cross-site navigations with safe methods. The
    /// default: CSRF protection for POST without breaking links and OAuth redirects.
    #[default]
    Lax,
    /// Sent on every request, cross-site included (embeds, iframes); requires `Secure`.
    None,
}

impl SameSite {
    /// The attribute's value as sent.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Strict => "Strict",
            Self::Lax => "Lax",
            Self::None => "None",
        }
    }
}

impl fmt::Display for SameSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the session cookie is named, scoped and flagged. Build with [`CookieSettings::builder`] or
/// take [`CookieSettings::default`]: `__Host-session`, `Secure`, `HttpOnly` (always: scripts have no use for a sealed token), `SameSite=Lax`,
/// `Path=/`, no `Domain`, no chunking.
///
/// Bind tokens to the cookie: make the [`Config`] purpose the cookie name (as
/// [`CookieSettings::config_builder`] does), so a token minted for one cookie never opens as
/// another.
///
/// # Example
/// ```
/// use sealed_session::{CookieSettings, Keyring, MasterKey, Sealer};
/// let settings = CookieSettings::default();
/// assert_eq!(settings.name(), "__Host-session");
/// assert!(settings.secure()); // and HttpOnly, always
/// let config = settings.config_builder().build()?;
/// assert_eq!(config.purpose(), "__Host-session");
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), config);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CookieSettings {
    // Shared with every `SetCookie` rendered from these settings (a reference count, no copy).
    name: Arc<str>,
    path: Arc<str>,
    domain: Option<Arc<str>>,
    secure: bool,
    same_site: SameSite,
    max_chunks: u8,
    dev_mode: bool,
}

impl Default for CookieSettings {
    fn default() -> Self {
        Self {
            name: DEFAULT_COOKIE_NAME.into(),
            path: "/".into(),
            domain: None,
            secure: true,
            same_site: SameSite::Lax,
            max_chunks: 1,
            dev_mode: false,
        }
    }
}

impl CookieSettings {
    /// A builder starting from the secure defaults.
    ///
    /// # Example
    /// ```
    /// let s = sealed_session::CookieSettings::builder().chunks(3).build()?;
    /// assert_eq!(s.max_chunks(), 3);
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn builder() -> CookieSettingsBuilder {
        CookieSettingsBuilder {
            name: None,
            path: "/".to_owned(),
            domain: None,
            same_site: SameSite::Lax,
            max_chunks: 1,
            dev_mode: DevMode::Off,
        }
    }

    /// The cookie name (chunks are named `{name}.0`, `{name}.1`, ...).
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::CookieSettings::default().name(), "__Host-session");
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `Path` attribute.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// The `Domain` attribute, if any (none: the cookie is host-only).
    pub(crate) fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// Whether the cookie is `Secure` (only in the development mode is it not).
    ///
    /// # Example
    /// ```
    /// assert!(sealed_session::CookieSettings::default().secure());
    /// ```
    #[must_use]
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// The `SameSite` attribute.
    pub(crate) fn same_site(&self) -> SameSite {
        self.same_site
    }

    /// The most cookies one session may be split over (1: no chunking).
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::CookieSettings::default().max_chunks(), 1);
    /// ```
    #[must_use]
    pub fn max_chunks(&self) -> u8 {
        self.max_chunks
    }

    /// In the development mode, a loud warning to print at startup; otherwise `None`.
    ///
    /// # Example
    /// ```
    /// use sealed_session::CookieSettings;
    /// let dev = CookieSettings::builder().insecure_plain_http_dev_mode().build()?;
    /// if let Some(warning) = dev.dev_mode_warning() {
    ///     eprintln!("{warning}");
    /// }
    /// assert!(dev.dev_mode_warning().unwrap().contains("INSECURE"));
    /// assert!(CookieSettings::default().dev_mode_warning().is_none());
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    #[must_use]
    pub fn dev_mode_warning(&self) -> Option<&'static str> {
        self.dev_mode.then_some(DEV_WARNING)
    }

    /// The longest token, in characters, these settings can carry: one cookie's room for the value,
    /// or the room of [`CookieSettings::max_chunks`] chunks.
    ///
    /// # Example
    /// ```
    /// // 4096 bytes for name and value, minus the 14 of "__Host-session".
    /// assert_eq!(sealed_session::CookieSettings::default().max_token_len(), 4082);
    /// ```
    #[must_use]
    pub fn max_token_len(&self) -> usize {
        chunk::token_room(self.name.len(), self.max_chunks)
    }

    /// A [`Config`] builder with the purpose set to the cookie name (so tokens are bound to this
    /// cookie) and the maximum token length set to what these settings can carry (so an
    /// oversized session is refused when sealed, with a clear error, never emitted).
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use sealed_session::{CookieSettings, Lifetimes};
    /// let settings = CookieSettings::default();
    /// let config = settings
    ///     .config_builder()
    ///     .browser_session(Lifetimes::new(Duration::from_secs(8 * 3600), Duration::from_secs(1800)))
    ///     .build()?;
    /// assert_eq!(config.purpose(), settings.name());
    /// assert_eq!(config.max_token_len(), 4082);
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn config_builder(&self) -> ConfigBuilder {
        Config::builder()
            .purpose(self.name())
            .max_token_len(self.max_token_len())
    }
}

/// Builds [`CookieSettings`]; [`CookieSettingsBuilder::build`] refuses combinations browsers drop.
///
/// # Example
/// ```
/// use sealed_session::{CookieSettings, SameSite};
/// let s = CookieSettings::builder()
///     .name("__Secure-app")
///     .domain("example.com")
///     .path("/app")
///     .same_site(SameSite::Strict)
///     .build()?;
/// assert!(format!("{s:?}").contains("domain: Some(\"example.com\")"));
/// # Ok::<(), sealed_session::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct CookieSettingsBuilder {
    name: Option<String>,
    path: String,
    domain: Option<String>,
    same_site: SameSite,
    max_chunks: u8,
    dev_mode: DevMode,
}

/// Whether the builder asked for the insecure development mode, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DevMode {
    Off,
    /// Debug builds only: refused in a release build.
    DebugBuilds,
    /// Asked for by name in a release build too.
    EvenInRelease,
}

impl CookieSettingsBuilder {
    /// The cookie name. Default: `__Host-session` (`session` in the development mode). Keep the
    /// `__Host-` prefix unless the cookie must be shared with subdomains (then `__Secure-` and a
    /// Domain).
    ///
    /// # Example
    /// ```
    /// let s = sealed_session::CookieSettings::builder().name("__Host-shop").build()?;
    /// assert_eq!(s.name(), "__Host-shop");
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The `Path` attribute. Default `/`; a `__Host-` cookie must keep it.
    ///
    /// # Example
    /// ```
    /// let s = sealed_session::CookieSettings::builder().name("__Secure-app").path("/app").build()?;
    /// assert!(format!("{s:?}").contains("path: \"/app\""));
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The `Domain` attribute: the cookie is then sent to every subdomain too. Default: none
    /// (host-only); a `__Host-` cookie must not have one.
    ///
    /// # Example
    /// ```
    /// let s = sealed_session::CookieSettings::builder().name("__Secure-sso").domain("example.com").build()?;
    /// assert!(format!("{s:?}").contains("domain: Some(\"example.com\")"));
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// The `SameSite` attribute. Default `Lax`.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{CookieSettings, SameSite};
    /// let s = CookieSettings::builder().same_site(SameSite::None).build()?;
    /// assert!(format!("{s:?}").contains("same_site: None"));
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = same_site;
        self
    }

    /// Allow a session too large for one cookie to be split over up to `max` cookies named
    /// `{name}.0`, `{name}.1`, ... (1 to [`MAX_CHUNKS`]; default 1: no chunking). Raise the
    /// sealer's maximum token length to match: [`CookieSettings::config_builder`] does.
    ///
    /// A token that fits one cookie is never chunked. Otherwise chunk `i` of `n` holds
    /// `{n}.{set id}.{part i}`, where the set id is the token's last 6 characters; a reader
    /// accepts only a complete set whose chunks agree on `n` and the set id and whose assembled
    /// token ends with that id (a spliced set that slipped past would still fail authentication).
    /// Each chunk is checked against the 4096-byte limit like a single cookie.
    ///
    /// # Example
    /// ```
    /// let s = sealed_session::CookieSettings::builder().chunks(2).build()?;
    /// assert!(s.max_token_len() > 8000);
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn chunks(mut self, max: u8) -> Self {
        self.max_chunks = max;
        self
    }

    /// INSECURE: for plain-http development only. Drops `Secure` and, with it, the `__Host-`
    /// prefix (the default name becomes `session`); a name set explicitly must then have no
    /// `__Host-`/`__Secure-` prefix. Print [`CookieSettings::dev_mode_warning`] at startup.
    /// Browsers keep `Secure` cookies from `http://localhost` and `127.0.0.1` anyway; this mode is
    /// for other host names on plain http.
    ///
    /// Debug builds only: in a release build (`debug_assertions` off), [`build`](Self::build)
    /// refuses it with [`ConfigError::InsecureDevModeInRelease`], so a configuration switch cannot
    /// turn it on in production unnoticed. Where a release build really must run it, say so with
    /// [`insecure_plain_http_dev_mode_even_in_release_builds`](Self::insecure_plain_http_dev_mode_even_in_release_builds).
    ///
    /// # Example
    /// ```
    /// let dev = sealed_session::CookieSettings::builder().insecure_plain_http_dev_mode().build();
    /// if cfg!(debug_assertions) {
    ///     let dev = dev?;
    ///     assert_eq!((dev.name(), dev.secure()), ("session", false));
    /// } else {
    ///     assert_eq!(dev, Err(sealed_session::ConfigError::InsecureDevModeInRelease));
    /// }
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn insecure_plain_http_dev_mode(mut self) -> Self {
        if self.dev_mode == DevMode::Off {
            self.dev_mode = DevMode::DebugBuilds;
        }
        self
    }

    /// INSECURE, and in release builds too: as
    /// [`insecure_plain_http_dev_mode`](Self::insecure_plain_http_dev_mode), also accepted when
    /// the crate is built without `debug_assertions`. The one deliberate, greppable way to run
    /// plain-http session cookies from a release build (a staging host without TLS, say). Never
    /// in production.
    ///
    /// # Example
    /// ```
    /// let dev = sealed_session::CookieSettings::builder()
    ///     .insecure_plain_http_dev_mode_even_in_release_builds()
    ///     .build()?;
    /// assert!(dev.dev_mode_warning().is_some() && !dev.secure());
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn insecure_plain_http_dev_mode_even_in_release_builds(mut self) -> Self {
        self.dev_mode = DevMode::EvenInRelease;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// A [`ConfigError`] for a combination that browsers drop silently (a `__Host-` name
    /// with a Domain, another Path or without Secure; `SameSite=None` without Secure), an invalid
    /// name or path, a domain without a dot, an attribute over 1024 bytes, a chunk count out of
    /// range, or the development mode in a release build without the call that allows it there.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{CookieSettings, ConfigError, SameSite};
    /// let b = CookieSettings::builder;
    /// assert_eq!(b().path("/app").build(), Err(ConfigError::HostPrefixWithPath));
    /// assert_eq!(b().name("__Secure-a").domain("localhost").build(), Err(ConfigError::CookieDomain));
    /// assert_eq!(
    ///     b().insecure_plain_http_dev_mode_even_in_release_builds().same_site(SameSite::None).build(),
    ///     Err(ConfigError::SameSiteNoneWithoutSecure)
    /// );
    /// assert!(matches!(
    ///     b().name("__Host-x").insecure_plain_http_dev_mode_even_in_release_builds().build(),
    ///     Err(ConfigError::PrefixWithoutSecure { .. })
    /// ));
    /// assert_eq!(b().name("a;b").build(), Err(ConfigError::CookieName));
    /// ```
    pub fn build(self) -> Result<CookieSettings, ConfigError> {
        self.build_for(!cfg!(debug_assertions))
    }

    /// [`build`](Self::build) as in a release build (`release`) or a debug build.
    fn build_for(self, release: bool) -> Result<CookieSettings, ConfigError> {
        if release && self.dev_mode == DevMode::DebugBuilds {
            return Err(ConfigError::InsecureDevModeInRelease);
        }
        let dev_mode = self.dev_mode != DevMode::Off;
        let secure = !dev_mode;
        let name = self.name.unwrap_or_else(|| {
            if dev_mode {
                DEV_COOKIE_NAME.to_owned()
            } else {
                DEFAULT_COOKIE_NAME.to_owned()
            }
        });
        if name.is_empty() || name.len() > MAX_NAME_LEN || !name.bytes().all(is_token_byte) {
            return Err(ConfigError::CookieName);
        }
        if let Some(prefix) = name_prefix(&name) {
            if !secure {
                return Err(ConfigError::PrefixWithoutSecure { prefix });
            }
            if prefix == HOST_PREFIX {
                if self.domain.is_some() {
                    return Err(ConfigError::HostPrefixWithDomain);
                }
                if self.path != "/" {
                    return Err(ConfigError::HostPrefixWithPath);
                }
            }
        }
        if self.same_site == SameSite::None && !secure {
            return Err(ConfigError::SameSiteNoneWithoutSecure);
        }
        check_len("Path", &self.path)?;
        if !self.path.starts_with('/') || !self.path.bytes().all(is_attribute_byte) {
            return Err(ConfigError::CookiePath);
        }
        if let Some(domain) = &self.domain {
            check_len("Domain", domain)?;
            if !is_domain_with_dot(domain) {
                return Err(ConfigError::CookieDomain);
            }
        }
        if self.max_chunks == 0 || self.max_chunks > MAX_CHUNKS {
            return Err(ConfigError::ChunkCount {
                asked: self.max_chunks,
            });
        }
        Ok(CookieSettings {
            name: name.into(),
            path: self.path.into(),
            domain: self.domain.map(Into::into),
            secure,
            same_site: self.same_site,
            max_chunks: self.max_chunks,
            dev_mode,
        })
    }
}

/// A host name of at least two non-empty labels of letters, digits and `-` (one leading dot, the
/// old syntax browsers ignore, is allowed). `com` or `localhost` alone would hand the cookie to
/// every host under them, or be refused by browsers.
fn is_domain_with_dot(domain: &str) -> bool {
    let host = domain.strip_prefix('.').unwrap_or(domain);
    let labels_ok = host.split('.').all(|label| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    labels_ok && host.contains('.')
}

fn check_len(attribute: &'static str, value: &str) -> Result<(), ConfigError> {
    if value.len() > MAX_ATTRIBUTE_VALUE_LEN {
        return Err(ConfigError::CookieAttributeTooLong {
            attribute,
            len: value.len(),
            limit: MAX_ATTRIBUTE_VALUE_LEN,
        });
    }
    Ok(())
}

const HOST_PREFIX: &str = "__Host-";
const SECURE_PREFIX: &str = "__Secure-";

/// The `__Host-` or `__Secure-` prefix of a name (in its canonical spelling), matched without
/// regard to case as RFC 6265bis and current browsers do.
fn name_prefix(name: &str) -> Option<&'static str> {
    [HOST_PREFIX, SECURE_PREFIX].into_iter().find(|p| {
        name.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    })
}

/// RFC 9110 `tchar`: visible ASCII except separators.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// RFC 6265 `av-octet`: any CHAR except controls and `;`.
fn is_attribute_byte(b: u8) -> bool {
    (0x20..0x7f).contains(&b) && b != b';'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_secure() {
        let s = CookieSettings::builder().build().unwrap();
        assert_eq!(s, CookieSettings::default());
        assert_eq!(s.name(), "__Host-session");
        assert!(s.secure());
        assert_eq!((s.path(), s.domain()), ("/", None));
        assert_eq!(s.same_site(), SameSite::Lax);
        assert!(s.dev_mode_warning().is_none());
    }

    #[test]
    fn every_refusal() {
        let b = CookieSettings::builder;
        use ConfigError as E;
        assert_eq!(
            b().domain("a.example").build(),
            Err(E::HostPrefixWithDomain)
        );
        assert_eq!(
            b().name("__HOST-x").domain("a.example").build(),
            Err(E::HostPrefixWithDomain)
        );
        assert_eq!(b().path("/x").build(), Err(E::HostPrefixWithPath));
        assert_eq!(
            b().name("__secure-x")
                .insecure_plain_http_dev_mode_even_in_release_builds()
                .build(),
            Err(E::PrefixWithoutSecure {
                prefix: "__Secure-"
            })
        );
        assert_eq!(
            b().name("x")
                .insecure_plain_http_dev_mode_even_in_release_builds()
                .same_site(SameSite::None)
                .build(),
            Err(E::SameSiteNoneWithoutSecure)
        );
        assert_eq!(b().name("").build(), Err(E::CookieName));
        assert_eq!(b().name("a b").build(), Err(E::CookieName));
        assert_eq!(b().name("é").build(), Err(E::CookieName));
        assert_eq!(b().name("x".repeat(256)).build(), Err(E::CookieName));
        assert!(b().name("x".repeat(255)).build().is_ok());
        assert_eq!(b().name("x").path("app").build(), Err(E::CookiePath));
        assert_eq!(b().name("x").path("/a;b").build(), Err(E::CookiePath));
        assert_eq!(
            b().name("x").path(format!("/{}", "a".repeat(1024))).build(),
            Err(E::CookieAttributeTooLong {
                attribute: "Path",
                len: 1025,
                limit: 1024
            })
        );
        assert_eq!(b().name("x").domain("a b").build(), Err(E::CookieDomain));
        assert_eq!(b().chunks(0).build(), Err(E::ChunkCount { asked: 0 }));
        assert_eq!(b().chunks(17).build(), Err(E::ChunkCount { asked: 17 }));
    }

    #[test]
    fn a_domain_needs_a_dot() {
        let b = || CookieSettings::builder().name("__Secure-s");
        for bad in [
            "com",
            "localhost",
            ".com",
            "",
            "a..b",
            "example.com.",
            ".",
            "a.b c",
        ] {
            assert_eq!(
                b().domain(bad).build(),
                Err(ConfigError::CookieDomain),
                "{bad:?}"
            );
        }
        for good in ["example.com", ".example.com", "a-b.c9.example"] {
            assert!(b().domain(good).build().is_ok(), "{good:?}");
        }
    }

    #[test]
    fn the_dev_mode_is_refused_in_a_release_build_unless_allowed_by_name() {
        let dev = || CookieSettings::builder().insecure_plain_http_dev_mode();
        assert_eq!(
            dev().build_for(true),
            Err(ConfigError::InsecureDevModeInRelease)
        );
        assert!(dev().build_for(false).unwrap().dev_mode_warning().is_some());
        // Asked for by name: accepted in both, and the plain call cannot weaken that.
        let named = || {
            CookieSettings::builder()
                .insecure_plain_http_dev_mode_even_in_release_builds()
                .insecure_plain_http_dev_mode()
        };
        assert!(
            named()
                .build_for(true)
                .unwrap()
                .dev_mode_warning()
                .is_some()
        );
        assert!(
            named()
                .build_for(false)
                .unwrap()
                .dev_mode_warning()
                .is_some()
        );
        // Secure settings are the same in both.
        assert_eq!(
            CookieSettings::builder().build_for(true),
            CookieSettings::builder().build_for(false)
        );
    }

    #[test]
    fn secure_prefix_allows_domain_and_path() {
        let s = CookieSettings::builder()
            .name("__Secure-s")
            .domain("example.com")
            .path("/app")
            .same_site(SameSite::None)
            .build()
            .unwrap();
        assert!(s.secure());
    }

    #[test]
    fn dev_mode_drops_secure_and_prefix_together() {
        let s = CookieSettings::builder()
            .insecure_plain_http_dev_mode_even_in_release_builds()
            .build()
            .unwrap();
        assert_eq!(s.name(), "session");
        assert!(!s.secure());
        assert!(s.dev_mode_warning().unwrap().contains("never use this"));
    }

    #[test]
    fn config_builder_binds_purpose_and_size() {
        let s = CookieSettings::builder().chunks(3).build().unwrap();
        let c = s.config_builder().build().unwrap();
        assert_eq!(c.purpose(), "__Host-session");
        assert_eq!(c.max_token_len(), s.max_token_len());
        assert!(s.max_token_len() > 3 * 4000);
    }
}
