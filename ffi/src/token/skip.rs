//! The C skip-reason numbers of `tollgate_jwks_report`, one per
//! `tollgate_core::jwk::SkipReason`, and their names.
//!
//! Generated from core's list by ffi/tests/generated.rs; do not edit. Refresh with
//! `TOLLGATE_BLESS=1 cargo test -p tollgate-ffi --test generated`.

use tollgate_core::jwk::SkipReason;

/// Skip reason `not_rsa`. `kty` is absent or not `RSA`.
pub const TOLLGATE_SKIP_NOT_RSA: u32 = 1;
const _: () = assert!(SkipReason::NotRsa as u32 == TOLLGATE_SKIP_NOT_RSA);

/// Skip reason `not_for_signature`. `use` is present and not `sig`.
pub const TOLLGATE_SKIP_NOT_FOR_SIGNATURE: u32 = 2;
const _: () = assert!(SkipReason::NotForSignature as u32 == TOLLGATE_SKIP_NOT_FOR_SIGNATURE);

/// Skip reason `not_rs256`. `alg` is present and not `RS256`.
pub const TOLLGATE_SKIP_NOT_RS256: u32 = 3;
const _: () = assert!(SkipReason::NotRs256 as u32 == TOLLGATE_SKIP_NOT_RS256);

/// Skip reason `no_verify_operation`. `key_ops` is present without `verify`.
pub const TOLLGATE_SKIP_NO_VERIFY_OPERATION: u32 = 4;
const _: () = assert!(SkipReason::NoVerifyOperation as u32 == TOLLGATE_SKIP_NO_VERIFY_OPERATION);

/// Skip reason `unsupported_key_size`. The modulus is outside 2048–4096 bits.
pub const TOLLGATE_SKIP_UNSUPPORTED_KEY_SIZE: u32 = 5;
const _: () = assert!(SkipReason::UnsupportedKeySize as u32 == TOLLGATE_SKIP_UNSUPPORTED_KEY_SIZE);

/// Skip reason `bad_encoding`. The entry is not an object, has duplicate members, or a member (`n`, `e`, `kid`, `key_ops`, ...) has the wrong type or encoding, or the key is not a valid RSA key.
pub const TOLLGATE_SKIP_BAD_ENCODING: u32 = 6;
const _: () = assert!(SkipReason::BadEncoding as u32 == TOLLGATE_SKIP_BAD_ENCODING);

/// Skip reason `kid_too_long`. The `kid` is longer than `MAX_KID_LEN` bytes.
pub const TOLLGATE_SKIP_KID_TOO_LONG: u32 = 7;
const _: () = assert!(SkipReason::KidTooLong as u32 == TOLLGATE_SKIP_KID_TOO_LONG);

/// The NUL-terminated name of any skip-reason number (`unknown_skip_reason` for others).
pub(crate) fn skip_reason_cstr(reason: u32) -> &'static [u8] {
    match reason {
        1 => b"not_rsa\0",
        2 => b"not_for_signature\0",
        3 => b"not_rs256\0",
        4 => b"no_verify_operation\0",
        5 => b"unsupported_key_size\0",
        6 => b"bad_encoding\0",
        7 => b"kid_too_long\0",
        _ => b"unknown_skip_reason\0",
    }
}
