//! RSA signature verification: RSASSA-PKCS1-v1_5 with SHA-256 (RS256), allocation-free.
//!
//! ```
//! # fn demo(n: &[u8], e: &[u8], message: &[u8], signature: &[u8]) -> Result<(), tollgate_core::Error> {
//! use tollgate_core::rsa::{verify_pkcs1_sha256, RsaPublicKey};
//! let key = RsaPublicKey::from_be_bytes(n, e)?; // once, e.g. when the JWKS is loaded
//! verify_pkcs1_sha256(&key, message, signature)?; // Err(BadSignature) if it does not verify
//! # Ok(()) }
//! ```
//!
//! Keys of 2048 to 4096 bits; the key keeps the Montgomery constants so a verification is
//! one conversion, `e`'s square-and-multiply and a byte-for-byte compare with the full expected
//! encoding (padding is never parsed). The arithmetic is variable-time: that is fine here
//! because every input (key, message, signature) is public.

#[cfg(target_arch = "x86_64")]
mod adx;
mod encoding;
mod key;
mod limbs;
mod montgomery;
mod portable;
mod verify;

pub use key::{RsaPublicKey, MAX_MODULUS_BITS, MIN_MODULUS_BITS};
pub use verify::{verify_pkcs1_sha256, verify_pkcs1_sha256_digest};
