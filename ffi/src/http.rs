//! C entry points of the HTTP helpers: the bearer token of an `Authorization` value and the
//! query-string API key check. Thin: pointer checks, then `tollgate_core::{http, apikey}`.

use crate::status::tollgate_status;
use crate::types::{str_array, tollgate_str};
use crate::util;
use core::ffi::c_char;
use tollgate_core::Error;

/// Find the token in an `Authorization` header value of the form `Bearer <token68>`.
///
/// `value`/`value_len` is the header's field value (surrounding spaces/tabs are ignored).
/// The scheme is case-insensitive and followed by one or more spaces (not tabs); the token
/// is token68 characters only (`A-Z a-z 0-9 - . _ ~ + /`, then optional trailing `=`), with
/// nothing after it.
///
/// On success `*out_token` points INTO `value` (not NUL-terminated; valid as long as
/// `value` is) and `*out_len` is its length. On failure (`TOLLGATE_STATUS_INVALID_AUTHORIZATION`,
/// or `TOLLGATE_STATUS_NULL_POINTER` for a NULL output or a NULL `value` with non-zero length)
/// the outputs are not written.
///
/// # Safety
/// `value` must point to `value_len` readable bytes (or be NULL with 0); `out_token` and
/// `out_len` must be valid for writing.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_bearer_token(
    value: *const c_char,
    value_len: usize,
    out_token: *mut *const c_char,
    out_len: *mut usize,
) -> tollgate_status {
    let result = (|| {
        util::check_ptr(out_token)?;
        util::check_ptr(out_len)?;
        // SAFETY: `value` points to `value_len` readable bytes (caller).
        let value = unsafe { util::bytes(value.cast(), value_len) }?;
        let token = tollgate_core::http::bearer_token(value)?;
        // SAFETY: both outputs are non-NULL and aligned (checked above) and writable (caller).
        unsafe {
            out_token.write(token.as_ptr().cast());
            out_len.write(token.len());
        }
        Ok::<(), Error>(())
    })();
    result.into()
}

