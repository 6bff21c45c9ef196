//! `tollgate_keyset`: up to 16 RS256 keys (2048–4096 bits) parsed from a JWKS document into
//! caller-placed fixed-size storage, with the load report (keys loaded, entries skipped and
//! why) and read-only accessors.

use crate::status::tollgate_status;
use crate::util;
use core::ffi::c_char;
use core::mem::MaybeUninit;
use core::ptr::{addr_of, addr_of_mut};
use tollgate_core::jwk::{self, KeySet, LoadReport, SkipReason, MAX_LISTED_SKIPS};
use tollgate_core::Error;

/// How many keys a `tollgate_keyset` holds.
pub const TOLLGATE_KEYSET_CAPACITY: usize = 16;
const _: () = assert!(TOLLGATE_KEYSET_CAPACITY == tollgate_core::jwt::KEY_SET_CAPACITY);

/// Size in bytes of a `tollgate_keyset` (also `tollgate_keyset_size()`).
pub const TOLLGATE_KEYSET_SIZE: usize = 19128;

/// A key set: up to `TOLLGATE_KEYSET_CAPACITY` RS256 public keys of 2048 to 4096 bits, parsed
/// from a JWKS document by `tollgate_keyset_parse`. Opaque: place it anywhere (static, stack,
/// heap; 8-byte aligned, which the `uint64_t` array gives), never read or write its bytes.
/// It holds no pointers, so it may be copied with `memcpy` (it is a memory object of one build
/// of the library, not a file format).
///
/// A parsed key set is immutable: any number of threads may verify with it at once. To
/// rotate keys, parse the new JWKS into a second `tollgate_keyset` and swap the pointer your
/// threads use (for example an atomic pointer); never parse into a set other threads are
/// reading. On `TOLLGATE_STATUS_UNKNOWN_KID`, refetch the JWKS and retry the token once, but
/// at most once per cooldown (e.g. 5 minutes), or random `kid`s make you hammer the issuer.
#[repr(C)]
pub struct tollgate_keyset {
    /// Opaque storage; do not touch.
    pub opaque: [u64; 2391],
}

/// Marks storage that holds a successfully parsed key set ("tgkeyst1").
const MAGIC: u64 = u64::from_le_bytes(*b"tgkeyst1");

/// What `tollgate_keyset` really holds. The key set is `MaybeUninit` because the caller's
/// storage is arbitrary bytes until the first successful parse sets `magic`.
#[repr(C)]
struct KeysetStorage {
    magic: u64,
    set: MaybeUninit<KeySet<TOLLGATE_KEYSET_CAPACITY>>,
}

const _: () = assert!(core::mem::size_of::<tollgate_keyset>() == TOLLGATE_KEYSET_SIZE);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(core::mem::size_of::<KeysetStorage>() == TOLLGATE_KEYSET_SIZE);
const _: () = assert!(core::mem::size_of::<KeysetStorage>() <= TOLLGATE_KEYSET_SIZE);
const _: () = assert!(core::mem::align_of::<KeysetStorage>() <= 8);

pub use super::skip::*;

/// Length of `tollgate_jwks_report.skipped_for`, indexed by the `TOLLGATE_SKIP_*` reason
/// numbers (index 0 is unused). Room for new reasons, so adding one changes no layout.
pub const TOLLGATE_SKIP_REASON_SLOTS: usize = 16;
/// How many skipped entries a report lists individually (all are counted).
pub const TOLLGATE_JWKS_REPORT_LISTED: usize = 16;

const _: () = assert!(MAX_LISTED_SKIPS == TOLLGATE_JWKS_REPORT_LISTED);
const _: () = assert!(SkipReason::ALL.len() < TOLLGATE_SKIP_REASON_SLOTS);

/// One skipped JWKS entry.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct tollgate_skipped_key {
    /// Zero-based index in the document's `keys` array.
    pub index: u32,
    /// Why (`TOLLGATE_SKIP_*`; name it with `tollgate_skip_reason_str`).
    pub reason: u32,
}

/// What `tollgate_keyset_parse` did with each entry of the JWKS.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct tollgate_jwks_report {
    /// Keys loaded into the set.
    pub loaded: u32,
    /// Entries skipped (not usable for RS256 verification; not an error).
    pub skipped: u32,
    /// Entries skipped per reason, indexed by `TOLLGATE_SKIP_*` (index 0 is unused, 0).
    pub skipped_for: [u32; TOLLGATE_SKIP_REASON_SLOTS],
    /// How many entries of `listed` are filled: `min(skipped, TOLLGATE_JWKS_REPORT_LISTED)`.
    pub listed_len: u32,
    /// The first skipped entries, in document order.
    pub listed: [tollgate_skipped_key; TOLLGATE_JWKS_REPORT_LISTED],
}

