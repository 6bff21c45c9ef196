//! Peak stack of one 4096-bit verification (`verify_pkcs1_sha256`, hashing included), measured
//! by painting: on a fresh thread, a region below the current frame is filled with a pattern,
//! the verification runs, and the deepest word no longer holding the pattern gives the depth
//! reached, counted from the measuring frame. Frames the call reserves but never writes are not
//! seen (nothing in the verification reserves memory it does not write). A `noop` call is
//! measured the same way as the baseline. The 16 KiB bound is asserted in every profile; the
//! debug build (no inlining, every temporary on the stack) is the deeper one. This crate links
//! tollgate-ffi, which refuses release builds without `panic = "abort"` unless debug assertions
//! are on, so the optimised figure comes from:
//! `CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=false
//!  cargo test --release -p tollgate-tests --test rsa_stack -- --nocapture`.

use std::hint::black_box;

use tollgate_core::rsa::{verify_pkcs1_sha256, RsaPublicKey};

/// Bytes of stack below the measuring frame that `f` wrote to (at least the helper's gap).
fn peak_stack_of(f: impl Fn() + Send + 'static) -> usize {
    tollgate_tests::stack_used(f).0
}

fn noop() {}

#[test]
fn a_4096_bit_verification_fits_in_16_kib() {
    let dir = tollgate_tests::fixtures_dir().join("rsa");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let key = Box::new(
        RsaPublicKey::from_be_bytes(&read("rsa4096.n.bin"), &read("rsa4096.e.bin")).unwrap(),
    );
    let message = read("message.txt");
    let signature = read("rsa4096.sig.bin");
    assert_eq!(verify_pkcs1_sha256(&key, &message, &signature), Ok(()));

    let baseline = peak_stack_of(noop);
    let peak = peak_stack_of(move || {
        let r = verify_pkcs1_sha256(black_box(&key), black_box(&message), black_box(&signature));
        assert_eq!(r, Ok(()));
    });
    println!("peak stack of one 4096-bit verify: {peak} bytes (noop baseline {baseline} bytes)");
    assert!(peak > baseline, "the measurement saw nothing");
    assert!(peak <= 16 * 1024, "{peak} bytes > 16 KiB");
}
