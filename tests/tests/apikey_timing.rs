//! A dudect-style constant-time measurement of `tollgate_apikey_check` (harness in
//! `dudect/`): Welch's t between two classes of inputs that differ only in something secret.
//! |t| above 10 means the time depends on the class beyond doubt. (`cargo test` builds the
//! C ABI crate unoptimised; `bench/benches/apikey_ct.rs` measures core's check optimised.)
//!
//! Pairs measured, each with one accepted key `K` of 32 bytes:
//! - `prefix`: the presented key matches `K` in no byte before the first vs in all but the
//!   last (an early-exit comparison leaks the matching prefix length);
//! - `length`: the presented key is 32 bytes and `K` is 32 vs 33 bytes (a length check
//!   before comparing leaks the key's length);
//! - `control`: the `prefix` pair with a deliberately leaky early-exit comparison added to
//!   each call. It must be detected: that proves the harness can see a leak of this size on
//!   this machine, so a quiet result for tollgate means something.
//!
//! Ignored by default (it measures time, which is slow and noise-sensitive); CI runs it
//! briefly: `TOLLGATE_DUDECT_SAMPLES=60000 cargo test -p tollgate-tests --test apikey_timing
//! -- --ignored --nocapture` (the default is 200,000 measurements per pair).

mod dudect;

use dudect::{leaky_eq, measure, LEAK};
use std::ffi::c_char;
use std::hint::black_box;
use tollgate::http::tollgate_apikey_check;
use tollgate::tollgate_status;
use tollgate::types::tollgate_str;

const KEY: &[u8; 32] = b"8f2d9c63a7b14d32b53c9e12a1f47fcb";

fn check(uri: &[u8], accepted: &[u8]) -> tollgate_status {
    let keys = [tollgate_str {
        ptr: accepted.as_ptr().cast::<c_char>(),
        len: accepted.len(),
    }];
    // SAFETY: every pointer comes with the length of the live buffer it points into.
    unsafe {
        tollgate_apikey_check(
            uri.as_ptr().cast(),
            uri.len(),
            b"token".as_ptr().cast(),
            5,
            keys.as_ptr(),
            keys.len(),
        )
    }
}

/// One class of a pair: the request target and the accepted key.
struct Class {
    uri: Vec<u8>,
    accepted: Vec<u8>,
    leaky: bool,
}

impl Class {
    fn new(presented: &[u8], accepted: &[u8], leaky: bool) -> Class {
        let mut uri = b"/api/callbacks?token=".to_vec();
        uri.extend_from_slice(presented);
        Class {
            uri,
            accepted: accepted.to_vec(),
            leaky,
        }
    }

    fn run(&self) {
        let status = check(black_box(&self.uri), black_box(&self.accepted));
        black_box(status);
        if self.leaky {
            let presented = &self.uri[21..];
            black_box(leaky_eq(black_box(presented), black_box(&self.accepted)));
        }
    }
}

#[test]
#[ignore = "measures time: run with --ignored (CI runs it briefly)"]
fn apikey_check_time_does_not_depend_on_the_secret() {
    let samples: usize = std::env::var("TOLLGATE_DUDECT_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let mut first_wrong = *KEY;
    first_wrong[0] ^= 1;
    let mut last_wrong = *KEY;
    last_wrong[31] ^= 1;
    let mut longer = KEY.to_vec();
    longer.push(b'x');
    // Sanity: the classes give the verdicts they are meant to.
    assert_eq!(
        check(b"/a?token=8f2d9c63a7b14d32b53c9e12a1f47fcb", KEY),
        tollgate_status::Ok
    );
    let prefix_0 = Class::new(&first_wrong, KEY, false);
    let prefix_31 = Class::new(&last_wrong, KEY, false);
    let same_len = Class::new(&last_wrong, KEY, false);
    let other_len = Class::new(&last_wrong, &longer, false);
    for c in [&prefix_0, &prefix_31, &same_len, &other_len] {
        assert_eq!(check(&c.uri, &c.accepted), tollgate_status::KeyMismatch);
    }
    let leaky_0 = Class::new(&first_wrong, KEY, true);
    let leaky_31 = Class::new(&last_wrong, KEY, true);

    let prefix = measure("prefix", [&|| prefix_0.run(), &|| prefix_31.run()], samples);
    let length = measure("length", [&|| same_len.run(), &|| other_len.run()], samples);
    let control = measure("control", [&|| leaky_0.run(), &|| leaky_31.run()], samples);
    assert!(
        control > LEAK,
        "the harness did not detect a deliberate early-exit leak (max|t| {control:.2}): \
         too few samples or too much noise to conclude anything"
    );
    assert!(
        prefix < LEAK,
        "time depends on the matching prefix: max|t| {prefix:.2}"
    );
    assert!(
        length < LEAK,
        "time depends on the key length: max|t| {length:.2}"
    );
}
