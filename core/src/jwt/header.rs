//! The protected header (RFC 7515 §4): at most [`MAX_HEADER_LEN`] bytes and
//! [`MAX_HEADER_MEMBERS`] members, `alg` exactly `RS256`, no `crit`, an optional `kid`
//! that selects the key, an optional `typ` the policy may require (compared as a media type,
//! [`typ_matches`]). `jku`, `x5u`, `jwk` and `x5c` are never read: keys come only from the
//! caller's key set.

use super::policy::Policy;
use crate::json::{self, JsonStr, ObjectError, Value};
use crate::Error;

/// The longest decoded header accepted, bytes. Real headers are 100–200 bytes (ACS and Entra:
/// `typ`, `alg`, `kid`, `x5t`); 4 KiB leaves room for an embedded `jwk` with its `x5c` chain
/// (ignored, but sent by some issuers). What a header can cost before the signature is then
/// one linear parse of at most 4 KiB plus a duplicate check of at most
/// [`MAX_HEADER_MEMBERS`] names. The limit is applied to the encoded segment's length,
/// before decoding ([`Error::HeaderTooLarge`]).
pub const MAX_HEADER_LEN: usize = 4096;

/// The most members a header may have ([`Error::HeaderTooLarge`]); real ones have 2 to 5.
pub const MAX_HEADER_MEMBERS: usize = 16;

/// What verification takes from a well-formed header.
pub(super) struct Header<'s> {
    pub kid: Option<JsonStr<'s>>,
    /// The header holds no escape, so `kid` is its own decoded text.
    pub plain: bool,
    /// The whole header JSON (validated, so UTF-8).
    pub text: &'s str,
}

/// Checks the decoded header JSON against the rules and the policy, in this order: strict
/// JSON ([`Error::Malformed`]), at most [`MAX_HEADER_MEMBERS`] members
/// ([`Error::HeaderTooLarge`]), an object without
/// duplicate names ([`Error::Malformed`]), `alg` ([`Error::UnsupportedAlg`]), `crit`
/// ([`Error::UnsupportedCrit`]), `typ` and `kid` types ([`Error::Malformed`]), expected `typ`
/// ([`Error::WrongType`]).
pub(super) fn check<'s>(header: &'s [u8], policy: &Policy<'_>) -> Result<Header<'s>, Error> {
    let (mut alg, mut crit, mut typ, mut kid) = (None, false, None, None);
    let (_, text, plain) = json::parse_unique_object_plain(
        header,
        policy.max_depth,
        MAX_HEADER_MEMBERS,
        |name, value| {
            let raw = name.raw().as_bytes();
            // The names read are plain here in practice; escaped ones are compared decoded (a
            // letter can only be escaped as `\uXXXX`, so such a name is at least 8 bytes).
            let escaped = raw.len() >= 8 && raw.contains(&b'\\');
            if raw == b"alg" || escaped && name.eq_str("alg") {
                alg = Some(value);
            } else if raw == b"crit" || escaped && name.eq_str("crit") {
                crit = true;
            } else if raw == b"typ" || escaped && name.eq_str("typ") {
                typ = Some(value);
            } else if raw == b"kid" || escaped && name.eq_str("kid") {
                kid = Some(value);
            }
        },
    )
    .map_err(|e| match e {
        ObjectError::TooManyMembers => Error::HeaderTooLarge,
        _ => Error::Malformed,
    })?;
    match alg.and_then(|v| v.as_str()) {
        // In a document without escapes a string is its own decoded text.
        Some(alg) if plain && alg.raw() == "RS256" || !plain && alg.eq_str("RS256") => {}
        _ => return Err(Error::UnsupportedAlg),
    }
    if crit {
        return Err(Error::UnsupportedCrit);
    }
    let typ = optional_string(typ)?;
    let kid = optional_string(kid)?;
    if let Some(expected) = policy.typ {
        if !typ.is_some_and(|t| typ_matches(t, expected)) {
            return Err(Error::WrongType);
        }
    }
    Ok(Header { kid, plain, text })
}

