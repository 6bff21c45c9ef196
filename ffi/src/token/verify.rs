//! `tollgate_verify`: one RS256 token checked against a key set and a policy, its claims
//! returned as a `tollgate_claims` view of the caller's scratch buffer; and the claim getters.

use super::keyset::{self, tollgate_keyset};
use super::policy::{self, tollgate_policy, TOLLGATE_POLICY_MAX_AUDIENCES};
use crate::status::tollgate_status;
use crate::types::tollgate_str;
use crate::util;
use core::ffi::{c_char, c_void};
use core::ptr::addr_of;
use tollgate_core::json;
use tollgate_core::jwt::{self, typed};
use tollgate_core::Error;

/// The verified claims of a token: a view into the scratch buffer given to `tollgate_verify`
/// (copy out what you need before reusing the buffer). Strings are unescaped UTF-8, not
/// NUL-terminated. Written by `tollgate_verify` only on success.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct tollgate_claims {
    /// `iss` (equal to the policy's issuer).
    pub iss: tollgate_str,
    /// The token's audience that matched (one of the policy's).
    pub aud: tollgate_str,
    /// Which of the policy's audiences matched (0-based, in `tollgate_policy_init` order).
    pub aud_index: usize,
    /// `sub` (`{NULL, 0}` when absent; see `has_sub`).
    pub sub: tollgate_str,
    /// `jti` (`{NULL, 0}` when absent; see `has_jti`).
    pub jti: tollgate_str,
    /// `exp` in Unix seconds, rounded down (0 when absent).
    pub exp: u64,
    /// `nbf` in Unix seconds, rounded up (0 when absent).
    pub nbf: u64,
    /// `iat` in Unix seconds, rounded down (0 when absent).
    pub iat: u64,
    /// Whether `sub` is present.
    pub has_sub: bool,
    /// Whether `jti` is present.
    pub has_jti: bool,
    /// Whether `exp` is present (always, unless the policy does not require it).
    pub has_exp: bool,
    /// Whether `nbf` is present.
    pub has_nbf: bool,
    /// Whether `iat` is present.
    pub has_iat: bool,
    /// The whole claim set as JSON text (the decoded payload), read by the claim getters.
    pub json: tollgate_str,
}

/// The default maximum token length of a `tollgate_policy`, in bytes (16 KiB).
pub const TOLLGATE_DEFAULT_MAX_TOKEN_LEN: usize = 16384;
/// Scratch bytes that always suffice for `tollgate_verify` on any token the default policy
/// accepts (`tollgate_verify_scratch_size(TOLLGATE_DEFAULT_MAX_TOKEN_LEN)`): a compile-time
/// size for a scratch buffer. Tokens longer than the default need
/// `tollgate_verify_scratch_size`.
pub const TOLLGATE_VERIFY_SCRATCH_MAX: usize = 32768;

const _: () = assert!(TOLLGATE_DEFAULT_MAX_TOKEN_LEN == jwt::DEFAULT_MAX_TOKEN_LEN);
const _: () =
    assert!(TOLLGATE_VERIFY_SCRATCH_MAX == jwt::text_scratch_len(TOLLGATE_DEFAULT_MAX_TOKEN_LEN));

/// Size in bytes of `tollgate_claims` on this platform, for callers that cannot read the
/// struct (ctypes, dlopen); compare it with your own `sizeof` at start-up.
#[no_mangle]
pub extern "C" fn tollgate_claims_size() -> usize {
    core::mem::size_of::<tollgate_claims>()
}

/// Scratch bytes `tollgate_verify` needs for a token of `token_len` bytes: the decoded
/// header and payload (at most `token_len`) plus room to unescape `iss`, `aud`, `sub`, `jti`
/// (at most `token_len` more). Saturates at `SIZE_MAX`.
#[no_mangle]
pub extern "C" fn tollgate_verify_scratch_size(token_len: usize) -> usize {
    jwt::text_scratch_len(token_len)
}