/// Check the API key in query parameter `param` of request target `uri` against the
/// `keys_len` accepted `keys` (several during a rotation). Returns `TOLLGATE_STATUS_OK` when
/// the parameter appears exactly once and its percent-decoded value equals one of the keys.
///
/// `uri` is a request target in origin form (`/path?a=b`) or an absolute URI; the query ends
/// at `#`; names and values are percent-decoded and `+` stays `+` (not a space). Every
/// accepted key is compared on every call, through SHA-256 digests compared in constant
/// time, so timing reveals neither the keys' content nor their length.
///
/// Statuses: `TOLLGATE_STATUS_INVALID_ARGUMENT` (no keys, an empty key, an empty `param`),
/// `TOLLGATE_STATUS_INVALID_TEXT` (`param` not UTF-8 or containing NUL),
/// `TOLLGATE_STATUS_NULL_POINTER`, `TOLLGATE_STATUS_INVALID_URI` (bytes outside visible
/// ASCII, malformed `%`-encoding), `TOLLGATE_STATUS_MISSING_PARAMETER`,
/// `TOLLGATE_STATUS_DUPLICATE_PARAMETER` (parameter pollution), `TOLLGATE_STATUS_KEY_MISMATCH`.
///
/// # Safety
/// Every non-NULL pointer must point to as many readable bytes (or `tollgate_str` items) as
/// its length says; NULL only with length 0.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_apikey_check(
    uri: *const c_char,
    uri_len: usize,
    param: *const c_char,
    param_len: usize,
    keys: *const tollgate_str,
    keys_len: usize,
) -> tollgate_status {
    let result = (|| {
        // SAFETY: each pointer points to as many readable bytes (or `tollgate_str` items) as
        // its length says (caller).
        let uri = unsafe { util::bytes(uri.cast(), uri_len) }?;
        // SAFETY: as above.
        let param = unsafe { util::text(param, param_len) }?;
        // SAFETY: as above.
        let keys = unsafe { str_array(keys, keys_len) }?;
        for key in keys {
            // SAFETY: as above, for each key's bytes.
            unsafe { key.bytes() }?;
        }
        // Every pointer was checked above; the fallback is never taken.
        // SAFETY: as above.
        let accepted = keys.iter().map(|k| unsafe { k.bytes() }.unwrap_or(&[]));
        tollgate_core::apikey::check_query_key(uri, param, accepted)
    })();
    result.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> tollgate_str {
        tollgate_str {
            ptr: v.as_ptr().cast(),
            len: v.len(),
        }
    }

    #[test]
    fn bearer_token_points_into_the_input_and_leaves_outputs_on_failure() {
        let v = "Bearer abc.def";
        let mut tok: *const c_char = core::ptr::null();
        let mut len = 99usize;
        // SAFETY: every pointer comes from a live Rust value of the right length.
        let st = unsafe { tollgate_bearer_token(v.as_ptr().cast(), v.len(), &mut tok, &mut len) };
        assert_eq!(st, tollgate_status::Ok);
        // SAFETY: every pointer comes from a live Rust value of the right length.
        assert_eq!(tok, unsafe { v.as_ptr().add(7) }.cast());
        assert_eq!(len, 7);

        let bad = "Basic abc";
        let mut tok2: *const c_char = core::ptr::null();
        let mut len2 = 99usize;
        let st =
            // SAFETY: every pointer comes from a live Rust value of the right length.
            unsafe { tollgate_bearer_token(bad.as_ptr().cast(), bad.len(), &mut tok2, &mut len2) };
        assert_eq!(st, tollgate_status::InvalidAuthorization);
        assert!(tok2.is_null());
        assert_eq!(len2, 99);

        // SAFETY: every pointer comes from a live Rust value of the right length.
        let st = unsafe {
            tollgate_bearer_token(v.as_ptr().cast(), v.len(), core::ptr::null_mut(), &mut len)
        };
        assert_eq!(st, tollgate_status::NullPointer);
        // SAFETY: every pointer comes from a live Rust value of the right length.
        let st = unsafe { tollgate_bearer_token(core::ptr::null(), 3, &mut tok, &mut len) };
        assert_eq!(st, tollgate_status::NullPointer);
        // SAFETY: every pointer comes from a live Rust value of the right length.
        let st = unsafe { tollgate_bearer_token(core::ptr::null(), 0, &mut tok, &mut len) };
        assert_eq!(st, tollgate_status::InvalidAuthorization);
    }

    #[test]
    fn apikey_check_statuses() {
        // SAFETY: every pointer comes from a live Rust value of the right length.
        let check = |uri: &str, param: &str, keys: &[tollgate_str]| unsafe {
            tollgate_apikey_check(
                uri.as_ptr().cast(),
                uri.len(),
                param.as_ptr().cast(),
                param.len(),
                keys.as_ptr(),
                keys.len(),
            )
        };
        let keys = [s("old"), s("new")];
        assert_eq!(check("/w?token=new", "token", &keys), tollgate_status::Ok);
        assert_eq!(
            check("/w?token=nope", "token", &keys),
            tollgate_status::KeyMismatch
        );
        assert_eq!(
            check("/w", "token", &keys),
            tollgate_status::MissingParameter
        );
        assert_eq!(
            check("/w?token=new&token=new", "token", &keys),
            tollgate_status::DuplicateParameter
        );
        assert_eq!(
            check("/w?token=%zz", "token", &keys),
            tollgate_status::InvalidUri
        );
        assert_eq!(
            check("/w?token=new", "", &keys),
            tollgate_status::InvalidArgument
        );
        assert_eq!(
            check("/w?token=new", "tok\0en", &keys),
            tollgate_status::InvalidText
        );
        assert_eq!(
            check("/w?token=new", "token", &[]),
            tollgate_status::InvalidArgument
        );
        assert_eq!(
            check("/w?token=", "token", &[s("")]),
            tollgate_status::InvalidArgument
        );
        let null_key = [
            s("new"),
            tollgate_str {
                ptr: core::ptr::null(),
                len: 4,
            },
        ];
        assert_eq!(
            check("/w?token=new", "token", &null_key),
            tollgate_status::NullPointer
        );
        // SAFETY: every pointer comes from a live Rust value of the right length.
        let st = unsafe {
            tollgate_apikey_check(
                core::ptr::null(),
                0,
                core::ptr::null(),
                0,
                core::ptr::null(),
                5,
            )
        };
        assert_eq!(st, tollgate_status::NullPointer);
    }
}
