//! `tollgate_policy`: what a token must satisfy (issuer, audiences, leeway, limits). A thin
//! mirror of `tollgate_core::jwt::PolicyStore` (which copies the issuer, audiences and `typ`
//! into inline storage) placed in caller storage behind a magic number.

use crate::status::tollgate_status;
use crate::types::{str_array, tollgate_str};
use crate::util;
use core::ffi::c_char;
use core::ptr::addr_of;
use tollgate_core::jwt::{self, Policy, PolicyStore};
use tollgate_core::Error;

/// Longest issuer a `tollgate_policy` holds, in bytes.
pub const TOLLGATE_POLICY_MAX_ISSUER_LEN: usize = 256;
/// Most audiences a `tollgate_policy` holds.
pub const TOLLGATE_POLICY_MAX_AUDIENCES: usize = 8;
/// Longest audience a `tollgate_policy` holds, in bytes.
pub const TOLLGATE_POLICY_MAX_AUDIENCE_LEN: usize = 256;
/// Longest expected `typ` a `tollgate_policy` holds, in bytes.
pub const TOLLGATE_POLICY_MAX_TYP_LEN: usize = 64;
/// Largest leeway `tollgate_policy_set_leeway` accepts, in seconds (one hour).
pub const TOLLGATE_POLICY_MAX_LEEWAY: u64 = 3600;
/// Size in bytes of a `tollgate_policy` (also `tollgate_policy_size()`).
pub const TOLLGATE_POLICY_SIZE: usize = 2456;

const _: () = assert!(TOLLGATE_POLICY_MAX_ISSUER_LEN == jwt::MAX_ISSUER_LEN);
const _: () = assert!(TOLLGATE_POLICY_MAX_AUDIENCES == jwt::MAX_AUDIENCES);
const _: () = assert!(TOLLGATE_POLICY_MAX_AUDIENCE_LEN == jwt::MAX_AUDIENCE_LEN);
const _: () = assert!(TOLLGATE_POLICY_MAX_TYP_LEN == jwt::MAX_TYP_LEN);
const _: () = assert!(TOLLGATE_POLICY_MAX_LEEWAY == jwt::MAX_LEEWAY);

/// A verification policy, made by `tollgate_policy_init` and adjusted by the
/// `tollgate_policy_set_*` functions. Opaque: place it anywhere (8-byte aligned, which the
/// `uint64_t` array gives), never touch its bytes. The issuer, audiences and `typ` are copied
/// in, so the caller's strings need not outlive the call. It holds no pointers (copy it with
/// `memcpy`) and is only read by `tollgate_verify`: share one between threads, but do not
/// change it while others verify with it.
#[repr(C)]
pub struct tollgate_policy {
    /// Opaque storage; do not touch.
    pub opaque: [u64; 307],
}

/// Marks initialised storage ("tgpolic1").
const MAGIC: u64 = u64::from_le_bytes(*b"tgpolic1");

/// What `tollgate_policy` really holds: integers and bytes only, so any bit pattern is a valid
/// value (the store re-checks lengths and UTF-8 on every read).
#[repr(C)]
#[derive(Clone, Copy)]
struct PolicyStorage {
    magic: u64,
    store: PolicyStore,
}

const _: () = assert!(core::mem::size_of::<tollgate_policy>() == TOLLGATE_POLICY_SIZE);
const _: () = assert!(core::mem::size_of::<PolicyStorage>() == TOLLGATE_POLICY_SIZE);
const _: () = assert!(core::mem::align_of::<PolicyStorage>() <= 8);

/// The initialised store behind `policy` ([`Error::NullPointer`], [`Error::Misaligned`],
/// [`Error::InvalidArgument`] when it was never initialised).
///
/// # Safety
/// A non-NULL `policy` points to a readable `tollgate_policy` not written during `'a`.
unsafe fn stored<'a>(policy: *const tollgate_policy) -> Result<&'a PolicyStore, Error> {
    util::check_ptr(policy)?;
    let storage = policy.cast::<PolicyStorage>();
    // SAFETY: `storage` is non-NULL and aligned (checked above) and readable (caller); the
    // magic is a plain u64, so any initialised bytes are a valid value.
    if unsafe { addr_of!((*storage).magic).read() } != MAGIC {
        return Err(Error::InvalidArgument);
    }
    // SAFETY: as above; `tollgate_policy_init` wrote a whole `PolicyStorage` with the magic,
    // and a `PolicyStore` is integers only, so every bit pattern is a valid value.
    Ok(unsafe { &(*storage).store })
}