/// A borrowed Rust string as a `tollgate_str`.
fn c_str(text: &str) -> tollgate_str {
    tollgate_str {
        ptr: text.as_ptr().cast(),
        len: text.len(),
    }
}

const ABSENT: tollgate_str = tollgate_str {
    ptr: core::ptr::null(),
    len: 0,
};

/// Verify `token`/`token_len` (the compact serialization, without `Bearer `; see
/// `tollgate_bearer_token`) with `keyset` and `policy` at Unix time `now` (seconds).
///
/// Order, stopping at the first failure, so no claim is believed before the signature
/// verified: token length (`TOO_LARGE`); scratch size (`BUFFER_TOO_SMALL`: `scratch_len` must
/// be at least `tollgate_verify_scratch_size(token_len)`); three canonical base64url segments
/// (`MALFORMED`); the header: `alg` exactly `RS256` (`UNSUPPORTED_ALG`), no `crit`
/// (`UNSUPPORTED_CRIT`), `typ` if the policy asks (`WRONG_TYPE`), the key by `kid`
/// (`UNKNOWN_KID`: refresh the JWKS with a cooldown; `MISSING_KID`: no `kid` and several
/// keys); the signature (`MALFORMED` for a wrong length, `BAD_SIGNATURE`); then the claims:
/// `iss` (`WRONG_ISSUER`), `aud` (`WRONG_AUDIENCE`), `exp` (`EXPIRED` unless
/// `now < exp + leeway`), `nbf` (`NOT_YET_VALID` unless `now >= nbf - leeway`), `iat` with a
/// maximum age (`TOO_OLD`), missing required claims (`MISSING_CLAIM`), claims of the wrong
/// type (`INVALID_CLAIM`), duplicate names (`MALFORMED`). Also `NULL_POINTER`, `MISALIGNED`,
/// and `INVALID_ARGUMENT` for a key set never parsed or a policy never initialised.
///
/// On success `*out` describes the claims; its strings point into `scratch` (any alignment).
/// On failure `*out` is not written. `scratch` contents are unspecified after any call. Uses
/// at most about 9 KiB of stack (release build, 4096-bit key: 8.7 KiB with the AVX-512 IFMA RSA
/// backend, 6.6 KiB with BMI2/ADX) and never allocates.
///
/// ```c
/// static tollgate_keyset keys;   // once, and again on unknown_kid (with a cooldown)
/// static tollgate_policy policy; // once
/// tollgate_str aud = {"6a3b8f0e-2c1d-4e5f-9a7b-3c2d1e0f4a5b", 36};
/// if (tollgate_keyset_parse(&keys, jwks, jwks_len, NULL) != TOLLGATE_STATUS_OK) return;
/// if (tollgate_policy_init(&policy, iss, strlen(iss), &aud, 1) != TOLLGATE_STATUS_OK) return;
/// // per request:
/// const char *tok; size_t tok_len; tollgate_claims claims;
/// static _Thread_local char scratch[TOLLGATE_VERIFY_SCRATCH_MAX]; // C11; or malloc once
/// if (tollgate_bearer_token(hdr, hdr_len, &tok, &tok_len) == TOLLGATE_STATUS_OK &&
///     tollgate_verify_scratch_size(tok_len) <= sizeof scratch &&
///     tollgate_verify(&keys, &policy, tok, tok_len, (uint64_t)time(NULL), scratch,
///                     sizeof scratch, &claims) == TOLLGATE_STATUS_OK) {
///   // claims.sub.ptr, claims.sub.len, ...
/// }
/// ```
///
/// # Safety
/// `keyset` and `policy` point to readable objects not written meanwhile; `token` to
/// `token_len` bytes; `scratch` to `scratch_len` writable bytes not aliasing the others;
/// `out` is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_verify(
    keyset: *const tollgate_keyset,
    policy: *const tollgate_policy,
    token: *const c_char,
    token_len: usize,
    now: u64,
    scratch: *mut c_void,
    scratch_len: usize,
    out: *mut tollgate_claims,
) -> tollgate_status {
    let result = (|| {
        util::check_ptr(out)?;
        // SAFETY: `keyset` points to a readable key set not written meanwhile (caller).
        let keys = unsafe { keyset::parsed(keyset) }?;
        // SAFETY: `token` points to `token_len` readable bytes (caller).
        let token = unsafe { util::bytes(token.cast(), token_len) }?;
        // SAFETY: `scratch` points to `scratch_len` writable bytes aliasing nothing (caller).
        let scratch = unsafe { util::bytes_mut(scratch.cast(), scratch_len) }?;
        let mut audiences = [""; TOLLGATE_POLICY_MAX_AUDIENCES];
        // SAFETY: `policy` points to a readable policy not written meanwhile (caller).
        let policy = unsafe { policy::core_policy(policy, &mut audiences) }?;
        let (c, text) = jwt::verify_with_text(keys, &policy, token, now, scratch)?;
        let claims = tollgate_claims {
            iss: c_str(text.issuer),
            aud: c_str(text.audience),
            aud_index: c.audience_index(),
            sub: text.subject.map_or(ABSENT, c_str),
            jti: text.jwt_id.map_or(ABSENT, c_str),
            exp: c.expires_at().unwrap_or(0),
            nbf: c.not_before().unwrap_or(0),
            iat: c.issued_at().unwrap_or(0),
            has_sub: text.subject.is_some(),
            has_jti: text.jwt_id.is_some(),
            has_exp: c.expires_at().is_some(),
            has_nbf: c.not_before().is_some(),
            has_iat: c.issued_at().is_some(),
            json: c_str(c.json()),
        };
        // SAFETY: `out` is non-NULL and aligned (checked above) and writable (caller).
        unsafe { out.write(claims) };
        Ok(())
    })();
    result.into()
}

