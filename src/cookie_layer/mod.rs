//! The HTTP cookie layer: settings with secure defaults, Set-Cookie rendering, reading from
//! `Cookie` headers, exact size accounting and chunking, and the sealer bound to all of it. No
//! dependency beyond the core, so it is always on; framework adapters live in `integrations`.
//!
//! Imports run one way: `size` <- `chunk` <- `parse`, `render` <- `session_cookie`; `error` and
//! `settings` are below them all.

mod chunk; // the chunk wire format and every length that follows from it
mod error; // why a request carried no usable session
mod parse; // Cookie header bytes to our token
mod render; // Set-Cookie headers and removal cookies
mod session_cookie; // the sealer bound to the settings: open, seal, renew, reissue, remove
mod settings; // names, attributes, the development mode
mod size; // the browser limits

pub use chunk::MAX_CHUNKS;
pub use error::LoadError;
pub use parse::ReadCookies;
#[cfg(any(feature = "tower", feature = "actix-web"))]
pub(crate) use parse::ReadRef;
pub use render::{SetCookie, SetCookies, SetCookiesIntoIter};
pub use session_cookie::SessionCookie;
pub use settings::{
    CookieSettings, CookieSettingsBuilder, DEFAULT_COOKIE_NAME, DEV_COOKIE_NAME, SameSite,
};
pub use size::{MAX_ATTRIBUTE_VALUE_LEN, MAX_NAME_VALUE_LEN};
