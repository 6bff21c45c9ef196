//! `Authorization: Bearer <token68>` → the token, by the grammar of RFC 9110 §11.4 and
//! RFC 6750 §2.1, strictly.

use crate::Error;

/// The authentication scheme we accept, compared ASCII case-insensitively (RFC 9110 §11.1).
const SCHEME: &[u8] = b"bearer";

/// The token in an `Authorization` field value of the form `Bearer <token68>`.
///
/// Accepted, and nothing else (any other input is [`Error::InvalidAuthorization`]):
/// - optional leading and trailing OWS (space or horizontal tab): RFC 9110 §5.5 says they are
///   not part of the field value and HTTP parsers strip them, so a host may hand us the value
///   either way and the token is the same;
/// - the scheme `Bearer` in any letter case;
/// - one or more spaces (SP only, as `credentials = auth-scheme [ 1*SP token68 ]` says; a
///   horizontal tab between scheme and token is rejected);
/// - a non-empty token68: `ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"`, then
///   optionally trailing `"="`. Commas, quotes, `key=value` parameters, control characters
///   and non-ASCII bytes are rejected, so a second credential or a header-injection attempt
///   never passes as a token.
///
/// The returned token borrows from `authorization`; it is not checked further (verify it
/// as a JWT or compare it as a key).
///
/// ```
/// use tollgate_core::http::bearer_token;
/// assert_eq!(bearer_token("bearer  eyJh.eyJz.c2ln"), Ok("eyJh.eyJz.c2ln"));
/// assert!(bearer_token("Basic dXNlcjpwYXNz").is_err());
/// ```
pub fn bearer_token<T: AsRef<[u8]> + ?Sized>(authorization: &T) -> Result<&str, Error> {
    let value = trim_ows(authorization.as_ref());
    let (scheme, rest) = value
        .split_at_checked(SCHEME.len())
        .ok_or(Error::InvalidAuthorization)?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return Err(Error::InvalidAuthorization);
    }
    let token = trim_leading_spaces(rest);
    // At least one space must separate scheme and token ("Bearerabc" is another scheme).
    if token.len() == rest.len() || !is_token68(token) {
        return Err(Error::InvalidAuthorization);
    }
    core::str::from_utf8(token).map_err(|_| Error::InvalidAuthorization)
}

/// Whether `b` is optional whitespace (SP / HTAB) of RFC 9110 §5.6.3.
fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// `value` without leading and trailing OWS.
fn trim_ows(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|&b| !is_ows(b))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|&b| !is_ows(b))
        .map_or(start, |i| i.saturating_add(1));
    value.get(start..end).unwrap_or(&[])
}

/// `value` without its leading spaces (SP only).
fn trim_leading_spaces(value: &[u8]) -> &[u8] {
    let start = value.iter().position(|&b| b != b' ').unwrap_or(value.len());
    value.get(start..).unwrap_or(&[])
}

