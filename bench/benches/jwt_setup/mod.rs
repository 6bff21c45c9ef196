//! The `jwt_verify_2048` workload shared by the `jwt` (criterion) and `jwt_ab` (alternating
//! rounds) benches: an ACS-like RS256 token (about 600 bytes of claims, 2048-bit key, 3-key
//! set) and the three verifiers, each prepared once as a server would.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use base64ct::{Base64UrlUnpadded, Encoding};
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use tollgate_core::jwk::KeySet;
use tollgate_core::jwt::{self, Policy};

pub const ISS: &str = "https://acscallautomation.communication.azure.com";
pub const AUDIENCES: &[&str] = &["0a2b5f4c-0cde-4d1e-9a47-6c3a7e2f9b10"];

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
        aud = AUDIENCES[0],
        iss = ISS,
        iat = now - 60,
        exp = now + 3600
    )
}

/// Everything the three verifiers need, built once.
pub struct Workload {
    pub now: u64,
    pub token: String,
    /// `header.payload`, what the signature covers.
    pub signing_input: String,
    pub signature: Vec<u8>,
    pub keys: KeySet<16>,
    pub ring_key: UnparsedPublicKey<Vec<u8>>,
    jsonwebtoken_keys: HashMap<String, jsonwebtoken::DecodingKey>,
    jsonwebtoken_validation: jsonwebtoken::Validation,
}

impl Workload {
    /// The workload around the system clock's `now` (jsonwebtoken checks times against it).
    #[allow(dead_code)] // every bench but jwt_count uses it
    pub fn new() -> Workload {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        Workload::at(now, true)
    }

    /// The workload at a fixed `now` (2027-01-15), so the token and its signature are the
    /// same in every run (PKCS#1 v1.5 signing is deterministic): instruction counts of two
    /// runs then differ only by the code. jsonwebtoken, which reads the system clock, is not
    /// checked here: only for counting our own verifier.
    #[allow(dead_code)] // only jwt_count uses it
    pub fn fixed() -> Workload {
        Workload::at(1_800_000_000, false)
    }

    fn at(now: u64, check_jsonwebtoken: bool) -> Workload {
        let jwks = fixture("jwks-acs.json");
        let pair = RsaKeyPair::from_pkcs8(&fixture("keys/acs1.pk8")).unwrap();
        let payload = claims(now);
        let header = r#"{"alg":"RS256","kid":"acs1","typ":"JWT"}"#;
        let signing_input = format!(
            "{}.{}",
            Base64UrlUnpadded::encode_string(header.as_bytes()),
            Base64UrlUnpadded::encode_string(payload.as_bytes())
        );
        let mut sig = vec![0u8; pair.public().modulus_len()];
        pair.sign(
            &signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            signing_input.as_bytes(),
            &mut sig,
        )
        .unwrap();
        let token = format!("{signing_input}.{}", Base64UrlUnpadded::encode_string(&sig));
        eprintln!(
            "jwt_verify_2048: token {} bytes, claims {} bytes, RSA-{} key, 3-key set",
            token.len(),
            payload.len(),
            sig.len() * 8
        );

        let keys = KeySet::<16>::parse(&jwks).unwrap();
        assert_eq!(keys.len(), 3);

        // jsonwebtoken: one DecodingKey per kid; the kid is looked up per token.
        let jwks_json: serde_json::Value = serde_json::from_slice(&jwks).unwrap();
        let jsonwebtoken_keys = jwks_json["keys"]
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
        validation.set_audience(AUDIENCES);
        validation.leeway = 60;
        validation.validate_nbf = true;

        // ring: only the RSA verification, with the public key in ring's own form.
        let ring_key = UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            pair.public().as_ref().to_vec(),
        );

        let w = Workload {
            now,
            token,
            signing_input,
            signature: sig,
            keys,
            ring_key,
            jsonwebtoken_keys,
            jsonwebtoken_validation: validation,
        };
        let mut scratch = vec![0u8; w.token.len()];
        assert!(w.tollgate(&mut scratch));
        assert!(w.ring_signature_only());
        assert!(w.tollgate_signature_only());
        assert!(!check_jsonwebtoken || w.jsonwebtoken());
        w
    }

    /// tollgate's full verification (scratch: at least `token.len()` bytes).
    pub fn tollgate(&self, scratch: &mut [u8]) -> bool {
        let policy = Policy::new(ISS, AUDIENCES);
        jwt::verify(
            &self.keys,
            &policy,
            self.token.as_bytes(),
            self.now,
            scratch,
        )
        .is_ok()
    }

    /// tollgate's own signature check of the same token, nothing else: the signature segment
    /// decoded from base64url (with the decoder `verify` uses), then our RSA verification,
    /// which hashes the signing input (`header.payload`). What `tollgate` costs beyond it is the
    /// JWT path: splitting, decoding header and payload, the JSON and the claims. Includes a
    /// lookup of the key by kid in the 3-key set (tens of nanoseconds), as the full
    /// verification does.
    pub fn tollgate_signature_only(&self) -> bool {
        let mut buf = [0u8; jwt::MAX_SIGNATURE_LEN];
        let Ok(signature) = jwt::decode_segment(self.signature_segment(), &mut buf) else {
            return false;
        };
        self.keys.find("acs1").is_some_and(|k| {
            tollgate_core::rsa::verify_pkcs1_sha256(
                k.public_key(),
                self.signing_input.as_bytes(),
                signature,
            )
            .is_ok()
        })
    }

    /// The token's third segment (base64url text of the signature).
    pub fn signature_segment(&self) -> &[u8] {
        self.token
            .as_bytes()
            .get(self.signing_input.len() + 1..)
            .unwrap_or_default()
    }

    /// ring's RSA verification of the same signing input and signature, nothing else.
    pub fn ring_signature_only(&self) -> bool {
        self.ring_key
            .verify(self.signing_input.as_bytes(), &self.signature)
            .is_ok()
    }

    /// jsonwebtoken's header decode, kid lookup and full decode with the same validation.
    pub fn jsonwebtoken(&self) -> bool {
        let Ok(header) = jsonwebtoken::decode_header(&self.token) else {
            return false;
        };
        let Some(key) = self.jsonwebtoken_keys.get(&header.kid.unwrap_or_default()) else {
            return false;
        };
        jsonwebtoken::decode::<serde_json::Value>(&self.token, key, &self.jsonwebtoken_validation)
            .is_ok()
    }
}
