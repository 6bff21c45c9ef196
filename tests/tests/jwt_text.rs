//! The Rust API is as capable as the C one: `jwt::PolicyStore` (an owned policy) and
//! `jwt::verify_with_text` (claim strings unescaped into spare scratch) on signed tokens,
//! checked against the plain borrowed-policy `jwt::verify` and serde_json's reading.

mod jwt_common;

use jwt_common::{acs_keys, claims_with, header, Signer, AUD, ISS, NOW};
use tollgate_core::jwt::{self, Policy, PolicyStore, MAX_AUDIENCES};
use tollgate_core::Error;

#[test]
fn verify_with_text_unescapes_into_spare_scratch() {
    let keys = acs_keys();
    let store = PolicyStore::new(ISS, &["someone-else", AUD]).unwrap();
    let mut auds = [""; MAX_AUDIENCES];
    let policy = store.policy(&mut auds).unwrap();
    // `sub` and `jti` escaped (one is written out in scratch), `iss` and `aud` plain.
    let token = Signer::new("acs1").token(
        &header("acs1"),
        &claims_with("", &[]).replace(
            "\"sub\":\"7f3b2c1d",
            "\"sub\":\"a\\/b\\u00e9\\n\",\"x\":\"7f3b2c1d",
        ),
    );
    let want: serde_json::Value = serde_json::from_str(&claims_with("", &[]).replace(
        "\"sub\":\"7f3b2c1d",
        "\"sub\":\"a\\/b\\u00e9\\n\",\"x\":\"7f3b2c1d",
    ))
    .unwrap();
    let mut scratch = vec![0u8; jwt::text_scratch_len(token.len())];
    let (claims, text) =
        jwt::verify_with_text(&keys, &policy, token.as_bytes(), NOW, &mut scratch).unwrap();
    assert_eq!(text.issuer, ISS);
    assert_eq!(text.audience, AUD);
    assert_eq!(claims.audience_index(), 1);
    assert_eq!(text.subject, Some("a/bé\n"));
    assert_eq!(text.subject, want["sub"].as_str());
    assert_eq!(text.jwt_id, want["jti"].as_str());
    assert_eq!(claims.expires_at(), want["exp"].as_u64());

    // One byte short of the bound is refused before any work; so is a token over the limit.
    let mut short = vec![0u8; jwt::text_scratch_len(token.len()) - 1];
    assert_eq!(
        jwt::verify_with_text(&keys, &policy, token.as_bytes(), NOW, &mut short).err(),
        Some(Error::BufferTooSmall)
    );
    let mut tight = Policy { ..policy };
    tight.max_token_len = token.len() - 1;
    assert_eq!(
        jwt::verify_with_text(&keys, &tight, token.as_bytes(), NOW, &mut short).err(),
        Some(Error::TooLarge)
    );
}

#[test]
fn an_owned_policy_verifies_like_the_borrowed_one() {
    let keys = acs_keys();
    let token = Signer::new("acs1").token(&header("acs1"), &claims_with("", &[]));
    let mut store = PolicyStore::new(ISS, &[AUD]).unwrap();
    let run = |store: &PolicyStore, now: u64| {
        let mut auds = [""; MAX_AUDIENCES];
        let policy = store.policy(&mut auds).unwrap();
        let mut scratch = vec![0u8; token.len()];
        jwt::verify(&keys, &policy, token.as_bytes(), now, &mut scratch).map(|c| c.expires_at())
    };
    let borrowed = Policy::new(ISS, &[AUD]);
    let mut scratch = vec![0u8; token.len()];
    let direct =
        jwt::verify(&keys, &borrowed, token.as_bytes(), NOW, &mut scratch).map(|c| c.expires_at());
    assert_eq!(run(&store, NOW), direct);
    // iat is NOW - 60: a 1 s maximum age with no leeway refuses it; None turns it off.
    store.set_leeway(0).unwrap();
    store.set_max_age(Some(1)).unwrap();
    assert_eq!(run(&store, NOW), Err(Error::TooOld));
    store.set_max_age(None).unwrap();
    assert!(run(&store, NOW).is_ok());
    store.set_typ(Some("at+jwt")).unwrap();
    assert_eq!(run(&store, NOW), Err(Error::WrongType));
}
