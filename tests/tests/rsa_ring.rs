//! tollgate's RSA verification against ring's on the openssl fixture keys: valid signatures
//! and a few fixed mutations (the property test in rsa_differential.rs goes wider).

mod rsa_common;

use rsa_common::{fixture, SIZES};
use tollgate_core::rsa::{verify_pkcs1_sha256, verify_pkcs1_sha256_digest, RsaPublicKey};
use tollgate_core::Error;

#[test]
fn fixture_keys_build_with_their_sizes() {
    for bits in SIZES {
        let f = fixture(bits);
        let key = RsaPublicKey::from_be_bytes(&f.n, &f.e).unwrap();
        assert_eq!(key.modulus_bits(), bits);
        assert_eq!(key.modulus_len(), bits.div_ceil(8));
        assert_eq!(f.n.len(), bits.div_ceil(8));
        assert_eq!(key.exponent(), 65537);
    }
}

#[test]
fn valid_signatures_verify_and_mutations_fail_like_ring() {
    for bits in SIZES {
        let f = fixture(bits);
        let key = RsaPublicKey::from_be_bytes(&f.n, &f.e).unwrap();
        for message in [&b""[..], b"hello", &[0x5au8; 1000]] {
            let (message, sig) = f.signed(message);
            let message = &message[..];
            assert!(f.ring_accepts(message, &sig));
            assert_eq!(verify_pkcs1_sha256(&key, message, &sig), Ok(()), "{bits}");
            let digest = ring::digest::digest(&ring::digest::SHA256, message);
            let digest: [u8; 32] = digest.as_ref().try_into().unwrap();
            assert_eq!(verify_pkcs1_sha256_digest(&key, &digest, &sig), Ok(()));

            let mut flipped = sig.clone();
            flipped[sig.len() / 2] ^= 0x10;
            assert!(!f.ring_accepts(message, &flipped));
            assert_eq!(
                verify_pkcs1_sha256(&key, message, &flipped),
                Err(Error::BadSignature)
            );
            assert_eq!(
                verify_pkcs1_sha256(&key, b"other", &sig),
                Err(Error::BadSignature)
            );
            assert_eq!(
                verify_pkcs1_sha256(&key, message, &sig[1..]),
                Err(Error::BadSignature)
            );
            let mut longer = vec![0u8];
            longer.extend_from_slice(&sig);
            assert_eq!(
                verify_pkcs1_sha256(&key, message, &longer),
                Err(Error::BadSignature)
            );
            assert_eq!(
                verify_pkcs1_sha256(&key, message, &f.n),
                Err(Error::BadSignature),
                "s = n"
            );
        }
    }
}

/// The backend detection agrees with what Linux says about the CPU, so the backend tests above
/// and in rsa_wycheproof/rsa_differential do not skip a backend this machine has.
#[test]
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn backend_detection_matches_proc_cpuinfo() {
    use tollgate_core::rsa::Arithmetic;
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap();
    let flags: Vec<&str> = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap()
        .split_whitespace()
        .collect();
    let has = |f: &str| flags.contains(&f);
    assert!(Arithmetic::Portable.available());
    assert_eq!(Arithmetic::Adx.available(), has("adx") && has("bmi2"));
    assert_eq!(
        Arithmetic::Ifma.available(),
        has("avx512f") && has("avx512ifma")
    );
    assert!(Arithmetic::automatic().available());
}
