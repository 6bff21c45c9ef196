//! RSASSA-PKCS1-v1_5 / SHA-256 verification: `s < n`, `s^e mod n`, and a whole-encoding compare.

use super::encoding::write_expected_encoding;
use super::key::{RsaPublicKey, MAX_LIMBS};
use super::limbs::{less_than, load_be_bytes, store_be_bytes, LIMB_BYTES};
use super::montgomery::{Exponentiation, Portable};
use crate::Error;

/// Verifies an RSASSA-PKCS1-v1_5 signature with SHA-256 over `message`.
///
/// `Err(Error::BadSignature)` for any bad signature: a length other than
/// [`RsaPublicKey::modulus_len`], `s >= n`, or an encoding that differs from the expected one.
pub fn verify_pkcs1_sha256(
    key: &RsaPublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    verify_pkcs1_sha256_digest(key, &crate::sha256::digest(message), signature)
}

/// Like [`verify_pkcs1_sha256`] for a caller that already holds the message's SHA-256 digest.
pub fn verify_pkcs1_sha256_digest(
    key: &RsaPublicKey,
    digest: &[u8; 32],
    signature: &[u8],
) -> Result<(), Error> {
    let chosen = verify_digest_forced(Arithmetic::automatic(), key, digest, signature);
    chosen.unwrap_or_else(|| verify_digest_with(&Portable, key, digest, signature))
}

/// The arithmetic backends a verification can run on. Users never need this: the automatic
/// choice is the fastest one the CPU supports. Tests and benchmarks force each one with
/// [`verify_pkcs1_sha256_forced`].
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arithmetic {
    /// `u128` Rust, everywhere.
    Portable,
    /// x86_64 BMI2 + ADX assembly on 64-bit limbs.
    Adx,
    /// x86_64 AVX-512 IFMA on 52-bit digits.
    Ifma,
}

impl Arithmetic {
    /// Every backend.
    pub const ALL: [Arithmetic; 3] = [Arithmetic::Portable, Arithmetic::Adx, Arithmetic::Ifma];

    /// The backend [`verify_pkcs1_sha256`] uses on this CPU: IFMA, else ADX, else portable
    /// (the measured order: IFMA took 0.48×, 0.42× and 0.35× of ADX's time at 2048, 3072 and
    /// 4096 bits on an Intel Xeon with IFMA; 0.66×, 0.46× and 0.37× on an AMD Zen 4 before its
    /// quotient digit moved to a scalar register).
    ///
    /// Debug builds (`debug_assertions`) skip IFMA: unoptimised, its 512-bit temporaries all
    /// live on the stack and a 4096-bit verification through the C ABI passes the 16 KiB stack
    /// budget (tests/tests/token_ffi.rs); optimised builds keep them in registers. Every test
    /// still runs IFMA through [`verify_pkcs1_sha256_forced`].
    pub fn automatic() -> Arithmetic {
        #[cfg(all(target_arch = "x86_64", not(debug_assertions)))]
        if super::ifma::Ifma::detect().is_some() {
            return Arithmetic::Ifma;
        }
        #[cfg(target_arch = "x86_64")]
        if super::adx::Adx::detect().is_some() {
            return Arithmetic::Adx;
        }
        Arithmetic::Portable
    }

