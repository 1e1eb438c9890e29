//! A per-thread scratch buffer for the raw token bytes, so that seal and open allocate nothing in
//! the steady state. Its contents (plaintext sessions) are wiped after every use.

use std::cell::RefCell;

use zeroize::Zeroize as _;

/// Buffers that grew past this are released after use rather than kept per thread.
const KEEP_CAPACITY: usize = 64 * 1024;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with an empty scratch buffer. The thread's buffer is taken out for the call and put
/// back after, so a re-entrant call (or one during thread teardown) just gets a fresh buffer.
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    let mut buf = SCRATCH
        .try_with(|cell| {
            cell.try_borrow_mut()
                .map(|mut kept| std::mem::take(&mut *kept))
                .unwrap_or_default()
        })
        .unwrap_or_default();
    buf.clear();
    let result = f(&mut buf);
    buf.as_mut_slice().zeroize();
    buf.clear();
    if buf.capacity() <= KEEP_CAPACITY {
        let _ = SCRATCH.try_with(|cell| {
            if let Ok(mut kept) = cell.try_borrow_mut()
                && kept.capacity() < buf.capacity()
            {
                *kept = buf;
            }
        });
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_and_wipes() {
        let cap = with_scratch(|b| {
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
}