/// Whether a header's `typ` names the media type `expected`, as RFC 7515 §4.1.9 says to read
/// both: a value without `/` stands for `application/` + value, and media types compare
/// ignoring ASCII case. So `JWT`, `jwt` and `application/jwt` all match a policy `typ` of
/// `JWT` (or of `application/JWT`); `at+jwt` matches `application/at+jwt`; `text/jwt` does
/// not match `JWT`. Nothing else is normalised (no parameter or whitespace handling).
pub fn typ_matches(typ: JsonStr<'_>, expected: &str) -> bool {
    let token_prefix = if typ.chars().any(|c| c == '/') {
        ""
    } else {
        "application/"
    };
    let expected_prefix = if expected.contains('/') {
        ""
    } else {
        "application/"
    };
    let lower = |c: char| c.to_ascii_lowercase();
    token_prefix
        .chars()
        .chain(typ.chars())
        .map(lower)
        .eq(expected_prefix.chars().chain(expected.chars()).map(lower))
}

fn optional_string(value: Option<Value<'_>>) -> Result<Option<JsonStr<'_>>, Error> {
    match value {
        None => Ok(None),
        Some(v) => v.as_str().map(Some).ok_or(Error::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::{check, typ_matches};
    use crate::json::parse;
    use crate::jwt::Policy;
    use crate::Error;

    #[test]
    fn member_names_are_read_plain_or_escaped() {
        let mut policy = Policy::new("i", &["a"]);
        policy.typ = Some("JWT");
        let kid = |h: &'static str| check(h.as_bytes(), &policy).map(|h| h.kid.map(|k| k.raw()));
        assert_eq!(
            kid(r#"{"alg":"RS256","typ":"JWT","kid":"k"}"#),
            Ok(Some("k"))
        );
        assert_eq!(
            kid(r#"{"\u0061lg":"RS256","ty\u0070":"JWT","\u006bid":"k"}"#),
            Ok(Some("k"))
        );
        assert_eq!(kid(r#"{"alg":"RS256","typ":"JWT"}"#), Ok(None));
        assert_eq!(
            kid(r#"{"alg":"RS256","typ":"JWT","\u0063rit":["x"]}"#),
            Err(Error::UnsupportedCrit)
        );
        assert_eq!(
            kid(r#"{"al\u0067":"HS256","typ":"JWT"}"#),
            Err(Error::UnsupportedAlg)
        );
        assert_eq!(
            kid(r#"{"alg":"RS256","\u0074yp":"JWS"}"#),
            Err(Error::WrongType)
        );
        // Near misses are other members.
        assert_eq!(
            kid(r#"{"algo":"RS256","typ":"JWT"}"#),
            Err(Error::UnsupportedAlg)
        );
        assert_eq!(kid(r#"{"alg":"RS256","typ":"JWT","kidd":"k"}"#), Ok(None));
    }

    fn matches(typ_json: &str, expected: &str) -> bool {
        let v = parse(typ_json.as_bytes(), 1).unwrap();
        typ_matches(v.as_str().unwrap(), expected)
    }

    #[test]
    fn typ_is_a_media_type() {
        for (typ, expected) in [
            (r#""JWT""#, "JWT"),
            (r#""jwt""#, "JWT"),
            (r#""application/jwt""#, "JWT"),
            (r#""Application/JWT""#, "jwt"),
            (r#""JWT""#, "application/jwt"),
            (r#""application\/jwt""#, "JWT"),
            (r#""at+jwt""#, "application/at+jwt"),
            (r#""application/at+JWT""#, "AT+jwt"),
        ] {
            assert!(matches(typ, expected), "{typ} vs {expected}");
        }
        for (typ, expected) in [
            (r#""text/jwt""#, "JWT"),
            (r#""application/jwt""#, "text/jwt"),
            (r#""JWS""#, "JWT"),
            (r#""at+jwt""#, "JWT"),
            (r#""application/""#, "JWT"),
            (r#""""#, "JWT"),
            (r#""applicationjwt""#, "JWT"),
            (r#""JWT ""#, "JWT"),
            (r#""application/jwt; x=1""#, "JWT"),
        ] {
            assert!(!matches(typ, expected), "{typ} vs {expected}");
        }
    }
}