    /// Whether this CPU can run the backend.
    pub fn available(self) -> bool {
        match self {
            Arithmetic::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Arithmetic::Adx => super::adx::Adx::detect().is_some(),
            #[cfg(target_arch = "x86_64")]
            Arithmetic::Ifma => super::ifma::Ifma::detect().is_some(),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }
}

/// [`verify_pkcs1_sha256`] on a forced backend; `None` when this CPU cannot run it.
#[doc(hidden)]
pub fn verify_pkcs1_sha256_forced(
    arithmetic: Arithmetic,
    key: &RsaPublicKey,
    message: &[u8],
    signature: &[u8],
) -> Option<Result<(), Error>> {
    verify_digest_forced(arithmetic, key, &crate::sha256::digest(message), signature)
}

/// `s^e mod n` for the big-endian signature `s` (`s < n`, [`RsaPublicKey::modulus_len`]
/// bytes), written big-endian into `out` (as long), on a forced backend: for differential
/// fuzzing of the backends' arithmetic on any value, not only on near-valid signatures.
/// `None` when this CPU cannot run it; [`Error::BadSignature`] for a wrong length or `s >= n`.
#[doc(hidden)]
pub fn public_op_forced(
    arithmetic: Arithmetic,
    key: &RsaPublicKey,
    signature: &[u8],
    out: &mut [u8],
) -> Option<Result<(), Error>> {
    // Its own dispatch, not one shared with the verification: sharing it (and the limb-count
    // match) changed the verification's inlining and cost it 1.5 KiB of stack.
    match arithmetic {
        Arithmetic::Portable => Some(public_op_bytes(&Portable, key, signature, out)),
        #[cfg(target_arch = "x86_64")]
        Arithmetic::Adx => {
            super::adx::Adx::detect().map(|adx| public_op_bytes(&adx, key, signature, out))
        }
        #[cfg(target_arch = "x86_64")]
        Arithmetic::Ifma => {
            super::ifma::Ifma::detect().map(|ifma| public_op_bytes(&ifma, key, signature, out))
        }
        #[cfg(not(target_arch = "x86_64"))]
        _ => None,
    }
}

/// [`public_op_forced`] with one backend: `s^e mod n` into big-endian bytes.
fn public_op_bytes<B: Exponentiation>(
    backend: &B,
    key: &RsaPublicKey,
    signature: &[u8],
    out: &mut [u8],
) -> Result<(), Error> {
    let k = key.modulus_len();
    if signature.len() != k || out.len() != k {
        return Err(Error::BadSignature);
    }
    let mut m = [0u64; MAX_LIMBS];
    match key.limbs {
        32 => public_op::<B, 32>(backend, key, signature, &mut m)?,
        48 => public_op::<B, 48>(backend, key, signature, &mut m)?,
        _ => public_op::<B, 64>(backend, key, signature, &mut m)?,
    }
    store_be_bytes(&m, out);
    Ok(())
}

/// The verification on a forced backend; `None` when this CPU cannot run it.
fn verify_digest_forced(
    arithmetic: Arithmetic,
    key: &RsaPublicKey,
    digest: &[u8; 32],
    signature: &[u8],
) -> Option<Result<(), Error>> {
    match arithmetic {
        Arithmetic::Portable => Some(verify_digest_with(&Portable, key, digest, signature)),
        #[cfg(target_arch = "x86_64")]
        Arithmetic::Adx => {
            super::adx::Adx::detect().map(|adx| verify_digest_with(&adx, key, digest, signature))
        }
        #[cfg(target_arch = "x86_64")]
        Arithmetic::Ifma => super::ifma::Ifma::detect()
            .map(|ifma| verify_digest_with(&ifma, key, digest, signature)),
        #[cfg(not(target_arch = "x86_64"))]
        _ => None,
    }
}

/// The verification with one arithmetic backend (tests compare the backends through it).
pub(crate) fn verify_digest_with<B: Exponentiation>(
    backend: &B,
    key: &RsaPublicKey,
    digest: &[u8; 32],
    signature: &[u8],
) -> Result<(), Error> {
    let k = key.modulus_len();
    if signature.len() != k {
        return Err(Error::BadSignature);
    }
    let mut m = [0u64; MAX_LIMBS];
    match key.limbs {
        32 => public_op::<B, 32>(backend, key, signature, &mut m)?,
        48 => public_op::<B, 48>(backend, key, signature, &mut m)?,
        _ => public_op::<B, 64>(backend, key, signature, &mut m)?,
    }
    let mut expected = [0u8; MAX_LIMBS * LIMB_BYTES];
    let mut actual = [0u8; MAX_LIMBS * LIMB_BYTES];
    let (Some(expected), Some(actual)) = (expected.get_mut(..k), actual.get_mut(..k)) else {
        return Err(Error::BadSignature);
    };
    write_expected_encoding(digest, expected)?;
    store_be_bytes(&m, actual);
    if actual == expected {
        Ok(())
    } else {
        Err(Error::BadSignature)
    }
}

/// `m = s^e mod n` on `L` limbs, where `s` is the big-endian signature; `Err` if `s >= n`.
fn public_op<B: Exponentiation, const L: usize>(
    backend: &B,
    key: &RsaPublicKey,
    signature: &[u8],
    out: &mut [u64; MAX_LIMBS],
) -> Result<(), Error> {
    let (Some(n), Some(r2), Some(out)) = (
        key.modulus.first_chunk::<L>(),
        key.r_squared.first_chunk::<L>(),
        out.first_chunk_mut::<L>(),
    ) else {
        return Err(Error::BadSignature);
    };
    let mut s = [0u64; L];
    if !load_be_bytes(signature, &mut s) || !less_than(&s, n) {
        return Err(Error::BadSignature);
    }
    *out = backend.pow_odd::<L>(&s, key.exponent, n, key.n0, r2, key.bits as usize);
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The openssl-made fixture signatures through every backend (ring's verdicts are compared
    //! in the tests crate).
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../tests/fixtures/rsa/",
                $name
            ))
        };
    }

    const MESSAGE: &[u8] = fixture!("message.txt");
    const FIXTURES: [(&[u8], &[u8], &[u8]); 3] = [
        (
            fixture!("rsa2048.n.bin"),
            fixture!("rsa2048.e.bin"),
            fixture!("rsa2048.sig.bin"),
        ),
        (
            fixture!("rsa3072.n.bin"),
            fixture!("rsa3072.e.bin"),
            fixture!("rsa3072.sig.bin"),
        ),
        (
            fixture!("rsa4096.n.bin"),
            fixture!("rsa4096.e.bin"),
            fixture!("rsa4096.sig.bin"),
        ),
    ];

    fn check_backend<B: Exponentiation>(backend: &B) {
        let digest = ring::digest::digest(&ring::digest::SHA256, MESSAGE);
        let digest: [u8; 32] = digest.as_ref().try_into().unwrap();
        for (n, e, sig) in FIXTURES {
            let key = RsaPublicKey::from_be_bytes(n, e).unwrap();
            assert_eq!(verify_digest_with(backend, &key, &digest, sig), Ok(()));
            let mut bad = sig.to_vec();
            for i in [0, sig.len() / 2, sig.len() - 1] {
                bad[i] ^= 1;
                assert_eq!(
                    verify_digest_with(backend, &key, &digest, &bad),
                    Err(Error::BadSignature)
                );
                bad[i] ^= 1;
            }
            let mut other = digest;
            other[31] ^= 0x80;
            assert_eq!(
                verify_digest_with(backend, &key, &other, sig),
                Err(Error::BadSignature)
            );
        }
    }

    #[test]
    fn fixtures_verify_with_the_portable_backend() {
        check_backend(&Portable);
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn fixtures_verify_with_the_adx_backend_when_present() {
        if let Some(adx) = super::super::adx::Adx::detect() {
            check_backend(&adx);
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn fixtures_verify_with_the_ifma_backend_when_present() {
        if let Some(ifma) = super::super::ifma::Ifma::detect() {
            check_backend(&ifma);
        }
    }

    #[test]
    fn public_entry_points_agree() {
        for (n, e, sig) in FIXTURES {
            let key = RsaPublicKey::from_be_bytes(n, e).unwrap();
            assert_eq!(verify_pkcs1_sha256(&key, MESSAGE, sig), Ok(()));
            assert_eq!(
                verify_pkcs1_sha256(&key, b"x", sig),
                Err(Error::BadSignature)
            );
            assert_eq!(
                verify_pkcs1_sha256(&key, MESSAGE, &sig[1..]),
                Err(Error::BadSignature)
            );
            assert_eq!(
                verify_pkcs1_sha256(&key, MESSAGE, n),
                Err(Error::BadSignature)
            );
        }
    }

    #[test]
    fn public_op_gives_the_encoded_message_on_every_backend() {
        let digest = ring::digest::digest(&ring::digest::SHA256, MESSAGE);
        let digest: [u8; 32] = digest.as_ref().try_into().unwrap();
        for (n, e, sig) in FIXTURES {
            let key = RsaPublicKey::from_be_bytes(n, e).unwrap();
            let mut expected = std::vec![0u8; n.len()];
            write_expected_encoding(&digest, &mut expected).unwrap();
            for arithmetic in Arithmetic::ALL {
                let mut out = std::vec![0u8; n.len()];
                let Some(result) = public_op_forced(arithmetic, &key, sig, &mut out) else {
                    continue;
                };
                assert_eq!((result, &out), (Ok(()), &expected), "{arithmetic:?}");
                let mut short = std::vec![0u8; n.len() - 1];
                assert_eq!(
                    public_op_forced(arithmetic, &key, sig, &mut short),
                    Some(Err(Error::BadSignature))
                );
                assert_eq!(
                    public_op_forced(arithmetic, &key, n, &mut out),
                    Some(Err(Error::BadSignature)),
                    "s = n is not below n"
                );
            }
        }
    }
}
