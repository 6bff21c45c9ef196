//! Pointer/length helpers shared by every entry point: turn C (pointer, length) pairs into
//! slices and write outputs, treating NULL as valid only with length 0.

use tollgate_core::Error;

/// The bytes at (`ptr`, `len`); NULL is allowed only when `len` is 0.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` readable bytes that stay valid for `'a`.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], Error> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Error::NullPointer)
        };
    }
    if len > isize::MAX as usize {
        return Err(Error::InvalidArgument);
    }
    // SAFETY: `ptr` is non-NULL and points to `len` readable bytes valid for `'a` (caller);
    // `len` fits in `isize` (checked above); `u8` needs no alignment.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// Like [`bytes`] for `const char *` text (not NUL-terminated; embedded NULs are rejected).
///
/// # Safety
/// As for [`bytes`].
pub(crate) unsafe fn text<'a>(ptr: *const core::ffi::c_char, len: usize) -> Result<&'a str, Error> {
    // SAFETY: forwarded from the caller.
    let b = unsafe { bytes(ptr.cast(), len) }?;
    if b.contains(&0) {
        return Err(Error::InvalidText);
    }
    core::str::from_utf8(b).map_err(|_| Error::InvalidText)
}

/// The writable bytes at (`ptr`, `len`); NULL is allowed only when `len` is 0.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` writable bytes, not aliased, valid for `'a`.
pub(crate) unsafe fn bytes_mut<'a>(ptr: *mut u8, len: usize) -> Result<&'a mut [u8], Error> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&mut [])
        } else {
            Err(Error::NullPointer)
        };
    }
    if len > isize::MAX as usize {
        return Err(Error::InvalidArgument);
    }
    // SAFETY: `ptr` is non-NULL and points to `len` writable, unaliased bytes valid for `'a`
    // (caller); `len` fits in `isize` (checked above); `u8` needs no alignment.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

/// The one pointer check of every object and out-pointer: [`Error::NullPointer`] when NULL,
/// [`Error::Misaligned`] when not aligned for `T`. (Works for `*mut T` too, by coercion.)
pub(crate) fn check_ptr<T>(ptr: *const T) -> Result<(), Error> {
    if ptr.is_null() {
        Err(Error::NullPointer)
    } else if !ptr.is_aligned() {
        Err(Error::Misaligned)
    } else {
        Ok(())
    }
}

/// A fixed-capacity text buffer for `core::fmt` output (no allocation); writing more than `N`
/// bytes fails.
pub(crate) struct FixedText<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> FixedText<N> {
    pub(crate) fn new() -> Self {
        FixedText {
            buf: [0; N],
            len: 0,
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

impl<const N: usize> core::fmt::Write for FixedText<N> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(core::fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
