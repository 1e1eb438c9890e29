//! Cookie settings with secure defaults, checked once when built: the name and its prefix, Path,
//! Domain, Secure, HttpOnly, SameSite and the chunk limit.

use core::fmt;

use crate::config::ConfigBuilder;
use crate::cookie::error::CookieSettingsError;
use crate::cookie::size::{self, MAX_ATTRIBUTE_VALUE_LEN, MAX_CHUNKS};
use crate::session::SessionOptions;
use crate::{Config, Sealer};

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
/// # Ok::<(), sealed_session::CookieSettingsError>(())
/// ```
pub const DEV_COOKIE_NAME: &str = "session";

/// The longest cookie name accepted: the same as the longest [`Config`] purpose, so the
/// recommended purpose (the cookie name) always fits.
const MAX_NAME_LEN: usize = 255;

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
/// assert_eq!(s.same_site(), SameSite::Strict);
/// assert_eq!(SameSite::Lax.to_string(), "Lax");
/// # Ok::<(), sealed_session::CookieSettingsError>(())
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

impl fmt::Display for SameSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Strict => "Strict",
            Self::Lax => "Lax",
            Self::None => "None",
        })
    }
}

/// How the session cookie is named, scoped and flagged. Build with [`CookieSettings::builder`] or
/// take [`CookieSettings::default`]: `__Host-session`, `Secure`, `HttpOnly`, `SameSite=Lax`,
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
/// assert!(settings.secure() && settings.http_only());
/// let config = settings.config_builder().build()?;
/// assert_eq!(config.purpose(), "__Host-session");
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), config);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CookieSettings {
    name: String,
    path: String,
    domain: Option<String>,
    secure: bool,
    same_site: SameSite,
    max_chunks: u8,
    dev_mode: bool,
}

