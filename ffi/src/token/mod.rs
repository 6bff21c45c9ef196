//! C entry points for RS256 tokens: key sets parsed from JWKS documents ([`keyset`]),
//! verification policies ([`policy`]), token verification and the claims view ([`verify`]),
//! and OIDC discovery ([`oidc`]). Thin: pointer checks, then `tollgate_core::{jwk, jwt, oidc}`.
//!
//! Fixed-size state (`tollgate_keyset`, `tollgate_policy`) is an opaque array of `uint64_t`
//! the caller places anywhere (static, stack, heap); the size is a literal in the header and
//! also returned by `tollgate_keyset_size()` / `tollgate_policy_size()` for ctypes and dlopen
//! users. Neither holds pointers: both may be copied with `memcpy`.

pub mod keyset;
pub mod oidc;
pub mod policy;
mod skip;
pub mod verify;
