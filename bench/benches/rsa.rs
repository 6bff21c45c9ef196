//! RSASSA-PKCS1-v1_5 / SHA-256 verification, tollgate vs ring, on the committed openssl fixture
//! keys (tests/fixtures/rsa). Groups `rsa_2048`, `rsa_3072`, `rsa_4096`; functions `tollgate`
//! (verify with a prebuilt key) and `ring` (`RsaPublicKeyComponents::verify`, which builds its
//! key state on every call: that is ring's public-components API). Same message and signature.
//! Throughput is one verification per iteration, so criterion prints verifications/s.
//! `tollgate_portable`, `tollgate_adx` and `tollgate_ifma` force one arithmetic backend each
//! (only those this CPU runs); `tollgate` is the automatic choice.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ring::signature::{
    RsaKeyPair, RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use tollgate_core::rsa::{
    verify_pkcs1_sha256, verify_pkcs1_sha256_forced, Arithmetic, RsaPublicKey,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/rsa")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn bench_rsa(c: &mut Criterion) {
    // A JWT-sized signing input.
    let message = vec![0x61u8; 600];
    for bits in [2048, 3072, 4096] {
        let n = fixture(&format!("rsa{bits}.n.bin"));
        let e = fixture(&format!("rsa{bits}.e.bin"));
        let pair = RsaKeyPair::from_pkcs8(&fixture(&format!("rsa{bits}.pk8.der"))).unwrap();
        let mut signature = vec![0u8; pair.public().modulus_len()];
        pair.sign(
            &RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            &message,
            &mut signature,
        )
        .unwrap();
        let key = RsaPublicKey::from_be_bytes(&n, &e).unwrap();
        let components = RsaPublicKeyComponents { n: &n, e: &e };
        assert!(verify_pkcs1_sha256(&key, &message, &signature).is_ok());
        assert!(components
            .verify(&RSA_PKCS1_2048_8192_SHA256, &message, &signature)
            .is_ok());

        let mut group = c.benchmark_group(format!("rsa_{bits}"));
        group.throughput(Throughput::Elements(1));
        group.bench_function("tollgate", |b| {
            b.iter(|| {
                verify_pkcs1_sha256(black_box(&key), black_box(&message), black_box(&signature))
            })
        });
        group.bench_function("ring", |b| {
            b.iter(|| {
                black_box(&components).verify(
                    &RSA_PKCS1_2048_8192_SHA256,
                    black_box(&message),
                    black_box(&signature),
                )
            })
        });
        for arithmetic in Arithmetic::ALL.into_iter().filter(|a| a.available()) {
            let name = format!("tollgate_{}", format!("{arithmetic:?}").to_lowercase());
            group.bench_function(name, |b| {
                b.iter(|| {
                    verify_pkcs1_sha256_forced(
                        arithmetic,
                        black_box(&key),
                        black_box(&message),
                        black_box(&signature),
                    )
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_rsa);
criterion_main!(benches);
