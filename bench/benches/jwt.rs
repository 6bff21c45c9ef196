//! Group `jwt_verify_2048`: full verification of an ACS-like RS256 token (about 600 bytes of
//! claims, 2048-bit key, a 3-key set) by tollgate, by jsonwebtoken (same validation), and
//! ring's bare RSA verification of the same signing input and signature.
//!
//! `cargo bench -p tollgate-bench --bench jwt`

use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use base64ct::{Base64UrlUnpadded, Encoding};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use tollgate_core::jwk::KeySet;
use tollgate_core::jwt::{self, Policy};

const ISS: &str = "https://acscallautomation.communication.azure.com";
const AUD: &str = "0a2b5f4c-0cde-4d1e-9a47-6c3a7e2f9b10";

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/jwt")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An ACS-like claim set valid around `now` (jsonwebtoken reads the system clock).
fn claims(now: u64) -> String {
    format!(
        concat!(
            r#"{{"aud":"{aud}","iss":"{iss}","iat":{iat},"nbf":{iat},"exp":{exp},"#,
            r#""aio":"E2RgYJjYqP2l5Xo+X1r7mYKfHU8d8/BqC4n2sRt6Wv5qAA==","#,
            r#""appid":"1fd5118e-2576-4263-8130-9503064c837a","appidacr":"2","#,
            r#""idp":"https://sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/","#,
            r#""oid":"7f3b2c1d-9e8a-4b6c-8d5e-2f1a0b9c8d7e","#,
            r#""sub":"7f3b2c1d-9e8a-4b6c-8d5e-2f1a0b9c8d7e","#,
            r#""tid":"33e01921-4d64-4f8c-a055-5bdaffd5e33d","#,
            r#""jti":"b7c4e2a9-51f3-4d08-a6c2-93e1f0d47b65","ver":"1.0","xms_tcdt":1590520830,"#,
            r#""roles":["CallAutomation.Callback","CallAutomation.Media"]}}"#
        ),
        aud = AUD,
        iss = ISS,
        iat = now - 60,
        exp = now + 3600
    )
}

fn bench_jwt(c: &mut Criterion) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let jwks = fixture("jwks-acs.json");
    let pair = RsaKeyPair::from_pkcs8(&fixture("keys/acs1.pk8")).unwrap();
    let payload = claims(now);
    let header = r#"{"alg":"RS256","kid":"acs1","typ":"JWT"}"#;
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.as_bytes()),
        Base64UrlUnpadded::encode_string(payload.as_bytes())
    );
    let mut sig = vec![0u8; pair.public().modulus_len()];
    pair.sign(
        &signature::RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .unwrap();
    let token = format!("{input}.{}", Base64UrlUnpadded::encode_string(&sig));
    eprintln!(
        "jwt_verify_2048: token {} bytes, claims {} bytes, RSA-{} key, 3-key set",
        token.len(),
        payload.len(),
        sig.len() * 8
    );

    // tollgate: the key set is loaded once, as a server would.
    let keys = KeySet::<16>::parse(&jwks).unwrap();
    assert_eq!(keys.len(), 3);
    let audiences = [AUD];
    let policy = Policy::new(ISS, &audiences);
    let mut scratch = vec![0u8; jwt::scratch_len(token.len())];
    jwt::verify(&keys, &policy, token.as_bytes(), now, &mut scratch).unwrap();

    // jsonwebtoken: one DecodingKey per kid, prepared once; the kid is looked up per token.
    let jwks_json: serde_json::Value = serde_json::from_slice(&jwks).unwrap();
    let decoding_keys: HashMap<String, jsonwebtoken::DecodingKey> = jwks_json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let key = jsonwebtoken::DecodingKey::from_rsa_components(
                k["n"].as_str().unwrap(),
                k["e"].as_str().unwrap(),
            )
            .unwrap();
            (k["kid"].as_str().unwrap().to_string(), key)
        })
        .collect();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[ISS]);
    validation.set_audience(&[AUD]);
    validation.leeway = 60;
    validation.validate_nbf = true;
    let jsonwebtoken_verify = |token: &str| {
        let header = jsonwebtoken::decode_header(token)?;
        let kid = header.kid.unwrap_or_default();
        let key = decoding_keys
            .get(&kid)
            .ok_or(jsonwebtoken::errors::ErrorKind::InvalidToken)?;
        jsonwebtoken::decode::<serde_json::Value>(token, key, &validation)
    };
    jsonwebtoken_verify(&token).unwrap();

    // ring: only the RSA verification, with the public key in ring's own form.
    let public_key = UnparsedPublicKey::new(
        &signature::RSA_PKCS1_2048_8192_SHA256,
        pair.public().as_ref().to_vec(),
    );
    public_key.verify(input.as_bytes(), &sig).unwrap();

    let mut group = c.benchmark_group("jwt_verify_2048");
    group.throughput(Throughput::Elements(1));
    group.bench_function("tollgate", |b| {
        b.iter(|| {
            jwt::verify(
                black_box(&keys),
                black_box(&policy),
                black_box(token.as_bytes()),
                black_box(now),
                &mut scratch,
            )
            .map(|claims| claims.expires_at())
        })
    });
    group.bench_function("ring_signature_only", |b| {
        b.iter(|| public_key.verify(black_box(input.as_bytes()), black_box(&sig)))
    });
    group.bench_function("jsonwebtoken", |b| {
        b.iter(|| jsonwebtoken_verify(black_box(&token)).map(|data| data.claims))
    });
    group.finish();

    // Where tollgate's time goes (not a peer comparison): the RSA step alone, and
    // everything except it (a token whose signature check is the only failure is not
    // available, so measure the JSON work through the claims of a verified token).
    let mut parts = c.benchmark_group("jwt_parts_2048");
    let key = keys.find("acs1").unwrap().public_key();
    parts.bench_function("tollgate_rsa_only", |b| {
        b.iter(|| {
            tollgate_core::rsa::verify_pkcs1_sha256(
                key,
                black_box(input.as_bytes()),
                black_box(&sig),
            )
        })
    });
    let mut scratch2 = vec![0u8; token.len()];
    let verified = jwt::verify_signature(&keys, &policy, token.as_bytes(), &mut scratch2).unwrap();
    parts.bench_function("tollgate_claims_only", |b| {
        b.iter(|| {
            verified
                .claims(black_box(&policy), black_box(now))
                .map(|c| c.expires_at())
        })
    });
    parts.finish();
}

criterion_group!(benches, bench_jwt);
criterion_main!(benches);
