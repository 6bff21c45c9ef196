//! Small C value types shared by several entry points: `tollgate_str`, a borrowed
//! (pointer, length) string used wherever an array of strings crosses the boundary
//! (accepted API keys, and audiences for token verification).

use tollgate_core::Error;

/// A borrowed string or byte string: `ptr` points to `len` bytes, not NUL-terminated.
/// `ptr` may be NULL only when `len` is 0.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct tollgate_str {
    /// The first byte (NULL only with `len` 0).
    pub ptr: *const core::ffi::c_char,
    /// The number of bytes.
    pub len: usize,
}

impl tollgate_str {
    /// The bytes this string points to.
    ///
    /// # Safety
    /// A non-NULL `ptr` must point to `len` readable bytes that stay valid for `'a`.
    pub(crate) unsafe fn bytes<'a>(&self) -> Result<&'a [u8], Error> {
        // SAFETY: forwarded from the caller.
        unsafe { crate::util::bytes(self.ptr.cast(), self.len) }
    }
}

/// The array of `len` [`tollgate_str`] at `ptr`; NULL is allowed only when `len` is 0.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` initialised, aligned `tollgate_str` valid for `'a`.
pub(crate) unsafe fn str_array<'a>(
    ptr: *const tollgate_str,
    len: usize,
) -> Result<&'a [tollgate_str], Error> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Error::NullPointer)
        };
    }
    match len.checked_mul(core::mem::size_of::<tollgate_str>()) {
        Some(bytes) if bytes <= isize::MAX as usize => {}
        _ => return Err(Error::InvalidArgument),
    }
    if !ptr.is_aligned() {
        return Err(Error::Misaligned);
    }
    // SAFETY: `ptr` is non-NULL and aligned (checked above) and points to `len` initialised
    // `tollgate_str` valid for `'a` (caller); the byte size fits in `isize` (checked above).
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}
