//! The request's session, shared by every middleware (the tower layer, the actix-web
//! middleware): opened once per request, written by the handler through one verb per operation,
//! and the one decision taken after a handler that did not write (renew when due, remove what is
//! dead or past its absolute deadline). Framework-neutral: the adapters only read the `Cookie`
//! headers into a [`ReadCookies`] and append what [`SessionHandle::finish`] returns.

use core::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use serde::de::DeserializeOwned;

use zeroize::Zeroize as _;

use crate::cookie_layer::{LoadError, ReadCookies, ReadRef, SessionCookie, SetCookies};
use crate::error::SealError;
use crate::session::{SessionMeta, SessionOptions};

/// What a handler writes, recorded for the middleware.
enum Written {
    /// The handler did not write: the middleware decides.
    Nothing,
    /// The handler's cookies: sent as they are.
    Cookies(SetCookies),
}

/// Payloads up to this many bytes are kept inside the handle's own allocation.
const INLINE_PAYLOAD: usize = 256;

/// The open session's authenticated payload bytes, kept for the extractor's decoding and the
/// middleware's own renewal: inline up to [`INLINE_PAYLOAD`] bytes (no allocation of their own),
/// on the heap beyond. Plaintext: wiped when the request's handle goes.
#[allow(
    clippy::large_enum_variant,
    reason = "the inline variant is the point: it lives in the handle's one allocation"
)]
enum Payload {
    Inline {
        len: usize,
        bytes: [u8; INLINE_PAYLOAD],
    },
    Heap(Vec<u8>),
}

impl Payload {
    const fn empty() -> Self {
        Self::Inline {
            len: 0,
            bytes: [0u8; INLINE_PAYLOAD],
        }
    }

    /// Keeps a copy of `payload` (the handle holds one payload, set once: an empty one before).
    fn set(&mut self, payload: &[u8]) {
        match self {
            Self::Inline { len, bytes } => match bytes.get_mut(..payload.len()) {
                Some(inline) => {
                    inline.copy_from_slice(payload);
                    *len = payload.len();
                }
                None => *self = Self::Heap(payload.to_vec()),
            },
            Self::Heap(bytes) => {
                bytes.zeroize();
                bytes.clear();
                bytes.extend_from_slice(payload);
            }
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Inline { len, bytes } => bytes.get(..*len).unwrap_or_default(),
            Self::Heap(bytes) => bytes,
        }
    }
}

impl Drop for Payload {
    fn drop(&mut self) {
        match self {
            Self::Inline { len, bytes } => {
                if let Some(used) = bytes.get_mut(..*len) {
                    used.zeroize();
                }
            }
            Self::Heap(bytes) => bytes.zeroize(),
        }
    }
}

struct State {
    cookies: SessionCookie,
    /// Which of our cookies the request carried (the token itself is not kept: it was opened
    /// from the request's headers at once).
    read: ReadCookies,
    /// The open session's metadata; its payload is `payload`.
    loaded: Result<Option<SessionMeta>, LoadError>,
    /// The open session's payload bytes (empty when none opened).
    payload: Payload,
    written: Written,
}

/// The request's session, opened once by the session middleware (the tower
/// [`SessionLayer`](crate::tower::SessionLayer) or the actix
/// [`SessionMiddleware`](crate::actix::SessionMiddleware)) and found in the request's extensions
/// (axum: `Extension<SessionHandle>`, actix: `web::ReqData<SessionHandle>`). Clones share it.
/// Reading never fails; writing records the cookies the response will carry (the last write
/// wins), and the middleware then leaves the session alone. A write made after the handler's
/// response has gone through the middleware (from a task the handler spawned) is not sent.
///
/// # Example
/// ```
/// # #[cfg(feature = "tower")] use sealed_session::tower::SessionHandle;
/// # #[cfg(not(feature = "tower"))] use sealed_session::actix::SessionHandle;
/// fn user(handle: &SessionHandle) -> Option<String> {
///     handle.get::<String>().ok().flatten()
/// }
/// ```
#[derive(Clone)]
pub struct SessionHandle(Arc<Mutex<State>>);

