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
//! - Keys: 2048 to 4096-bit odd, minimally encoded moduli; odd exponents `3 <= e < 2^33`
//!   (ring's rule). [`RsaPublicKey`] is 1,048 bytes whatever the size and keeps the Montgomery
//!   constants (`R^2 mod n`, `-n^-1 mod 2^64`), so a verification never recomputes them.
//! - Verification: the signature must be exactly the modulus length and `s < n`; `s^e mod n`
//!   (`e = 65537`: 16 squarings and 2 multiplications) is compared byte for byte with the full
//!   expected encoding `00 01 FF..FF 00 || DigestInfo(SHA-256) || H`. Padding is never parsed.
//! - Arithmetic: Montgomery multiplication with the limb count fixed per size class (32, 48
//!   or 64 limbs of 64 bits), behind three backends, each tested against the others, a naive
//!   oracle, ring and Wycheproof:
//!   - `portable`: `u128` Rust, product scanning (each column summed in three words, the
//!     reduction interleaved), a dedicated squaring; runs everywhere, and is faster than ring's
//!     mulx/adx assembly on x86_64 (`rsa_ab`: 0.95×, 0.96× and 0.92× of its time at 2048, 3072
//!     and 4096 bits).
//!   - `adx` (x86_64 with BMI2 and ADX): assembly with two carry chains (`mulx`, `adcx`, `adox`).
//!   - `ifma` (x86_64 with AVX-512F and IFMA): radix 2^52 digits, eight per 512-bit register,
//!     almost-Montgomery products (`< 2n`) after Gueron and Krasnov's rsaz-avx512 approach, the
//!     accumulator's lowest digit also tracked in a general-purpose register (so each step's
//!     quotient digit does not wait for the vector unit); the signature, modulus and `R^2` are
//!     converted to digits once per verification (the key's `R^2` is shifted to the digit
//!     radix's with one short quotient step per 60 bits).
//!
//!   The CPU is asked once with `cpuid` (and `xgetbv` for AVX-512 state), and the answers are
//!   cached in statics: the only process-wide state, immutable facts about the CPU. The
//!   automatic choice is the fastest measured backend the CPU has; `Arithmetic` and
//!   `verify_pkcs1_sha256_forced` (doc-hidden) force one for tests and benchmarks.
//! - Stack: about 5.5 KiB for a 4096-bit verification on the ADX path in an optimised build
//!   (tests/tests/rsa_stack.rs); the IFMA path adds about 2 KiB of 512-bit temporaries (the C
//!   figures: tests/c/measure_token_stack.c).
//!
//! The arithmetic is variable-time. That is fine here: every input (key, message, signature)
//! is public, and nothing secret is computed.

#[cfg(target_arch = "x86_64")]
mod adx;
mod encoding;
#[cfg(target_arch = "x86_64")]
mod ifma;
mod key;
mod limbs;
mod montgomery;
mod portable;
// Used by the IFMA backend only; its tests run everywhere.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
mod radix52;
mod verify;

pub use key::{RsaPublicKey, MAX_MODULUS_BITS, MIN_MODULUS_BITS};
#[doc(hidden)]
pub use verify::{public_op_forced, verify_pkcs1_sha256_forced, Arithmetic};
pub use verify::{verify_pkcs1_sha256, verify_pkcs1_sha256_digest};
