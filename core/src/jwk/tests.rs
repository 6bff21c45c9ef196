//! Key set loading: fixtures shaped like ACS and Entra documents, every skip reason, every
//! failure, the lookup rules.

use super::{KeySet, SkipReason, SkippedKey, MAX_KID_LEN};
use crate::json;
use crate::Error;
use std::{format, string::String};

const ACS: &[u8] = include_bytes!("../../../tests/fixtures/jwt/jwks-acs.json");
const ENTRA: &[u8] = include_bytes!("../../../tests/fixtures/jwt/jwks-entra.json");
const MIXED: &[u8] = include_bytes!("../../../tests/fixtures/jwt/jwks-mixed.json");

/// The `n` of the first key of the ACS fixture (a valid 2048-bit modulus).
fn acs_n() -> String {
    let root = json::parse(ACS, 8).unwrap();
    let first = root
        .get("keys")
        .unwrap()
        .elements()
        .unwrap()
        .next()
        .unwrap();
    first.get("n").unwrap().as_str().unwrap().raw().into()
}

fn jwks(entries: &[String]) -> String {
    format!("{{\"keys\":[{}]}}", entries.join(","))
}

#[test]
fn loads_acs_shaped_document() {
    let set = KeySet::<16>::parse(ACS).unwrap();
    assert_eq!(set.len(), 3);
    assert_eq!(set.report().loaded(), 3);
    assert_eq!(set.report().skipped(), 0);
    let kids: std::vec::Vec<_> = set.keys().map(|k| k.kid().unwrap()).collect();
    assert_eq!(kids, ["acs1", "acs2", "acs3"]);
    assert!(set.keys().all(|k| k.public_key().modulus_bits() == 2048));
    assert!(set.find("acs2").is_some());
    assert!(set.find("acs4").is_none());
}

#[test]
fn loads_entra_shaped_document_ignoring_x5c_and_issuer() {
    let set = KeySet::<16>::parse(ENTRA).unwrap();
    assert_eq!(set.len(), 2);
    assert_eq!(
        set.find("entra2").unwrap().public_key().modulus_bits(),
        4096
    );
}

#[test]
fn skips_each_unusable_entry_with_its_reason() {
    let set = KeySet::<16>::parse(MIXED).unwrap();
    assert_eq!(set.len(), 1);
    assert_eq!(set.keys().next().unwrap().kid(), Some("good"));
    let r = set.report();
    assert_eq!(r.loaded(), 1);
    assert_eq!(r.skipped(), 7);
    use SkipReason::*;
    let expected = [
        NotRsa,
        NotForSignature,
        NotRs256,
        NoVerifyOperation,
        UnsupportedKeySize,
        BadEncoding,
        KidTooLong,
    ];
    for (i, reason) in expected.iter().enumerate() {
        assert_eq!(
            r.listed_skips()[i],
            SkippedKey {
                index: i as u32,
                reason: *reason
            }
        );
        assert_eq!(r.skipped_for(*reason), 1);
    }
}

