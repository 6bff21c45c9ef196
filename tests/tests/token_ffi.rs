//! The token C ABI beyond the manifest: the key set report and accessors, policy validation
//! and setters, scratch sizing, unescaped claims and the claim getters, OIDC discovery, the
//! NULL/length rules, outputs untouched on failure, and zero allocations on the hot calls.

mod jwt_common;
mod token_common;

use jwt_common::{claims, claims_with, fixture, header, Signer, AUD, ISS, NOW};
use std::ffi::{c_char, CStr};
use token_common::{blank_keyset, blank_policy, init_policy, parse_keyset, s, text_of, verify};
use tollgate::token::keyset::*;
use tollgate::token::oidc::tollgate_oidc_parse;
use tollgate::token::policy::*;
use tollgate::token::verify::*;
use tollgate::tollgate_status;
use tollgate::tollgate_status as St;

#[global_allocator]
static ALLOC: tollgate_tests::CountingAllocator = tollgate_tests::CountingAllocator;

fn acs_keyset() -> Box<tollgate_keyset> {
    parse_keyset(&fixture("jwks-acs.json")).unwrap().0
}

fn acs_policy() -> Box<tollgate_policy> {
    init_policy(ISS, &[AUD]).unwrap()
}

fn bytes_of<T>(v: &T) -> Vec<u8> {
    unsafe { std::slice::from_raw_parts((v as *const T).cast::<u8>(), std::mem::size_of::<T>()) }
        .to_vec()
}

#[test]
fn sizes_match_the_header_and_the_size_functions() {
    let header = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../include/tollgate.h"),
    )
    .unwrap();
    assert_eq!(
        tollgate_keyset_size(),
        std::mem::size_of::<tollgate_keyset>()
    );
    assert_eq!(
        tollgate_policy_size(),
        std::mem::size_of::<tollgate_policy>()
    );
    assert!(header.contains(&format!(
        "#define TOLLGATE_KEYSET_SIZE {}",
        tollgate_keyset_size()
    )));
    assert!(header.contains(&format!(
        "#define TOLLGATE_POLICY_SIZE {}",
        tollgate_policy_size()
    )));
    assert!(header.contains(&format!("uint64_t opaque[{}];", tollgate_keyset_size() / 8)));
    assert!(header.contains(&format!("uint64_t opaque[{}];", tollgate_policy_size() / 8)));
    assert_eq!(std::mem::align_of::<tollgate_keyset>(), 8);
    assert_eq!(std::mem::align_of::<tollgate_policy>(), 8);
    assert_eq!(tollgate_verify_scratch_size(1000), 2000);
    assert_eq!(tollgate_verify_scratch_size(usize::MAX), usize::MAX);
}

#[test]
fn keyset_report_names_every_skipped_entry() {
    let (ks, report) = parse_keyset(&fixture("jwks-mixed.json")).unwrap();
    let core = tollgate_core::jwk::KeySet::<16>::parse(&fixture("jwks-mixed.json")).unwrap();
    assert_eq!(report.loaded, core.report().loaded());
    assert_eq!(report.loaded as usize, unsafe { tollgate_keyset_len(&*ks) });
    assert_eq!(report.skipped, core.report().skipped());
    assert!(report.skipped >= 5);
    assert_eq!(report.listed_len, report.skipped);
    assert_eq!(report.skipped_for[0], 0);
    assert_eq!(report.skipped_for.iter().sum::<u32>(), report.skipped);
    for (listed, core_skip) in report.listed.iter().zip(core.report().listed_skips()) {
        assert_eq!(listed.index, core_skip.index);
        let name = unsafe { CStr::from_ptr(tollgate_skip_reason_str(listed.reason)) };
        assert_eq!(name.to_str().unwrap(), core_skip.reason.name());
        assert_eq!(
            report.skipped_for[listed.reason as usize],
            core.report().skipped_for(core_skip.reason)
        );
    }
    for reason in [
        TOLLGATE_SKIP_NOT_RSA,
        TOLLGATE_SKIP_NOT_FOR_SIGNATURE,
        TOLLGATE_SKIP_NOT_RS256,
        TOLLGATE_SKIP_NO_VERIFY_OPERATION,
        TOLLGATE_SKIP_UNSUPPORTED_KEY_SIZE,
        TOLLGATE_SKIP_BAD_ENCODING,
        TOLLGATE_SKIP_KID_TOO_LONG,
    ] {
        assert_eq!(report.skipped_for[reason as usize], 1, "reason {reason}");
    }
    // kid accessor: in range, out of range, outputs untouched on failure.
    let mut ptr: *const c_char = std::ptr::null();
    let mut len = 77usize;
    assert_eq!(
        unsafe { tollgate_keyset_kid(&*ks, 0, &mut ptr, &mut len) },
        St::Ok
    );
    assert_eq!(
        unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) },
        b"good"
    );
    let (mut ptr2, mut len2) = (std::ptr::null::<c_char>(), 77usize);
    let n = unsafe { tollgate_keyset_len(&*ks) };
    assert_eq!(
        unsafe { tollgate_keyset_kid(&*ks, n, &mut ptr2, &mut len2) },
        St::InvalidArgument
    );
    assert!(ptr2.is_null());
    assert_eq!(len2, 77);
    assert_eq!(
        unsafe { tollgate_keyset_kid(&*ks, 0, std::ptr::null_mut(), &mut len2) },
        St::NullPointer
    );
    assert_eq!(unsafe { tollgate_keyset_len(std::ptr::null()) }, 0);
    // A key without a kid reports {NULL, 0}.
    let (single, _) = parse_keyset(&fixture("rfc7515-a2.jwks.json")).unwrap();
    let (mut p3, mut l3) = (std::ptr::dangling::<c_char>(), 5usize);
    assert_eq!(
        unsafe { tollgate_keyset_kid(&*single, 0, &mut p3, &mut l3) },
        St::Ok
    );
    assert!(p3.is_null());
    assert_eq!(l3, 0);
}