/// Size in bytes of a `tollgate_jwks_report` (also `tollgate_jwks_report_size()`).
pub const TOLLGATE_JWKS_REPORT_SIZE: usize = 204;
const _: () = assert!(core::mem::size_of::<tollgate_jwks_report>() == TOLLGATE_JWKS_REPORT_SIZE);

/// Size in bytes of `tollgate_jwks_report` (`TOLLGATE_JWKS_REPORT_SIZE`), for callers that
/// cannot read macros (ctypes, dlopen).
#[no_mangle]
pub extern "C" fn tollgate_jwks_report_size() -> usize {
    TOLLGATE_JWKS_REPORT_SIZE
}

impl From<&LoadReport> for tollgate_jwks_report {
    fn from(report: &LoadReport) -> Self {
        let mut out = tollgate_jwks_report {
            loaded: report.loaded(),
            skipped: report.skipped(),
            ..Default::default()
        };
        for reason in SkipReason::ALL {
            if let Some(slot) = out.skipped_for.get_mut(reason as usize) {
                *slot = report.skipped_for(reason);
            }
        }
        for (slot, skip) in out.listed.iter_mut().zip(report.listed_skips()) {
            *slot = tollgate_skipped_key {
                index: skip.index,
                reason: skip.reason as u32,
            };
            out.listed_len += 1;
        }
        out
    }
}

/// The parsed key set behind `keyset`: [`Error::NullPointer`], [`Error::Misaligned`], or
/// [`Error::InvalidArgument`] when it was never parsed successfully.
///
/// # Safety
/// A non-NULL `keyset` must point to a readable `tollgate_keyset` that lives for `'a` and is
/// not written meanwhile.
pub(crate) unsafe fn parsed<'a>(
    keyset: *const tollgate_keyset,
) -> Result<&'a KeySet<TOLLGATE_KEYSET_CAPACITY>, Error> {
    util::check_ptr(keyset)?;
    let storage = keyset.cast::<KeysetStorage>();
    // SAFETY: `storage` is non-NULL and aligned (checked above) and readable for `'a`
    // (caller); the magic is a plain u64, valid for any initialised bytes.
    if unsafe { addr_of!((*storage).magic).read() } != MAGIC {
        return Err(Error::InvalidArgument);
    }
    // SAFETY: the magic is written only after a key set was written in place
    // (`tollgate_keyset_parse`), so `set` is initialised; nobody writes it during `'a`.
    Ok(unsafe { (*storage).set.assume_init_ref() })
}

/// Size in bytes of `tollgate_keyset` (`TOLLGATE_KEYSET_SIZE`), for callers that cannot read
/// macros (ctypes, dlopen).
#[no_mangle]
pub extern "C" fn tollgate_keyset_size() -> usize {
    TOLLGATE_KEYSET_SIZE
}

