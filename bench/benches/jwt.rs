//! Group `jwt_verify_2048`: full verification of an ACS-like RS256 token (about 600 bytes of
//! claims, 2048-bit key, a 3-key set) by tollgate, by jsonwebtoken (same validation), and the
//! bare RSA verification of the same signing input and signature by ring
//! (`ring_signature_only`) and tollgate's own signature check (`tollgate_signature_only`: the
//! signature segment decoded, then our RSA over the signing input, hashing included; so the
//! cost of everything around the signature is `tollgate` minus this, from one run). Group
//! `jwt_parts_2048` measures the claim checks alone.
//!
//! `cargo bench -p tollgate-bench --bench jwt` (and `--bench jwt_ab` on a loaded machine).

mod jwt_setup;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tollgate_core::jwt::{self, Policy};

fn bench_jwt(c: &mut Criterion) {
    let w = jwt_setup::Workload::new();
    let mut scratch = vec![0u8; jwt::scratch_len(w.token.len())];

    let key = w.keys.find("acs1").unwrap().public_key();
    let mut group = c.benchmark_group("jwt_verify_2048");
    group.throughput(Throughput::Elements(1));
    group.bench_function("tollgate", |b| {
        b.iter(|| black_box(&w).tollgate(&mut scratch))
    });
    group.bench_function("tollgate_signature_only", |b| {
        b.iter(|| {
            tollgate_core::rsa::verify_pkcs1_sha256(
                key,
                black_box(w.signing_input.as_bytes()),
                black_box(&w.signature),
            )
        })
    });
    group.bench_function("ring_signature_only", |b| {
        b.iter(|| black_box(&w).ring_signature_only())
    });
    group.bench_function("jsonwebtoken", |b| b.iter(|| black_box(&w).jsonwebtoken()));
    group.finish();

    // Where tollgate's time goes beyond the signature (not a peer comparison).
    let mut parts = c.benchmark_group("jwt_parts_2048");
    let policy = Policy::new(jwt_setup::ISS, jwt_setup::AUDIENCES);
    let verified =
        jwt::verify_signature(&w.keys, &policy, w.token.as_bytes(), &mut scratch).unwrap();
    parts.bench_function("tollgate_claims_only", |b| {
        b.iter(|| {
            verified
                .claims(black_box(&policy), black_box(w.now))
                .is_ok()
        })
    });
    parts.finish();
}

criterion_group!(benches, bench_jwt);
criterion_main!(benches);
