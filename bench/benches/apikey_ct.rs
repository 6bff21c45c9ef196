//! Constant-time measurement of core's API key check (`apikey::check_query_key`), optimised
//! as shipped: the dudect-style harness of `tests/tests/dudect/` (Welch's t between two
//! input classes that differ only in something secret) over the pairs of
//! `tests/tests/apikey_timing.rs` — matching prefix 0 vs 31 of 32 bytes, accepted key 32 vs
//! 33 bytes — plus a control with a deliberate early-exit comparison, which must show.
//! Not criterion: it prints t-values.
//!
//! `cargo bench -p tollgate-bench --bench apikey_ct [-- SAMPLES]` (default 1,000,000).

#[path = "../../tests/tests/dudect/mod.rs"]
mod dudect;

use std::hint::black_box;
use tollgate_core::apikey::check_query_key;

const KEY: &[u8; 32] = b"8f2d9c63a7b14d32b53c9e12a1f47fcb";

fn main() {
    let samples = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000usize);
    let uri = |presented: &[u8]| {
        let mut uri = b"/api/callbacks?token=".to_vec();
        uri.extend_from_slice(presented);
        uri
    };
    let mut first_wrong = *KEY;
    first_wrong[0] ^= 1;
    let mut last_wrong = *KEY;
    last_wrong[31] ^= 1;
    let longer: Vec<u8> = KEY.iter().copied().chain([b'x']).collect();
    let (u0, u31) = (uri(&first_wrong), uri(&last_wrong));
    let check = |u: &[u8], k: &[u8]| {
        black_box(check_query_key(black_box(u), "token", [black_box(k)]).is_ok());
    };
    let leaky = |u: &[u8], k: &[u8]| {
        check(u, k);
        black_box(dudect::leaky_eq(black_box(&u[21..]), black_box(k)));
    };
    println!("apikey_ct: Welch t, tollgate_core::apikey::check_query_key (optimised)");
    let prefix = dudect::measure(
        "prefix",
        [&|| check(&u0, KEY), &|| check(&u31, KEY)],
        samples,
    );
    let length = dudect::measure(
        "length",
        [&|| check(&u31, KEY), &|| check(&u31, &longer)],
        samples,
    );
    let control = dudect::measure(
        "control",
        [&|| leaky(&u0, KEY), &|| leaky(&u31, KEY)],
        samples,
    );
    let verdict = |t: f64| {
        if t > dudect::LEAK {
            "LEAK"
        } else {
            "no leak found"
        }
    };
    println!(
        "prefix: {}, length: {}, control (must leak): {}",
        verdict(prefix),
        verdict(length),
        verdict(control)
    );
}
