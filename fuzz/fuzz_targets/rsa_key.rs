//! Fuzzes `RsaPublicKey::from_be_bytes` with arbitrary modulus and exponent bytes: it must never
//! panic, must accept exactly the documented keys (2048 to 4096-bit odd minimal modulus; odd,
//! minimal `3 <= e < 2^33`), and for an accepted key, verifying an arbitrary signature must give
//! ring's verdict (ring accepts a superset of these keys).
//! Input: `[n_len hi][n_len lo][e_len][n..][e..][signature..]`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ring::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use tollgate_core::rsa::{verify_pkcs1_sha256, RsaPublicKey};
use tollgate_core::Error;

/// The documented key rule, written independently of the implementation.
fn expected(n: &[u8], e: &[u8]) -> Result<(), Error> {
    let n_ok = match (n.first(), n.last()) {
        (Some(&first), Some(&last)) if first != 0 && last & 1 == 1 => {
            let bits = n.len() * 8 - first.leading_zeros() as usize;
            (2048..=4096).contains(&bits)
        }
        _ => false,
    };
    if !n_ok {
        return Err(Error::InvalidModulus);
    }
    let e_ok = match e.first() {
        Some(&first) if first != 0 && e.len() <= 5 => {
            let value = e.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
            value & 1 == 1 && value >= 3 && value < 1 << 33
        }
        _ => false,
    };
    if e_ok {
        Ok(())
    } else {
        Err(Error::InvalidExponent)
    }
}

fuzz_target!(|data: &[u8]| {
    let [hi, lo, e_len, rest @ ..] = data else {
        return;
    };
    let n_len = usize::from(u16::from_be_bytes([*hi, *lo])) % 520;
    let e_len = usize::from(*e_len) % 7;
    if rest.len() < n_len + e_len {
        return;
    }
    let (n, rest) = rest.split_at(n_len);
    let (e, signature) = rest.split_at(e_len);
    let key = RsaPublicKey::from_be_bytes(n, e);
    assert_eq!(key.map(|_| ()), expected(n, e));
    if let Ok(key) = key {
        let message = b"message";
        let ours = verify_pkcs1_sha256(&key, message, signature).is_ok();
        let ring = RsaPublicKeyComponents { n, e }
            .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
            .is_ok();
        assert_eq!(ours, ring);
    }
});
