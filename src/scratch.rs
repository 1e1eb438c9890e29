//! A per-thread scratch buffer for the raw token bytes, so that seal and open allocate nothing in
//! the steady state. It holds plaintext sessions, so no copy of its contents is ever freed
//! unwiped: the whole allocation is wiped after every use, on error returns and while unwinding
//! from a panic (the application's `Serialize` or `Deserialize` may panic), and it grows only
//! through [`reserve`], which wipes the old allocation before freeing it.

use std::cell::RefCell;

use serde::Serialize;
use zeroize::Zeroize as _;

/// Buffers that grew past this are released (wiped) after use rather than kept per thread.
const KEEP_CAPACITY: usize = 64 * 1024;

/// The smallest allocation [`reserve`] makes, so a fresh buffer does not grow in tiny steps.
const MIN_CAPACITY: usize = 256;

/// Room [`reserve`] adds beyond a write larger than the buffer's doubling (a long payload
/// written at once), so the AEAD tag that follows fits without doubling the buffer again (which
/// made a 3 KB token's buffer 6 KB, wiped in full after every seal and open).
const GROW_SLACK: usize = 64;

/// [`extend_zeros`] writes zeros this many bytes at a time (whole vector stores, inline).
const WIPE_CHUNK: usize = 256;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A buffer wiped (all of its capacity) when dropped, including during unwinding.
struct WipeOnDrop(Vec<u8>);

impl Drop for WipeOnDrop {
    fn drop(&mut self) {
        // Empty and unallocated after every normal return (the buffer went back to the thread).
        if self.0.capacity() != 0 {
            self.0.zeroize();
        }
    }
}

/// Runs `f` with an empty scratch buffer. The thread's buffer is taken out for the call and put
/// back after, so a re-entrant call (or one during thread teardown) just gets a fresh buffer.
/// Whatever `f` leaves in it (on success, on error or by panicking) is wiped. `f` must grow the
/// buffer only with [`reserve`] (or [`serialize_into`]) while it holds secrets: `Vec`'s own growth
/// frees the old allocation unwiped.
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    let kept = SCRATCH
        .try_with(|cell| {
            cell.try_borrow_mut()
                .map(|mut kept| std::mem::take(&mut *kept))
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let mut guard = WipeOnDrop(kept);
    guard.0.clear();
    let result = f(&mut guard.0);
    wipe(&mut guard.0);
    let buf = std::mem::take(&mut guard.0);
    if buf.capacity() <= KEEP_CAPACITY {
        let _ = SCRATCH.try_with(|cell| {
            if let Ok(mut kept) = cell.try_borrow_mut()
                && kept.capacity() < buf.capacity()
            {
                // The buffer replaced here was wiped when it was last put back.
                *kept = buf;
            }
        });
    }
    result
}

/// Makes room for `additional` more bytes without leaving the current contents in freed memory:
/// a larger buffer is allocated, the contents copied into it, and the old buffer wiped before it
/// is freed. The check is inlined (postcard appends a byte at a time); the growth is not.
#[inline]
pub(crate) fn reserve(buf: &mut Vec<u8>, additional: usize) {
    if additional > buf.capacity().saturating_sub(buf.len()) {
        grow(buf, additional);
    }
}

/// The growth of [`reserve`], out of line.
#[cold]
#[inline(never)]
fn grow(buf: &mut Vec<u8>, additional: usize) {
    let needed = buf.len().saturating_add(additional);
    let capacity = needed
        .saturating_add(GROW_SLACK)
        .max(buf.capacity().saturating_mul(2))
        .max(MIN_CAPACITY);
    let mut grown = Vec::with_capacity(capacity);
    grown.extend_from_slice(buf);
    buf.zeroize();
    *buf = grown;
}

/// Overwrites the whole allocation (length and spare capacity) with zeros and leaves the buffer
/// empty, with [`extend_zeros`] instead of `zeroize`'s byte-by-byte volatile writes (a 256-byte
/// buffer took 256 single-byte stores on every seal and open): the zeros are handed to an
/// optimisation barrier, so the compiler must assume they are read and cannot drop the writes.
/// Buffers that are freed go through `zeroize` (`WipeOnDrop`, [`grow`]).
fn wipe(buf: &mut Vec<u8>) {
    buf.clear();
    extend_zeros(buf, buf.capacity());
    core::hint::black_box(buf.as_mut_slice());
    buf.clear();
}

/// Appends `n` zero bytes in whole 256-byte blocks of vector stores, then the rest: no `memset`
/// call, whose `rep stosb` path above 2 KB callgrind counts as one instruction per byte (the
/// counts `scripts/instructions` compares are then about the data size, not the work).
pub(crate) fn extend_zeros(buf: &mut Vec<u8>, n: usize) {
    let end = buf.len().saturating_add(n);
    buf.reserve(n);
    while end.saturating_sub(buf.len()) >= WIPE_CHUNK {
        buf.extend_from_slice(&[0; WIPE_CHUNK]);
    }
    buf.resize(end, 0);
}

/// Appends the postcard encoding of `value` to `buf`, growing it with [`reserve`]. On error `buf`
/// keeps what was written so far (wiped with the scratch buffer).
pub(crate) fn serialize_into<T: Serialize + ?Sized>(
    value: &T,
    buf: &mut Vec<u8>,
) -> Result<(), postcard::Error> {
    postcard::serialize_with_flavor(value, Appender(buf))
}

/// A postcard output that appends through [`reserve`].
struct Appender<'a>(&'a mut Vec<u8>);