/// Parse the JWKS document `jwks`/`jwks_len` (RFC 7517 JSON) into `out`.
///
/// Keys tollgate cannot use are skipped, not fatal: `kty` not `RSA`, `use` present and not
/// `sig`, `alg` present and not `RS256`, `key_ops` present without `verify`, a modulus outside
/// 2048–4096 bits, a `kid` over 128 bytes, bad encoding. Members such as `x5c`, `x5t`,
/// `issuer` are ignored.
///
/// Statuses: `TOLLGATE_STATUS_INVALID_JWKS` (not a JSON object with a `keys` array, duplicate
/// member names), `TOLLGATE_STATUS_DUPLICATE_KID`, `TOLLGATE_STATUS_NO_USABLE_KEY`,
/// (more than `TOLLGATE_KEYSET_CAPACITY` usable keys: the first ones load, the rest are
/// skipped as `TOLLGATE_SKIP_OVER_CAPACITY`),
/// `TOLLGATE_STATUS_NULL_POINTER`, `TOLLGATE_STATUS_MISALIGNED` (`out` not 8-byte aligned).
///
/// The report: when `out_report` is not NULL (and 4-byte aligned, else
/// `TOLLGATE_STATUS_MISALIGNED` and nothing is written) it is written on success and on every
/// failure. On success it says what was loaded and why each other entry was skipped. On
/// failure nothing is loaded, and it holds the entries judged before the failure was found
/// (`loaded` then counts the usable keys among them):
/// - `TOLLGATE_STATUS_NO_USABLE_KEY`: every entry, each skipped with its reason, `loaded` 0;
/// - `TOLLGATE_STATUS_DUPLICATE_KID`: the entries before the one whose `kid` repeats an
///   earlier usable key's (that entry and later ones are neither counted nor listed);
/// - `TOLLGATE_STATUS_INVALID_JWKS`: all zero (the document is checked as a whole before
///   any entry is judged);
/// - `TOLLGATE_STATUS_NULL_POINTER`, `TOLLGATE_STATUS_MISALIGNED` of `out` or `jwks`: all
///   zero (nothing was read).
///
/// On failure `out` is not written: a set parsed earlier keeps its keys. The old contents of
/// `out` are never read, so it may be uninitialised memory. The document is checked
/// completely before `out` is touched, then loaded into it in place (about 5 KiB of stack in
/// the release build).
/// Do not parse into a set other threads are using (see `tollgate_keyset`).
///
/// # Safety
/// `out` must point to a writable `tollgate_keyset` not used by any other thread; `jwks` to
/// `jwks_len` readable bytes (NULL only with 0); `out_report` is NULL or writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_keyset_parse(
    out: *mut tollgate_keyset,
    jwks: *const c_char,
    jwks_len: usize,
    out_report: *mut tollgate_jwks_report,
) -> tollgate_status {
    if !out_report.is_null() && !out_report.is_aligned() {
        return Error::Misaligned.into();
    }
    let mut report = LoadReport::EMPTY;
    // SAFETY: forwarded from the caller.
    let result = unsafe { parse_into(out, jwks, jwks_len, &mut report) };
    if !out_report.is_null() {
        // SAFETY: non-NULL and aligned (checked above), writable (caller).
        unsafe { out_report.write(tollgate_jwks_report::from(&report)) };
    }
    result.into()
}

/// The body of `tollgate_keyset_parse`: `report` receives what the load judged, on both paths.
///
/// # Safety
/// As for `tollgate_keyset_parse`.
unsafe fn parse_into(
    out: *mut tollgate_keyset,
    jwks: *const c_char,
    jwks_len: usize,
    report: &mut LoadReport,
) -> Result<(), Error> {
    util::check_ptr(out)?;
    // SAFETY: `jwks` points to `jwks_len` readable bytes (caller).
    let document = unsafe { util::bytes(jwks.cast(), jwks_len) }?;
    let storage = out.cast::<KeysetStorage>();
    // SAFETY: `out` is non-NULL and aligned (checked above), writable and used by no other
    // thread (caller), so the `set` field may be borrowed exclusively; `MaybeUninit` makes no
    // claim about its old bytes.
    let slot = unsafe { &mut *addr_of_mut!((*storage).set) };
    let (judged, outcome) = KeySet::load_uninit(slot, document);
    *report = judged;
    // `load_uninit` wrote nothing on failure, so a set parsed earlier (and its magic) stands.
    outcome?;
    // SAFETY: as above; a key set was just written in place.
    unsafe { addr_of_mut!((*storage).magic).write(MAGIC) };
    Ok(())
}

/// How many keys `keyset` holds (0 when it is NULL, misaligned or was never parsed).
///
/// # Safety
/// `keyset` is NULL or points to a readable `tollgate_keyset`.
#[no_mangle]
pub unsafe extern "C" fn tollgate_keyset_len(keyset: *const tollgate_keyset) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { parsed(keyset) }.map_or(0, |set| set.len())
}

/// The `kid` of key `index` (document order, `0 <= index < tollgate_keyset_len`):
/// `*out_kid` points into `keyset` (not NUL-terminated; valid while the set is unchanged) and
/// `*out_len` is its length. A key without a `kid` gives `*out_kid = NULL`, `*out_len = 0`.
///
/// Statuses: `TOLLGATE_STATUS_INVALID_ARGUMENT` (index out of range, or a set never parsed),
/// `TOLLGATE_STATUS_NULL_POINTER`, `TOLLGATE_STATUS_MISALIGNED`. Outputs are written only on
/// success.
///
/// # Safety
/// `keyset` points to a readable `tollgate_keyset`; `out_kid` and `out_len` are writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_keyset_kid(
    keyset: *const tollgate_keyset,
    index: usize,
    out_kid: *mut *const c_char,
    out_len: *mut usize,
) -> tollgate_status {
    let result = (|| {
        util::check_ptr(out_kid)?;
        util::check_ptr(out_len)?;
        // SAFETY: `keyset` points to a readable key set (caller).
        let set = unsafe { parsed(keyset) }?;
        let key = set.keys().nth(index).ok_or(Error::InvalidArgument)?;
        let (ptr, len) = match key.kid() {
            Some(kid) => (kid.as_ptr().cast::<c_char>(), kid.len()),
            None => (core::ptr::null(), 0),
        };
        // SAFETY: both are non-NULL and aligned (checked above) and writable (caller).
        unsafe {
            out_kid.write(ptr);
            out_len.write(len);
        }
        Ok(())
    })();
    result.into()
}

