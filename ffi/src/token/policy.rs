//! `tollgate_policy`: what a token must satisfy (issuer, audiences, leeway, limits), with the
//! issuer, audiences and `typ` copied into fixed inline storage so the caller need not keep
//! its strings alive.

use super::check_object;
use crate::status::tollgate_status;
use crate::types::{str_array, tollgate_str};
use crate::util;
use core::ffi::c_char;
use core::ptr::addr_of;
use tollgate_core::jwt::{Policy, DEFAULT_LEEWAY, DEFAULT_MAX_DEPTH, DEFAULT_MAX_TOKEN_LEN};
use tollgate_core::Error;

/// Longest issuer a `tollgate_policy` holds, in bytes.
pub const TOLLGATE_POLICY_MAX_ISSUER_LEN: usize = 256;
/// Most audiences a `tollgate_policy` holds.
pub const TOLLGATE_POLICY_MAX_AUDIENCES: usize = 8;
/// Longest audience a `tollgate_policy` holds, in bytes.
pub const TOLLGATE_POLICY_MAX_AUDIENCE_LEN: usize = 256;
/// Longest expected `typ` a `tollgate_policy` holds, in bytes.
pub const TOLLGATE_POLICY_MAX_TYP_LEN: usize = 64;
/// Size in bytes of a `tollgate_policy` (also `tollgate_policy_size()`).
pub const TOLLGATE_POLICY_SIZE: usize = 2456;

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
const REQUIRE_EXP: u32 = 1;
const HAS_MAX_AGE: u32 = 2;

/// What `tollgate_policy` really holds: plain integers and bytes only, so any bit pattern is a
/// valid value of this struct and is checked (magic, lengths, UTF-8) before use.
#[repr(C)]
struct PolicyStorage {
    magic: u64,
    leeway: u64,
    max_age: u64,
    max_token_len: u64,
    max_depth: u32,
    flags: u32,
    issuer_len: u32,
    typ_len: u32,
    audience_count: u32,
    reserved: u32,
    audience_lens: [u32; TOLLGATE_POLICY_MAX_AUDIENCES],
    issuer: [u8; TOLLGATE_POLICY_MAX_ISSUER_LEN],
    typ: [u8; TOLLGATE_POLICY_MAX_TYP_LEN],
    audiences: [[u8; TOLLGATE_POLICY_MAX_AUDIENCE_LEN]; TOLLGATE_POLICY_MAX_AUDIENCES],
}

const _: () = assert!(core::mem::size_of::<tollgate_policy>() == TOLLGATE_POLICY_SIZE);
const _: () = assert!(core::mem::size_of::<PolicyStorage>() == TOLLGATE_POLICY_SIZE);
const _: () = assert!(core::mem::align_of::<PolicyStorage>() <= 8);

impl PolicyStorage {
    fn text(bytes: &[u8], len: u32) -> Result<&str, Error> {
        let b = bytes.get(..len as usize).ok_or(Error::InvalidArgument)?;
        core::str::from_utf8(b).map_err(|_| Error::InvalidArgument)
    }

    /// The core policy this storage describes; its audience list is written into
    /// `audiences` (caller-provided so the policy can borrow it).
    fn core<'a>(
        &'a self,
        audiences: &'a mut [&'a str; TOLLGATE_POLICY_MAX_AUDIENCES],
    ) -> Result<Policy<'a>, Error> {
        if self.magic != MAGIC {
            return Err(Error::InvalidArgument);
        }
        let issuer = Self::text(&self.issuer, self.issuer_len)?;
        let count = self.audience_count as usize;
        for ((slot, bytes), len) in audiences
            .iter_mut()
            .zip(&self.audiences)
            .zip(&self.audience_lens)
            .take(count)
        {
            *slot = Self::text(bytes, *len)?;
        }
        let audiences = audiences.get(..count).ok_or(Error::InvalidArgument)?;
        let typ = match self.typ_len {
            0 => None,
            len => Some(Self::text(&self.typ, len)?),
        };
        let mut policy = Policy::new(issuer, audiences);
        policy.leeway = self.leeway;
        policy.max_token_len = usize::try_from(self.max_token_len).unwrap_or(usize::MAX);
        policy.require_exp = self.flags & REQUIRE_EXP != 0;
        policy.typ = typ;
        policy.max_age = (self.flags & HAS_MAX_AGE != 0).then_some(self.max_age);
        policy.max_depth = self.max_depth;
        Ok(policy)
    }

    /// Whether the storage describes a complete, consistent policy.
    fn check(&self) -> Result<(), Error> {
        let mut audiences = [""; TOLLGATE_POLICY_MAX_AUDIENCES];
        self.core(&mut audiences)?.check()
    }
}