impl fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("SessionHandle")
            .field("open", &matches!(state.loaded, Ok(Some(_))))
            .field("error", &state.loaded.as_ref().err())
            .field("written", &matches!(state.written, Written::Cookies(_)))
            .finish_non_exhaustive()
    }
}

impl SessionHandle {
    /// Opens the session the request's cookies carry: once per request, by the middleware,
    /// while the token is still borrowed from the request's headers.
    pub(crate) fn open(cookies: &SessionCookie, read: &ReadRef<'_>) -> Self {
        let handle = Self(Arc::new(Mutex::new(State {
            cookies: cookies.clone(),
            read: read.presence(),
            loaded: Ok(None),
            payload: Payload::empty(),
            written: Written::Nothing,
        })));
        {
            // The payload is copied once, straight into the handle's own allocation.
            let mut guard = handle.lock();
            let state = &mut *guard;
            let payload = &mut state.payload;
            state.loaded = cookies
                .open_bytes(read.token(), |bytes| payload.set(bytes))
                .map(|opened| opened.map(|o| o.meta));
        }
        handle
    }

    /// The state; a panic in another holder of the lock leaves it usable (every update is one
    /// assignment).
    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The session value decoded as `T`: `Ok(None)` if the request carried no session.
    ///
    /// # Errors
    /// Why the session cookies that came gave no session, or
    /// [`OpenError::Payload`](crate::OpenError::Payload) if the payload is not a `T`. Either means "no session".
    ///
    /// # Example
    /// ```
    /// # #[cfg(feature = "tower")] use sealed_session::tower::SessionHandle;
    /// # #[cfg(not(feature = "tower"))] use sealed_session::actix::SessionHandle;
    /// fn user(handle: &SessionHandle) -> String {
    ///     handle.get::<String>().ok().flatten().unwrap_or_else(|| "anonymous".into())
    /// }
    /// ```
    pub fn get<T: DeserializeOwned>(&self) -> Result<Option<T>, LoadError> {
        let state = self.lock();
        match &state.loaded {
            Ok(Some(_)) => crate::payload::decode::<T>(state.payload.as_bytes())
                .map(Some)
                .map_err(LoadError::Open),
            Ok(None) => Ok(None),
            Err(e) => Err(*e),
        }
    }

    /// The open session's metadata (deadlines, renewal hint, session id).
    ///
    /// # Example
    /// ```
    /// # #[cfg(feature = "tower")] use sealed_session::tower::SessionHandle;
    /// # #[cfg(not(feature = "tower"))] use sealed_session::actix::SessionHandle;
    /// fn persistent(handle: &SessionHandle) -> bool {
    ///     handle.meta().is_some_and(|m| m.is_persistent())
    /// }
    /// ```
    #[must_use]
    pub fn meta(&self) -> Option<SessionMeta> {
        match &self.lock().loaded {
            Ok(Some(meta)) => Some(*meta),
            _ => None,
        }
    }

    /// Starts a new session (login): fresh start and id, so nothing of a session the client had
    /// before carries over; stale cookies are removed.
    ///
    /// # Errors
    /// A [`SealError`]; nothing is sent then, and the middleware leaves the session as it was.
    ///
    /// # Example
    /// ```
    /// # #[cfg(feature = "tower")] use sealed_session::tower::SessionHandle;
    /// # #[cfg(not(feature = "tower"))] use sealed_session::actix::SessionHandle;
    /// use sealed_session::{SealError, SessionOptions};
    /// fn login(handle: &SessionHandle, user: &str, remember: bool) -> Result<(), SealError> {
    ///     handle.seal(&user, &SessionOptions::default().persistent(remember))
    /// }
    /// ```
    pub fn seal<T: Serialize + ?Sized>(
        &self,
        value: &T,
        options: &SessionOptions,
    ) -> Result<(), SealError> {
        let mut state = self.lock();
        let set = state.cookies.seal(&state.read, value, options)?;
        state.written = Written::Cookies(set);
        Ok(())
    }

