//! Fuzzes token verification and the strict JSON scanner behind it.
//! Input: `[mode][data..]`. Mode 0 (even): `data` is a token, verified against the ACS-shaped
//! key set and policy (the seed is a valid token, so mutations explore every header and
//! encoding path); accepted tokens must decode the same way unverified. Mode 1 (odd): `data`
//! is a JSON document, parsed and walked completely (members, elements, unescaping, times,
//! duplicate names), checking the views against each other.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tollgate_core::json::{self, Kind, Round, Value};
use tollgate_core::jwk::KeySet;
use tollgate_core::jwt::{self, Policy};

const JWKS: &[u8] = include_bytes!("../../tests/fixtures/jwt/jwks-acs.json");
const ISS: &str = "https://acscallautomation.communication.azure.com";
const AUD: &[&str] = &["0a2b5f4c-0cde-4d1e-9a47-6c3a7e2f9b10"];
const NOW: u64 = 1_750_000_000;

fn keys() -> &'static KeySet<16> {
    static KEYS: OnceLock<KeySet<16>> = OnceLock::new();
    KEYS.get_or_init(|| KeySet::parse(JWKS).expect("fixture JWKS"))
}

fn walk(value: Value<'_>, depth: usize) {
    assert!(depth <= json::MAX_DEPTH as usize);
    match value.kind() {
        Kind::Object => {
            let unique = json::check_unique_names(&value);
            let mut names = std::collections::HashSet::new();
            for (name, member) in value.members().expect("object") {
                check_string(name);
                let decoded: String = name.chars().collect();
                let first = names.insert(decoded.clone());
                // `get` finds the first member with the decoded name.
                let found = value.get(&decoded).expect("member is found by its name");
                if first {
                    assert_eq!(found.raw(), member.raw());
                }
                walk(member, depth + 1);
            }
            // The naive oracle for duplicate detection (objects over the member bound fail).
            let count = value.members().expect("object").count();
            assert_eq!(
                unique,
                names.len() == count && count <= json::MAX_UNIQUE_MEMBERS
            );
        }
        Kind::Array => {
            for element in value.elements().expect("array") {
                walk(element, depth + 1);
            }
        }
        Kind::String => check_string(value.as_str().expect("string")),
        Kind::Number => {
            let down = value.as_time(Round::Down);
            let up = value.as_time(Round::Up);
            if let (Ok(d), Ok(u)) = (down, up) {
                assert!(u == d || u == d + 1);
            }
        }
        Kind::Bool | Kind::Null => {}
    }
}

fn check_string(s: json::JsonStr<'_>) {
    let decoded: String = s.chars().collect();
    assert_eq!(decoded.len(), s.unescaped_len());
    assert!(s.eq_str(&decoded));
    let mut buf = vec![0u8; decoded.len()];
    assert_eq!(s.unescape_into(&mut buf), Ok(decoded.as_str()));
    if let Some(plain) = s.as_plain() {
        assert_eq!(plain, decoded);
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&mode, data)) = input.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        let policy = Policy::new(ISS, AUD);
        let mut scratch = vec![0u8; jwt::scratch_len(data.len())];
        if let Ok(claims) = jwt::verify(keys(), &policy, data, NOW, &mut scratch) {
            assert!(claims.issuer().eq_str(ISS));
            let json_text = claims.json().to_owned();
            let mut scratch = vec![0u8; data.len()];
            let unverified = jwt::decode_unverified(data, &mut scratch, 32).expect("decodes");
            assert_eq!(
                json::parse(unverified.payload, 32).expect("json").raw(),
                json_text
            );
        }
    } else if let Ok(root) = json::parse(data, json::MAX_DEPTH) {
        walk(
            root,
            usize::from(matches!(root.kind(), Kind::Object | Kind::Array)),
        );
    }
});
