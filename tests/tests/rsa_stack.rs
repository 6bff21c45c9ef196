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

const PATTERN: u64 = 0xa5c3_5a3c_f00d_d00d;
/// How far below the measuring frame the pattern goes.
const PAINTED: usize = 512 * 1024;
/// Left unpainted right below the measuring frame (its own locals and spills); always counted.
const GAP: usize = 1024;

#[inline(never)]
fn call(f: &dyn Fn()) {
    f();
}

/// Bytes of stack below this frame that `f` wrote to (at least `GAP`).
fn peak_stack_of(f: impl Fn() + Send + 'static) -> usize {
    std::thread::Builder::new()
        .stack_size(4 << 20)
        .spawn(move || {
            let anchor = 0u64;
            let top = black_box(&anchor) as *const u64 as usize & !7;
            let end = top - GAP;
            let base = end - PAINTED;
            // SAFETY: [base, end) lies inside this thread's 4 MiB stack, below the live frames;
            // nothing else uses that memory while we paint and read it.
            unsafe {
                for a in (base..end).step_by(8) {
                    std::ptr::write_volatile(a as *mut u64, PATTERN);
                }
            }
            call(&f);
            let mut deepest = end;
            for a in (base..end).step_by(8) {
                // SAFETY: as above.
                if unsafe { std::ptr::read_volatile(a as *const u64) } != PATTERN {
                    deepest = a;
                    break;
                }
            }
            assert!(deepest > base, "the painted region was not deep enough");
            top - deepest
        })
        .unwrap()
        .join()
        .unwrap()
}

fn noop() {}

#[test]
fn a_4096_bit_verification_fits_in_16_kib() {
    let dir = tollgate_tests::fixtures_dir().join("rsa");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let key = RsaPublicKey::from_be_bytes(&read("rsa4096.n.bin"), &read("rsa4096.e.bin")).unwrap();
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
