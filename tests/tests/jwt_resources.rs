//! Resource bounds of the JWT path: loading a key set, parsing discovery and verifying a token
//! allocate nothing, and a verification stays within the 16 KiB stack budget.

mod jwt_common;

use jwt_common::{acs_keys, claims, fixture, header, Signer, AUD, ISS, NOW};
use tollgate_core::jwk::KeySet;
use tollgate_core::jwt::{self, Policy};
use tollgate_core::oidc::Discovery;

#[global_allocator]
static ALLOC: tollgate_tests::CountingAllocator = tollgate_tests::CountingAllocator;

#[test]
fn nothing_allocates() {
    let jwks = fixture("jwks-entra.json");
    let discovery = br#"{"issuer":"https:\/\/i","jwks_uri":"https://h/k","x":[1,2]}"#;
    let token = Signer::new("acs1").token(&header("acs1"), &claims());
    let keys = acs_keys();
    let policy = Policy::new(ISS, &[AUD]);
    let mut scratch = vec![0u8; token.len()];
    let (n, ok) = tollgate_tests::allocations_during(|| {
        let set = KeySet::<16>::parse(&jwks).map(|s| s.len());
        let d = Discovery::parse(discovery).is_ok();
        let v = jwt::verify(&keys, &policy, token.as_bytes(), NOW, &mut scratch)
            .map(|c| c.expires_at());
        (set, d, v)
    });
    assert_eq!(ok, (Ok(2), true, Ok(Some(NOW + 240))));
    assert_eq!(
        n, 0,
        "allocations during key set load, discovery and verify"
    );
    // Failing paths too.
    let (n, r) = tollgate_tests::allocations_during(|| {
        jwt::verify(&keys, &policy, b"e30.e30.e30", NOW, &mut scratch).err()
    });
    assert_eq!((n, r), (0, Some(tollgate_core::Error::UnsupportedAlg)));
}

/// How far below the reference frame the stack is painted and measured.
const WINDOW: usize = 96 * 1024;
/// The top of the window is kept this far below the reference frame, so the helpers' own
/// small frames never overlap it.
const GAP: usize = 2 * 1024;
const PAINT: u8 = 0xA5;

/// Paints the unused stack below `top` (an address in the caller's frame) with a pattern.
#[inline(never)]
fn paint_below(top: usize) {
    for addr in (top - GAP - WINDOW)..(top - GAP) {
        // SAFETY: the thread's stack is 1 MiB, far larger than `GAP + WINDOW` below `top`; the
        // area is mapped and not in use by any live frame (it is below this small one).
        unsafe { std::ptr::write_volatile(addr as *mut u8, PAINT) };
    }
}

/// The deepest stack use below `top` since [`paint_below`]: the distance from `top` to the
/// lowest byte that lost the pattern.
#[inline(never)]
fn used_below(top: usize) -> usize {
    let bottom = top - GAP - WINDOW;
    // SAFETY: as in `paint_below`; bytes are only read and compared.
    let untouched = (bottom..top - GAP)
        .take_while(|&addr| unsafe { std::ptr::read_volatile(addr as *const u8) } == PAINT)
        .count();
    top - (bottom + untouched)
}

#[test]
fn verify_stays_within_16_kib_of_stack() {
    let token = Signer::new("entra2").token(
        &header("entra2"),
        &claims().replace(ISS, "https://login.microsoftonline.com/t/v2.0"),
    );
    let keys = KeySet::<16>::parse(&fixture("jwks-entra.json")).unwrap();
    let used = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let audiences = [AUD];
            let policy = Policy::new("https://login.microsoftonline.com/t/v2.0", &audiences);
            let mut scratch = vec![0u8; token.len()];
            let reference = 0u8;
            let top = std::hint::black_box(&reference) as *const u8 as usize;
            paint_below(top);
            let baseline = used_below(top);
            paint_below(top);
            let result = jwt::verify(&keys, &policy, token.as_bytes(), NOW, &mut scratch).is_ok();
            let used = used_below(top);
            assert!(result);
            assert!(
                baseline <= GAP,
                "measurement is broken: baseline {baseline}"
            );
            used
        })
        .unwrap()
        .join()
        .unwrap();
    // Measured in the unoptimised test build, which keeps more on the stack than release.
    let budget = 16 * 1024;
    eprintln!("verify (4096-bit key) used {used} bytes of stack (budget {budget})");
    assert!(used > GAP + 1024, "measurement is broken: {used}");
    assert!(used <= budget, "{used} bytes of stack");
}