/// The claim set behind `claims` (re-validated: the caller owns the scratch it points to).
///
/// # Safety
/// `claims` is a `tollgate_claims` filled by `tollgate_verify` whose scratch is unchanged.
unsafe fn claim_value<'a>(
    claims: *const tollgate_claims,
    name: *const c_char,
    name_len: usize,
) -> Result<json::Value<'a>, Error> {
    util::check_ptr(claims)?;
    // SAFETY: `name` points to `name_len` readable bytes (caller).
    let name = unsafe { util::text(name, name_len) }?;
    // Only the `json` field is read (the flags are `bool`s a caller could have changed).
    // SAFETY: `claims` is non-NULL and aligned (checked above) and readable (caller).
    let set = unsafe { addr_of!((*claims).json).read() };
    // SAFETY: `json` points into the caller's unchanged scratch (caller).
    let text = unsafe { set.bytes() }?;
    typed::claim_in(text, name)
}

/// Reads claim `name` of `claims` with `read` and writes the result to `out`: the shared body
/// of the typed getters.
///
/// # Safety
/// As for `tollgate_claims_get`; `out` is NULL or writable.
unsafe fn typed_getter<T>(
    claims: *const tollgate_claims,
    name: *const c_char,
    name_len: usize,
    out: *mut T,
    read: impl FnOnce(&json::Value<'_>) -> Result<T, Error>,
) -> tollgate_status {
    let result = (|| {
        util::check_ptr(out)?;
        // SAFETY: forwarded from the caller.
        let value = read(&unsafe { claim_value(claims, name, name_len) }?)?;
        // SAFETY: non-NULL and aligned (checked above), writable (caller).
        unsafe { out.write(value) };
        Ok(())
    })();
    result.into()
}

/// The top-level claim `name`/`name_len` of verified `claims` as JSON text (e.g. `"abc"` with
/// quotes and escapes, `42`, `["a","b"]`, `{...}`): `*out_json` points into the scratch
/// buffer, `*out_len` is its length. Statuses: `TOLLGATE_STATUS_CLAIM_NOT_FOUND`,
/// `TOLLGATE_STATUS_INVALID_TEXT` (name not UTF-8 or with NUL), `TOLLGATE_STATUS_NULL_POINTER`,
/// `TOLLGATE_STATUS_MALFORMED` (the scratch was overwritten since `tollgate_verify`). Outputs
/// are written only on success.
///
/// # Safety
/// `claims` was filled by a successful `tollgate_verify` and its scratch buffer is unchanged;
/// `name` points to `name_len` bytes; `out_json` and `out_len` are writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_claims_get(
    claims: *const tollgate_claims,
    name: *const c_char,
    name_len: usize,
    out_json: *mut *const c_char,
    out_len: *mut usize,
) -> tollgate_status {
    let result = (|| {
        util::check_ptr(out_json)?;
        util::check_ptr(out_len)?;
        // SAFETY: `claims` and `name` are valid as `tollgate_claims_get` requires (caller).
        let raw = unsafe { claim_value(claims, name, name_len) }?.raw();
        // SAFETY: both are non-NULL and aligned (checked above) and writable (caller).
        unsafe {
            out_json.write(raw.as_ptr().cast());
            out_len.write(raw.len());
        }
        Ok(())
    })();
    result.into()
}

