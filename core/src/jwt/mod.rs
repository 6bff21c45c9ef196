//! RS256 JSON Web Token verification (RFC 7519 over RFC 7515 compact JWS) against a
//! [`KeySet`] and a [`Policy`], without allocating.
//!
//! [`verify`] works in this order and stops at the first failure, so nothing in the claims is
//! believed before the signature verified:
//! 1. the policy is complete ([`Error::InvalidPolicy`]); the token is at most
//!    [`Policy::max_token_len`] bytes ([`Error::TooLarge`]);
//! 2. the header segment (everything before the first `.`) decodes to at most
//!    [`MAX_HEADER_LEN`] bytes ([`Error::HeaderTooLarge`], judged from its length alone, so
//!    a header flood costs a scan of at most that many bytes); exactly three segments, each
//!    canonical unpadded base64url, no whitespace ([`Error::Malformed`]; the header and
//!    payload are decoded into scratch here, but the payload is not read until step 5);
//! 3. the header: strict JSON object of at most [`MAX_HEADER_MEMBERS`] members
//!    ([`Error::HeaderTooLarge`]), no duplicate names; `alg` exactly `RS256`
//!    ([`Error::UnsupportedAlg`]); no `crit` ([`Error::UnsupportedCrit`]); `typ` when the
//!    policy asks, compared as a media type ([`typ_matches`], [`Error::WrongType`]); the key chosen by `kid` ([`Error::UnknownKid`],
//!    [`Error::MissingKid`]; see [`crate::jwk`] for the refresh-with-cooldown pattern).
//!    `jku`, `x5u`, `jwk`, `x5c` are ignored;
//! 4. the signature: exactly the modulus length ([`Error::Malformed`] otherwise), then
//!    RSASSA-PKCS1-v1_5/SHA-256 over `header.payload` ([`Error::BadSignature`]);
//! 5. only then the claims: strict JSON object without duplicate names, `iss`, `aud`,
//!    `exp`, `nbf`, `iat` (see [`Claims`] for the exact rules).
//!
//! The decoded header and payload go into the caller's `scratch`; `token.len()` bytes
//! ([`scratch_len`]) always suffice, otherwise [`Error::BufferTooSmall`]. The returned
//! [`Claims`] borrow it.
//!
//! ```
//! use tollgate_core::{jwk::KeySet, jwt::{self, Policy}, Error};
//! # let jwks = include_bytes!("../../../tests/fixtures/jwt/jwks-acs.json");
//! let keys = KeySet::<16>::parse(jwks)?; // once; refresh on `unknown_kid` (with a cooldown)
//! let policy = Policy::new("https://acscallautomation.communication.azure.com", &["my-acs-id"]);
//! # let token = b"e30.e30.e30";
//! let mut scratch = [0u8; 4096];
//! match jwt::verify(&keys, &policy, token, 1_700_000_000, &mut scratch) {
//!     Ok(claims) => { let _sub = claims.subject(); }
//!     Err(e) => assert_eq!(e.name(), "unsupported_alg"),
//! }
//! # Ok::<(), Error>(())
//! ```

#[cfg(target_arch = "x86_64")]
mod base64_avx2;
mod claims;
mod compact;
mod header;
mod owned;
mod policy;
mod text;
pub mod typed;

pub use claims::Claims;
pub use header::{typ_matches, MAX_HEADER_LEN, MAX_HEADER_MEMBERS};
pub use owned::{
    PolicyStore, MAX_AUDIENCES, MAX_AUDIENCE_LEN, MAX_ISSUER_LEN, MAX_LEEWAY, MAX_TYP_LEN,
    POLICY_STORE_SIZE,
};
pub use policy::{Policy, DEFAULT_LEEWAY, DEFAULT_MAX_DEPTH, DEFAULT_MAX_TOKEN_LEN};
pub use text::{text_scratch_len, verify_with_text, ClaimText};

use crate::jwk::{Key, KeySet};
use crate::rsa::verify_pkcs1_sha256;
use crate::Error;

/// How many keys the key set of the C library and the CLI holds (`KeySet<KEY_SET_CAPACITY>`,
/// [`DefaultKeySet`]): every Azure JWKS seen so far has fewer than 8.
pub const KEY_SET_CAPACITY: usize = 16;

/// The key set the C library and the CLI use.
pub type DefaultKeySet = KeySet<KEY_SET_CAPACITY>;

/// The largest RSA signature, bytes (4096-bit keys).
pub const MAX_SIGNATURE_LEN: usize = 512;

/// Scratch space that always suffices for a token of `token_len` bytes.
pub const fn scratch_len(token_len: usize) -> usize {
    token_len
}

/// Decodes one segment of a compact JWS with the decoder [`verify`] uses (canonical unpadded
/// base64url; AVX2 where the CPU has it) into the front of `buf`: [`Error::Malformed`] for
/// anything else, [`Error::BufferTooSmall`] when `buf` is shorter than the decoded length
/// (3/4 of the segment's, rounded down). For tools and benchmarks that take a token apart.
pub fn decode_segment<'b>(segment: &[u8], buf: &'b mut [u8]) -> Result<&'b [u8], Error> {
    compact::decode(segment, buf)
}