    /// Stores `value` in the open session (same start and deadlines, new idle deadline).
    ///
    /// # Errors
    /// [`SealError::NoSession`] if no session is open (a write never starts one: use
    /// [`SessionHandle::seal`]), or another [`SealError`].
    ///
    /// # Example
    /// ```
    /// # #[cfg(feature = "tower")] use sealed_session::tower::SessionHandle;
    /// # #[cfg(not(feature = "tower"))] use sealed_session::actix::SessionHandle;
    /// fn bump(handle: &SessionHandle) -> Result<(), sealed_session::SealError> {
    ///     let count = handle.get::<u32>().ok().flatten().unwrap_or(0);
    ///     handle.renew(&(count + 1))
    /// }
    /// ```
    pub fn renew<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), SealError> {
        self.write_open(|cookies, read, meta| cookies.renew(read, value, meta))
    }

    /// Starts a fresh session from the open one after a privilege change (new start and id, same
    /// profile and generation).
    ///
    /// # Errors
    /// [`SealError::NoSession`] if no session is open, or another [`SealError`].
    ///
    /// # Example
    /// ```
    /// # #[cfg(feature = "tower")] use sealed_session::tower::SessionHandle;
    /// # #[cfg(not(feature = "tower"))] use sealed_session::actix::SessionHandle;
    /// fn promote(handle: &SessionHandle, user: &str) -> Result<(), sealed_session::SealError> {
    ///     handle.reissue(&(user, true))
    /// }
    /// ```
    pub fn reissue<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), SealError> {
        self.write_open(|cookies, read, meta| cookies.reissue(read, value, meta))
    }

    /// Ends the session (logout): removal cookies matching the live cookie's name, Path, Domain
    /// and flags.
    ///
    /// # Example
    /// ```
    /// # #[cfg(feature = "tower")] use sealed_session::tower::SessionHandle;
    /// # #[cfg(not(feature = "tower"))] use sealed_session::actix::SessionHandle;
    /// fn logout(handle: &SessionHandle) {
    ///     handle.remove();
    /// }
    /// ```
    pub fn remove(&self) {
        let mut state = self.lock();
        let set = state.cookies.remove(&state.read);
        state.written = Written::Cookies(set);
    }

    /// Marks the payload as not the handler's type: no session, and the middleware removes the cookie
    /// instead of renewing it.
    #[cfg(any(feature = "axum", feature = "actix-web"))]
    pub(crate) fn refuse_payload(&self, error: LoadError) {
        let mut state = self.lock();
        if state.loaded.is_ok() {
            state.loaded = Err(error);
        }
    }

    fn write_open(
        &self,
        write: impl FnOnce(&SessionCookie, &ReadCookies, &SessionMeta) -> Result<SetCookies, SealError>,
    ) -> Result<(), SealError> {
        let mut state = self.lock();
        let Ok(Some(meta)) = &state.loaded else {
            return Err(SealError::NoSession);
        };
        let set = write(&state.cookies, &state.read, meta)?;
        state.written = Written::Cookies(set);
        Ok(())
    }

    /// The cookies the response carries: the handler's, or what the middleware decides. Called
    /// once per request, after the handler.
    pub(crate) fn finish(&self) -> SetCookies {
        let mut state = self.lock();
        match core::mem::replace(&mut state.written, Written::Nothing) {
            Written::Cookies(set) => set,
            Written::Nothing => automatic(&state),
        }
    }
}

