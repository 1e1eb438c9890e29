//! The HTTP cookie layer: settings with secure defaults, Set-Cookie rendering, reading from
//! `Cookie` headers, exact size accounting and chunking. No dependency beyond the core, so it is
//! always on; framework conversions live in `integrations`.

mod chunk; // splitting a token over cookies and putting it back
mod error; // settings, write, read and load errors
mod parse; // Cookie header bytes to our token
mod render; // Set-Cookie headers and removal cookies
mod session_cookie; // sealer + settings: load, issue, save, renew, reissue, remove
mod settings; // names, attributes, the development mode
mod size; // the browser limits, counted exactly

pub use error::{CookieError, CookieSettingsError, LoadError, ReadError, WriteError};
pub use parse::{Present, ReadCookies};
pub use render::{SetCookie, SetCookies};
pub use session_cookie::{Loaded, SessionCookie};
pub use settings::{
    CookieSettings, CookieSettingsBuilder, DEFAULT_COOKIE_NAME, DEV_COOKIE_NAME, SameSite,
};
pub use size::{MAX_ATTRIBUTE_VALUE_LEN, MAX_CHUNKS, MAX_NAME_VALUE_LEN};