/// The `kid` of entry `index` of the JWKS document `jwks`/`jwks_len` (the same bytes given to
/// `tollgate_keyset_parse`), unescaped into `buf`/`buf_len` (UTF-8, not NUL-terminated):
/// names the entries a `tollgate_jwks_report` lists by index, such as the keys left out as
/// `TOLLGATE_SKIP_OVER_CAPACITY`. `*out_len` is the kid's length in bytes on success, and the
/// length needed on `TOLLGATE_STATUS_BUFFER_TOO_SMALL` (ask with `buf_len` 0, then copy).
///
/// Statuses: `TOLLGATE_STATUS_MISSING_KID` (that entry has no string `kid`),
/// `TOLLGATE_STATUS_INVALID_ARGUMENT` (`keys` has no entry `index`),
/// `TOLLGATE_STATUS_INVALID_JWKS` (not a JSON object with a `keys` array),
/// `TOLLGATE_STATUS_BUFFER_TOO_SMALL`, `TOLLGATE_STATUS_INVALID_TEXT`,
/// `TOLLGATE_STATUS_NULL_POINTER`, `TOLLGATE_STATUS_MISALIGNED`. `buf` is written only on
/// success. Reads the document once: time linear in `jwks_len`.
///
/// # Safety
/// `jwks` points to `jwks_len` readable bytes (NULL only with 0); `buf` points to `buf_len`
/// writable bytes (NULL only with 0) not overlapping `jwks`; `out_len` is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_jwks_entry_kid(
    jwks: *const u8,
    jwks_len: usize,
    index: u32,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> tollgate_status {
    let result = (|| {
        util::check_ptr(out_len)?;
        // SAFETY: `jwks` points to `jwks_len` readable bytes (caller).
        let document = unsafe { util::bytes(jwks, jwks_len) }?;
        // SAFETY: `buf` points to `buf_len` writable bytes overlapping nothing (caller).
        let buf = unsafe { util::bytes_mut(buf.cast(), buf_len) }?;
        let kid = jwk::entry_kid(document, index)?.ok_or(Error::MissingKid)?;
        let (len, result) = match kid.unescape_into(buf) {
            Ok(text) => (text.len(), Ok(())),
            Err(Error::BufferTooSmall) => (kid.unescaped_len(), Err(Error::BufferTooSmall)),
            Err(other) => return Err(other),
        };
        // SAFETY: non-NULL and aligned (checked above), writable (caller).
        unsafe { out_len.write(len) };
        result
    })();
    result.into()
}

/// Static NUL-terminated name of a skip reason (`"not_rsa"`, `"bad_encoding"`, ...), or
/// `"unknown_skip_reason"` for any other number.
#[no_mangle]
pub extern "C" fn tollgate_skip_reason_str(reason: u32) -> *const c_char {
    let name = super::skip::skip_reason_cstr(reason);
    name.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn skip_reason_numbers_and_names_match_core() {
        for reason in SkipReason::ALL {
            // SAFETY: every pointer comes from a live Rust value of the right length.
            let name = unsafe { CStr::from_ptr(tollgate_skip_reason_str(reason as u32)) };
            assert_eq!(name.to_str().unwrap(), reason.name());
        }
        let past = SkipReason::ALL.len() as u32 + 1;
        for other in [0, past, u32::MAX] {
            // SAFETY: every pointer comes from a live Rust value of the right length.
            let name = unsafe { CStr::from_ptr(tollgate_skip_reason_str(other)) };
            assert_eq!(name.to_str().unwrap(), "unknown_skip_reason");
        }
        assert_eq!(TOLLGATE_SKIP_NOT_RSA, SkipReason::NotRsa as u32);
        assert_eq!(TOLLGATE_SKIP_KID_TOO_LONG, SkipReason::KidTooLong as u32);
    }
}