/// A token68 character other than the trailing `=` padding.
fn is_token68_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="` (RFC 9110 §11.2).
fn is_token68(token: &[u8]) -> bool {
    let body_len = token
        .iter()
        .position(|&b| !is_token68_char(b))
        .unwrap_or(token.len());
    let padding = token.get(body_len..).unwrap_or(&[]);
    body_len > 0 && padding.iter().all(|&b| b == b'=')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::string::String;

    const BAD: Result<&str, Error> = Err(Error::InvalidAuthorization);

    #[test]
    fn accepts_the_scheme_in_any_case() {
        for v in ["Bearer abc", "bearer abc", "BEARER abc", "bEaReR abc"] {
            assert_eq!(bearer_token(v), Ok("abc"), "{v:?}");
        }
    }

    #[test]
    fn accepts_one_or_more_spaces_between_scheme_and_token() {
        assert_eq!(bearer_token("Bearer x"), Ok("x"));
        assert_eq!(bearer_token("Bearer     x"), Ok("x"));
    }

    #[test]
    fn rejects_a_missing_separator_or_a_tab_separator() {
        assert_eq!(bearer_token("Bearerabc"), BAD);
        assert_eq!(bearer_token("Bearer\tabc"), BAD);
        assert_eq!(bearer_token("Bearer \tabc"), BAD);
    }

    #[test]
    fn strips_surrounding_ows_of_the_field_value() {
        assert_eq!(bearer_token("  Bearer abc \t"), Ok("abc"));
        assert_eq!(bearer_token("\tBearer abc"), Ok("abc"));
    }

    #[test]
    fn accepts_every_token68_character_and_trailing_padding() {
        let all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/";
        let v = std::format!("Bearer {all}==");
        assert_eq!(bearer_token(&v), Ok(std::format!("{all}==").as_str()));
        assert_eq!(bearer_token("Bearer a="), Ok("a="));
    }

    #[test]
    fn rejects_empty_or_padding_only_tokens() {
        for v in [
            "",
            " ",
            "Bearer",
            "Bearer ",
            "Bearer    ",
            "Bearer =",
            "Bearer ==",
        ] {
            assert_eq!(bearer_token(v), BAD, "{v:?}");
        }
    }

    #[test]
    fn rejects_other_schemes_and_prefixes() {
        for v in [
            "Basic dXNlcjpwYXNz",
            "Bear abc",
            "Token abc",
            "Bearer-x abc",
            "MAC abc",
        ] {
            assert_eq!(bearer_token(v), BAD, "{v:?}");
        }
    }

    #[test]
    fn rejects_anything_after_the_token() {
        for v in [
            "Bearer abc def",
            "Bearer abc, Bearer def",
            "Bearer a=b",
            "Bearer abc=def",
            "Bearer abc\r\nX-Injected: 1",
            "Bearer abc\0",
            "Bearer \"abc\"",
            "Bearer realm=\"x\"",
        ] {
            assert_eq!(bearer_token(v), BAD, "{v:?}");
        }
    }

    #[test]
    fn rejects_non_ascii_bytes() {
        assert_eq!(bearer_token("Bearer ab\u{e9}"), BAD);
        assert_eq!(bearer_token(&b"Bearer ab\xff"[..]), BAD);
        // A Unicode case fold of the scheme is not the scheme.
        assert_eq!(bearer_token("Bearer\u{a0}abc"), BAD);
    }

    #[test]
    fn the_token_borrows_the_input() {
        let v = b"Bearer tok";
        let t = bearer_token(&v[..]).unwrap();
        assert_eq!(t.as_ptr(), v[7..].as_ptr());
    }

    /// The oracle: the grammar written the obvious way, over strings.
    fn naive(v: &str) -> Option<String> {
        let v = v.trim_matches([' ', '\t']);
        if v.len() < 7 || !v.is_char_boundary(6) || !v[..6].eq_ignore_ascii_case("bearer") {
            return None;
        }
        let rest = &v[6..];
        let tok = rest.trim_start_matches(' ');
        if tok.len() == rest.len() {
            return None;
        }
        let body = tok.trim_end_matches('=');
        let ok = !body.is_empty()
            && body
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~+/".contains(c));
        ok.then(|| String::from(tok))
    }

    proptest! {
        #[test]
        fn matches_the_naive_grammar(v in "[ \t]{0,2}(Bearer|bearer|BeArEr|Basic|Bear)?[ \t]{0,3}[A-Za-z0-9._~+/=, \t\"-]{0,12}[ \t]{0,2}") {
            prop_assert_eq!(bearer_token(&v).ok().map(String::from), naive(&v));
        }

        #[test]
        fn any_token68_round_trips(tok in "[A-Za-z0-9._~+/-]{1,40}={0,3}", spaces in 1usize..4) {
            let v = std::format!("Bearer{}{}", " ".repeat(spaces), tok);
            prop_assert_eq!(bearer_token(&v), Ok(tok.as_str()));
        }

        #[test]
        fn never_fails_to_terminate_or_panics(v in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = bearer_token(&v[..]);
        }
    }
}