/// Copies `src` into the front of `dst` and returns its length ([`Error::InvalidPolicy`]
/// when it is empty or does not fit).
fn copy_text(dst: &mut [u8], src: &[u8]) -> Result<u32, Error> {
    if src.is_empty() {
        return Err(Error::InvalidPolicy);
    }
    dst.get_mut(..src.len())
        .ok_or(Error::InvalidPolicy)?
        .copy_from_slice(src);
    u32::try_from(src.len()).map_err(|_| Error::InvalidPolicy)
}

/// Text checked like every C string input: [`util::text`] (UTF-8, no NUL).
unsafe fn policy_text<'a>(s: &tollgate_str) -> Result<&'a [u8], Error> {
    util::text(s.ptr, s.len).map(str::as_bytes)
}

/// The core policy behind `policy` ([`Error::NullPointer`], [`Error::Misaligned`],
/// [`Error::InvalidArgument`] when it was never initialised), its audience list written into
/// `audiences`.
///
/// # Safety
/// A non-NULL `policy` points to a readable `tollgate_policy` not written during `'a`.
pub(crate) unsafe fn core_policy<'a>(
    policy: *const tollgate_policy,
    audiences: &'a mut [&'a str; TOLLGATE_POLICY_MAX_AUDIENCES],
) -> Result<Policy<'a>, Error> {
    check_object(policy)?;
    (*policy.cast::<PolicyStorage>()).core(audiences)
}

