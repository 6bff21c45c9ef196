//! Shared by the RSA tests: the committed openssl fixture keys, signing with ring and ring's
//! verification (the oracle).
#![allow(dead_code)]

use ring::signature::{
    RsaKeyPair, RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use tollgate_tests::fixtures_dir;

/// One fixture key: the key pair (for signing) and its public n and e bytes.
pub struct Fixture {
    pub bits: usize,
    pub pair: RsaKeyPair,
    pub n: Vec<u8>,
    pub e: Vec<u8>,
}

/// Loads `tests/fixtures/rsa/rsa{bits}.*`.
pub fn fixture(bits: usize) -> Fixture {
    let dir = fixtures_dir().join("rsa");
    let read =
        |name: String| std::fs::read(dir.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let pair = RsaKeyPair::from_pkcs8(&read(format!("rsa{bits}.pk8.der"))).expect("fixture PKCS#8");
    let n = read(format!("rsa{bits}.n.bin"));
    let e = read(format!("rsa{bits}.e.bin"));
    Fixture { bits, pair, n, e }
}

/// The three fixture sizes.
pub const SIZES: [usize; 3] = [2048, 3072, 4096];

impl Fixture {
    /// ring's RSASSA-PKCS1-v1_5 / SHA-256 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut sig = vec![0u8; self.pair.public().modulus_len()];
        let rng = ring::rand::SystemRandom::new();
        self.pair
            .sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig)
            .expect("ring signs");
        sig
    }

    /// ring's verdict (the oracle).
    pub fn ring_accepts(&self, message: &[u8], signature: &[u8]) -> bool {
        RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        }
        .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
        .is_ok()
    }
}