/// After a handler that did not write: renew when due, remove what gave no session or is past
/// its absolute deadline. Never an error: a renewal that fails leaves the cookie as it was.
fn automatic(state: &State) -> SetCookies {
    let cookies = &state.cookies;
    match &state.loaded {
        Ok(None) => SetCookies::default(),
        Err(_) => cookies.cleanup(&state.read),
        Ok(Some(meta)) => {
            // Decided at the instant the session was opened, as `renewal_due` was: no second
            // clock read. (A clock before 1970 opens at unix 0, never past a deadline; it cannot
            // renew either, so the cookie stays as it is. The deadline in unix seconds, as the
            // token carries it: no calendar arithmetic per request.)
            if meta.opened_at_secs >= meta.absolute_deadline_secs {
                return cookies.remove(&state.read);
            }
            if !meta.renewal_due() {
                return SetCookies::default();
            }
            match cookies.renew_bytes(&state.read, state.payload.as_bytes(), meta) {
                Ok(set) => set,
                Err(SealError::Expired) => cookies.remove(&state.read),
                Err(_) => SetCookies::default(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CookieSettings, Keyring, MasterKey, Sealer};

    fn handle(cookie: &str) -> SessionHandle {
        let settings = CookieSettings::default();
        let config = settings.config_builder().build().unwrap();
        let sealer = Sealer::new(Keyring::new(1, MasterKey::generate().unwrap()), config)
            .with_clock(crate::ManualClock::at(
                time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
            ));
        let cookies = SessionCookie::new(sealer, settings).unwrap();
        let read = cookies.settings().read_ref([cookie.as_bytes()]);
        SessionHandle::open(&cookies, &read)
    }

    #[test]
    fn writes_without_an_open_session_start_none() {
        for cookie in ["theme=dark", "__Host-session=junk"] {
            let h = handle(cookie);
            assert_eq!(h.renew(&1u8), Err(SealError::NoSession));
            assert_eq!(h.reissue(&1u8), Err(SealError::NoSession));
            assert!(h.meta().is_none());
            // Nothing was written: the middleware decides (here: remove the junk, or nothing).
            let sent = h.finish();
            assert!(sent.iter().all(crate::SetCookie::is_removal), "{sent:?}");
        }
    }

    #[test]
    fn a_value_outside_the_token_alphabet_is_refused_before_any_open() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        struct Opens(AtomicUsize);
        impl crate::Observer for Opens {
            fn event(&self, event: &crate::Event) {
                if matches!(event, crate::Event::Open { .. }) {
                    self.0.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        let settings = CookieSettings::default();
        let config = settings.config_builder().build().unwrap();
        let sealer = Sealer::new(Keyring::new(1, MasterKey::generate().unwrap()), config)
            .with_clock(crate::ManualClock::at(
                time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
            ));
        let opens = Arc::new(Opens(AtomicUsize::new(0)));
        sealer.set_observer(Some(opens.clone()));
        let cookies = SessionCookie::new(sealer, settings).unwrap();
        let open = |cookie: &str| {
            let read = cookies.settings().read_ref([cookie.as_bytes()]);
            SessionHandle::open(&cookies, &read).get::<u8>()
        };
        // Outside the alphabet: the cookie layer's refusal, as `CookieSettings::read` gives it;
        // the observer hears of no open.
        for value in ["QUJD*", "QU=D", "Q\u{e9}JD", "QUJD.A"] {
            let header = format!("__Host-session={value}");
            assert_eq!(open(&header), Err(LoadError::Malformed), "{value}");
            assert_eq!(
                cookies.settings().read([header.as_bytes()]).token(),
                Err(LoadError::Malformed)
            );
        }
        assert_eq!(opens.0.load(Ordering::Relaxed), 0);
        // In the alphabet but no token: the sealer's refusal, told to the observer.
        assert!(matches!(
            open("__Host-session=QUJD"),
            Err(LoadError::Open(crate::OpenError::UnsupportedVersion { .. }))
        ));
        assert_eq!(opens.0.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn the_last_write_wins_and_is_sent_once() {
        let h = handle("theme=dark");
        h.seal(&"alice", &SessionOptions::default()).unwrap();
        h.remove();
        let sent = h.finish();
        assert_eq!(sent.iter().len(), 1);
        assert!(sent.iter().all(crate::SetCookie::is_removal));
        // After the response, nothing is left to send.
        assert!(h.finish().iter().len() == 0);
    }
}
