//! Fuzzes JWKS loading: any input either fails with a key set error (leaving a loaded set
//! untouched) or yields 1..=N keys whose report adds up.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tollgate_core::jwk::{KeySet, SkipReason};
use tollgate_core::Error;

const ACS: &[u8] = include_bytes!("../../tests/fixtures/jwt/jwks-acs.json");

fuzz_target!(|data: &[u8]| {
    static LOADED: OnceLock<KeySet<4>> = OnceLock::new();
    let mut set = LOADED
        .get_or_init(|| KeySet::parse(ACS).expect("fixture JWKS"))
        .clone();
    match set.load(data) {
        Ok(report) => {
            assert!((1..=4).contains(&set.len()));
            assert_eq!(report.loaded() as usize, set.len());
            let per_reason: u32 = SkipReason::ALL.iter().map(|r| report.skipped_for(*r)).sum();
            assert_eq!(per_reason, report.skipped());
            for key in set.keys() {
                assert!(key
                    .kid()
                    .is_none_or(|k| k.len() <= tollgate_core::jwk::MAX_KID_LEN));
                assert!((2048..=4096).contains(&key.public_key().modulus_bits()));
                if let Some(kid) = key.kid() {
                    assert!(set.find(kid).is_some());
                }
            }
        }
        Err(e) => {
            assert!(matches!(
                e,
                Error::InvalidJwks | Error::DuplicateKid | Error::NoUsableKey
            ));
            assert_eq!(set.len(), 3, "a failed load must leave the set untouched");
            assert!(set.find("acs1").is_some());
        }
    }
});