/// Verifies `token` (the compact serialization, without any `Bearer ` prefix) with `keys` and
/// `policy` at Unix time `now`, decoding into `scratch`. See the module docs for the order.
pub fn verify<'s, const N: usize>(
    keys: &KeySet<N>,
    policy: &Policy<'_>,
    token: &[u8],
    now: u64,
    scratch: &'s mut [u8],
) -> Result<Claims<'s>, Error> {
    verify_signature(keys, policy, token, scratch)?.claims(policy, now)
}

/// A token whose header passed the policy and whose signature verified; its payload has not
/// been read yet.
#[derive(Clone, Copy, Debug)]
pub struct Verified<'s, 'k> {
    header: &'s str,
    payload: &'s [u8],
    key: &'k Key,
}

impl<'s, 'k> Verified<'s, 'k> {
    /// The decoded header JSON.
    pub fn header(&self) -> &'s str {
        self.header
    }

    /// The decoded payload bytes (a JWS payload need not be JSON; a JWT's is).
    pub fn payload(&self) -> &'s [u8] {
        self.payload
    }

    /// The key that verified the signature.
    pub fn key(&self) -> &'k Key {
        self.key
    }

    /// Reads the payload as JWT claims and applies the policy at `now` (step 5).
    pub fn claims(&self, policy: &Policy<'_>, now: u64) -> Result<Claims<'s>, Error> {
        Claims::check(self.payload, policy, now)
    }
}

/// Steps 1–4 of [`verify`]: everything but the claims. For a JWS whose payload is not a
/// claim set (e.g. the RFC 7520 examples), or to read claims with your own rules.
pub fn verify_signature<'s, 'k, const N: usize>(
    keys: &'k KeySet<N>,
    policy: &Policy<'_>,
    token: &[u8],
    scratch: &'s mut [u8],
) -> Result<Verified<'s, 'k>, Error> {
    policy.check()?;
    if token.len() > policy.max_token_len {
        return Err(Error::TooLarge);
    }
    compact::check_header_len(token, MAX_HEADER_LEN)?;
    let segments = compact::split(token)?;
    let header_room = compact::decoded_len(segments.header.len());
    let (header_buf, payload_buf) = scratch
        .split_at_mut_checked(header_room)
        .ok_or(Error::BufferTooSmall)?;
    let header_json = compact::decode(segments.header, header_buf)?;
    let header = header::check(header_json, policy)?;
    let key = match header.kid {
        // A kid without escapes is compared as it stands (what `select` does after decoding).
        Some(kid) if header.plain => keys.find(kid.raw()).ok_or(Error::UnknownKid)?,
        kid => keys.select(kid)?,
    };

    // Decoding is not believing: the payload is only checked as base64url here (so every
    // encoding error is `malformed`), and read as JSON after the signature verified.
    let payload = compact::decode(segments.payload, payload_buf)?;

    let mut signature_buf = [0u8; MAX_SIGNATURE_LEN];
    let signature = compact::decode(segments.signature, &mut signature_buf).map_err(|e| {
        if e == Error::BufferTooSmall {
            Error::Malformed
        } else {
            e
        }
    })?;
    if signature.len() != key.public_key().modulus_len() {
        return Err(Error::Malformed);
    }
    verify_pkcs1_sha256(key.public_key(), segments.signing_input, signature)
        .map_err(|_| Error::BadSignature)?;

    Ok(Verified {
        header: header.text,
        payload,
        key,
    })
}

/// A token decoded without any verification (for display and debugging only: nothing in it
/// may be trusted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unverified<'s> {
    /// The decoded header (strict JSON).
    pub header: &'s str,
    /// The decoded payload bytes (not checked: may be anything).
    pub payload: &'s [u8],
    /// The decoded signature's length in bytes.
    pub signature_len: usize,
}

/// Splits and decodes `token` into `scratch` (at least [`scratch_len`] bytes) and checks that
/// the header is strict JSON nested at most `max_depth` deep. Verifies nothing.
pub fn decode_unverified<'s>(
    token: &[u8],
    scratch: &'s mut [u8],
    max_depth: u32,
) -> Result<Unverified<'s>, Error> {
    let segments = compact::split(token)?;
    let (header_buf, rest) = scratch
        .split_at_mut_checked(compact::decoded_len(segments.header.len()))
        .ok_or(Error::BufferTooSmall)?;
    let (payload_buf, signature_buf) = rest
        .split_at_mut_checked(compact::decoded_len(segments.payload.len()))
        .ok_or(Error::BufferTooSmall)?;
    let header = compact::decode(segments.header, header_buf)?;
    crate::json::parse(header, max_depth).map_err(|_| Error::Malformed)?;
    let header = core::str::from_utf8(header).map_err(|_| Error::Malformed)?;
    let payload = compact::decode(segments.payload, payload_buf)?;
    let signature_len = compact::decode(segments.signature, signature_buf)?.len();
    Ok(Unverified {
        header,
        payload,
        signature_len,
    })
}
