//! Group `jwt_reject_flood`: what a header flood costs to reject. Each token carries a header
//! of many short members (`{"alg":"RS256","kid":"acs1","a0":0,"a1":0,...}`) of about 1, 16
//! and 256 KiB, with the ACS-like payload and signature of the `jwt_verify_2048` workload,
//! and `max_token_len` raised to 1 MiB so the size limit does not hide the header work.
//! `real_verify` is a full verification of the genuine token, for scale: a flood must cost
//! no more than it.
//!
//! `cargo bench -p tollgate-bench --bench jwt_flood`

mod jwt_setup;

use std::hint::black_box;

use base64ct::{Base64UrlUnpadded, Encoding};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use tollgate_core::jwt::{self, Policy};

/// A header of `len` bytes or a few less: `alg`, `kid`, then `"aN":0` members.
fn flood_header(len: usize) -> String {
    let mut header = String::from(r#"{"alg":"RS256","kid":"acs1""#);
    let mut i = 0;
    loop {
        let member = format!(r#","a{i}":0"#);
        if header.len() + member.len() + 1 > len {
            break;
        }
        header.push_str(&member);
        i += 1;
    }
    header.push('}');
    header
}

fn bench_flood(c: &mut Criterion) {
    let w = jwt_setup::Workload::new();
    let policy = Policy {
        max_token_len: 1 << 20,
        ..Policy::new(jwt_setup::ISS, jwt_setup::AUDIENCES)
    };
    let rest = w.token.split_once('.').unwrap().1;
    let mut group = c.benchmark_group("jwt_reject_flood");
    for kib in [1usize, 16, 256] {
        let header = flood_header(kib * 1024);
        let token = format!(
            "{}.{rest}",
            Base64UrlUnpadded::encode_string(header.as_bytes())
        );
        let mut scratch = vec![0u8; jwt::scratch_len(token.len())];
        let verdict = jwt::verify(&w.keys, &policy, token.as_bytes(), w.now, &mut scratch);
        assert!(verdict.is_err(), "a {kib} KiB flood was accepted");
        group.throughput(Throughput::Bytes(token.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{kib}KiB")),
            &token,
            |b, token| {
                b.iter(|| {
                    jwt::verify(
                        &w.keys,
                        &policy,
                        black_box(token.as_bytes()),
                        w.now,
                        &mut scratch,
                    )
                    .is_err()
                })
            },
        );
    }
    let mut scratch = vec![0u8; jwt::scratch_len(w.token.len())];
    group.throughput(Throughput::Bytes(w.token.len() as u64));
    group.bench_function("real_verify", |b| {
        b.iter(|| {
            jwt::verify(
                &w.keys,
                &policy,
                black_box(w.token.as_bytes()),
                w.now,
                &mut scratch,
            )
            .is_ok()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_flood);
criterion_main!(benches);
