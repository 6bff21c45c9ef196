//! Shared by the RSA tests: the committed openssl fixture keys, signing with ring and ring's
//! verification (the oracle).
#![allow(dead_code)]

use ring::signature::{
    RsaKeyPair, RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use tollgate_tests::fixtures_dir;

/// One fixture key: the key pair (for signing; ring signs only with moduli that are a multiple
/// of 512 bits, so not the 2056-bit one), its public n and e bytes, and openssl's signature of
/// `message.txt`.
pub struct Fixture {
    pub bits: usize,
    pub pair: Option<RsaKeyPair>,
    pub n: Vec<u8>,
    pub e: Vec<u8>,
    pub fixed_message: Vec<u8>,
    pub fixed_signature: Vec<u8>,
}

/// Loads `tests/fixtures/rsa/rsa{bits}.*`.
pub fn fixture(bits: usize) -> Fixture {
    let dir = fixtures_dir().join("rsa");
    let read =
        |name: String| std::fs::read(dir.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let pair = RsaKeyPair::from_pkcs8(&read(format!("rsa{bits}.pk8.der")));
    assert!(
        pair.is_ok() || !bits.is_multiple_of(512),
        "fixture PKCS#8: {pair:?}"
    );
    Fixture {
        bits,
        pair: pair.ok(),
        n: read(format!("rsa{bits}.n.bin")),
        e: read(format!("rsa{bits}.e.bin")),
        fixed_message: read("message.txt".into()),
        fixed_signature: read(format!("rsa{bits}.sig.bin")),
    }
}

/// The fixture sizes: the three the issue names, plus 2056 bits (not a multiple of 64: 33 limbs
/// computed in the 48-limb class, 257-byte signatures).
pub const SIZES: [usize; 4] = [2048, 2056, 3072, 4096];

impl Fixture {
    /// ring's RSASSA-PKCS1-v1_5 / SHA-256 signature of `message` (`None` when ring cannot sign
    /// with this key).
    pub fn sign(&self, message: &[u8]) -> Option<Vec<u8>> {
        let pair = self.pair.as_ref()?;
        let mut sig = vec![0u8; pair.public().modulus_len()];
        let rng = ring::rand::SystemRandom::new();
        pair.sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig)
            .expect("ring signs");
        Some(sig)
    }

    /// A message and its valid signature: `message` signed by ring, or openssl's fixed pair
    /// when ring cannot sign with this key.
    pub fn signed(&self, message: &[u8]) -> (Vec<u8>, Vec<u8>) {
        match self.sign(message) {
            Some(sig) => (message.to_vec(), sig),
            None => (self.fixed_message.clone(), self.fixed_signature.clone()),
        }
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
