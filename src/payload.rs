//! Decoding the authenticated postcard payload into the caller's type.
//!
//! Kept apart from the sealer so that the fuzzing hook (`cfg(fuzzing)`) decodes exactly as `open`
//! does.

use serde::de::DeserializeOwned;

use crate::error::OpenError;

/// Decodes the whole of `payload` as one `T`; trailing bytes are an error.
pub(crate) fn decode<T: DeserializeOwned>(payload: &[u8]) -> Result<T, OpenError> {
    let (value, rest) = postcard::take_from_bytes::<T>(payload).map_err(|_| OpenError::Payload)?;
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(OpenError::Payload)
    }
}
