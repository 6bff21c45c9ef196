//! Shared helpers for the benches (deterministic inputs, machine description).

pub mod ip_inputs;

/// The minimum, 10th percentile and median of `samples` (sorted in place; empty gives 0s).
pub fn min_p10_median(samples: &mut [f64]) -> [f64; 3] {
    samples.sort_by(f64::total_cmp);
    let q = |q: f64| {
        let at = (samples.len().saturating_sub(1) as f64 * q) as usize;
        samples.get(at).copied().unwrap_or(0.0)
    };
    [q(0.0), q(0.1), q(0.5)]
}
