//! One named case (at least) for every rule a token can break, each checked for its exact
//! error; plus the accepted ACS-like token and what its claims view shows.

mod jwt_common;

use jwt_common::{acs_keys, b64, claims, claims_with, header, Signer, AUD, ISS, NOW};
use tollgate_core::jwk::KeySet;
use tollgate_core::jwt::{self, Policy};
use tollgate_core::Error;

const AUDS: &[&str] = &[AUD];

fn verify_with(policy: &Policy<'_>, token: &[u8], now: u64) -> Result<(), Error> {
    let keys = acs_keys();
    let mut scratch = vec![0u8; jwt::scratch_len(token.len())];
    jwt::verify(&keys, policy, token, now, &mut scratch).map(|_| ())
}

fn verify(token: &str) -> Result<(), Error> {
    verify_with(&Policy::new(ISS, AUDS), token.as_bytes(), NOW)
}

fn signed(header: &str, payload: &str) -> String {
    Signer::new("acs1").token(header, payload)
}

fn good() -> String {
    signed(&header("acs1"), &claims())
}

/// Replaces segment `i` of `token` with `with`.
fn with_segment(token: &str, i: usize, with: &str) -> String {
    let mut parts: Vec<&str> = token.split('.').collect();
    parts[i] = with;
    parts.join(".")
}

fn expect(cases: &[(&str, String, Error)]) {
    for (name, token, want) in cases {
        assert_eq!(verify(token), Err(*want), "case {name:?}");
    }
}

#[test]
fn accepts_acs_like_token_and_exposes_its_claims() {
    let payload = claims();
    assert!((580..640).contains(&payload.len()), "{}", payload.len());
    let token = Signer::new("acs2").token(&header("acs2"), &payload);
    let keys = acs_keys();
    let policy = Policy::new(ISS, &["other", AUD]);
    let mut scratch = vec![0u8; token.len()];
    let c = jwt::verify(&keys, &policy, token.as_bytes(), NOW, &mut scratch).unwrap();
    assert!(c.issuer().eq_str(ISS));
    assert!(c.audience().eq_str(AUD));
    assert_eq!(c.audience_index(), 1);
    assert_eq!(
        c.subject().unwrap().raw(),
        "7f3b2c1d-9e8a-4b6c-8d5e-2f1a0b9c8d7e"
    );
    assert_eq!(
        c.jwt_id().unwrap().raw(),
        "b7c4e2a9-51f3-4d08-a6c2-93e1f0d47b65"
    );
    assert_eq!(c.expires_at(), Some(NOW + 240));
    assert_eq!(c.not_before(), Some(NOW - 60));
    assert_eq!(c.issued_at(), Some(NOW - 60));
    assert_eq!(c.json(), payload);
    assert_eq!(
        c.claim("roles").unwrap().raw(),
        r#"["CallAutomation.Callback","CallAutomation.Media"]"#
    );
    assert_eq!(c.claim("xms_tcdt").unwrap().raw(), "1590520830");
    assert_eq!(c.claim("nope").err(), Some(Error::ClaimNotFound));
    let mut buf = [0u8; 64];
    assert_eq!(
        c.claim_str("idp", &mut buf),
        Ok("https://sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/")
    );
    assert_eq!(
        c.claim_str("roles", &mut buf).err(),
        Some(Error::InvalidClaim)
    );
    assert_eq!(
        c.claim_str("nope", &mut buf).err(),
        Some(Error::ClaimNotFound)
    );
    assert_eq!(
        c.claim_str("idp", &mut [0u8; 10]).err(),
        Some(Error::BufferTooSmall)
    );
}