/// The string claim `name`/`name_len` of verified `claims`, unescaped into `buf`/`buf_len`
/// (UTF-8, not NUL-terminated; may contain NUL if the claim does); `*out_len` is its length.
/// A buffer as long as the claim's JSON text (from `tollgate_claims_get`) always suffices.
/// Statuses: `TOLLGATE_STATUS_CLAIM_NOT_FOUND`, `TOLLGATE_STATUS_INVALID_CLAIM` (not a
/// string), `TOLLGATE_STATUS_BUFFER_TOO_SMALL`, `TOLLGATE_STATUS_INVALID_TEXT`,
/// `TOLLGATE_STATUS_NULL_POINTER`, `TOLLGATE_STATUS_MALFORMED`. `buf` and `*out_len` are
/// written only on success.
///
/// # Safety
/// As for `tollgate_claims_get`; `buf` points to `buf_len` writable bytes (NULL only with 0)
/// not overlapping the scratch buffer.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_claims_get_str(
    claims: *const tollgate_claims,
    name: *const c_char,
    name_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> tollgate_status {
    let result = (|| {
        util::check_ptr(out_len)?;
        // SAFETY: `buf` points to `buf_len` writable bytes overlapping nothing (caller).
        let buf = unsafe { util::bytes_mut(buf.cast(), buf_len) }?;
        // SAFETY: `claims` and `name` are valid as `tollgate_claims_get` requires (caller).
        let value = unsafe { claim_value(claims, name, name_len) }?
            .as_str()
            .ok_or(Error::InvalidClaim)?;
        let text = value.unescape_into(buf)?;
        // SAFETY: non-NULL and aligned (checked above), writable (caller).
        unsafe { out_len.write(text.len()) };
        Ok(())
    })();
    result.into()
}

/// The integer claim `name`/`name_len` (a JSON number without fraction or exponent, in
/// `int64_t` range) of verified `claims` in `*out`. Statuses: `TOLLGATE_STATUS_CLAIM_NOT_FOUND`,
/// `TOLLGATE_STATUS_INVALID_CLAIM` (not such a number), `TOLLGATE_STATUS_INVALID_TEXT`,
/// `TOLLGATE_STATUS_NULL_POINTER`, `TOLLGATE_STATUS_MISALIGNED`, `TOLLGATE_STATUS_MALFORMED`
/// (the scratch was overwritten). `*out` is written only on success.
///
/// # Safety
/// As for `tollgate_claims_get`; `out` is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_claims_get_i64(
    claims: *const tollgate_claims,
    name: *const c_char,
    name_len: usize,
    out: *mut i64,
) -> tollgate_status {
    // SAFETY: forwarded from the caller.
    unsafe { typed_getter(claims, name, name_len, out, typed::as_i64) }
}

