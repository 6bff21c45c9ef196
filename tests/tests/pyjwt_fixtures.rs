//! Every case of the PyJWT-minted manifest (tests/fixtures/pyjwt) verified through core AND
//! through the C ABI: the same verdict as the manifest's `expect`, and for accepted tokens the
//! same claims view (iss, sub, matched aud, exp, nbf, iat, jti).

mod token_common;

use serde_json::Value;
use std::collections::BTreeMap;
use token_common::{init_policy, manifest, parse_keyset, read_pyjwt, status_name, text_of, verify};
use tollgate::tollgate_status;
use tollgate_core::jwk::KeySet;
use tollgate_core::jwt::{self, Policy};

fn policy_parts(case: &Value) -> (String, Vec<String>, u64) {
    let p = &case["policy"];
    let audiences = p["audiences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    (
        p["issuer"].as_str().unwrap().to_string(),
        audiences,
        p["leeway"].as_u64().unwrap(),
    )
}

/// The claims view as the manifest writes it: strings or null, times or null.
#[derive(Debug, PartialEq)]
struct View {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<String>,
    jti: Option<String>,
    exp: Option<u64>,
    nbf: Option<u64>,
    iat: Option<u64>,
}

fn expected_view(claims: &Value) -> View {
    let text = |k: &str| claims[k].as_str().map(str::to_string);
    let time = |k: &str| claims[k].as_u64();
    View {
        iss: text("iss"),
        sub: text("sub"),
        aud: text("aud"),
        jti: text("jti"),
        exp: time("exp"),
        nbf: time("nbf"),
        iat: time("iat"),
    }
}

fn core_verdict(case: &Value, jwks: &[u8]) -> Result<View, String> {
    let keys = KeySet::<16>::parse(jwks).map_err(|e| format!("jwks: {e}"))?;
    let (issuer, audiences, leeway) = policy_parts(case);
    let audiences: Vec<&str> = audiences.iter().map(String::as_str).collect();
    let mut policy = Policy::new(&issuer, &audiences);
    policy.leeway = leeway;
    let token = case["token"].as_str().unwrap().as_bytes();
    let mut scratch = vec![0u8; jwt::scratch_len(token.len())];
    let now = case["now"].as_u64().unwrap();
    let claims =
        jwt::verify(&keys, &policy, token, now, &mut scratch).map_err(|e| e.name().to_string())?;
    let text =
        |s: Option<tollgate_core::json::JsonStr<'_>>| s.map(|s| s.chars().collect::<String>());
    Ok(View {
        iss: text(Some(claims.issuer())),
        sub: text(claims.subject()),
        aud: text(Some(claims.audience())),
        jti: text(claims.jwt_id()),
        exp: claims.expires_at(),
        nbf: claims.not_before(),
        iat: claims.issued_at(),
    })
}

fn ffi_verdict(case: &Value, jwks: &[u8]) -> Result<View, String> {
    let (ks, _) = parse_keyset(jwks).map_err(|st| format!("jwks: {}", status_name(st)))?;
    let (issuer, audiences, leeway) = policy_parts(case);
    let auds: Vec<&str> = audiences.iter().map(String::as_str).collect();
    let mut policy = init_policy(&issuer, &auds).map_err(status_name)?;
    let st = unsafe { tollgate::token::policy::tollgate_policy_set_leeway(&mut *policy, leeway) };
    assert_eq!(st, tollgate_status::Ok);
    let token = case["token"].as_str().unwrap().as_bytes();
    let (st, claims, _scratch) = verify(&ks, &policy, token, case["now"].as_u64().unwrap());
    let Some(c) = claims else {
        return Err(status_name(st));
    };
    assert_eq!(st, tollgate_status::Ok);
    assert_eq!(
        c.aud_index,
        auds.iter()
            .position(|a| Some(a.to_string()) == text_of(&c.aud))
            .unwrap()
    );
    assert_eq!(c.has_sub, text_of(&c.sub).is_some());
    assert_eq!(c.has_jti, text_of(&c.jti).is_some());
    let time = |has: bool, v: u64| {
        has.then_some(v).or_else(|| {
            assert_eq!(v, 0);
            None
        })
    };
    Ok(View {
        iss: text_of(&c.iss),
        sub: text_of(&c.sub),
        aud: text_of(&c.aud),
        jti: text_of(&c.jti),
        exp: time(c.has_exp, c.exp),
        nbf: time(c.has_nbf, c.nbf),
        iat: time(c.has_iat, c.iat),
    })
}

#[test]
fn every_manifest_case_through_core_and_the_c_abi() {
    let manifest = manifest();
    let cases = manifest["tokens"].as_array().unwrap();
    assert_eq!(
        cases.len(),
        34,
        "the manifest changed: review this test's expectations"
    );
    let mut jwks_cache: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut checked = BTreeMap::<String, usize>::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let jwks_path = case["jwks"].as_str().unwrap().to_string();
        let jwks = jwks_cache
            .entry(jwks_path.clone())
            .or_insert_with(|| read_pyjwt(&jwks_path))
            .clone();
        let expect = case["expect"].as_str().unwrap();
        let want = if expect == "ok" {
            Ok(expected_view(&case["claims"]))
        } else {
            assert!(case["claims"].is_null(), "{name}");
            Err(expect.to_string())
        };
        assert_eq!(core_verdict(case, &jwks), want, "{name} (core)");
        assert_eq!(ffi_verdict(case, &jwks), want, "{name} (C ABI)");
        *checked.entry(expect.to_string()).or_default() += 1;
    }
    // Both halves are exercised: accepted tokens and every kind of rejection in the manifest.
    assert_eq!(checked.get("ok"), Some(&8));
    assert!(checked.len() >= 12, "{checked:?}");
}

#[test]
fn manifest_key_sets_load_fully_through_core_and_the_c_abi() {
    let manifest = manifest();
    let mut loaded = BTreeMap::<String, u32>::new();
    for key in manifest["keys"].as_object().unwrap().values() {
        for jwks in key["in_jwks"].as_array().unwrap() {
            *loaded
                .entry(jwks.as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    assert_eq!(loaded.len(), 3);
    for (path, count) in loaded {
        let doc = read_pyjwt(&path);
        let core = KeySet::<16>::parse(&doc).unwrap();
        assert_eq!(core.len() as u32, count, "{path}");
        assert_eq!(core.report().skipped(), 0, "{path}");
        let (ks, report) = parse_keyset(&doc).unwrap();
        assert_eq!(report.loaded, count, "{path}");
        assert_eq!(report.skipped, 0, "{path}");
        assert_eq!(report.listed_len, 0, "{path}");
        assert_eq!(
            unsafe { tollgate::token::keyset::tollgate_keyset_len(&*ks) },
            count as usize
        );
        // The kids, in document order, through both.
        for (i, key) in core.keys().enumerate() {
            let mut ptr = std::ptr::null();
            let mut len = 0usize;
            let st = unsafe {
                tollgate::token::keyset::tollgate_keyset_kid(&*ks, i, &mut ptr, &mut len)
            };
            assert_eq!(st, tollgate_status::Ok);
            let kid = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
            assert_eq!(Some(std::str::from_utf8(kid).unwrap()), key.kid());
        }
    }
}

#[test]
fn the_demo_sample_is_the_manifest_acs_webhook_token() {
    let sample =
        std::fs::read_to_string(tollgate_tests::fixtures_dir().join("sample/acs-webhook.jwt"))
            .unwrap();
    let manifest = manifest();
    let case = manifest["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "acs_webhook")
        .unwrap();
    assert_eq!(sample.strip_suffix('\n'), case["token"].as_str());
}
