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
    Ok(core::slice::from_raw_parts(ptr, len))
}

/// Like [`bytes`] for `const char *` text (not NUL-terminated; embedded NULs are rejected).
///
/// # Safety
/// As for [`bytes`].
pub(crate) unsafe fn text<'a>(ptr: *const core::ffi::c_char, len: usize) -> Result<&'a str, Error> {
    let b = bytes(ptr.cast(), len)?;
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
    Ok(core::slice::from_raw_parts_mut(ptr, len))
}

/// Check that an output pointer is non-NULL before any work is done.
pub(crate) fn out_ptr<T>(ptr: *mut T) -> Result<(), Error> {
    if ptr.is_null() {
        Err(Error::NullPointer)
    } else {
        Ok(())
    }
}