#[test]
fn entry_level_problems_are_bad_encoding() {
    let n = acs_n();
    for bad in [
        "1".into(),
        "[]".into(),
        format!(r#"{{"kty":"RSA","n":"{n}"}}"#),
        r#"{"kty":"RSA","e":"AQAB"}"#.into(),
        format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAB","n":"{n}"}}"#),
        format!(r#"{{"kty":"RSA","n":"{n}","e":1}}"#),
        format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAB","kid":7}}"#),
        format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAB","key_ops":"verify"}}"#),
        format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAB","use":1}}"#),
        format!(r#"{{"kty":"RSA","n":"{n} ","e":"AQAB"}}"#),
        format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAC"}}"#),
        format!(r#"{{"kty":"RSA","n":"{n}","e":"AAE"}}"#),
    ] {
        let doc = jwks(&[
            bad.clone(),
            format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAB"}}"#),
        ]);
        let set = KeySet::<4>::parse(doc.as_bytes()).unwrap();
        assert_eq!(
            set.report().listed_skips(),
            [SkippedKey {
                index: 0,
                reason: SkipReason::BadEncoding
            }],
            "{bad}"
        );
    }
}

#[test]
fn kid_length_limit_is_exact_and_escapes_count_decoded() {
    let n = acs_n();
    let key = |kid: &str| format!(r#"{{"kty":"RSA","kid":"{kid}","n":"{n}","e":"AQAB"}}"#);
    let longest = "k".repeat(MAX_KID_LEN);
    let set = KeySet::<4>::parse(jwks(&[key(&longest)]).as_bytes()).unwrap();
    assert_eq!(set.keys().next().unwrap().kid(), Some(longest.as_str()));
    let escaped = "\\u006b".repeat(MAX_KID_LEN);
    let set = KeySet::<4>::parse(jwks(&[key(&escaped)]).as_bytes()).unwrap();
    assert_eq!(set.keys().next().unwrap().kid(), Some(longest.as_str()));
    let too_long = "k".repeat(MAX_KID_LEN + 1);
    assert_eq!(
        KeySet::<4>::parse(jwks(&[key(&too_long)]).as_bytes()).err(),
        Some(Error::NoUsableKey)
    );
}

#[test]
fn document_level_failures() {
    let n = acs_n();
    let key = |kid: &str| format!(r#"{{"kty":"RSA","kid":"{kid}","n":"{n}","e":"AQAB"}}"#);
    let nokid = format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAB"}}"#);
    use Error::*;
    let cases: [(String, Error); 10] = [
        ("".into(), InvalidJwks),
        ("[]".into(), InvalidJwks),
        ("{}".into(), InvalidJwks),
        (r#"{"keys":{}}"#.into(), InvalidJwks),
        (format!(r#"{{"keys":[{}]}} x"#, key("a")), InvalidJwks),
        (
            format!(r#"{{"keys":[],"keys":[{}]}}"#, key("a")),
            InvalidJwks,
        ),
        (r#"{"keys":[]}"#.into(), NoUsableKey),
        (jwks(&[key("a"), key("b"), key("a")]), DuplicateKid),
        (jwks(&[key("a"), key("\\u0061")]), DuplicateKid),
        // Over capacity, a later key that repeats a loaded key's kid is still a duplicate.
        (
            jwks(&[key("a"), key("b"), nokid.clone(), nokid.clone(), key("b")]),
            DuplicateKid,
        ),
    ];
    for (doc, want) in cases {
        assert_eq!(
            KeySet::<4>::parse(doc.as_bytes()).err(),
            Some(want),
            "{doc}"
        );
    }
    // Two keys without kid are not duplicates; a skipped entry's kid does not count.
    let ok = jwks(&[
        nokid.clone(),
        nokid,
        key("a"),
        r#"{"kty":"oct","kid":"a"}"#.into(),
    ]);
    assert_eq!(KeySet::<4>::parse(ok.as_bytes()).unwrap().len(), 3);
}

#[test]
fn failed_load_leaves_the_set_unchanged() {
    let mut set = KeySet::<4>::parse(ACS).unwrap();
    assert_eq!(set.load(b"{\"keys\":[]}"), Err(Error::NoUsableKey));
    assert_eq!(set.len(), 3);
    assert!(set.find("acs1").is_some());
    let report = set.load(MIXED).unwrap();
    assert_eq!(report.loaded(), 1);
    assert_eq!(set.len(), 1);
    assert!(set.find("acs1").is_none());
    assert_eq!(set.keys().count(), 1);
}

#[test]
fn select_follows_the_kid_rules() {
    let root = json::parse(br#"["acs2","acs9","\u0061cs1"]"#, 2).unwrap();
    let mut kids = root.elements().unwrap().map(|v| v.as_str().unwrap());
    let (acs2, acs9, acs1) = (kids.next(), kids.next(), kids.next());
    let three = KeySet::<4>::parse(ACS).unwrap();
    assert_eq!(three.select(acs2).unwrap().kid(), Some("acs2"));
    assert_eq!(three.select(acs1).unwrap().kid(), Some("acs1"));
    assert_eq!(three.select(acs9).err(), Some(Error::UnknownKid));
    assert_eq!(three.select(None).err(), Some(Error::MissingKid));
    let one = KeySet::<4>::parse(MIXED).unwrap();
    assert_eq!(one.select(None).unwrap().kid(), Some("good"));
    assert_eq!(one.select(acs2).err(), Some(Error::UnknownKid));
    let empty = KeySet::<4>::new();
    assert_eq!(empty.select(None).err(), Some(Error::MissingKid));
    assert!(empty.is_empty());
}

#[test]
fn key_set_is_send_and_sync() {
    fn shareable<T: Send + Sync>() {}
    shareable::<KeySet<16>>();
}

#[test]
fn check_agrees_with_load_without_loading() {
    let dup = jwks(&[
        format!(r#"{{"kty":"RSA","kid":"a","n":"{}","e":"AQAB"}}"#, acs_n()),
        format!(r#"{{"kty":"RSA","kid":"a","n":"{}","e":"AQAB"}}"#, acs_n()),
    ]);
    for doc in [ACS, ENTRA, MIXED, b"{", b"{\"keys\":[]}", dup.as_bytes()] {
        let mut set = KeySet::<16>::new();
        assert_eq!(KeySet::<16>::check(doc), set.load(doc), "{doc:?}");
        assert_eq!(KeySet::<2>::check(doc), KeySet::<2>::new().load(doc));
    }
    assert_eq!(KeySet::<2>::check(ACS), KeySet::<2>::new().load(ACS));
}

#[test]
fn more_usable_keys_than_capacity_load_the_first_ones() {
    let n = acs_n();
    let key = |kid: &str| format!(r#"{{"kty":"RSA","kid":"{kid}","n":"{n}","e":"AQAB"}}"#);
    let doc = jwks(&[
        key("k0"),
        r#"{"kty":"EC","kid":"ec"}"#.into(),
        key("k1"),
        key("k2"),
        key("k\\u0033"),
        r#"{"kty":"oct","kid":"k0"}"#.into(),
    ]);
    let mut set = KeySet::<2>::parse(ACS).unwrap();
    let report = set.load(doc.as_bytes()).unwrap();
    assert_eq!(KeySet::<2>::check(doc.as_bytes()), Ok(report));
    assert_eq!(report.loaded(), 2);
    assert_eq!(report.skipped(), 4);
    assert_eq!(report.skipped_for(SkipReason::OverCapacity), 2);
    assert_eq!(
        report.listed_skips(),
        [
            SkippedKey {
                index: 1,
                reason: SkipReason::NotRsa
            },
            SkippedKey {
                index: 3,
                reason: SkipReason::OverCapacity
            },
            SkippedKey {
                index: 4,
                reason: SkipReason::OverCapacity
            },
            SkippedKey {
                index: 5,
                reason: SkipReason::NotRsa
            },
        ]
    );
    let left_out: std::vec::Vec<String> = report
        .listed_skips()
        .iter()
        .filter(|s| s.reason == SkipReason::OverCapacity)
        .map(|s| {
            super::entry_kid(doc.as_bytes(), s.index)
                .unwrap()
                .unwrap()
                .chars()
                .collect()
        })
        .collect();
    assert_eq!(left_out, ["k2", "k3"]);
    let kids: std::vec::Vec<_> = set.keys().map(|k| k.kid().unwrap()).collect();
    assert_eq!(kids, ["k0", "k1"]);
    let root = json::parse(br#"["k2","k1"]"#, 2).unwrap();
    let mut wanted = root.elements().unwrap().map(|v| v.as_str());
    let (k2, k1) = (wanted.next().unwrap(), wanted.next().unwrap());
    assert_eq!(set.select(k2).err(), Some(Error::UnknownKid));
    assert_eq!(set.select(k1).unwrap().kid(), Some("k1"));
    // Sixteen of seventeen, as an issuer publishing one key too many would give.
    let seventeen: std::vec::Vec<String> = (0..17).map(|i| key(&format!("s{i}"))).collect();
    let big = KeySet::<16>::parse(jwks(&seventeen).as_bytes()).unwrap();
    assert_eq!(big.len(), 16);
    assert_eq!(
        big.report().listed_skips(),
        [SkippedKey {
            index: 16,
            reason: SkipReason::OverCapacity
        }]
    );
    assert!(big.find("s15").is_some() && big.find("s16").is_none());
    assert_eq!(super::entry_kid(b"{", 0), Err(Error::InvalidJwks));
    assert_eq!(
        super::entry_kid(b"{\"keys\":{}}", 0),
        Err(Error::InvalidJwks)
    );
    assert_eq!(
        super::entry_kid(doc.as_bytes(), 6),
        Err(Error::InvalidArgument)
    );
    assert_eq!(super::entry_kid(br#"{"keys":[{"kid":7},{}]}"#, 1), Ok(None));
    assert_eq!(super::entry_kid(br#"{"keys":[{"kid":7},{}]}"#, 0), Ok(None));
}

/// `(index, reason)` pairs of a report's listed skips.
fn listed(report: &super::LoadReport) -> std::vec::Vec<(u32, SkipReason)> {
    report
        .listed_skips()
        .iter()
        .map(|s| (s.index, s.reason))
        .collect()
}

#[test]
fn check_report_on_failure_holds_what_was_judged() {
    use super::LoadReport;
    let n = acs_n();
    let key = |kid: &str| format!(r#"{{"kty":"RSA","kid":"{kid}","n":"{n}","e":"AQAB"}}"#);
    // Not JSON, or no `keys` array: nothing judged.
    for doc in [&b"not json"[..], b"{", b"{\"keys\":{}}", b"[]"] {
        assert_eq!(
            KeySet::<4>::check_report(doc),
            (LoadReport::EMPTY, Err(Error::InvalidJwks))
        );
    }
    // No usable key: every entry listed with its reason.
    let none = jwks(&[
        r#"{"kty":"EC","kid":"ec"}"#.into(),
        format!(r#"{{"kty":"RSA","use":"enc","n":"{n}","e":"AQAB"}}"#),
        "5".into(),
    ]);
    let (report, outcome) = KeySet::<4>::check_report(none.as_bytes());
    assert_eq!(outcome, Err(Error::NoUsableKey));
    assert_eq!((report.loaded(), report.skipped()), (0, 3));
    assert_eq!(
        listed(&report),
        [
            (0, SkipReason::NotRsa),
            (1, SkipReason::NotForSignature),
            (2, SkipReason::BadEncoding)
        ]
    );
    assert_eq!(report.skipped_for(SkipReason::NotRsa), 1);
    // Duplicate kid: the entries before the repeat; the repeat and later ones are not judged.
    let dup = jwks(&[
        key("a"),
        r#"{"kty":"oct"}"#.into(),
        key("b"),
        key("a"),
        r#"{"kty":"EC"}"#.into(),
    ]);
    let (report, outcome) = KeySet::<4>::check_report(dup.as_bytes());
    assert_eq!(outcome, Err(Error::DuplicateKid));
    assert_eq!((report.loaded(), report.skipped()), (2, 1));
    assert_eq!(listed(&report), [(1, SkipReason::NotRsa)]);
    // Success: the report a load gives.
    let mut set = KeySet::<4>::new();
    let loaded = set.load(MIXED).unwrap();
    assert_eq!(KeySet::<4>::check_report(MIXED), (loaded, Ok(())));
}

/// The bytes of a `MaybeUninit` whose every byte was written.
fn bytes_of<T>(slot: &core::mem::MaybeUninit<T>) -> std::vec::Vec<u8> {
    // SAFETY: callers filled every byte of `slot` (`fill_bytes`) before, and only a failed
    // load (which writes nothing) ran since.
    unsafe { std::slice::from_raw_parts(slot.as_ptr().cast::<u8>(), core::mem::size_of::<T>()) }
        .to_vec()
}

fn fill_bytes<T>(slot: &mut core::mem::MaybeUninit<T>, byte: u8) {
    // SAFETY: `slot` is valid for writes of `size_of::<T>()` bytes.
    unsafe {
        slot.as_mut_ptr()
            .cast::<u8>()
            .write_bytes(byte, core::mem::size_of::<T>())
    };
}

fn kids_of<const N: usize>(set: &KeySet<N>) -> std::vec::Vec<Option<String>> {
    set.keys().map(|k| k.kid().map(String::from)).collect()
}

#[test]
fn load_uninit_builds_in_place_and_writes_nothing_on_failure() {
    use core::mem::MaybeUninit;
    let mut slot = MaybeUninit::<KeySet<4>>::uninit();
    fill_bytes(&mut slot, 0xa5);
    let before = bytes_of(&slot);
    for doc in [
        &b"{"[..],
        b"{\"keys\":[]}",
        b"{\"keys\":[{\"kty\":\"EC\"}]}",
    ] {
        let (_, outcome) = KeySet::<4>::load_uninit(&mut slot, doc);
        assert!(outcome.is_err());
        assert!(
            bytes_of(&slot) == before,
            "a failed load wrote into the slot"
        );
    }
    for doc in [ACS, MIXED, ENTRA] {
        let want = KeySet::<4>::parse(doc).unwrap();
        let (report, outcome) = KeySet::<4>::load_uninit(&mut slot, doc);
        let set = outcome.unwrap();
        assert_eq!(report, *want.report());
        assert_eq!(*set.report(), report);
        assert_eq!(set.len(), want.len());
        assert_eq!(kids_of(set), kids_of(&want));
        assert!(set
            .keys()
            .zip(want.keys())
            .all(|(a, b)| a.public_key() == b.public_key()));
    }
    // A failed load over a loaded set leaves it usable as it was.
    let (_, outcome) = KeySet::<4>::load_uninit(&mut slot, b"{\"keys\":[]}");
    assert_eq!(outcome.err(), Some(Error::NoUsableKey));
    // SAFETY: the ENTRA load above succeeded, and the failed one wrote nothing.
    let set = unsafe { slot.assume_init_ref() };
    assert_eq!(kids_of(set), [Some("entra1".into()), Some("entra2".into())]);
}
