//! A/B companion of the `rsa` criterion bench for a loaded machine: tollgate and ring verify the
//! same message and signature in finely alternating rounds (5 verifications each), so both see
//! the same load; the minimum, 10th percentile and median time per verification of each, and
//! their ratios, are printed. `cargo bench -p tollgate-bench --bench rsa_ab`.
//! Rows `tollgate` (the automatic backend) then, for each backend this CPU runs, `portable`,
//! `adx` and `ifma` (forced), each alternating with its own ring rounds.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use ring::signature::{
    RsaKeyPair, RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use tollgate_core::rsa::{
    verify_pkcs1_sha256, verify_pkcs1_sha256_forced, Arithmetic, RsaPublicKey,
};

const PER_ROUND: u32 = 5;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/rsa")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Seconds per call of `f`, averaged over one round.
fn round(f: &impl Fn()) -> f64 {
    let start = Instant::now();
    for _ in 0..PER_ROUND {
        f();
    }
    start.elapsed().as_secs_f64() / f64::from(PER_ROUND)
}

/// The `q` quantile of sorted samples, in microseconds.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q) as usize] * 1e6
}

fn main() {
    let message = vec![0x61u8; 600];
    for bits in [2048usize, 3072, 4096] {
        let n = fixture(&format!("rsa{bits}.n.bin"));
        let e = fixture(&format!("rsa{bits}.e.bin"));
        let pair = RsaKeyPair::from_pkcs8(&fixture(&format!("rsa{bits}.pk8.der"))).unwrap();
        let mut signature = vec![0u8; pair.public().modulus_len()];
        let rng = ring::rand::SystemRandom::new();
        pair.sign(&RSA_PKCS1_SHA256, &rng, &message, &mut signature)
            .unwrap();
        let key = RsaPublicKey::from_be_bytes(&n, &e).unwrap();
        let components = RsaPublicKeyComponents { n: &n, e: &e };
        let theirs = || {
            black_box(&components)
                .verify(
                    &RSA_PKCS1_2048_8192_SHA256,
                    black_box(&message),
                    black_box(&signature),
                )
                .unwrap()
        };
        let auto = [None];
        let forced = Arithmetic::ALL.map(Some);
        for arithmetic in auto.iter().chain(&forced) {
            if arithmetic.is_some_and(|a| !a.available()) {
                continue;
            }
            let label =
                arithmetic.map_or("tollgate".to_string(), |a| format!("{a:?}").to_lowercase());
            let ours = || match arithmetic {
                None => {
                    verify_pkcs1_sha256(black_box(&key), black_box(&message), black_box(&signature))
                        .unwrap()
                }
                Some(a) => verify_pkcs1_sha256_forced(
                    *a,
                    black_box(&key),
                    black_box(&message),
                    black_box(&signature),
                )
                .unwrap()
                .unwrap(),
            };
            // About the same wall time per size.
            let rounds = 40_000_000 / (bits * bits / 64);
            let (mut a, mut b) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
            for _ in 0..rounds {
                a.push(round(&ours));
                b.push(round(&theirs));
            }
            a.sort_by(f64::total_cmp);
            b.sort_by(f64::total_cmp);
            let row = |q: f64| (quantile(&a, q), quantile(&b, q));
            let (a0, b0) = row(0.0);
            let (a1, b1) = row(0.1);
            let (a5, b5) = row(0.5);
            println!(
                "rsa_{bits} {label}: {rounds} rounds; ours min/p10/median {a0:.1}/{a1:.1}/{a5:.1} us, \
                 ring {b0:.1}/{b1:.1}/{b5:.1} us; ratio {:.3}/{:.3}/{:.3}; \
                 {:.0} verifications/s at the median",
                a0 / b0,
                a1 / b1,
                a5 / b5,
                1e6 / a5
            );
        }
    }
}