/// Applies `change` to a copy of an initialised policy and stores it only when the result is
/// a valid policy (so a failed setter leaves the policy untouched).
unsafe fn update(
    policy: *mut tollgate_policy,
    change: impl FnOnce(&mut PolicyStorage) -> Result<(), Error>,
) -> tollgate_status {
    let result = (|| {
        check_object(policy)?;
        let storage = policy.cast::<PolicyStorage>();
        if addr_of!((*storage).magic).read() != MAGIC {
            return Err(Error::InvalidArgument);
        }
        let storage = &mut *storage;
        // Validate the changed scalar fields before writing: they are all small.
        let (leeway, max_age, max_token_len, max_depth, flags) = (
            storage.leeway,
            storage.max_age,
            storage.max_token_len,
            storage.max_depth,
            storage.flags,
        );
        let saved_typ = (storage.typ, storage.typ_len);
        let outcome = change(storage).and_then(|()| storage.check());
        if outcome.is_err() {
            storage.leeway = leeway;
            storage.max_age = max_age;
            storage.max_token_len = max_token_len;
            storage.max_depth = max_depth;
            storage.flags = flags;
            (storage.typ, storage.typ_len) = saved_typ;
        }
        outcome
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
/// Defaults: leeway 60 s, tokens up to 16 KiB, `exp` required, any `typ`, no maximum age,
/// JSON depth 32; change them with the `tollgate_policy_set_*` functions.
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
pub unsafe extern "C" fn tollgate_policy_init(
    out: *mut tollgate_policy,
    iss: *const c_char,
    iss_len: usize,
    auds: *const tollgate_str,
    auds_len: usize,
) -> tollgate_status {
    let result = (|| {
        check_object(out)?;
        let issuer = util::text(iss, iss_len)?.as_bytes();
        let audiences = str_array(auds, auds_len)?;
        for aud in audiences {
            policy_text(aud)?;
        }
        if audiences.is_empty() || audiences.len() > TOLLGATE_POLICY_MAX_AUDIENCES {
            return Err(Error::InvalidPolicy);
        }
        let mut built = PolicyStorage {
            magic: MAGIC,
            leeway: DEFAULT_LEEWAY,
            max_age: 0,
            max_token_len: DEFAULT_MAX_TOKEN_LEN as u64,
            max_depth: DEFAULT_MAX_DEPTH,
            flags: REQUIRE_EXP,
            issuer_len: 0,
            typ_len: 0,
            audience_count: audiences.len() as u32,
            reserved: 0,
            audience_lens: [0; TOLLGATE_POLICY_MAX_AUDIENCES],
            issuer: [0; TOLLGATE_POLICY_MAX_ISSUER_LEN],
            typ: [0; TOLLGATE_POLICY_MAX_TYP_LEN],
            audiences: [[0; TOLLGATE_POLICY_MAX_AUDIENCE_LEN]; TOLLGATE_POLICY_MAX_AUDIENCES],
        };
        built.issuer_len = copy_text(&mut built.issuer, issuer)?;
        for ((slot, len), aud) in built
            .audiences
            .iter_mut()
            .zip(built.audience_lens.iter_mut())
            .zip(audiences)
        {
            *len = copy_text(slot, policy_text(aud)?)?;
        }
        built.check()?;
        out.cast::<PolicyStorage>().write(built);
        Ok(())
    })();
    result.into()
}

/// Clock-skew allowance in seconds for `exp`, `nbf` and `iat` (default 60).
/// `TOLLGATE_STATUS_INVALID_ARGUMENT` when `policy` was never initialised.
///
/// # Safety
/// `policy` points to a writable `tollgate_policy` no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn tollgate_policy_set_leeway(
    policy: *mut tollgate_policy,
    leeway_secs: u64,
) -> tollgate_status {
    update(policy, |p| {
        p.leeway = leeway_secs;
        Ok(())
    })
}

/// Longest token accepted, in bytes (default 16384); longer ones fail with
/// `TOLLGATE_STATUS_TOO_LARGE` before any work. 0 is `TOLLGATE_STATUS_INVALID_POLICY`.
///
/// # Safety
/// As for `tollgate_policy_set_leeway`.
#[no_mangle]
pub unsafe extern "C" fn tollgate_policy_set_max_token_len(
    policy: *mut tollgate_policy,
    max_token_len: usize,
) -> tollgate_status {
    update(policy, |p| {
        p.max_token_len = max_token_len as u64;
        Ok(())
    })
}

/// Whether tokens without `exp` are rejected (`TOLLGATE_STATUS_MISSING_CLAIM`): 0 = no, any
/// other value = yes (the default).
///
/// # Safety
/// As for `tollgate_policy_set_leeway`.
#[no_mangle]
pub unsafe extern "C" fn tollgate_policy_set_require_exp(
    policy: *mut tollgate_policy,
    require: u32,
) -> tollgate_status {
    update(policy, |p| {
        p.flags = if require != 0 {
            p.flags | REQUIRE_EXP
        } else {
            p.flags & !REQUIRE_EXP
        };
        Ok(())
    })
}

/// The header's `typ` must equal `typ` ignoring ASCII case (`TOLLGATE_STATUS_WRONG_TYPE`
/// otherwise); `typ_len` 0 (NULL allowed) accepts any `typ` again (the default). At most
/// `TOLLGATE_POLICY_MAX_TYP_LEN` bytes (`TOLLGATE_STATUS_INVALID_POLICY`), UTF-8 without NUL
/// (`TOLLGATE_STATUS_INVALID_TEXT`). Copied.
///
/// # Safety
/// As for `tollgate_policy_set_leeway`; `typ` points to `typ_len` bytes (NULL only with 0).
#[no_mangle]
pub unsafe extern "C" fn tollgate_policy_set_typ(
    policy: *mut tollgate_policy,
    typ: *const c_char,
    typ_len: usize,
) -> tollgate_status {
    let typ = match util::text(typ, typ_len) {
        Ok(t) => t.as_bytes(),
        Err(e) => return e.into(),
    };
    update(policy, |p| {
        p.typ = [0; TOLLGATE_POLICY_MAX_TYP_LEN];
        p.typ_len = if typ.is_empty() {
            0
        } else {
            copy_text(&mut p.typ, typ)?
        };
        Ok(())
    })
}

/// Require `iat` and reject tokens issued more than `max_age_secs` (plus leeway) before `now`,
/// or after `now` plus leeway (`TOLLGATE_STATUS_TOO_OLD`; a missing `iat` is
/// `TOLLGATE_STATUS_MISSING_CLAIM`). Off by default; initialise a new policy to turn it off.
///
/// # Safety
/// As for `tollgate_policy_set_leeway`.
#[no_mangle]
pub unsafe extern "C" fn tollgate_policy_set_max_age(
    policy: *mut tollgate_policy,
    max_age_secs: u64,
) -> tollgate_status {
    update(policy, |p| {
        p.max_age = max_age_secs;
        p.flags |= HAS_MAX_AGE;
        Ok(())
    })
}

/// Maximum JSON nesting depth of the header and the claims (default 32; 1 to 128, else
/// `TOLLGATE_STATUS_INVALID_POLICY`).
///
/// # Safety
/// As for `tollgate_policy_set_leeway`.
#[no_mangle]
pub unsafe extern "C" fn tollgate_policy_set_max_depth(
    policy: *mut tollgate_policy,
    max_depth: u32,
) -> tollgate_status {
    update(policy, |p| {
        p.max_depth = max_depth;
        Ok(())
    })
}