#[test]
fn escaped_claim_strings_are_unescaped_on_request() {
    let token = signed(
        &header("acs1"),
        &claims_with(r#","note":"a\/b \u00e9\n""#, &[]),
    );
    let keys = acs_keys();
    let policy = Policy::new(ISS, AUDS);
    let mut scratch = vec![0u8; token.len()];
    let c = jwt::verify(&keys, &policy, token.as_bytes(), NOW, &mut scratch).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(c.claim_str("note", &mut buf), Ok("a/b \u{e9}\n"));
    assert_eq!(c.claim("note").unwrap().raw(), r#""a\/b \u00e9\n""#);
}

#[test]
fn alg_must_be_exactly_rs256() {
    let body = claims();
    let hs256_key_confusion = {
        // The classic attack: HS256 "signed" with the RSA public key as HMAC secret.
        let jwks = jwt_common::fixture("jwks-acs.json");
        let input = format!(
            "{}.{}",
            b64(br#"{"alg":"HS256","kid":"acs1"}"#),
            b64(body.as_bytes())
        );
        let mac = ring::hmac::sign(
            &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &jwks),
            input.as_bytes(),
        );
        format!("{input}.{}", b64(mac.as_ref()))
    };
    let cases: Vec<(&str, String, Error)> = [
        ("none", r#"{"alg":"none","kid":"acs1"}"#),
        ("None", r#"{"alg":"None"}"#),
        ("HS256", r#"{"alg":"HS256","kid":"acs1"}"#),
        ("RS384", r#"{"alg":"RS384","kid":"acs1"}"#),
        ("RS512", r#"{"alg":"RS512","kid":"acs1"}"#),
        ("PS256", r#"{"alg":"PS256","kid":"acs1"}"#),
        ("ES256", r#"{"alg":"ES256","kid":"acs1"}"#),
        ("lower case rs256", r#"{"alg":"rs256","kid":"acs1"}"#),
        ("RS256 with space", r#"{"alg":"RS256 ","kid":"acs1"}"#),
        ("missing alg", r#"{"kid":"acs1"}"#),
        ("alg array", r#"{"alg":["RS256"],"kid":"acs1"}"#),
        ("alg null", r#"{"alg":null,"kid":"acs1"}"#),
    ]
    .into_iter()
    .map(|(name, h)| (name, signed(h, &body), Error::UnsupportedAlg))
    .chain([
        (
            "none with empty signature",
            format!("{}.{}.", b64(br#"{"alg":"none"}"#), b64(body.as_bytes())),
            Error::UnsupportedAlg,
        ),
        (
            "HS256 key confusion",
            hs256_key_confusion,
            Error::UnsupportedAlg,
        ),
    ])
    .collect();
    expect(&cases);
    // The same header with escapes that decode to RS256 is RS256.
    assert_eq!(
        verify(&signed(
            r#"{"alg":"RS\u0032\u0035\u0036","kid":"acs1"}"#,
            &body
        )),
        Ok(())
    );
}

#[test]
fn crit_is_refused() {
    let body = claims();
    expect(&[
        (
            "crit exp",
            signed(
                r#"{"alg":"RS256","kid":"acs1","crit":["exp"],"exp":1}"#,
                &body,
            ),
            Error::UnsupportedCrit,
        ),
        (
            "empty crit",
            signed(r#"{"alg":"RS256","kid":"acs1","crit":[]}"#, &body),
            Error::UnsupportedCrit,
        ),
        (
            "crit b64",
            signed(
                r#"{"alg":"RS256","kid":"acs1","b64":false,"crit":["b64"]}"#,
                &body,
            ),
            Error::UnsupportedCrit,
        ),
    ]);
}

#[test]
fn kid_selects_exactly_one_key() {
    let body = claims();
    expect(&[
        (
            "missing kid, 3 keys",
            signed(r#"{"alg":"RS256"}"#, &body),
            Error::MissingKid,
        ),
        (
            "unknown kid",
            signed(&header("acs9"), &body),
            Error::UnknownKid,
        ),
        (
            "kid differs in case",
            signed(&header("ACS1"), &body),
            Error::UnknownKid,
        ),
        (
            "kid prefix",
            signed(&header("acs"), &body),
            Error::UnknownKid,
        ),
        ("empty kid", signed(&header(""), &body), Error::UnknownKid),
        (
            "kid number",
            signed(r#"{"alg":"RS256","kid":1}"#, &body),
            Error::Malformed,
        ),
        (
            "kid of another key",
            Signer::new("acs1").token(&header("acs2"), &body),
            Error::BadSignature,
        ),
    ]);
    assert_eq!(verify(&signed(&header("\\u0061cs1"), &body)), Ok(()));
    // Without kid, a one-key set uses its only key.
    let jwks = jwt_common::fixture("jwks-acs.json");
    let root = tollgate_core::json::parse(&jwks, 8).unwrap();
    let first = root
        .get("keys")
        .unwrap()
        .elements()
        .unwrap()
        .next()
        .unwrap();
    let single = format!(
        "{{\"keys\":[{}]}}",
        first.raw().replace("\"kid\": \"acs1\",", "")
    );
    let keys = KeySet::<4>::parse(single.as_bytes()).unwrap();
    assert_eq!(keys.keys().next().unwrap().kid(), None);
    let token = signed(r#"{"alg":"RS256"}"#, &body);
    let mut scratch = vec![0u8; token.len()];
    let policy = Policy::new(ISS, AUDS);
    assert!(jwt::verify(&keys, &policy, token.as_bytes(), NOW, &mut scratch).is_ok());
}

#[test]
fn embedded_key_references_are_never_used() {
    let body = claims();
    let attacker = Signer::new("entra1");
    let attacker_jwks = String::from_utf8(jwt_common::fixture("jwks-entra.json")).unwrap();
    let attacker_jwk = {
        let root = tollgate_core::json::parse(attacker_jwks.as_bytes(), 8).unwrap();
        let k = root
            .get("keys")
            .unwrap()
            .elements()
            .unwrap()
            .next()
            .unwrap();
        k.raw().to_string()
    };
    for (name, extra) in [
        ("jwk", format!(r#","jwk":{attacker_jwk}"#)),
        (
            "jku",
            r#","jku":"https://attacker.example/keys""#.to_string(),
        ),
        (
            "x5u",
            r#","x5u":"https://attacker.example/cert.pem""#.to_string(),
        ),
        (
            "x5c",
            r#","x5c":["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]"#.to_string(),
        ),
    ] {
        let forged_header = format!(r#"{{"alg":"RS256","kid":"acs1"{extra}}}"#);
        // Signed by the attacker's key: the embedded reference does not make it trusted.
        assert_eq!(
            verify(&attacker.token(&forged_header, &body)),
            Err(Error::BadSignature),
            "{name}"
        );
        // Signed by the real key: the member is simply ignored.
        assert_eq!(verify(&signed(&forged_header, &body)), Ok(()), "{name}");
    }
    // A header naming only an embedded key (no kid) with a 3-key set.
    let no_kid = format!(r#"{{"alg":"RS256","jwk":{attacker_jwk}}}"#);
    assert_eq!(
        verify(&attacker.token(&no_kid, &body)),
        Err(Error::MissingKid)
    );
}

#[test]
fn encoding_must_be_canonical_unpadded_base64url() {
    let t = good();
    let parts: Vec<&str> = t.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    // A 256-byte signature is 342 characters whose last one carries 2 bits (4 zero bits).
    let last = s.as_bytes()[s.len() - 1];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let idx = alphabet.iter().position(|&c| c == last).unwrap();
    assert_eq!(idx & 0x0f, 0, "canonical last char has zero low bits");
    let noncanonical = format!("{}{}", &s[..s.len() - 1], alphabet[idx + 1] as char);
    let std_alphabet = s.replace('-', "+").replace('_', "/");
    assert_ne!(std_alphabet, s, "the signature should use - or _ somewhere");
    expect(&[
        (
            "padding on signature",
            format!("{h}.{p}.{s}=="),
            Error::Malformed,
        ),
        (
            "padding on header",
            with_segment(&t, 0, &format!("{h}=")),
            Error::Malformed,
        ),
        (
            "non-canonical last char",
            with_segment(&t, 2, &noncanonical),
            Error::Malformed,
        ),
        (
            "standard alphabet",
            with_segment(&t, 2, &std_alphabet),
            Error::Malformed,
        ),
        (
            "space inside",
            with_segment(&t, 1, &format!("{} {}", &p[..10], &p[10..])),
            Error::Malformed,
        ),
        ("trailing newline", format!("{t}\n"), Error::Malformed),
        ("leading space", format!(" {t}"), Error::Malformed),
        ("two segments", format!("{h}.{p}"), Error::Malformed),
        ("four segments", format!("{t}.{s}"), Error::Malformed),
        ("empty token", String::new(), Error::Malformed),
        ("empty header", format!(".{p}.{s}"), Error::Malformed),
        (
            "impossible length",
            with_segment(&t, 0, &format!("{h}A")),
            Error::Malformed,
        ),
    ]);
}

#[test]
fn signature_length_must_equal_modulus_length() {
    let t = good();
    let sig = {
        use base64ct::{Base64UrlUnpadded, Encoding};
        Base64UrlUnpadded::decode_vec(t.split('.').nth(2).unwrap()).unwrap()
    };
    assert_eq!(sig.len(), 256);
    let mut longer = sig.clone();
    longer.push(0);
    let mut leading_zero = vec![0u8];
    leading_zero.extend_from_slice(&sig);
    expect(&[
        (
            "one byte short",
            with_segment(&t, 2, &b64(&sig[..255])),
            Error::Malformed,
        ),
        (
            "one byte long",
            with_segment(&t, 2, &b64(&longer)),
            Error::Malformed,
        ),
        (
            "leading zero",
            with_segment(&t, 2, &b64(&leading_zero)),
            Error::Malformed,
        ),
        ("empty signature", with_segment(&t, 2, ""), Error::Malformed),
        (
            "4096-bit sized",
            with_segment(&t, 2, &b64(&[1u8; 512])),
            Error::Malformed,
        ),
        (
            "too long for any key",
            with_segment(&t, 2, &b64(&[1u8; 600])),
            Error::Malformed,
        ),
        (
            "zero signature",
            with_segment(&t, 2, &b64(&[0u8; 256])),
            Error::BadSignature,
        ),
        (
            "all ones",
            with_segment(&t, 2, &b64(&[0xff; 256])),
            Error::BadSignature,
        ),
    ]);
}

#[test]
fn signature_is_checked_before_any_claim() {
    let expired = claims_with("", &["exp"]).replace('}', r#","exp":1}"#);
    let garbage = "not json at all";
    let other = Signer::new("acs2");
    expect(&[
        (
            "expired and forged",
            other.token(&header("acs1"), &expired),
            Error::BadSignature,
        ),
        (
            "garbage payload, forged",
            other.token(&header("acs1"), garbage),
            Error::BadSignature,
        ),
        (
            "wrong issuer, forged",
            other.token(&header("acs1"), &claims().replace(ISS, "https://evil")),
            Error::BadSignature,
        ),
        (
            "garbage payload, signed",
            signed(&header("acs1"), garbage),
            Error::Malformed,
        ),
    ]);
}

#[test]
fn duplicate_members_are_refused() {
    let body = claims();
    expect(&[
        (
            "duplicate alg",
            signed(r#"{"alg":"RS256","alg":"none","kid":"acs1"}"#, &body),
            Error::Malformed,
        ),
        (
            "duplicate kid",
            signed(r#"{"alg":"RS256","kid":"acs1","kid":"acs2"}"#, &body),
            Error::Malformed,
        ),
        (
            "escaped duplicate kid",
            signed(r#"{"alg":"RS256","kid":"acs1","\u006bid":"acs2"}"#, &body),
            Error::Malformed,
        ),
        (
            "duplicate iss",
            signed(
                &header("acs1"),
                &claims_with(r#","iss":"https://evil""#, &[]),
            ),
            Error::Malformed,
        ),
        (
            "escaped duplicate aud",
            signed(&header("acs1"), &claims_with(r#","\u0061ud":"x""#, &[])),
            Error::Malformed,
        ),
        (
            "duplicate unknown claim",
            signed(&header("acs1"), &claims_with(r#","x":1,"x":2"#, &[])),
            Error::Malformed,
        ),
    ]);
}

#[test]
fn json_must_be_strict() {
    let nest = |n: usize| format!(",\"deep\":{}1{}", "[".repeat(n), "]".repeat(n));
    let body = claims();
    expect(&[
        (
            "claims depth 33",
            signed(&header("acs1"), &claims_with(&nest(32), &[])),
            Error::Malformed,
        ),
        (
            "header depth 33",
            signed(
                &format!(
                    r#"{{"alg":"RS256","kid":"acs1","x":{}{}}}"#,
                    "[".repeat(32),
                    "]".repeat(32)
                ),
                &body,
            ),
            Error::Malformed,
        ),
        (
            "header trailing garbage",
            signed(&format!("{} x", header("acs1")), &body),
            Error::Malformed,
        ),
        (
            "claims trailing garbage",
            signed(&header("acs1"), &format!("{body}}}")),
            Error::Malformed,
        ),
        (
            "two header objects",
            signed(&format!("{}{{}}", header("acs1")), &body),
            Error::Malformed,
        ),
        (
            "header not an object",
            signed(r#"["RS256"]"#, &body),
            Error::Malformed,
        ),
        (
            "claims not an object",
            signed(&header("acs1"), r#""claims""#),
            Error::Malformed,
        ),
        (
            "trailing comma",
            signed(&header("acs1"), &body.replace('}', ",}")),
            Error::Malformed,
        ),
        (
            "single quotes",
            signed(&header("acs1"), &body.replace("\"ver\"", "'ver'")),
            Error::Malformed,
        ),
        (
            "lone surrogate",
            signed(&header("acs1"), &claims_with(r#","x":"\ud800""#, &[])),
            Error::Malformed,
        ),
    ]);
    assert_eq!(
        verify(&signed(&header("acs1"), &claims_with(&nest(31), &[]))),
        Ok(())
    );
    // Invalid UTF-8 cannot be written in a &str: build the bytes.
    let signer = Signer::new("acs1");
    for (name, bad) in [("header", 0usize), ("claims", 1)] {
        let mut segs = [header("acs1").into_bytes(), body.clone().into_bytes()];
        let at = segs[bad].len() - 3;
        segs[bad][at] = 0xff;
        let input = format!("{}.{}", b64(&segs[0]), b64(&segs[1]));
        let token = format!("{input}.{}", b64(&signer.signature(input.as_bytes())));
        assert_eq!(
            verify(&token),
            Err(Error::Malformed),
            "invalid UTF-8 in {name}"
        );
    }
}

fn times(exp: &str, nbf: &str) -> String {
    claims_with(&format!(r#","exp":{exp},"nbf":{nbf}"#), &["exp", "nbf"])
}

#[test]
fn exp_and_nbf_boundaries_with_leeway_exactly() {
    let policy = Policy::new(ISS, AUDS);
    let leeway = policy.leeway;
    assert_eq!(leeway, 60);
    let token = signed(&header("acs1"), &times("1000000", "900000"));
    let at = |now| verify_with(&policy, token.as_bytes(), now);
    assert_eq!(at(1_000_000 + leeway - 1), Ok(()), "last valid second");
    assert_eq!(at(1_000_000 + leeway), Err(Error::Expired), "exp + leeway");
    assert_eq!(at(900_000 - leeway), Ok(()), "nbf - leeway");
    assert_eq!(
        at(900_000 - leeway - 1),
        Err(Error::NotYetValid),
        "before nbf - leeway"
    );
    let strict = Policy {
        leeway: 0,
        ..policy
    };
    let at0 = |now| verify_with(&strict, token.as_bytes(), now);
    assert_eq!(at0(999_999), Ok(()));
    assert_eq!(at0(1_000_000), Err(Error::Expired));
    assert_eq!(at0(900_000), Ok(()));
    assert_eq!(at0(899_999), Err(Error::NotYetValid));
}

#[test]
fn fractional_times_round_against_the_token() {
    let strict = Policy {
        leeway: 0,
        ..Policy::new(ISS, AUDS)
    };
    let token = signed(&header("acs1"), &times("1000000.9", "900000.1"));
    let at = |now| verify_with(&strict, token.as_bytes(), now);
    assert_eq!(at(999_999), Ok(()));
    assert_eq!(at(1_000_000), Err(Error::Expired), "exp rounds down");
    assert_eq!(at(900_000), Err(Error::NotYetValid), "nbf rounds up");
    assert_eq!(at(900_001), Ok(()));
    let exponent = signed(&header("acs1"), &times("1.0e6", "9e5"));
    assert_eq!(verify_with(&strict, exponent.as_bytes(), 999_999), Ok(()));
    assert_eq!(
        verify_with(&strict, exponent.as_bytes(), 1_000_000),
        Err(Error::Expired)
    );
}

#[test]
fn times_must_be_non_negative_numbers() {
    let ok_nbf = (NOW - 60).to_string();
    let ok_exp = (NOW + 60).to_string();
    let mut cases = Vec::new();
    for bad in [
        r#""1750000100""#,
        "true",
        "null",
        "-1",
        "-0",
        "[1]",
        "{}",
        "1e400",
        "9223372036854775808",
    ] {
        cases.push((
            "exp",
            signed(&header("acs1"), &times(bad, &ok_nbf)),
            Error::InvalidClaim,
        ));
        cases.push((
            "nbf",
            signed(&header("acs1"), &times(&ok_exp, bad)),
            Error::InvalidClaim,
        ));
        cases.push((
            "iat",
            signed(
                &header("acs1"),
                &claims_with(&format!(r#","iat":{bad}"#), &["iat"]),
            ),
            Error::InvalidClaim,
        ));
    }
    expect(&cases);
}

#[test]
fn exp_is_required_unless_the_policy_says_otherwise() {
    let token = signed(&header("acs1"), &claims_with("", &["exp"]));
    assert_eq!(verify(&token), Err(Error::MissingClaim));
    let lax = Policy {
        require_exp: false,
        ..Policy::new(ISS, AUDS)
    };
    assert_eq!(verify_with(&lax, token.as_bytes(), NOW), Ok(()));
    // nbf and iat are optional.
    let minimal = signed(&header("acs1"), &claims_with("", &["nbf", "iat"]));
    assert_eq!(verify(&minimal), Ok(()));
}

#[test]
fn issuer_must_match_exactly() {
    let with_iss = |iss: &str| {
        signed(
            &header("acs1"),
            &claims_with(&format!(r#","iss":{iss}"#), &["iss"]),
        )
    };
    expect(&[
        (
            "prefix",
            with_iss(r#""https://acscallautomation.communication.azure.co""#),
            Error::WrongIssuer,
        ),
        (
            "longer",
            with_iss(r#""https://acscallautomation.communication.azure.com.evil""#),
            Error::WrongIssuer,
        ),
        (
            "case",
            with_iss(r#""https://ACScallautomation.communication.azure.com""#),
            Error::WrongIssuer,
        ),
        (
            "trailing slash",
            with_iss(r#""https://acscallautomation.communication.azure.com/""#),
            Error::WrongIssuer,
        ),
        (
            "http",
            with_iss(r#""http://acscallautomation.communication.azure.com""#),
            Error::WrongIssuer,
        ),
        ("number", with_iss("1"), Error::InvalidClaim),
        (
            "array",
            with_iss(&format!(r#"["{ISS}"]"#)),
            Error::InvalidClaim,
        ),
        (
            "missing",
            signed(&header("acs1"), &claims_with("", &["iss"])),
            Error::MissingClaim,
        ),
    ]);
    assert_eq!(
        verify(&with_iss(
            r#""https:\/\/acscallautomation.communication.azure.com""#
        )),
        Ok(())
    );
}

#[test]
fn audience_must_contain_an_expected_one() {
    let with_aud = |aud: &str| {
        signed(
            &header("acs1"),
            &claims_with(&format!(r#","aud":{aud}"#), &["aud"]),
        )
    };
    expect(&[
        (
            "other string",
            with_aud(r#""someone-else""#),
            Error::WrongAudience,
        ),
        (
            "case",
            with_aud(&format!("\"{}\"", AUD.to_uppercase())),
            Error::WrongAudience,
        ),
        (
            "prefix",
            with_aud(&format!("\"{}\"", &AUD[..10])),
            Error::WrongAudience,
        ),
        (
            "array without",
            with_aud(r#"["a","b"]"#),
            Error::WrongAudience,
        ),
        ("empty array", with_aud("[]"), Error::WrongAudience),
        ("number", with_aud("1"), Error::InvalidClaim),
        (
            "array with number",
            with_aud(&format!(r#"["{AUD}",1]"#)),
            Error::InvalidClaim,
        ),
        (
            "nested array",
            with_aud(&format!(r#"[["{AUD}"]]"#)),
            Error::InvalidClaim,
        ),
        (
            "missing",
            signed(&header("acs1"), &claims_with("", &["aud"])),
            Error::MissingClaim,
        ),
    ]);
    assert_eq!(verify(&with_aud(&format!(r#"["a","{AUD}"]"#))), Ok(()));
}

#[test]
fn sub_and_jti_must_be_strings() {
    expect(&[
        (
            "sub number",
            signed(&header("acs1"), &claims_with(r#","sub":1"#, &["sub"])),
            Error::InvalidClaim,
        ),
        (
            "jti object",
            signed(&header("acs1"), &claims_with(r#","jti":{}"#, &["jti"])),
            Error::InvalidClaim,
        ),
    ]);
}

#[test]
fn typ_when_the_policy_expects_one() {
    let policy = Policy {
        typ: Some("JWT"),
        ..Policy::new(ISS, AUDS)
    };
    let body = claims();
    let check = |h: &str| verify_with(&policy, signed(h, &body).as_bytes(), NOW);
    assert_eq!(check(r#"{"alg":"RS256","kid":"acs1","typ":"JWT"}"#), Ok(()));
    assert_eq!(check(r#"{"alg":"RS256","kid":"acs1","typ":"jwt"}"#), Ok(()));
    // RFC 7515 §4.1.9: no `/` means `application/` + value; media types ignore case.
    for typ in ["application/jwt", "Application/JWT", "application\\/jwt"] {
        let h = format!(r#"{{"alg":"RS256","kid":"acs1","typ":"{typ}"}}"#);
        assert_eq!(check(&h), Ok(()), "{typ}");
    }
    for typ in [
        "text/jwt",
        "application/jwt;x=1",
        "jwt ",
        "application/at+jwt",
    ] {
        let h = format!(r#"{{"alg":"RS256","kid":"acs1","typ":"{typ}"}}"#);
        assert_eq!(check(&h), Err(Error::WrongType), "{typ}");
    }
    let media = Policy {
        typ: Some("application/at+jwt"),
        ..Policy::new(ISS, AUDS)
    };
    let check_media = |h: &str| verify_with(&media, signed(h, &body).as_bytes(), NOW);
    assert_eq!(
        check_media(r#"{"alg":"RS256","kid":"acs1","typ":"at+JWT"}"#),
        Ok(())
    );
    assert_eq!(
        check_media(r#"{"alg":"RS256","kid":"acs1","typ":"JWT"}"#),
        Err(Error::WrongType)
    );
    assert_eq!(
        check(r#"{"alg":"RS256","kid":"acs1","typ":"at+jwt"}"#),
        Err(Error::WrongType)
    );
    assert_eq!(
        check(r#"{"alg":"RS256","kid":"acs1"}"#),
        Err(Error::WrongType)
    );
    assert_eq!(
        check(r#"{"alg":"RS256","kid":"acs1","typ":1}"#),
        Err(Error::Malformed)
    );
    // Without a policy typ any string typ passes.
    assert_eq!(
        verify(&signed(
            r#"{"alg":"RS256","kid":"acs1","typ":"at+jwt"}"#,
            &body
        )),
        Ok(())
    );
}

/// A header `{"alg":"RS256","kid":"acs1","a0":0,...}` of about `len` bytes.
fn flood_header(len: usize) -> String {
    let mut h = String::from(r#"{"alg":"RS256","kid":"acs1""#);
    let mut i = 0;
    while h.len() + 1 < len {
        h.push_str(&format!(",\"a{i}\":0"));
        i += 1;
    }
    h.push('}');
    h
}

#[test]
fn header_floods_are_rejected_by_size_and_member_count() {
    let body = claims();
    let policy = Policy {
        max_token_len: 1 << 20,
        ..Policy::new(ISS, AUDS)
    };
    let check = |h: &str| verify_with(&policy, signed(h, &body).as_bytes(), NOW);
    // Before the fix these took 12.9 ms (16 KiB) and 3.2 s (256 KiB) and ended in a verify.
    for kib in [5, 16, 256] {
        let h = flood_header(kib * 1024);
        assert_eq!(check(&h), Err(Error::HeaderTooLarge), "{kib} KiB");
    }
    // Exactly 4096 decoded bytes pass the size rule; one more does not.
    let at_limit = format!(
        r#"{{"alg":"RS256","kid":"acs1","x":"{}"}}"#,
        "y".repeat(4096 - 35)
    );
    assert_eq!(at_limit.len(), jwt::MAX_HEADER_LEN);
    assert_eq!(check(&at_limit), Ok(()));
    let over = at_limit.replacen("\"x\":\"", "\"x\":\"y", 1);
    assert_eq!(check(&over), Err(Error::HeaderTooLarge));
    // Under 4 KiB, at most 16 members.
    let names = |n: usize| (0..n).map(|i| format!(r#","m{i}":0"#)).collect::<String>();
    let members = |n: usize| format!(r#"{{"alg":"RS256","kid":"acs1"{}}}"#, names(n - 2));
    assert_eq!(check(&members(jwt::MAX_HEADER_MEMBERS)), Ok(()));
    assert_eq!(check(&members(17)), Err(Error::HeaderTooLarge));
    assert_eq!(check(&flood_header(1024)), Err(Error::HeaderTooLarge));
    // Duplicates among few members are still `malformed`.
    assert_eq!(
        check(r#"{"alg":"RS256","kid":"acs1","x":1,"x":2}"#),
        Err(Error::Malformed)
    );
    // Without a `.` anywhere, a long token is judged by its first bytes alone.
    let no_dots = "A".repeat(100_000);
    assert_eq!(
        verify_with(&policy, no_dots.as_bytes(), NOW),
        Err(Error::HeaderTooLarge)
    );
}

#[test]
fn max_age_from_iat() {
    let policy = Policy {
        max_age: Some(300),
        ..Policy::new(ISS, AUDS)
    };
    let iat = |t: u64| {
        signed(
            &header("acs1"),
            &claims_with(&format!(r#","iat":{t}"#), &["iat"]),
        )
    };
    let check = |token: String| verify_with(&policy, token.as_bytes(), NOW);
    assert_eq!(check(iat(NOW - 360)), Ok(()), "max_age + leeway exactly");
    assert_eq!(check(iat(NOW - 361)), Err(Error::TooOld));
    assert_eq!(check(iat(NOW + 60)), Ok(()), "future within leeway");
    assert_eq!(
        check(iat(NOW + 61)),
        Err(Error::TooOld),
        "issued in the future"
    );
    assert_eq!(
        check(signed(&header("acs1"), &claims_with("", &["iat"]))),
        Err(Error::MissingClaim)
    );
}

#[test]
fn size_limits_and_scratch() {
    let t = good();
    let exact = Policy {
        max_token_len: t.len(),
        ..Policy::new(ISS, AUDS)
    };
    assert_eq!(verify_with(&exact, t.as_bytes(), NOW), Ok(()));
    let short = Policy {
        max_token_len: t.len() - 1,
        ..exact
    };
    assert_eq!(verify_with(&short, t.as_bytes(), NOW), Err(Error::TooLarge));
    let huge = "A".repeat(16 * 1024 + 1);
    assert_eq!(verify(&huge), Err(Error::TooLarge));

    let keys = acs_keys();
    let policy = Policy::new(ISS, AUDS);
    let mut tiny = [0u8; 8];
    assert_eq!(
        jwt::verify(&keys, &policy, t.as_bytes(), NOW, &mut tiny).err(),
        Some(Error::BufferTooSmall)
    );
    // The documented size is enough; a bit less than the decoded size is not.
    let decoded = t.split('.').take(2).map(|s| s.len() * 3 / 4).sum::<usize>();
    let mut almost = vec![0u8; decoded - 1];
    assert_eq!(
        jwt::verify(&keys, &policy, t.as_bytes(), NOW, &mut almost).err(),
        Some(Error::BufferTooSmall)
    );
    let mut enough = vec![0u8; decoded];
    assert!(jwt::verify(&keys, &policy, t.as_bytes(), NOW, &mut enough).is_ok());
}

#[test]
fn incomplete_policies_are_refused() {
    let t = good();
    let base = Policy::new(ISS, AUDS);
    for (name, policy) in [
        ("empty issuer", Policy { issuer: "", ..base }),
        (
            "no audience",
            Policy {
                audiences: &[],
                ..base
            },
        ),
        (
            "empty audience",
            Policy {
                audiences: &[""],
                ..base
            },
        ),
        (
            "zero length",
            Policy {
                max_token_len: 0,
                ..base
            },
        ),
        (
            "empty typ",
            Policy {
                typ: Some(""),
                ..base
            },
        ),
        (
            "depth 0",
            Policy {
                max_depth: 0,
                ..base
            },
        ),
        (
            "depth 129",
            Policy {
                max_depth: 129,
                ..base
            },
        ),
    ] {
        assert_eq!(
            verify_with(&policy, t.as_bytes(), NOW),
            Err(Error::InvalidPolicy),
            "{name}"
        );
    }
}

#[test]
fn entra_shaped_keys_verify_4096_bit_tokens() {
    let keys = KeySet::<16>::parse(&jwt_common::fixture("jwks-entra.json")).unwrap();
    let iss = "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0";
    let body = claims().replace(ISS, iss);
    let token = Signer::new("entra2").token(&header("entra2"), &body);
    let policy = Policy::new(iss, AUDS);
    let mut scratch = vec![0u8; token.len()];
    let c = jwt::verify(&keys, &policy, token.as_bytes(), NOW, &mut scratch).unwrap();
    assert!(c.issuer().eq_str(iss));
    let forged = Signer::new("entra1").token(&header("entra2"), &body);
    let mut scratch = vec![0u8; forged.len()];
    assert_eq!(
        jwt::verify(&keys, &policy, forged.as_bytes(), NOW, &mut scratch).err(),
        Some(Error::Malformed),
        "a 2048-bit signature for a 4096-bit key has the wrong length"
    );
}

#[test]
fn decode_unverified_shows_both_halves() {
    let t = good();
    let mut scratch = vec![0u8; t.len()];
    let d = jwt::decode_unverified(t.as_bytes(), &mut scratch, 32).unwrap();
    assert_eq!(d.header, header("acs1"));
    assert_eq!(d.payload, claims().as_bytes());
    assert_eq!(d.signature_len, 256);
    let mut scratch = vec![0u8; t.len()];
    assert_eq!(
        jwt::decode_unverified(b"a.b", &mut scratch, 32).err(),
        Some(Error::Malformed)
    );
}
