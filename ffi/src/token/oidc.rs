//! `tollgate_oidc_parse`: `issuer` and `jwks_uri` of an OpenID configuration document,
//! unescaped into the caller's buffers.

use crate::status::tollgate_status;
use crate::util;
use core::ffi::c_char;
use tollgate_core::oidc::Discovery;
use tollgate_core::Error;

/// Read an OpenID configuration document (`.well-known/openid-configuration`, or ACS's
/// `acsopenidconfiguration`) `doc`/`doc_len`: its `issuer` is unescaped into
/// `issuer_buf`/`issuer_cap` (length in `*issuer_len`) and its `jwks_uri` into
/// `jwks_uri_buf`/`jwks_uri_cap` (length in `*jwks_uri_len`); neither is NUL-terminated.
/// Buffers of `doc_len` bytes always suffice.
///
/// Compare the issuer with the one you expect before trusting the document; fetch the JWKS
/// from `jwks_uri` and give it to `tollgate_keyset_parse`.
///
/// Statuses: `TOLLGATE_STATUS_INVALID_DISCOVERY` (not a strict JSON object, duplicate names,
/// `issuer` or `jwks_uri` missing, empty or not a string), `TOLLGATE_STATUS_INSECURE_JWKS_URI`
/// (`jwks_uri` not `https://` with a host, or containing spaces, controls or backslashes),
/// `TOLLGATE_STATUS_BUFFER_TOO_SMALL`, `TOLLGATE_STATUS_NULL_POINTER`. On failure nothing is
/// written (neither buffer nor length).
///
/// # Safety
/// `doc` points to `doc_len` readable bytes; each buffer to its capacity in writable bytes
/// (NULL only with 0), not overlapping `doc` or each other; the length pointers are writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_oidc_parse(
    doc: *const c_char,
    doc_len: usize,
    issuer_buf: *mut c_char,
    issuer_cap: usize,
    issuer_len: *mut usize,
    jwks_uri_buf: *mut c_char,
    jwks_uri_cap: usize,
    jwks_uri_len: *mut usize,
) -> tollgate_status {
    let result = (|| {
        util::check_ptr(issuer_len)?;
        util::check_ptr(jwks_uri_len)?;
        // SAFETY: `doc` points to `doc_len` readable bytes (caller).
        let doc = unsafe { util::bytes(doc.cast(), doc_len) }?;
        // SAFETY: each buffer points to its capacity in writable bytes overlapping nothing
        // else (caller).
        let issuer_buf = unsafe { util::bytes_mut(issuer_buf.cast(), issuer_cap) }?;
        // SAFETY: as above.
        let jwks_uri_buf = unsafe { util::bytes_mut(jwks_uri_buf.cast(), jwks_uri_cap) }?;
        let discovery = Discovery::parse(doc)?;
        // Both must fit before either is written.
        if discovery.issuer.unescaped_len() > issuer_buf.len()
            || discovery.jwks_uri.unescaped_len() > jwks_uri_buf.len()
        {
            return Err(Error::BufferTooSmall);
        }
        let issuer = discovery.issuer.unescape_into(issuer_buf)?.len();
        let jwks_uri = discovery.jwks_uri.unescape_into(jwks_uri_buf)?.len();
        // SAFETY: both are non-NULL and aligned (checked above) and writable (caller).
        unsafe {
            issuer_len.write(issuer);
            jwks_uri_len.write(jwks_uri);
        }
        Ok(())
    })();
    result.into()
}
