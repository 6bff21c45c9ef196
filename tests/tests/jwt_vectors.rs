//! Published RS256 vectors verify: RFC 7515 Appendix A.2 and RFC 7520 §4.1 — and a single
//! flipped bit in any segment makes them fail.

mod jwt_common;

use jwt_common::fixture;
use tollgate_core::jwk::KeySet;
use tollgate_core::jwt::{self, Policy};
use tollgate_core::Error;

fn token(name: &str) -> Vec<u8> {
    let mut t = fixture(name);
    assert_eq!(t.pop(), Some(b'\n'));
    t
}

#[test]
fn rfc7515_a2_verifies_and_reads_its_claims() {
    let keys = KeySet::<4>::parse(&fixture("rfc7515-a2.jwks.json")).unwrap();
    let token = token("rfc7515-a2.jwt");
    let policy = Policy::new("joe", &["anyone"]);
    let mut scratch = vec![0u8; jwt::scratch_len(token.len())];

    let verified = jwt::verify_signature(&keys, &policy, &token, &mut scratch).unwrap();
    assert_eq!(verified.header(), r#"{"alg":"RS256"}"#);
    assert!(verified.key().kid().is_none());
    // The A.2 claims have no `aud`: a full verify stops there, after the signature.
    assert_eq!(
        verified.claims(&policy, 1300819379).err(),
        Some(Error::MissingClaim)
    );
    let root = tollgate_core::json::parse(verified.payload(), 32).unwrap();
    assert!(root.get("iss").unwrap().as_str().unwrap().eq_str("joe"));
    assert_eq!(
        root.get("http://example.com/is_root").unwrap().raw(),
        "true"
    );

    let mut scratch = vec![0u8; token.len()];
    assert_eq!(
        jwt::verify(&keys, &policy, &token, 1300819379, &mut scratch).err(),
        Some(Error::MissingClaim)
    );
}

#[test]
fn rfc7520_4_1_verifies_a_non_json_payload() {
    let keys = KeySet::<4>::parse(&fixture("rfc7520-4.1.jwks.json")).unwrap();
    let token = token("rfc7520-4.1.jwt");
    let policy = Policy::new("unused", &["unused"]);
    let mut scratch = vec![0u8; token.len()];
    let verified = jwt::verify_signature(&keys, &policy, &token, &mut scratch).unwrap();
    assert_eq!(verified.key().kid(), Some("bilbo.baggins@hobbiton.example"));
    let text = std::str::from_utf8(verified.payload()).unwrap();
    assert!(text.starts_with("It\u{2019}s a dangerous business, Frodo"));
    // Its payload is prose, not claims.
    assert_eq!(verified.claims(&policy, 0).err(), Some(Error::Malformed));
}

#[test]
fn any_flipped_bit_breaks_the_vectors() {
    for (jwks, name) in [
        ("rfc7515-a2.jwks.json", "rfc7515-a2.jwt"),
        ("rfc7520-4.1.jwks.json", "rfc7520-4.1.jwt"),
    ] {
        let keys = KeySet::<4>::parse(&fixture(jwks)).unwrap();
        let good = token(name);
        let policy = Policy::new("joe", &["anyone"]);
        let segments: Vec<&[u8]> = good.split(|&b| b == b'.').collect();
        // Flip one bit of a decoded byte at several places of the payload and signature,
        // re-encoding so the base64 stays canonical.
        for (segment, at) in [(1usize, 0usize), (1, 7), (2, 0), (2, 100), (2, 255)] {
            let mut parts: Vec<Vec<u8>> = segments.iter().map(|s| decode(s)).collect();
            parts[segment][at] ^= 0x01;
            let forged: Vec<u8> = parts
                .iter()
                .map(|p| jwt_common::b64(p))
                .collect::<Vec<_>>()
                .join(".")
                .into_bytes();
            assert_ne!(forged, good);
            let mut scratch = vec![0u8; forged.len()];
            assert_eq!(
                jwt::verify_signature(&keys, &policy, &forged, &mut scratch).err(),
                Some(Error::BadSignature),
                "{name} segment {segment} byte {at}"
            );
        }
    }
}

fn decode(segment: &[u8]) -> Vec<u8> {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Base64UrlUnpadded::decode_vec(std::str::from_utf8(segment).unwrap()).unwrap()
}
