//! A/B companion of the `jwt` criterion bench for a loaded machine: the four verifiers of
//! `jwt_verify_2048` run in finely alternating rounds (5 verifications each), so all see the
//! same load; prints per-verification minimum, 10th percentile and median of each, and the
//! ratios to `ring_signature_only` and to `tollgate_signature_only` (the JWT path's
//! overhead). `cargo bench -p tollgate-bench --bench jwt_ab`.

mod jwt_setup;

use std::hint::black_box;
use std::time::Instant;

const PER_ROUND: u32 = 5;
const ROUNDS: usize = 3000;

/// Microseconds per call of `f`, averaged over one round.
fn round(mut f: impl FnMut() -> bool) -> f64 {
    let start = Instant::now();
    for _ in 0..PER_ROUND {
        assert!(black_box(f()));
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(PER_ROUND)
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument is a filter we do not support.
    let w = jwt_setup::Workload::new();
    let mut scratch = vec![0u8; w.token.len()];
    let mut samples: [Vec<f64>; 4] = Default::default();
    for _ in 0..ROUNDS {
        samples[0].push(round(|| black_box(&w).tollgate(&mut scratch)));
        samples[1].push(round(|| black_box(&w).ring_signature_only()));
        samples[2].push(round(|| black_box(&w).jsonwebtoken()));
        samples[3].push(round(|| black_box(&w).tollgate_signature_only()));
    }
    let stats: Vec<[f64; 3]> = samples
        .iter_mut()
        .map(|s| tollgate_bench::min_p10_median(s))
        .collect();
    println!(
        "jwt_verify_2048 A/B, {ROUNDS} alternating rounds of {PER_ROUND}, µs per verification"
    );
    println!(
        "{:<24}{:>9}{:>9}{:>9}   ratio to ring / to tollgate_signature_only (min, p10, median)",
        "", "min", "p10", "median"
    );
    let names = [
        "tollgate",
        "ring_signature_only",
        "jsonwebtoken",
        "tollgate_signature_only",
    ];
    for (name, s) in names.iter().zip(&stats) {
        let ratios = |base: &[f64; 3]| {
            format!(
                "{:.3} {:.3} {:.3}",
                s[0] / base[0],
                s[1] / base[1],
                s[2] / base[2]
            )
        };
        println!(
            "{name:<24}{:>9.2}{:>9.2}{:>9.2}   {} / {}",
            s[0],
            s[1],
            s[2],
            ratios(&stats[1]),
            ratios(&stats[3])
        );
    }
    let (full, sig, jwt) = (&stats[0], &stats[3], &stats[2]);
    println!(
        "tollgate ÷ tollgate_signature_only (median): {:.3}; jsonwebtoken ÷ tollgate (median): {:.3}",
        full[2] / sig[2],
        jwt[2] / full[2]
    );
}