/// The number claim `name`/`name_len` of verified `claims` as a `double` in `*out`, exactly
/// rounded: its decimal significand must be at most 2^53 and its decimal exponent within ±22
/// (timestamps, counts, ordinary decimals); `TOLLGATE_STATUS_INVALID_CLAIM` when not a number
/// or outside that domain (use `tollgate_claims_get` for the text). Other statuses as for
/// `tollgate_claims_get_i64`.
///
/// # Safety
/// As for `tollgate_claims_get`; `out` is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_claims_get_f64(
    claims: *const tollgate_claims,
    name: *const c_char,
    name_len: usize,
    out: *mut f64,
) -> tollgate_status {
    // SAFETY: forwarded from the caller.
    unsafe { typed_getter(claims, name, name_len, out, typed::as_f64) }
}

/// The boolean claim `name`/`name_len` of verified `claims` in `*out`
/// (`TOLLGATE_STATUS_INVALID_CLAIM` when not `true` or `false`). Other statuses as for
/// `tollgate_claims_get_i64`.
///
/// # Safety
/// As for `tollgate_claims_get`; `out` is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_claims_get_bool(
    claims: *const tollgate_claims,
    name: *const c_char,
    name_len: usize,
    out: *mut bool,
) -> tollgate_status {
    // SAFETY: forwarded from the caller.
    unsafe { typed_getter(claims, name, name_len, out, typed::as_bool) }
}

/// How many strings the string-list claim `name`/`name_len` of verified `claims` holds, in
/// `*out_count`: a string counts as a list of one (as RFC 7519 allows for `aud`); an array
/// must hold only strings (`TOLLGATE_STATUS_INVALID_CLAIM` otherwise). Read each with
/// `tollgate_claims_get_str_at`. Other statuses as for `tollgate_claims_get_i64`.
///
/// # Safety
/// As for `tollgate_claims_get`; `out_count` is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_claims_get_str_count(
    claims: *const tollgate_claims,
    name: *const c_char,
    name_len: usize,
    out_count: *mut usize,
) -> tollgate_status {
    // SAFETY: forwarded from the caller.
    unsafe { typed_getter(claims, name, name_len, out_count, typed::str_count) }
}

/// String `index` (0-based, below the count of `tollgate_claims_get_str_count`) of the
/// string-list claim `name`/`name_len`, unescaped into `buf`/`buf_len` (UTF-8, not
/// NUL-terminated); `*out_len` is its length. Statuses: `TOLLGATE_STATUS_INVALID_ARGUMENT`
/// (index past the end), `TOLLGATE_STATUS_BUFFER_TOO_SMALL`, and those of
/// `tollgate_claims_get_str_count`. `buf` and `*out_len` are written only on success.
///
/// # Safety
/// As for `tollgate_claims_get_str`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_claims_get_str_at(
    claims: *const tollgate_claims,
    name: *const c_char,
    name_len: usize,
    index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> tollgate_status {
    let result = (|| {
        util::check_ptr(out_len)?;
        // SAFETY: `buf` points to `buf_len` writable bytes overlapping nothing (caller).
        let buf = unsafe { util::bytes_mut(buf.cast(), buf_len) }?;
        // SAFETY: `claims` and `name` are valid as `tollgate_claims_get` requires (caller).
        let value = unsafe { claim_value(claims, name, name_len) }?;
        let text = typed::str_at(&value, index)?.unescape_into(buf)?;
        // SAFETY: non-NULL and aligned (checked above), writable (caller).
        unsafe { out_len.write(text.len()) };
        Ok(())
    })();
    result.into()
}
