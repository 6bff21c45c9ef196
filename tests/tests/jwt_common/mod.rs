//! Shared by the `jwt_*` tests: fixtures, a token signer over the committed test keys (ring),
//! and an ACS-like claim set.
#![allow(dead_code)]

use base64ct::{Base64UrlUnpadded, Encoding};
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use tollgate_core::jwk::KeySet;

pub const ISS: &str = "https://acscallautomation.communication.azure.com";
pub const AUD: &str = "0a2b5f4c-0cde-4d1e-9a47-6c3a7e2f9b10";
/// A fixed "now" for every test.
pub const NOW: u64 = 1_750_000_000;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = tollgate_tests::fixtures_dir().join("jwt").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

pub fn acs_keys() -> KeySet<16> {
    KeySet::parse(&fixture("jwks-acs.json")).unwrap()
}

/// Signs with a committed test key (`keys/<name>.pk8`).
pub struct Signer {
    pair: RsaKeyPair,
}

impl Signer {
    pub fn new(name: &str) -> Signer {
        let der = fixture(&format!("keys/{name}.pk8"));
        Signer {
            pair: RsaKeyPair::from_pkcs8(&der).unwrap(),
        }
    }

    /// The RS256 signature of `signing_input`.
    pub fn signature(&self, signing_input: &[u8]) -> Vec<u8> {
        let mut sig = vec![0u8; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input,
                &mut sig,
            )
            .unwrap();
        sig
    }

    /// A compact JWS of these exact header and payload bytes.
    pub fn token(&self, header: &str, payload: &str) -> String {
        let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
        let sig = self.signature(input.as_bytes());
        format!("{input}.{}", b64(&sig))
    }
}

/// The header ACS tokens carry, for key `kid`.
pub fn header(kid: &str) -> String {
    format!(r#"{{"alg":"RS256","kid":"{kid}","typ":"JWT"}}"#)
}

/// An ACS-like claim set (about 600 bytes) valid at [`NOW`], with `extra` members appended
/// (e.g. `,"x":1`) and any member named in `without` left out.
pub fn claims_with(extra: &str, without: &[&str]) -> String {
    let members = [
        ("aud", format!("\"{AUD}\"")),
        ("iss", format!("\"{ISS}\"")),
        ("iat", (NOW - 60).to_string()),
        ("nbf", (NOW - 60).to_string()),
        ("exp", (NOW + 240).to_string()),
        (
            "aio",
            "\"E2RgYJjYqP2l5Xo+X1r7mYKfHU8d8/BqC4n2sRt6Wv5qAA==\"".into(),
        ),
        ("appid", "\"1fd5118e-2576-4263-8130-9503064c837a\"".into()),
        ("appidacr", "\"2\"".into()),
        (
            "idp",
            "\"https://sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/\"".into(),
        ),
        ("oid", "\"7f3b2c1d-9e8a-4b6c-8d5e-2f1a0b9c8d7e\"".into()),
        ("sub", "\"7f3b2c1d-9e8a-4b6c-8d5e-2f1a0b9c8d7e\"".into()),
        ("tid", "\"33e01921-4d64-4f8c-a055-5bdaffd5e33d\"".into()),
        ("jti", "\"b7c4e2a9-51f3-4d08-a6c2-93e1f0d47b65\"".into()),
        ("ver", "\"1.0\"".into()),
        ("xms_tcdt", "1590520830".into()),
        (
            "roles",
            "[\"CallAutomation.Callback\",\"CallAutomation.Media\"]".into(),
        ),
    ];
    let body: Vec<String> = members
        .iter()
        .filter(|(name, _)| !without.contains(name))
        .map(|(name, value)| format!("\"{name}\":{value}"))
        .collect();
    format!("{{{}{extra}}}", body.join(","))
}

pub fn claims() -> String {
    claims_with("", &[])
}