impl postcard::ser_flavors::Flavor for Appender<'_> {
    type Output = ();

    #[inline]
    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        reserve(self.0, data.len());
        self.0.extend_from_slice(data);
        Ok(())
    }

    #[inline]
    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        reserve(self.0, 1);
        self.0.push(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_and_wipes() {
        let cap = with_scratch(|b| {
            reserve(b, 100);
            b.extend_from_slice(&[1; 100]);
            b.capacity()
        });
        with_scratch(|b| {
            assert!(b.is_empty());
            assert_eq!(b.capacity(), cap);
        });
    }

    #[test]
    fn reentrant_use_gets_its_own_buffer() {
        with_scratch(|outer| {
            outer.push(1);
            with_scratch(|inner| {
                assert!(inner.is_empty());
                inner.push(2);
            });
            assert_eq!(outer, &[1]);
        });
    }

    #[test]
    fn reserve_keeps_the_contents_and_makes_room() {
        let mut buf = vec![7u8; 10];
        reserve(&mut buf, 1000);
        assert_eq!(buf, [7; 10]);
        assert!(buf.capacity() >= 1010);
        let cap = buf.capacity();
        reserve(&mut buf, 5);
        assert_eq!(buf.capacity(), cap, "no growth when the room is there");
        let mut empty = Vec::new();
        reserve(&mut empty, 1);
        assert!(empty.capacity() >= MIN_CAPACITY);
    }

    #[test]
    fn serialize_into_matches_postcard_and_appends() {
        let value = (
            7u32,
            "a session value that is longer than a few bytes".repeat(20),
        );
        let mut buf = vec![1, 2, 3];
        serialize_into(&value, &mut buf).unwrap();
        let mut expected = vec![1, 2, 3];
        expected.extend_from_slice(&postcard::to_allocvec(&value).unwrap());
        assert_eq!(buf, expected);
    }

    #[test]
    fn a_panic_inside_leaves_the_next_use_working() {
        let panicked = std::panic::catch_unwind(|| {
            with_scratch(|b| {
                b.push(9);
                panic!("the application's Serialize panicked");
            })
        });
        assert!(panicked.is_err());
        with_scratch(|b| assert!(b.is_empty()));
    }
}