/// The core policy behind `policy`, its audience list written into `audiences`.
///
/// # Safety
/// As for [`stored`].
pub(crate) unsafe fn core_policy<'a>(
    policy: *const tollgate_policy,
    audiences: &'a mut [&'a str; TOLLGATE_POLICY_MAX_AUDIENCES],
) -> Result<Policy<'a>, Error> {
    // SAFETY: forwarded from the caller.
    unsafe { stored(policy) }?.policy(audiences)
}

/// Applies one `PolicyStore` setter to an initialised policy; the store leaves itself
/// untouched when the setter fails (it changes a copy and writes it back on success).
///
/// # Safety
/// A non-NULL `policy` points to a writable `tollgate_policy` no other thread is using.
unsafe fn update(
    policy: *mut tollgate_policy,
    change: impl FnOnce(&mut PolicyStore) -> Result<(), Error>,
) -> tollgate_status {
    let result = (|| {
        // SAFETY: forwarded from the caller.
        unsafe { stored(policy) }?;
        // SAFETY: non-NULL, aligned and initialised (checked by `stored`); the caller
        // guarantees exclusive, writable access.
        let storage = unsafe { &mut *policy.cast::<PolicyStorage>() };
        change(&mut storage.store)
    })();
    result.into()
}

/// Size in bytes of `tollgate_policy` (`TOLLGATE_POLICY_SIZE`), for callers that cannot read
/// macros (ctypes, dlopen).
#[no_mangle]
pub extern "C" fn tollgate_policy_size() -> usize {
    TOLLGATE_POLICY_SIZE
}

/// Initialise `out` for tokens issued by `iss` (exact match after JSON unescaping: case,
/// trailing slash and prefix all matter) for any of the `auds_len` audiences `auds` (the
/// token's `aud`, a string or an array, must contain one exactly). Everything is copied.
///
/// Defaults: leeway 60 s, tokens up to `TOLLGATE_DEFAULT_MAX_TOKEN_LEN` (16 KiB), `exp`
/// required, any `typ`, no maximum age, JSON depth 32; change them with the
/// `tollgate_policy_set_*` functions.
///
/// Statuses: `TOLLGATE_STATUS_INVALID_POLICY` (empty issuer, no audience, an empty audience,
/// more than `TOLLGATE_POLICY_MAX_AUDIENCES`, an issuer or audience longer than its
/// `TOLLGATE_POLICY_MAX_*_LEN`), `TOLLGATE_STATUS_INVALID_TEXT` (not UTF-8, or a NUL byte),
/// `TOLLGATE_STATUS_NULL_POINTER`, `TOLLGATE_STATUS_MISALIGNED`. `out` is written only on
/// success.
///
/// # Safety
/// `out` points to a writable `tollgate_policy`; `iss` to `iss_len` bytes; `auds` to
/// `auds_len` `tollgate_str` each pointing to its `len` bytes (NULL only with length 0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_policy_init(
    out: *mut tollgate_policy,
    iss: *const c_char,
    iss_len: usize,
    auds: *const tollgate_str,
    auds_len: usize,
) -> tollgate_status {
    let result = (|| {
        util::check_ptr(out)?;
        // SAFETY: `iss` points to `iss_len` readable bytes (caller).
        let issuer = unsafe { util::text(iss, iss_len) }?;
        // SAFETY: `auds` points to `auds_len` `tollgate_str` (caller).
        let given = unsafe { str_array(auds, auds_len) }?;
        for aud in given {
            // SAFETY: each `tollgate_str` points to its `len` readable bytes (caller).
            unsafe { util::text(aud.ptr, aud.len) }?;
        }
        if given.is_empty() || given.len() > TOLLGATE_POLICY_MAX_AUDIENCES {
            return Err(Error::InvalidPolicy);
        }
        let mut audiences = [""; TOLLGATE_POLICY_MAX_AUDIENCES];
        for (slot, aud) in audiences.iter_mut().zip(given) {
            // SAFETY: as above.
            *slot = unsafe { util::text(aud.ptr, aud.len) }?;
        }
        let audiences = audiences.get(..given.len()).ok_or(Error::InvalidPolicy)?;
        let store = PolicyStore::new(issuer, audiences)?;
        // SAFETY: `out` is non-NULL and aligned (checked above) and writable (caller); the
        // write does not read the old, possibly uninitialised contents.
        unsafe {
            out.cast::<PolicyStorage>().write(PolicyStorage {
                magic: MAGIC,
                store,
            })
        };
        Ok(())
    })();
    result.into()
}

