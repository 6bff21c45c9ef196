//! Building an RSA key and verifying signatures (valid and not, every size) make no heap
//! allocation: counted by the shared counting global allocator.

mod rsa_common;

use rsa_common::{fixture, SIZES};
use tollgate_core::rsa::{verify_pkcs1_sha256, verify_pkcs1_sha256_digest, RsaPublicKey};

#[global_allocator]
static ALLOC: tollgate_tests::CountingAllocator = tollgate_tests::CountingAllocator;

#[test]
fn key_build_and_verify_allocate_nothing() {
    for bits in SIZES {
        let f = fixture(bits);
        let (message, sig) = f.signed(b"counted message");
        let message = &message[..];
        let mut bad = sig.clone();
        bad[10] ^= 1;
        let digest: [u8; 32] = ring::digest::digest(&ring::digest::SHA256, message)
            .as_ref()
            .try_into()
            .unwrap();

        let (n, key) =
            tollgate_tests::allocations_during(|| RsaPublicKey::from_be_bytes(&f.n, &f.e));
        assert_eq!(n, 0, "{bits}: key build allocated");
        let key = key.unwrap();
        let (n, ok) =
            tollgate_tests::allocations_during(|| verify_pkcs1_sha256(&key, message, &sig));
        assert_eq!((n, ok), (0, Ok(())), "{bits}: verify");
        let (n, ok) =
            tollgate_tests::allocations_during(|| verify_pkcs1_sha256_digest(&key, &digest, &sig));
        assert_eq!((n, ok.is_ok()), (0, true), "{bits}: verify digest");
        let (n, bad) =
            tollgate_tests::allocations_during(|| verify_pkcs1_sha256(&key, message, &bad));
        assert_eq!((n, bad.is_err()), (0, true), "{bits}: bad signature");
        let (n, bad) =
            tollgate_tests::allocations_during(|| RsaPublicKey::from_be_bytes(&f.n, &[1, 0, 0]));
        assert_eq!((n, bad.is_err()), (0, true), "{bits}: bad key");

        // The oracle does allocate (this is why tollgate has its own RSA); proves the counter works here.
        let (n, _) = tollgate_tests::allocations_during(|| f.ring_accepts(message, &sig));
        assert!(n > 0, "ring's RSA verification was expected to allocate");
    }
}
