//! Structure-aware token fuzzing: the input becomes a header and a claims JSON document that
//! are *signed* with a test key (ring, RSASSA-PKCS1-v1_5/SHA-256), so every token passes the
//! signature and fuzzing reaches the rules after it (iss, aud, exp/nbf/iat, typ, duplicate
//! names, claim types), which unsigned mutation never does.
//!
//! Input: `[flags][now: 4 bytes LE][rest]`. flags bit 0: the header is the fixed
//! `{"alg":"RS256","kid":"fuzz","typ":"JWT"}` and `rest` is the claims; otherwise `rest` is
//! `header 0x00 claims`. Bits 1-3 vary the policy (typ, require_exp, max_age). Oracles: a
//! correctly signed token is never `bad_signature`; an accepted token meets the policy
//! (issuer, audience, exp/nbf/iat with leeway) as a naive re-check of its claims says.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use tollgate_core::jwk::KeySet;
use tollgate_core::jwt::{self, Policy};
use tollgate_core::Error;

const PKCS8: &[u8] = include_bytes!("../../tests/fixtures/rsa/rsa2048.pk8.der");
const N: &[u8] = include_bytes!("../../tests/fixtures/rsa/rsa2048.n.bin");
const E: &[u8] = include_bytes!("../../tests/fixtures/rsa/rsa2048.e.bin");
const ISS: &str = "https://acscallautomation.communication.azure.com";
const AUD: &[&str] = &["0a2b5f4c-0cde-4d1e-9a47-6c3a7e2f9b10", "api://second"];
const FIXED_HEADER: &[u8] = br#"{"alg":"RS256","kid":"fuzz","typ":"JWT"}"#;
/// The fuzzer's clock is `BASE_NOW + u32` so exp/nbf/iat land near it often.
const BASE_NOW: u64 = 1_750_000_000;

fn b64url(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(v >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

struct Fixture {
    signer: RsaKeyPair,
    keys: KeySet<16>,
    rng: SystemRandom,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let jwks = format!(
            r#"{{"keys":[{{"kty":"RSA","kid":"fuzz","use":"sig","alg":"RS256","n":"{}","e":"{}"}}]}}"#,
            b64url(N),
            b64url(E)
        );
        Fixture {
            signer: RsaKeyPair::from_pkcs8(PKCS8).expect("fixture key"),
            keys: KeySet::parse(jwks.as_bytes()).expect("fixture JWKS"),
            rng: SystemRandom::new(),
        }
    })
}

fn sign(header: &[u8], claims: &[u8]) -> Vec<u8> {
    let f = fixture();
    let mut token = format!("{}.{}", b64url(header), b64url(claims)).into_bytes();
    let mut signature = vec![0u8; f.signer.public().modulus_len()];
    f.signer
        .sign(&RSA_PKCS1_SHA256, &f.rng, &token, &mut signature)
        .expect("signing");
    token.push(b'.');
    token.extend_from_slice(b64url(&signature).as_bytes());
    token
}

/// A naive reading of a top-level number claim (serde_json is the independent parser).
fn number(claims: &serde_json::Value, name: &str) -> Option<f64> {
    claims.get(name).and_then(serde_json::Value::as_f64)
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 5 {
        return;
    }
    let (flags, now_bytes, rest) = (input[0], &input[1..5], &input[5..]);
    let now = BASE_NOW + u64::from(u32::from_le_bytes(now_bytes.try_into().unwrap()) % 200_000);
    let (header, claims) = if flags & 1 == 1 {
        (FIXED_HEADER, rest)
    } else {
        match rest.iter().position(|&b| b == 0) {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (FIXED_HEADER, rest),
        }
    };
    let token = sign(header, claims);
    let mut policy = Policy::new(ISS, AUD);
    if flags & 2 != 0 {
        policy.typ = Some("JWT");
    }
    if flags & 4 != 0 {
        policy.require_exp = false;
    }
    if flags & 8 != 0 {
        policy.max_age = Some(300);
    }
    policy.max_token_len = 64 * 1024;
    let mut scratch = vec![0u8; jwt::scratch_len(token.len())];
    let result = jwt::verify(&fixture().keys, &policy, &token, now, &mut scratch);
    assert_ne!(
        result.as_ref().err(),
        Some(&Error::BadSignature),
        "a correctly signed token failed its signature"
    );
    let Ok(verified) = result else { return };
    // Accepted: serde_json must read the same claims and agree with the rules.
    let parsed: serde_json::Value =
        serde_json::from_slice(claims).expect("accepted claims are JSON for serde_json too");
    assert_eq!(parsed.get("iss").and_then(|v| v.as_str()), Some(ISS));
    let aud_ok = match parsed.get("aud") {
        Some(serde_json::Value::String(s)) => AUD.contains(&s.as_str()),
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .any(|v| v.as_str().is_some_and(|s| AUD.contains(&s))),
        _ => false,
    };
    assert!(aud_ok, "accepted without a matching audience");
    let leeway = policy.leeway as f64;
    let now_f = now as f64;
    match number(&parsed, "exp") {
        Some(exp) => assert!(now_f < exp + leeway + 1.0, "accepted after exp"),
        None => assert!(!policy.require_exp, "accepted without exp"),
    }
    if let Some(nbf) = number(&parsed, "nbf") {
        assert!(now_f >= nbf - leeway - 1.0, "accepted before nbf");
    }
    if policy.max_age.is_some() {
        let iat = number(&parsed, "iat").expect("accepted without iat under max_age");
        assert!(now_f <= iat + 300.0 + leeway + 1.0, "accepted too old");
    }
    assert!(verified.issuer().eq_str(ISS));
});