/// Clock-skew allowance in seconds for `exp`, `nbf` and `iat` (default 60, at most
/// `TOLLGATE_POLICY_MAX_LEEWAY`). Statuses: `TOLLGATE_STATUS_INVALID_ARGUMENT` (beyond the
/// maximum, or `policy` never initialised), `TOLLGATE_STATUS_NULL_POINTER`,
/// `TOLLGATE_STATUS_MISALIGNED`. A failed setter leaves the policy unchanged.
///
/// # Safety
/// `policy` points to a writable `tollgate_policy` no other thread is using.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_policy_set_leeway(
    policy: *mut tollgate_policy,
    leeway_secs: u64,
) -> tollgate_status {
    // SAFETY: forwarded from the caller.
    unsafe { update(policy, |p| p.set_leeway(leeway_secs)) }
}

/// Longest token accepted, in bytes (default `TOLLGATE_DEFAULT_MAX_TOKEN_LEN`); longer ones
/// fail with `TOLLGATE_STATUS_TOO_LARGE` before any work. 0 is `TOLLGATE_STATUS_INVALID_POLICY`.
///
/// # Safety
/// As for `tollgate_policy_set_leeway`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_policy_set_max_token_len(
    policy: *mut tollgate_policy,
    max_token_len: usize,
) -> tollgate_status {
    // SAFETY: forwarded from the caller.
    unsafe { update(policy, |p| p.set_max_token_len(max_token_len)) }
}

/// Whether tokens without `exp` are rejected (`TOLLGATE_STATUS_MISSING_CLAIM`); default true.
///
/// # Safety
/// As for `tollgate_policy_set_leeway`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_policy_set_require_exp(
    policy: *mut tollgate_policy,
    require: bool,
) -> tollgate_status {
    // SAFETY: forwarded from the caller.
    unsafe { update(policy, |p| p.set_require_exp(require)) }
}

/// The header's `typ` must equal `typ` ignoring ASCII case (`TOLLGATE_STATUS_WRONG_TYPE`
/// otherwise); `typ_len` 0 (NULL allowed) accepts any `typ` again (the default). At most
/// `TOLLGATE_POLICY_MAX_TYP_LEN` bytes (`TOLLGATE_STATUS_INVALID_POLICY`), UTF-8 without NUL
/// (`TOLLGATE_STATUS_INVALID_TEXT`). Copied.
///
/// # Safety
/// As for `tollgate_policy_set_leeway`; `typ` points to `typ_len` bytes (NULL only with 0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_policy_set_typ(
    policy: *mut tollgate_policy,
    typ: *const c_char,
    typ_len: usize,
) -> tollgate_status {
    // SAFETY: `typ` points to `typ_len` readable bytes (caller).
    let typ = match unsafe { util::text(typ, typ_len) } {
        Ok(t) => t,
        Err(e) => return e.into(),
    };
    // SAFETY: forwarded from the caller.
    unsafe { update(policy, |p| p.set_typ(Some(typ))) }
}

/// Require `iat` and reject tokens issued more than `max_age_secs` (plus leeway) before `now`,
/// or after `now` plus leeway (`TOLLGATE_STATUS_TOO_OLD`; a missing `iat` is
/// `TOLLGATE_STATUS_MISSING_CLAIM`). 0 turns the check off again (the default: no maximum
/// age, `iat` optional).
///
/// # Safety
/// As for `tollgate_policy_set_leeway`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_policy_set_max_age(
    policy: *mut tollgate_policy,
    max_age_secs: u64,
) -> tollgate_status {
    let max_age = (max_age_secs != 0).then_some(max_age_secs);
    // SAFETY: forwarded from the caller.
    unsafe { update(policy, |p| p.set_max_age(max_age)) }
}

/// Maximum JSON nesting depth of the header and the claims (default 32; 1 to 128, else
/// `TOLLGATE_STATUS_INVALID_POLICY`).
///
/// # Safety
/// As for `tollgate_policy_set_leeway`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_policy_set_max_depth(
    policy: *mut tollgate_policy,
    max_depth: u32,
) -> tollgate_status {
    // SAFETY: forwarded from the caller.
    unsafe { update(policy, |p| p.set_max_depth(max_depth)) }
}
