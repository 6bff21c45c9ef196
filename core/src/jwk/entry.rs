//! One JWKS entry (a JWK object) judged for RS256 verification: usable (its kid and RSA key)
//! or skipped with a [`SkipReason`]. Members we do not use (`x5c`, `x5t`, `issuer`, ...) are
//! only skipped over by the JSON walk.

use super::report::SkipReason;
use crate::json::{self, JsonStr, Kind, Value};
use crate::rsa::RsaPublicKey;
use base64ct::{Base64UrlUnpadded, Encoding};

/// Largest modulus accepted, in bytes (4096 bits).
const MAX_MODULUS_BYTES: usize = 512;
/// Decoding room: a maximal modulus plus a few (non-canonical but harmless) leading zeros.
const MODULUS_BUF: usize = MAX_MODULUS_BYTES + 8;

/// A usable entry: its `kid` (if any, still escaped) and its key members, checked (they make
/// a valid RSA key) but not yet built into one ([`UsableKey::build_into`] does that).
#[derive(Clone, Copy)]
pub(super) struct UsableKey<'d> {
    pub kid: Option<JsonStr<'d>>,
    n: JsonStr<'d>,
    e: JsonStr<'d>,
}

impl UsableKey<'_> {
    /// Builds the key in place in `out` (no key-sized temporary on the stack). `false` only
    /// if the members no longer make a key, which [`judge`] has ruled out.
    #[inline(never)]
    pub fn build_into(&self, out: &mut RsaPublicKey) -> bool {
        let mut n_buf = [0u8; MODULUS_BUF];
        let mut e_buf = [0u8; 8];
        match (
            decode_unsigned(self.n, &mut n_buf),
            decode_unsigned(self.e, &mut e_buf),
        ) {
            (Ok(modulus), Ok(exponent)) => out.init_from_be_bytes(modulus, exponent).is_ok(),
            _ => false,
        }
    }
}

/// Judges one element of the `keys` array: every check a load makes, without building the
/// key (so judging a whole document costs no modular arithmetic and little stack).
#[inline(never)]
pub(super) fn judge(entry: Value<'_>) -> Result<UsableKey<'_>, SkipReason> {
    if entry.kind() != Kind::Object || !json::check_unique_names(&entry) {
        return Err(SkipReason::BadEncoding);
    }
    let text = |name: &str| -> Result<Option<JsonStr<'_>>, SkipReason> {
        match entry.get(name) {
            None => Ok(None),
            Some(v) => v.as_str().map(Some).ok_or(SkipReason::BadEncoding),
        }
    };
    match entry.get("kty").and_then(|v| v.as_str()) {
        Some(kty) if kty.eq_str("RSA") => {}
        _ => return Err(SkipReason::NotRsa),
    }
    if text("use")?.is_some_and(|u| !u.eq_str("sig")) {
        return Err(SkipReason::NotForSignature);
    }
    if text("alg")?.is_some_and(|a| !a.eq_str("RS256")) {
        return Err(SkipReason::NotRs256);
    }
    if let Some(ops) = entry.get("key_ops") {
        let mut ops = ops.elements().ok_or(SkipReason::BadEncoding)?;
        if !ops.any(|op| op.as_str().is_some_and(|s| s.eq_str("verify"))) {
            return Err(SkipReason::NoVerifyOperation);
        }
    }
    let kid = text("kid")?;
    if kid.is_some_and(|k| k.unescaped_len() > super::MAX_KID_LEN) {
        return Err(SkipReason::KidTooLong);
    }
    let n = text("n")?.ok_or(SkipReason::BadEncoding)?;
    let e = text("e")?.ok_or(SkipReason::BadEncoding)?;

    let mut n_buf = [0u8; MODULUS_BUF];
    let modulus = decode_unsigned(n, &mut n_buf).map_err(|too_long| {
        if too_long {
            SkipReason::UnsupportedKeySize
        } else {
            SkipReason::BadEncoding
        }
    })?;
    let bits = match modulus.first() {
        Some(top) => modulus.len() * 8 - top.leading_zeros() as usize,
        None => 0,
    };
    if !(2048..=4096).contains(&bits) {
        return Err(SkipReason::UnsupportedKeySize);
    }
    let mut e_buf = [0u8; 8];
    let exponent = decode_unsigned(e, &mut e_buf).map_err(|_| SkipReason::BadEncoding)?;
    RsaPublicKey::check_be_bytes(modulus, exponent).map_err(|_| SkipReason::BadEncoding)?;
    Ok(UsableKey { kid, n, e })
}

/// Decodes a base64url (unpadded, canonical) big-endian unsigned integer into `buf` and strips
/// leading zero bytes. `Err(true)`: too long for `buf`; `Err(false)`: bad encoding.
fn decode_unsigned<'b>(value: JsonStr<'_>, buf: &'b mut [u8]) -> Result<&'b [u8], bool> {
    // base64url never needs escapes; an escaped value is refused rather than decoded.
    let encoded = value.as_plain().ok_or(false)?;
    if encoded.len().saturating_mul(3) / 4 > buf.len() {
        return Err(true);
    }
    let decoded = Base64UrlUnpadded::decode(encoded, buf).map_err(|_| false)?;
    let zeros = decoded.iter().take_while(|&&b| b == 0).count();
    decoded.get(zeros..).ok_or(false)
}
