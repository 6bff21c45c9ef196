//! A small dudect-style timing harness (Reparaz, Balasch, Verbauwhede, "Dude, is my code
//! constant time?", 2017): two classes of inputs that differ only in something secret,
//! interleaved in a pseudo-random order, timed in small batches, and compared with Welch's
//! t-test on the raw times and on times cropped at several percentiles (the crops drop the
//! long tail that preemption adds). |t| above 10 means the time depends on the class beyond
//! doubt; dudect reads |t| below 4.5 as "no leak found".
//!
//! Shared by `tests/tests/apikey_timing.rs` (through the C ABI, debug build) and
//! `bench/benches/apikey_ct.rs` (core, optimised build).

use std::time::Instant;

/// |t| beyond which a timing difference is certain.
pub const LEAK: f64 = 10.0;

/// Calls per timed measurement (amortises the clock read).
const BATCH: usize = 4;

/// Welch's t of two samples.
pub fn welch_t(a: &[f64], b: &[f64]) -> f64 {
    let stats = |x: &[f64]| {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
        (n, mean, var)
    };
    let ((na, ma, va), (nb, mb, vb)) = (stats(a), stats(b));
    (ma - mb) / (va / na + vb / nb).sqrt()
}

/// Times `samples` batches (after a tenth more as warm-up), the class of each drawn
/// pseudo-randomly; prints one line and returns the largest |t| over the raw times and the
/// times cropped at the 99th, 90th, 75th and 50th percentiles.
pub fn measure(name: &str, classes: [&dyn Fn(); 2], samples: usize) -> f64 {
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut times: Vec<(usize, f64)> = Vec::with_capacity(samples);
    for i in 0..samples + samples / 10 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let class = (rng & 1) as usize;
        let run = classes[class];
        let start = Instant::now();
        for _ in 0..BATCH {
            run();
        }
        let elapsed = start.elapsed().as_nanos() as f64;
        if i >= samples / 10 {
            times.push((class, elapsed));
        }
    }
    let mut sorted: Vec<f64> = times.iter().map(|t| t.1).collect();
    sorted.sort_by(f64::total_cmp);
    let mut worst: f64 = 0.0;
    let mut line = format!("{name:8}");
    for (label, pct) in [
        ("all", 1.0),
        ("p99", 0.99),
        ("p90", 0.90),
        ("p75", 0.75),
        ("p50", 0.50),
    ] {
        let cut = sorted[((sorted.len() - 1) as f64 * pct) as usize];
        let pick = |c: usize| -> Vec<f64> {
            times
                .iter()
                .filter(|t| t.0 == c && t.1 <= cut)
                .map(|t| t.1)
                .collect()
        };
        let t = welch_t(&pick(0), &pick(1));
        worst = worst.max(t.abs());
        line += &format!("  t[{label}] {t:7.2}");
    }
    let mean = |c: usize| {
        let v: Vec<f64> = times.iter().filter(|t| t.0 == c).map(|t| t.1).collect();
        v.iter().sum::<f64>() / v.len() as f64 / BATCH as f64
    };
    println!(
        "{line}  max|t| {worst:6.2}  mean ns/call {:.0} vs {:.0}  ({} samples)",
        mean(0),
        mean(1),
        times.len()
    );
    worst
}

/// An early-exit comparison: the kind of leak a harness must be able to see (the control).
pub fn leaky_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    for (x, y) in a.iter().zip(b) {
        if std::hint::black_box(*x) != std::hint::black_box(*y) {
            return false;
        }
    }
    true
}