#[test]
fn keyset_with_more_usable_keys_than_capacity_loads_the_first_ones() {
    // Seventeen usable keys (acs1's modulus under kids k0..k16): sixteen load, the last is
    // reported as skipped, and a token naming it gets `unknown_kid`.
    let acs = String::from_utf8(fixture("jwks-acs.json")).unwrap();
    let root: serde_json::Value = serde_json::from_str(&acs).unwrap();
    let many: Vec<serde_json::Value> = (0..17)
        .map(|i| {
            let mut k = root["keys"][0].clone();
            k["kid"] = serde_json::Value::String(format!("k{i}"));
            k
        })
        .collect();
    let many = serde_json::json!({ "keys": many }).to_string();
    let (ks, report) = parse_keyset(many.as_bytes()).unwrap();
    assert_eq!(
        (report.loaded, report.skipped, report.listed_len),
        (16, 1, 1)
    );
    assert_eq!(report.skipped_for[TOLLGATE_SKIP_OVER_CAPACITY as usize], 1);
    assert_eq!(report.listed[0].index, 16);
    assert_eq!(report.listed[0].reason, TOLLGATE_SKIP_OVER_CAPACITY);
    let name = unsafe { CStr::from_ptr(tollgate_skip_reason_str(TOLLGATE_SKIP_OVER_CAPACITY)) };
    assert_eq!(name.to_str().unwrap(), "over_capacity");
    assert_eq!(unsafe { tollgate_keyset_len(&*ks) }, 16);
    let signer = Signer::new("acs1");
    let last_in = signer.token(&header("k15"), &claims());
    assert_eq!(
        verify(&ks, &acs_policy(), last_in.as_bytes(), NOW).0,
        St::Ok
    );
    let left_out = signer.token(&header("k16"), &claims());
    assert_eq!(
        verify(&ks, &acs_policy(), left_out.as_bytes(), NOW).0,
        St::UnknownKid
    );
    // The report names the left-out key by index; tollgate_jwks_entry_kid reads its kid.
    let kid_of = |doc: &[u8], index: u32, cap: usize| {
        let mut buf = vec![0u8; cap];
        let mut len = usize::MAX;
        let st = unsafe {
            tollgate_jwks_entry_kid(
                doc.as_ptr(),
                doc.len(),
                index,
                buf.as_mut_ptr().cast(),
                cap,
                &mut len,
            )
        };
        buf.truncate(len.min(cap));
        (st, len, String::from_utf8(buf).unwrap())
    };
    let doc = many.as_bytes();
    assert_eq!(
        kid_of(doc, report.listed[0].index, 16),
        (St::Ok, 3, "k16".into())
    );
    // Ask the size with an empty buffer, then copy; a short buffer is left untouched.
    assert_eq!(kid_of(doc, 16, 0), (St::BufferTooSmall, 3, String::new()));
    assert_eq!(kid_of(doc, 16, 2), (St::BufferTooSmall, 3, "\0\0".into()));
    assert_eq!(kid_of(doc, 17, 8).0, St::InvalidArgument);
    assert_eq!(kid_of(b"[1]", 0, 8).0, St::InvalidJwks);
    assert_eq!(kid_of(br#"{"keys":[{"kid":1}]}"#, 0, 8).0, St::MissingKid);
    assert_eq!(
        kid_of(br#"{"keys":[{"kid":"a\u00e9\/"}]}"#, 0, 8),
        (St::Ok, 4, "a\u{e9}/".into())
    );
    let null = unsafe {
        tollgate_jwks_entry_kid(
            doc.as_ptr(),
            doc.len(),
            16,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(null, St::NullPointer);
}

#[test]
fn keyset_failures_leave_the_set_untouched_and_fill_the_report() {
    let mut ks = acs_keyset();
    let before = bytes_of(&*ks);
    let stale = tollgate_jwks_report {
        loaded: 99,
        skipped: 99,
        listed_len: 99,
        ..Default::default()
    };
    let nothing_judged = tollgate_jwks_report::default();
    let ec_skipped = {
        let mut r = tollgate_jwks_report {
            skipped: 1,
            listed_len: 1,
            ..Default::default()
        };
        r.skipped_for[TOLLGATE_SKIP_NOT_RSA as usize] = 1;
        r.listed[0] = tollgate_skipped_key {
            index: 0,
            reason: TOLLGATE_SKIP_NOT_RSA,
        };
        r
    };
    // Duplicate kid: the acs set (three keys) with an EC entry and then its first key again;
    // the report holds the entries before the repeat (three usable, one skipped).
    let acs = String::from_utf8(fixture("jwks-acs.json")).unwrap();
    let root: serde_json::Value = serde_json::from_str(&acs).unwrap();
    let mut keys = root["keys"].as_array().unwrap().clone();
    keys.push(serde_json::json!({"kty": "EC"}));
    keys.push(keys[0].clone());
    keys.push(serde_json::json!({"kty": "oct"}));
    let doubled = serde_json::json!({ "keys": keys }).to_string();
    let dup_report = {
        let mut r = tollgate_jwks_report {
            loaded: 3,
            skipped: 1,
            listed_len: 1,
            ..Default::default()
        };
        r.skipped_for[TOLLGATE_SKIP_NOT_RSA as usize] = 1;
        r.listed[0] = tollgate_skipped_key {
            index: 3,
            reason: TOLLGATE_SKIP_NOT_RSA,
        };
        r
    };
    for (doc, want, want_report) in [
        (&b"{"[..], St::InvalidJwks, nothing_judged),
        (b"not json at all", St::InvalidJwks, nothing_judged),
        (b"{\"keys\":{}}", St::InvalidJwks, nothing_judged),
        (
            b"{\"keys\":[],\"keys\":[]}",
            St::InvalidJwks,
            nothing_judged,
        ),
        (b"{\"keys\":[]}", St::NoUsableKey, nothing_judged),
        (br#"{"keys":[{"kty":"EC"}]}"#, St::NoUsableKey, ec_skipped),
        (doubled.as_bytes(), St::DuplicateKid, dup_report),
    ] {
        let mut report = stale;
        let st =
            unsafe { tollgate_keyset_parse(&mut *ks, doc.as_ptr().cast(), doc.len(), &mut report) };
        let text = String::from_utf8_lossy(doc);
        assert_eq!(st, want, "{text}");
        assert_eq!(report, want_report, "{text}");
        // The same report core's check_report gives.
        let (core, _) = tollgate_core::jwk::KeySet::<16>::check_report(doc);
        assert_eq!(report, tollgate_jwks_report::from(&core), "{text}");
    }
    let mut report = stale;
    let st = unsafe { tollgate_keyset_parse(&mut *ks, std::ptr::null(), 5, &mut report) };
    assert_eq!(st, St::NullPointer);
    assert_eq!(report, nothing_judged, "a NULL document judged nothing");
    assert_eq!(
        bytes_of(&*ks),
        before,
        "a failed parse changed a parsed set"
    );
    // A misaligned report is refused before anything is read or written.
    let mut words = [0x4444_4444u32; TOLLGATE_JWKS_REPORT_SIZE / 4 + 1];
    let odd = unsafe { words.as_mut_ptr().cast::<u8>().add(2) }.cast::<tollgate_jwks_report>();
    let st = unsafe { tollgate_keyset_parse(&mut *ks, doubled.as_ptr().cast(), 3, odd) };
    assert_eq!(st, St::Misaligned);
    assert!(words.iter().all(|&w| w == 0x4444_4444));
    // Still usable.
    let token = Signer::new("acs1").token(&header("acs1"), &claims());
    assert_eq!(verify(&ks, &acs_policy(), token.as_bytes(), NOW).0, St::Ok);
    // Re-parse in place (a NULL report is fine) replaces the keys.
    let entra = fixture("jwks-entra.json");
    let st = unsafe {
        tollgate_keyset_parse(
            &mut *ks,
            entra.as_ptr().cast(),
            entra.len(),
            std::ptr::null_mut(),
        )
    };
    assert_eq!(st, St::Ok);
    assert_eq!(
        verify(&ks, &acs_policy(), token.as_bytes(), NOW).0,
        St::UnknownKid
    );
    // NULL and misaligned objects.
    let jwks = fixture("jwks-acs.json");
    let st = unsafe {
        tollgate_keyset_parse(
            std::ptr::null_mut(),
            jwks.as_ptr().cast(),
            jwks.len(),
            std::ptr::null_mut(),
        )
    };
    assert_eq!(st, St::NullPointer);
    let mut raw = vec![0u64; tollgate_keyset_size() / 8 + 1];
    let misaligned = unsafe { raw.as_mut_ptr().cast::<u8>().add(4) }.cast::<tollgate_keyset>();
    let st = unsafe {
        tollgate_keyset_parse(
            misaligned,
            jwks.as_ptr().cast(),
            jwks.len(),
            std::ptr::null_mut(),
        )
    };
    assert_eq!(st, St::Misaligned);
}

#[test]
fn unparsed_keyset_and_uninitialised_policy_are_errors_not_undefined() {
    let token = Signer::new("acs1").token(&header("acs1"), &claims());
    let blank = blank_keyset();
    assert_eq!(
        verify(&blank, &acs_policy(), token.as_bytes(), NOW).0,
        St::InvalidArgument
    );
    assert_eq!(unsafe { tollgate_keyset_len(&*blank) }, 0);
    // A failed first parse leaves it unusable.
    let mut ks = blank_keyset();
    let st =
        unsafe { tollgate_keyset_parse(&mut *ks, b"{".as_ptr().cast(), 1, std::ptr::null_mut()) };
    assert_eq!(st, St::InvalidJwks);
    assert_eq!(
        verify(&ks, &acs_policy(), token.as_bytes(), NOW).0,
        St::InvalidArgument
    );
    assert_eq!(
        verify(&acs_keyset(), &blank_policy(), token.as_bytes(), NOW).0,
        St::InvalidArgument
    );
    let mut p = blank_policy();
    assert_eq!(
        unsafe { tollgate_policy_set_leeway(&mut *p, 5) },
        St::InvalidArgument
    );
}

#[test]
fn policy_init_validates_and_copies() {
    let long = "x".repeat(TOLLGATE_POLICY_MAX_ISSUER_LEN + 1);
    let max = "x".repeat(TOLLGATE_POLICY_MAX_ISSUER_LEN);
    let nine = ["a"; TOLLGATE_POLICY_MAX_AUDIENCES + 1];
    let eight = ["a"; TOLLGATE_POLICY_MAX_AUDIENCES];
    assert!(init_policy(&max, &eight).is_ok());
    assert!(init_policy(ISS, &[&max]).is_ok());
    for (iss, auds, want) in [
        ("", &[AUD][..], St::InvalidPolicy),
        (ISS, &[], St::InvalidPolicy),
        (ISS, &[""], St::InvalidPolicy),
        (&long, &[AUD], St::InvalidPolicy),
        (ISS, &[&long], St::InvalidPolicy),
        (ISS, &nine, St::InvalidPolicy),
        ("a\0b", &[AUD], St::InvalidText),
        (ISS, &["a\0b"], St::InvalidText),
    ] {
        assert_eq!(init_policy(iss, auds).err(), Some(want), "{iss:?} {auds:?}");
    }
    // NULL rules, and a failed init leaves the policy untouched.
    let mut p = acs_policy();
    let before = bytes_of(&*p);
    let st = unsafe {
        tollgate_policy_init(&mut *p, ISS.as_ptr().cast(), ISS.len(), std::ptr::null(), 1)
    };
    assert_eq!(st, St::NullPointer);
    let st = unsafe { tollgate_policy_init(&mut *p, std::ptr::null(), 3, &s(AUD), 1) };
    assert_eq!(st, St::NullPointer);
    let bad = [
        s(AUD),
        tollgate::types::tollgate_str {
            ptr: std::ptr::null(),
            len: 2,
        },
    ];
    let st =
        unsafe { tollgate_policy_init(&mut *p, ISS.as_ptr().cast(), ISS.len(), bad.as_ptr(), 2) };
    assert_eq!(st, St::NullPointer);
    assert_eq!(bytes_of(&*p), before);
    // The strings are copied: the caller's buffers may go away.
    let ks = acs_keyset();
    let policy = {
        let (iss, aud) = (ISS.to_string(), format!("other,{AUD}"));
        let p = init_policy(&iss, &["other", &aud[6..]]).unwrap();
        drop((iss, aud));
        p
    };
    let token = Signer::new("acs1").token(&header("acs1"), &claims());
    let (st, c, _scratch) = verify(&ks, &policy, token.as_bytes(), NOW);
    assert_eq!(st, St::Ok);
    assert_eq!(c.unwrap().aud_index, 1);
}

#[test]
fn policy_setters_change_verification_and_reject_bad_values_untouched() {
    let ks = acs_keyset();
    let signer = Signer::new("acs1");
    let token = signer.token(&header("acs1"), &claims());
    let mut p = acs_policy();
    let run = |p: &tollgate_policy, token: &str, now: u64| verify(&ks, p, token.as_bytes(), now).0;
    assert_eq!(run(&p, &token, NOW + 240 + 59), St::Ok);
    assert_eq!(run(&p, &token, NOW + 240 + 60), St::Expired);
    assert_eq!(unsafe { tollgate_policy_set_leeway(&mut *p, 0) }, St::Ok);
    assert_eq!(run(&p, &token, NOW + 239), St::Ok);
    assert_eq!(run(&p, &token, NOW + 240), St::Expired);

    assert_eq!(
        unsafe { tollgate_policy_set_max_token_len(&mut *p, token.len() - 1) },
        St::Ok
    );
    assert_eq!(run(&p, &token, NOW), St::TooLarge);
    assert_eq!(
        unsafe { tollgate_policy_set_max_token_len(&mut *p, token.len()) },
        St::Ok
    );
    assert_eq!(run(&p, &token, NOW), St::Ok);

    let no_exp = signer.token(&header("acs1"), &claims_with("", &["exp"]));
    assert_eq!(run(&p, &no_exp, NOW), St::MissingClaim);
    assert_eq!(
        unsafe { tollgate_policy_set_require_exp(&mut *p, false) },
        St::Ok
    );
    assert_eq!(run(&p, &no_exp, NOW), St::Ok);
    assert_eq!(
        unsafe { tollgate_policy_set_require_exp(&mut *p, true) },
        St::Ok
    );
    assert_eq!(run(&p, &no_exp, NOW), St::MissingClaim);

    let set_typ = |p: &mut tollgate_policy, t: &str| unsafe {
        tollgate_policy_set_typ(p, t.as_ptr().cast(), t.len())
    };
    assert_eq!(set_typ(&mut p, "jwt"), St::Ok);
    assert_eq!(run(&p, &token, NOW), St::Ok);
    assert_eq!(set_typ(&mut p, "at+jwt"), St::Ok);
    assert_eq!(run(&p, &token, NOW), St::WrongType);
    assert_eq!(
        unsafe { tollgate_policy_set_typ(&mut *p, std::ptr::null(), 0) },
        St::Ok
    );
    assert_eq!(run(&p, &token, NOW), St::Ok);

    // iat is NOW - 60.
    assert_eq!(unsafe { tollgate_policy_set_max_age(&mut *p, 60) }, St::Ok);
    assert_eq!(run(&p, &token, NOW), St::Ok);
    assert_eq!(run(&p, &token, NOW + 1), St::TooOld);
    // 0 turns the maximum age off again.
    assert_eq!(unsafe { tollgate_policy_set_max_age(&mut *p, 0) }, St::Ok);
    assert_eq!(run(&p, &token, NOW + 1), St::Ok);

    // The leeway has a documented upper bound.
    assert_eq!(
        unsafe { tollgate_policy_set_leeway(&mut *p, TOLLGATE_POLICY_MAX_LEEWAY) },
        St::Ok
    );
    assert_eq!(
        unsafe { tollgate_policy_set_leeway(&mut *p, TOLLGATE_POLICY_MAX_LEEWAY + 1) },
        St::InvalidArgument
    );
    assert_eq!(unsafe { tollgate_policy_set_leeway(&mut *p, 60) }, St::Ok);

    // Bad values: a status, and the policy unchanged.
    let before = bytes_of(&*p);
    assert_eq!(
        unsafe { tollgate_policy_set_max_depth(&mut *p, 0) },
        St::InvalidPolicy
    );
    assert_eq!(
        unsafe { tollgate_policy_set_max_depth(&mut *p, 129) },
        St::InvalidPolicy
    );
    assert_eq!(
        unsafe { tollgate_policy_set_max_token_len(&mut *p, 0) },
        St::InvalidPolicy
    );
    assert_eq!(
        set_typ(&mut p, &"t".repeat(TOLLGATE_POLICY_MAX_TYP_LEN + 1)),
        St::InvalidPolicy
    );
    assert_eq!(set_typ(&mut p, "a\0"), St::InvalidText);
    assert_eq!(
        unsafe { tollgate_policy_set_typ(&mut *p, std::ptr::null(), 3) },
        St::NullPointer
    );
    assert_eq!(
        unsafe { tollgate_policy_set_leeway(std::ptr::null_mut(), 1) },
        St::NullPointer
    );
    assert_eq!(bytes_of(&*p), before);
    assert_eq!(unsafe { tollgate_policy_set_max_depth(&mut *p, 1) }, St::Ok);
    // Depth 1 still reads a flat header, but the claims' `roles` array is depth 2.
    assert_eq!(run(&p, &token, NOW), St::Malformed);
}

#[test]
fn verify_checks_scratch_and_pointers_and_leaves_outputs_untouched() {
    let ks = acs_keyset();
    let policy = acs_policy();
    let token = Signer::new("acs1").token(&header("acs1"), &claims());
    let need = tollgate_verify_scratch_size(token.len());
    let sentinel = tollgate_claims {
        iss: s("untouched"),
        aud: s("untouched"),
        aud_index: 42,
        sub: s("untouched"),
        jti: s("untouched"),
        exp: 1,
        nbf: 2,
        iat: 3,
        has_sub: false,
        has_jti: false,
        has_exp: false,
        has_nbf: false,
        has_iat: false,
        json: s("untouched"),
    };
    let call =
        |token: *const c_char, token_len: usize, scratch_len: usize, out: *mut tollgate_claims| {
            let mut scratch = vec![0u8; scratch_len];
            let sp = if scratch_len == 0 {
                std::ptr::null_mut()
            } else {
                scratch.as_mut_ptr().cast()
            };
            unsafe { tollgate_verify(&*ks, &*policy, token, token_len, NOW, sp, scratch_len, out) }
        };
    let tp = token.as_ptr().cast::<c_char>();
    let mut out = sentinel;
    assert_eq!(
        call(tp, token.len(), need - 1, &mut out),
        St::BufferTooSmall
    );
    assert_eq!(call(tp, token.len(), 0, &mut out), St::BufferTooSmall);
    assert_eq!(call(std::ptr::null(), 5, need, &mut out), St::NullPointer);
    assert_eq!(call(std::ptr::null(), 0, need, &mut out), St::Malformed);
    assert_eq!(
        call(tp, token.len(), need, std::ptr::null_mut()),
        St::NullPointer
    );
    let expired = unsafe {
        tollgate_verify(
            &*ks,
            &*policy,
            tp,
            token.len(),
            NOW + 10_000,
            vec![0u8; need].as_mut_ptr().cast(),
            need,
            &mut out,
        )
    };
    assert_eq!(expired, St::Expired);
    assert_eq!(
        bytes_of(&out),
        bytes_of(&sentinel),
        "a failed verify wrote its output"
    );
    let mut scratch = vec![0u8; need];
    let st = unsafe {
        tollgate_verify(
            std::ptr::null(),
            &*policy,
            tp,
            token.len(),
            NOW,
            scratch.as_mut_ptr().cast(),
            need,
            &mut out,
        )
    };
    assert_eq!(st, St::NullPointer);
    let st = unsafe {
        tollgate_verify(
            &*ks,
            std::ptr::null(),
            tp,
            token.len(),
            NOW,
            scratch.as_mut_ptr().cast(),
            need,
            &mut out,
        )
    };
    assert_eq!(st, St::NullPointer);
    let st = unsafe {
        tollgate_verify(
            &*ks,
            &*policy,
            tp,
            token.len(),
            NOW,
            std::ptr::null_mut(),
            need,
            &mut out,
        )
    };
    assert_eq!(st, St::NullPointer);
    assert_eq!(bytes_of(&out), bytes_of(&sentinel));
    // Exactly the advertised size works, and the claims point into that scratch.
    let st = unsafe {
        tollgate_verify(
            &*ks,
            &*policy,
            tp,
            token.len(),
            NOW,
            scratch.as_mut_ptr().cast(),
            need,
            &mut out,
        )
    };
    assert_eq!(st, St::Ok);
    let range = scratch.as_ptr_range();
    for v in [out.iss, out.aud, out.sub, out.jti, out.json] {
        let p = v.ptr.cast::<u8>();
        assert!(range.contains(&p) && unsafe { p.add(v.len) } <= range.end);
    }
    assert_eq!(text_of(&out.iss).as_deref(), Some(ISS));
    assert_eq!((out.exp, out.nbf, out.iat), (NOW + 240, NOW - 60, NOW - 60));
    assert!(out.has_exp && out.has_nbf && out.has_iat && out.has_sub && out.has_jti);
}

#[test]
fn escaped_claims_are_unescaped_and_getters_read_any_claim() {
    let ks = acs_keyset();
    let iss_escaped = ISS.replace('/', "\\/");
    let policy = init_policy(ISS, &["nope", AUD]).unwrap();
    let payload = claims_with(
        r#","name":"Ann \"A\" \u00e9\ud83d\ude00","n":1.5e3,"obj":{"k":[true,null]},"nul":"a\u0000b""#,
        &["sub", "jti"],
    )
    .replace(&format!("\"{ISS}\""), &format!("\"{iss_escaped}\""))
    .replace(&format!("\"aud\":\"{AUD}\""), &format!("\"aud\":[\"x\",\"{}\"],\"sub\":\"\\u0073ub\",\"jti\":\"\"", AUD.replace('0', "\\u0030")));
    let token = Signer::new("acs1").token(&header("acs1"), &payload);
    let (st, c, _scratch) = verify(&ks, &policy, token.as_bytes(), NOW);
    assert_eq!(st, St::Ok, "{payload}");
    let c = c.unwrap();
    assert_eq!(text_of(&c.iss).as_deref(), Some(ISS));
    assert_eq!(text_of(&c.aud).as_deref(), Some(AUD));
    assert_eq!(c.aud_index, 1);
    assert_eq!(text_of(&c.sub).as_deref(), Some("sub"));
    assert_eq!(text_of(&c.jti).as_deref(), Some(""));
    assert!(c.has_jti && !c.jti.ptr.is_null());

    let get = |name: &str| -> Result<String, tollgate_status> {
        let (mut p, mut n) = (std::ptr::null::<c_char>(), 0usize);
        match unsafe { tollgate_claims_get(&c, name.as_ptr().cast(), name.len(), &mut p, &mut n) } {
            St::Ok => Ok(String::from_utf8(
                unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n) }.to_vec(),
            )
            .unwrap()),
            st => {
                assert!(p.is_null() && n == 0, "output written on failure");
                Err(st)
            }
        }
    };
    assert_eq!(get("n"), Ok("1.5e3".into()));
    assert_eq!(get("obj"), Ok(r#"{"k":[true,null]}"#.into()));
    assert_eq!(get("name"), Ok(r#""Ann \"A\" \u00e9\ud83d\ude00""#.into()));
    assert_eq!(get("missing"), Err(St::ClaimNotFound));
    assert_eq!(get("a\0"), Err(St::InvalidText));

    let get_str = |name: &str, cap: usize| -> Result<Vec<u8>, tollgate_status> {
        let mut buf = vec![0xEEu8; cap];
        let mut n = 12345usize;
        let bp = if cap == 0 {
            std::ptr::null_mut()
        } else {
            buf.as_mut_ptr().cast()
        };
        match unsafe {
            tollgate_claims_get_str(&c, name.as_ptr().cast(), name.len(), bp, cap, &mut n)
        } {
            St::Ok => Ok(buf[..n].to_vec()),
            st => {
                assert_eq!(n, 12345, "length written on failure");
                assert!(buf.iter().all(|&b| b == 0xEE), "buffer written on failure");
                Err(st)
            }
        }
    };
    let name = "Ann \"A\" é😀";
    assert_eq!(get_str("name", name.len()), Ok(name.as_bytes().to_vec()));
    assert_eq!(get_str("name", name.len() - 1), Err(St::BufferTooSmall));
    assert_eq!(get_str("name", 0), Err(St::BufferTooSmall));
    assert_eq!(get_str("nul", 3), Ok(b"a\0b".to_vec()));
    assert_eq!(get_str("iss", 200), Ok(ISS.as_bytes().to_vec()));
    assert_eq!(get_str("n", 10), Err(St::InvalidClaim));
    assert_eq!(get_str("missing", 10), Err(St::ClaimNotFound));
    let st = unsafe {
        tollgate_claims_get(
            std::ptr::null(),
            b"n".as_ptr().cast(),
            1,
            &mut std::ptr::null(),
            &mut 0,
        )
    };
    assert_eq!(st, St::NullPointer);
    let st = unsafe {
        tollgate_claims_get_str(
            &c,
            b"n".as_ptr().cast(),
            1,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(st, St::NullPointer);
}

#[test]
fn getters_revalidate_a_scratch_overwritten_after_verify() {
    let ks = acs_keyset();
    let token = Signer::new("acs1").token(&header("acs1"), &claims());
    let (st, c, mut scratch) = verify(&ks, &acs_policy(), token.as_bytes(), NOW);
    assert_eq!(st, St::Ok);
    let c = c.unwrap();
    scratch.fill(b'{');
    let (mut p, mut n) = (std::ptr::null::<c_char>(), 0usize);
    let st = unsafe { tollgate_claims_get(&c, b"iss".as_ptr().cast(), 3, &mut p, &mut n) };
    assert_eq!(st, St::Malformed);
}

fn oidc(
    doc: &[u8],
    issuer_cap: usize,
    uri_cap: usize,
) -> Result<(String, String), tollgate_status> {
    let (mut ib, mut ub) = (vec![0xEEu8; issuer_cap], vec![0xEEu8; uri_cap]);
    let (mut il, mut ul) = (999usize, 999usize);
    let st = unsafe {
        tollgate_oidc_parse(
            doc.as_ptr().cast(),
            doc.len(),
            ib.as_mut_ptr().cast(),
            issuer_cap,
            &mut il,
            ub.as_mut_ptr().cast(),
            uri_cap,
            &mut ul,
        )
    };
    if st != St::Ok {
        assert_eq!((il, ul), (999, 999), "lengths written on failure");
        assert!(
            ib.iter().chain(&ub).all(|&b| b == 0xEE),
            "buffers written on failure"
        );
        return Err(st);
    }
    Ok((
        String::from_utf8(ib[..il].to_vec()).unwrap(),
        String::from_utf8(ub[..ul].to_vec()).unwrap(),
    ))
}

#[test]
fn oidc_discovery_unescapes_into_caller_buffers() {
    let doc =
        std::fs::read(tollgate_tests::fixtures_dir().join("sample/acs-openid-configuration.json"))
            .unwrap();
    let uri = "https://acscallautomation.communication.azure.com/calling/keys";
    assert_eq!(
        oidc(&doc, ISS.len(), uri.len()),
        Ok((ISS.to_string(), uri.to_string()))
    );
    assert_eq!(
        oidc(&doc, doc.len(), doc.len()),
        Ok((ISS.to_string(), uri.to_string()))
    );
    assert_eq!(
        oidc(&doc, ISS.len() - 1, uri.len()),
        Err(St::BufferTooSmall)
    );
    assert_eq!(
        oidc(&doc, ISS.len(), uri.len() - 1),
        Err(St::BufferTooSmall)
    );
    assert_eq!(
        oidc(br#"{"issuer":"i","jwks_uri":"http://h/k"}"#, 64, 64),
        Err(St::InsecureJwksUri)
    );
    assert_eq!(
        oidc(br#"{"issuer":"i"}"#, 64, 64),
        Err(St::InvalidDiscovery)
    );
    assert_eq!(oidc(b"", 64, 64), Err(St::InvalidDiscovery));
    let st = unsafe {
        tollgate_oidc_parse(
            std::ptr::null(),
            4,
            std::ptr::null_mut(),
            0,
            &mut 0,
            std::ptr::null_mut(),
            0,
            &mut 0,
        )
    };
    assert_eq!(st, St::NullPointer);
    let st = unsafe {
        tollgate_oidc_parse(
            doc.as_ptr().cast(),
            doc.len(),
            std::ptr::null_mut(),
            8,
            &mut 0,
            std::ptr::null_mut(),
            0,
            &mut 0,
        )
    };
    assert_eq!(st, St::NullPointer);
    let st = unsafe {
        tollgate_oidc_parse(
            doc.as_ptr().cast(),
            doc.len(),
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
            &mut 0,
        )
    };
    assert_eq!(st, St::NullPointer);
}

#[test]
fn hot_calls_allocate_nothing() {
    let jwks = fixture("jwks-entra.json");
    let acs = fixture("jwks-acs.json");
    let token = Signer::new("acs1").token(&header("acs1"), &claims());
    let doc = br#"{"issuer":"https:\/\/i","jwks_uri":"https://h/k"}"#;
    let mut ks = blank_keyset();
    let mut ks2 = blank_keyset();
    let mut policy = blank_policy();
    let auds = [s(AUD)];
    let mut report = tollgate_jwks_report::default();
    let mut scratch = vec![0u8; tollgate_verify_scratch_size(token.len())];
    let mut out = std::mem::MaybeUninit::<tollgate_claims>::uninit();
    let mut name_buf = [0u8; 64];
    let (mut ib, mut ub) = ([0u8; 64], [0u8; 64]);
    let (n, statuses) = tollgate_tests::allocations_during(|| unsafe {
        let parse_entra =
            tollgate_keyset_parse(&mut *ks2, jwks.as_ptr().cast(), jwks.len(), &mut report);
        let parse = tollgate_keyset_parse(&mut *ks, acs.as_ptr().cast(), acs.len(), &mut report);
        let init = tollgate_policy_init(
            &mut *policy,
            ISS.as_ptr().cast(),
            ISS.len(),
            auds.as_ptr(),
            1,
        );
        let leeway = tollgate_policy_set_leeway(&mut *policy, 30);
        let ok = tollgate_verify(
            &*ks,
            &*policy,
            token.as_ptr().cast(),
            token.len(),
            NOW,
            scratch.as_mut_ptr().cast(),
            scratch.len(),
            out.as_mut_ptr(),
        );
        let mut len = 0usize;
        let get = tollgate_claims_get_str(
            out.as_ptr(),
            b"sub".as_ptr().cast(),
            3,
            name_buf.as_mut_ptr().cast(),
            64,
            &mut len,
        );
        let bad = tollgate_verify(
            &*ks,
            &*policy,
            token.as_ptr().cast(),
            token.len(),
            NOW + 9999,
            scratch.as_mut_ptr().cast(),
            scratch.len(),
            out.as_mut_ptr(),
        );
        let (mut il, mut ul) = (0usize, 0usize);
        let disc = tollgate_oidc_parse(
            doc.as_ptr().cast(),
            doc.len(),
            ib.as_mut_ptr().cast(),
            64,
            &mut il,
            ub.as_mut_ptr().cast(),
            64,
            &mut ul,
        );
        [parse_entra, parse, init, leeway, ok, get, bad, disc]
    });
    assert_eq!(
        statuses,
        [
            St::Ok,
            St::Ok,
            St::Ok,
            St::Ok,
            St::Ok,
            St::Ok,
            St::Expired,
            St::Ok
        ]
    );
    assert_eq!(
        n, 0,
        "allocations in tollgate_keyset_parse / policy / verify / getters / oidc"
    );
}

#[test]
fn verify_through_the_c_abi_stays_within_18_kib_of_debug_stack() {
    let manifest = token_common::manifest();
    let case = manifest["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "entra_event_grid")
        .unwrap()
        .clone();
    let (ks, _) = parse_keyset(&token_common::read_pyjwt("jwks/entra.json")).unwrap();
    let p = &case["policy"];
    let policy = init_policy(
        p["issuer"].as_str().unwrap(),
        &[p["audiences"][0].as_str().unwrap()],
    )
    .unwrap();
    let token = case["token"].as_str().unwrap().to_string();
    let now = case["now"].as_u64().unwrap();
    let mut scratch = vec![0u8; tollgate_verify_scratch_size(token.len())];
    let (used, st) = tollgate_tests::stack_used(move || {
        let mut out = std::mem::MaybeUninit::<tollgate_claims>::uninit();
        unsafe {
            tollgate_verify(
                &*ks,
                &*policy,
                token.as_ptr().cast(),
                token.len(),
                now,
                scratch.as_mut_ptr().cast(),
                scratch.len(),
                out.as_mut_ptr(),
            )
        }
    });
    assert_eq!(st, St::Ok);
    eprintln!("tollgate_verify (4096-bit key) used {used} bytes of stack");
    assert!(used > 4 * 1024, "measurement is broken: {used}");
    // Measured in the unoptimised test build, which keeps more on the stack than release
    // (every `?` and returned tuple gets its own slot: ~16.5 KiB here against ~7 KiB in
    // release, which tests/c/measure_token_stack.c checks).
    assert!(used <= 18 * 1024, "{used} bytes of stack");

    // Parsing checks the document, then loads it in place. Unoptimised, every temporary of
    // the RSA arithmetic gets its own slot (~38 KiB here); release uses about 5 KiB, which
    // tests/c/measure_token_stack.c checks.
    let jwks = token_common::read_pyjwt("jwks/entra.json");
    let (used, st) = tollgate_tests::stack_used(move || {
        let mut ks = blank_keyset();
        unsafe {
            tollgate_keyset_parse(
                &mut *ks,
                jwks.as_ptr().cast(),
                jwks.len(),
                std::ptr::null_mut(),
            )
        }
    });
    assert_eq!(st, St::Ok);
    eprintln!("tollgate_keyset_parse used {used} bytes of stack");
    assert!(used > 2 * 1024, "measurement is broken: {used}");
    assert!(used <= 48 * 1024, "{used} bytes of stack");
}

#[test]
fn typed_claim_getters_read_numbers_booleans_and_string_lists() {
    let ks = acs_keyset();
    let policy = acs_policy();
    let extra = r#","flag":true,"off":false,"ratio":-2.5e-1,"n":-42,"big":1e19,
        "list":["a","b\u0063",""],"mixed":["a",1],"name":"x""#;
    let token = Signer::new("acs1").token(&header("acs1"), &claims_with(extra, &[]));
    let (st, claims, _scratch) = verify(&ks, &policy, token.as_bytes(), NOW);
    assert_eq!(st, St::Ok);
    let c: *const tollgate_claims = claims.as_ref().unwrap();
    let name = |n: &str| (n.as_ptr().cast::<c_char>(), n.len());

    let bool_of = |n: &str| {
        let mut out = false;
        let (p, l) = name(n);
        (unsafe { tollgate_claims_get_bool(c, p, l, &mut out) }, out)
    };
    assert_eq!(bool_of("flag"), (St::Ok, true));
    assert_eq!(bool_of("off"), (St::Ok, false));
    assert_eq!(bool_of("n"), (St::InvalidClaim, false));
    assert_eq!(bool_of("absent"), (St::ClaimNotFound, false));

    let i64_of = |n: &str| {
        let mut out = 7i64;
        let (p, l) = name(n);
        (unsafe { tollgate_claims_get_i64(c, p, l, &mut out) }, out)
    };
    assert_eq!(i64_of("n"), (St::Ok, -42));
    assert_eq!(i64_of("exp"), (St::Ok, (NOW + 240) as i64));
    assert_eq!(i64_of("ratio"), (St::InvalidClaim, 7));
    assert_eq!(i64_of("big"), (St::InvalidClaim, 7));

    let f64_of = |n: &str| {
        let mut out = 7.0f64;
        let (p, l) = name(n);
        (unsafe { tollgate_claims_get_f64(c, p, l, &mut out) }, out)
    };
    assert_eq!(f64_of("ratio"), (St::Ok, -0.25));
    assert_eq!(f64_of("big"), (St::Ok, 1e19));
    assert_eq!(f64_of("flag"), (St::InvalidClaim, 7.0));

    let strs_of = |n: &str| -> Result<Vec<String>, tollgate_status> {
        let (p, l) = name(n);
        let mut count = 0usize;
        let st = unsafe { tollgate_claims_get_str_count(c, p, l, &mut count) };
        if st != St::Ok {
            return Err(st);
        }
        let mut out = Vec::new();
        for i in 0..=count {
            let mut buf = [0u8; 64];
            let mut len = 99usize;
            let st = unsafe {
                tollgate_claims_get_str_at(c, p, l, i, buf.as_mut_ptr().cast(), 64, &mut len)
            };
            if i == count {
                assert_eq!((st, len), (St::InvalidArgument, 99), "past the end");
            } else {
                assert_eq!(st, St::Ok);
                out.push(String::from_utf8(buf[..len].to_vec()).unwrap());
            }
        }
        Ok(out)
    };
    assert_eq!(
        strs_of("list"),
        Ok(vec!["a".into(), "bc".into(), String::new()])
    );
    assert_eq!(strs_of("name"), Ok(vec!["x".into()]));
    assert_eq!(strs_of("aud"), Ok(vec![AUD.into()]));
    assert_eq!(strs_of("mixed"), Err(St::InvalidClaim));
    assert_eq!(strs_of("n"), Err(St::InvalidClaim));

    let mut out = 0i64;
    let (p, l) = name("n");
    assert_eq!(
        unsafe { tollgate_claims_get_i64(std::ptr::null(), p, l, &mut out) },
        St::NullPointer
    );
    assert_eq!(
        unsafe { tollgate_claims_get_i64(c, p, l, std::ptr::null_mut()) },
        St::NullPointer
    );
}
