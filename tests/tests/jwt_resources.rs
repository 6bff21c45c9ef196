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

#[test]
fn verify_stays_within_16_kib_of_stack() {
    let token = Signer::new("entra2").token(
        &header("entra2"),
        &claims().replace(ISS, "https://login.microsoftonline.com/t/v2.0"),
    );
    // Boxed: whatever the closure captures is moved into the measured frames.
    let keys = Box::new(KeySet::<16>::parse(&fixture("jwks-entra.json")).unwrap());
    let mut scratch = vec![0u8; token.len()];
    let (baseline, ()) = tollgate_tests::stack_used(|| ());
    let (used, ok) = tollgate_tests::stack_used(move || {
        let policy = Policy::new("https://login.microsoftonline.com/t/v2.0", &[AUD]);
        jwt::verify(&keys, &policy, token.as_bytes(), NOW, &mut scratch).is_ok()
    });
    assert!(ok);
    assert!(
        baseline <= tollgate_tests::STACK_GAP + 256,
        "measurement is broken: baseline {baseline}"
    );
    // Measured in the unoptimised test build, which keeps more on the stack than release.
    let budget = 16 * 1024;
    eprintln!("verify (4096-bit key) used {used} bytes of stack (budget {budget})");
    assert!(
        used > tollgate_tests::STACK_GAP + 1024,
        "measurement is broken: {used}"
    );
    assert!(used <= budget, "{used} bytes of stack");
}