impl Default for CookieSettings {
    fn default() -> Self {
        Self {
            name: DEFAULT_COOKIE_NAME.to_owned(),
            path: "/".to_owned(),
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
    /// # Ok::<(), sealed_session::CookieSettingsError>(())
    /// ```
    pub fn builder() -> CookieSettingsBuilder {
        CookieSettingsBuilder {
            name: None,
            path: "/".to_owned(),
            domain: None,
            same_site: SameSite::Lax,
            max_chunks: 1,
            dev_mode: false,
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
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::CookieSettings::default().path(), "/");
    /// ```
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The `Domain` attribute, if any (none: the cookie is host-only).
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::CookieSettings::default().domain(), None);
    /// ```
    #[must_use]
    pub fn domain(&self) -> Option<&str> {
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

    /// Whether the cookie is `HttpOnly`: always, since scripts have no use for a sealed token and
    /// XSS should not be able to read it.
    ///
    /// # Example
    /// ```
    /// assert!(sealed_session::CookieSettings::default().http_only());
    /// ```
    #[must_use]
    pub fn http_only(&self) -> bool {
        true
    }

    /// The `SameSite` attribute.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{CookieSettings, SameSite};
    /// assert_eq!(CookieSettings::default().same_site(), SameSite::Lax);
    /// ```
    #[must_use]
    pub fn same_site(&self) -> SameSite {
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

    /// Whether these are the insecure plain-http development settings.
    ///
    /// # Example
    /// ```
    /// use sealed_session::CookieSettings;
    /// assert!(!CookieSettings::default().is_insecure_dev_mode());
    /// let dev = CookieSettings::builder().insecure_plain_http_dev_mode().build()?;
    /// assert!(dev.is_insecure_dev_mode());
    /// # Ok::<(), sealed_session::CookieSettingsError>(())
    /// ```
    #[must_use]
    pub fn is_insecure_dev_mode(&self) -> bool {
        self.dev_mode
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
    /// # Ok::<(), sealed_session::CookieSettingsError>(())
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
        size::token_room(self.name.len(), self.max_chunks)
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
            .purpose(self.name.as_str())
            .max_token_len(self.max_token_len())
    }

    /// The largest session payload (postcard bytes) that always fits these cookie settings when
    /// sealed by `sealer` with `options`: the smaller of the cookie room and the sealer's own
    /// maximum token length decides.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{CookieSettings, Keyring, MasterKey, Sealer, SessionOptions};
    /// let settings = CookieSettings::default();
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?);
    /// let n = settings.max_payload_len(&sealer, &SessionOptions::default());
    /// assert!(sealer.sealed_len(n, &SessionOptions::default()) <= 4082);
    /// assert!(sealer.sealed_len(n + 1, &SessionOptions::default()) > 4082);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_payload_len(&self, sealer: &Sealer, options: &SessionOptions) -> usize {
        let room = self.max_token_len().min(sealer.config().max_token_len());
        sealer.payload_room(room, options).unwrap_or(0)
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
/// assert_eq!(s.domain(), Some("example.com"));
/// # Ok::<(), sealed_session::CookieSettingsError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct CookieSettingsBuilder {
    name: Option<String>,
    path: String,
    domain: Option<String>,
    same_site: SameSite,
    max_chunks: u8,
    dev_mode: bool,
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
    /// # Ok::<(), sealed_session::CookieSettingsError>(())
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
    /// assert_eq!(s.path(), "/app");
    /// # Ok::<(), sealed_session::CookieSettingsError>(())
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
    /// assert_eq!(s.domain(), Some("example.com"));
    /// # Ok::<(), sealed_session::CookieSettingsError>(())
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
    /// assert_eq!(s.same_site(), SameSite::None);
    /// # Ok::<(), sealed_session::CookieSettingsError>(())
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
    /// # Ok::<(), sealed_session::CookieSettingsError>(())
    /// ```
    pub fn chunks(mut self, max: u8) -> Self {
        self.max_chunks = max;
        self
    }

    /// INSECURE: for plain-http development on localhost only. Drops `Secure` and, with it, the
    /// `__Host-` prefix (the default name becomes `session`); a name set explicitly must then have
    /// no `__Host-`/`__Secure-` prefix. Print [`CookieSettings::dev_mode_warning`] at startup.
    /// Note that browsers keep `Secure` cookies from `http://localhost` anyway; this mode is for
    /// other host names on plain http.
    ///
    /// # Example
    /// ```
    /// let dev = sealed_session::CookieSettings::builder().insecure_plain_http_dev_mode().build()?;
    /// assert_eq!((dev.name(), dev.secure()), ("session", false));
    /// # Ok::<(), sealed_session::CookieSettingsError>(())
    /// ```
    pub fn insecure_plain_http_dev_mode(mut self) -> Self {
        self.dev_mode = true;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// A [`CookieSettingsError`] for a combination that browsers drop silently (a `__Host-` name
    /// with a Domain, another Path or without Secure; `SameSite=None` without Secure), an invalid
    /// name, path or domain, an attribute over 1024 bytes, or a chunk count out of range.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{CookieSettings, CookieSettingsError, SameSite};
    /// let b = CookieSettings::builder;
    /// assert_eq!(b().path("/app").build(), Err(CookieSettingsError::HostPrefixWithPath));
    /// assert_eq!(
    ///     b().insecure_plain_http_dev_mode().same_site(SameSite::None).build(),
    ///     Err(CookieSettingsError::SameSiteNoneWithoutSecure)
    /// );
    /// assert!(matches!(
    ///     b().name("__Host-x").insecure_plain_http_dev_mode().build(),
    ///     Err(CookieSettingsError::PrefixWithoutSecure { .. })
    /// ));
    /// assert_eq!(b().name("a;b").build(), Err(CookieSettingsError::InvalidName));
    /// ```
    pub fn build(self) -> Result<CookieSettings, CookieSettingsError> {
        let secure = !self.dev_mode;
        let name = self.name.unwrap_or_else(|| {
            if self.dev_mode {
                DEV_COOKIE_NAME.to_owned()
            } else {
                DEFAULT_COOKIE_NAME.to_owned()
            }
        });
        if name.is_empty() || name.len() > MAX_NAME_LEN || !name.bytes().all(is_token_byte) {
            return Err(CookieSettingsError::InvalidName);
        }
        let prefix = name_prefix(&name);
        if let Some(prefix) = prefix {
            if !secure {
                return Err(CookieSettingsError::PrefixWithoutSecure {
                    prefix: prefix.to_owned(),
                });
            }
            if prefix.eq_ignore_ascii_case("__Host-") {
                if self.domain.is_some() {
                    return Err(CookieSettingsError::HostPrefixWithDomain);
                }
                if self.path != "/" {
                    return Err(CookieSettingsError::HostPrefixWithPath);
                }
            }
        }
        if self.same_site == SameSite::None && !secure {
            return Err(CookieSettingsError::SameSiteNoneWithoutSecure);
        }
        check_len("Path", &self.path)?;
        if !self.path.starts_with('/') || !self.path.bytes().all(is_attribute_byte) {
            return Err(CookieSettingsError::InvalidPath);
        }
        if let Some(domain) = &self.domain {
            check_len("Domain", domain)?;
            let ok = !domain.is_empty()
                && domain
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
            if !ok {
                return Err(CookieSettingsError::InvalidDomain);
            }
        }
        if self.max_chunks == 0 || self.max_chunks > MAX_CHUNKS {
            return Err(CookieSettingsError::ChunkCount {
                asked: self.max_chunks,
            });
        }
        Ok(CookieSettings {
            name,
            path: self.path,
            domain: self.domain,
            secure,
            same_site: self.same_site,
            max_chunks: self.max_chunks,
            dev_mode: self.dev_mode,
        })
    }
}

fn check_len(attribute: &'static str, value: &str) -> Result<(), CookieSettingsError> {
    if value.len() > MAX_ATTRIBUTE_VALUE_LEN {
        return Err(CookieSettingsError::AttributeTooLong {
            attribute,
            len: value.len(),
            limit: MAX_ATTRIBUTE_VALUE_LEN,
        });
    }
    Ok(())
}

/// The `__Host-` or `__Secure-` prefix of a name, matched without regard to case as RFC 6265bis
/// and current browsers do.
fn name_prefix(name: &str) -> Option<&str> {
    ["__Host-", "__Secure-"].into_iter().find_map(|p| {
        name.get(..p.len())
            .filter(|head| head.eq_ignore_ascii_case(p))
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
        assert!(s.secure() && s.http_only());
        assert_eq!((s.path(), s.domain()), ("/", None));
        assert_eq!(s.same_site(), SameSite::Lax);
        assert!(!s.is_insecure_dev_mode());
    }

    #[test]
    fn every_refusal() {
        let b = CookieSettings::builder;
        use CookieSettingsError as E;
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
            b().name("__Secure-x")
                .insecure_plain_http_dev_mode()
                .build(),
            Err(E::PrefixWithoutSecure {
                prefix: "__Secure-".into()
            })
        );
        assert_eq!(
            b().name("x")
                .insecure_plain_http_dev_mode()
                .same_site(SameSite::None)
                .build(),
            Err(E::SameSiteNoneWithoutSecure)
        );
        assert_eq!(b().name("").build(), Err(E::InvalidName));
        assert_eq!(b().name("a b").build(), Err(E::InvalidName));
        assert_eq!(b().name("é").build(), Err(E::InvalidName));
        assert_eq!(b().name("x".repeat(256)).build(), Err(E::InvalidName));
        assert_eq!(b().name("x").path("app").build(), Err(E::InvalidPath));
        assert_eq!(b().name("x").path("/a;b").build(), Err(E::InvalidPath));
        assert_eq!(
            b().name("x").path(format!("/{}", "a".repeat(1024))).build(),
            Err(E::AttributeTooLong {
                attribute: "Path",
                len: 1025,
                limit: 1024
            })
        );
        assert_eq!(b().name("x").domain("a b").build(), Err(E::InvalidDomain));
        assert_eq!(b().chunks(0).build(), Err(E::ChunkCount { asked: 0 }));
        assert_eq!(b().chunks(17).build(), Err(E::ChunkCount { asked: 17 }));
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
            .insecure_plain_http_dev_mode()
            .build()
            .unwrap();
        assert_eq!(s.name(), "session");
        assert!(!s.secure());
        assert!(s.http_only());
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
