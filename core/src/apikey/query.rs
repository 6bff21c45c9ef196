//! Query-string parsing for the API key: the query of a request target, its `&`-separated
//! parameters, and percent-decoding without a buffer.
//!
//! Decisions (the same for every caller: core, C ABI and CLI):
//! - The target may be in origin form (`/path?query`) or an absolute URI. The query starts
//!   after the first `?` and ends at the first `#` after it or at the end; a `#` before any
//!   `?` means there is no query (RFC 3986 §3.4, §3.5).
//! - Every byte of the target must be visible ASCII (`0x21..=0x7E`): spaces, control
//!   characters, DEL and non-ASCII bytes cannot appear in a request target on the wire, so
//!   their presence means the input is not one ([`Error::InvalidUri`]).
//! - Every `%` before the fragment must start a triplet `%HH` of two hex digits, in any
//!   parameter, not only the one we look for: a strict parser and a lenient one disagreeing
//!   about an earlier parameter is how pollution attacks slip through ([`Error::InvalidUri`]).
//! - Parameters are separated by `&` only (`;` is an ordinary character, as in the WHATWG URL
//!   standard); empty pieces (`a=1&&b=2`) are skipped. The name ends at the first `=`; a piece
//!   without `=` is a name with an empty value.
//! - Names and values are percent-decoded; `+` is NOT a space (RFC 3986, not
//!   `application/x-www-form-urlencoded`): ACS sends the URI back exactly as configured, so a
//!   key containing `+` matches whether it was configured as `+` or `%2B`; a key containing a
//!   space must be configured as `%20`.
//! - Names are compared after decoding, byte for byte (case-sensitive): `%74oken` is `token`,
//!   so `?token=a&%74oken=b` is a duplicate.

use crate::json::hex_value;
use crate::Error;

/// A percent-encoded piece of a query (a parameter name or value) exactly as it appears in
/// the target. It has been validated: every `%` starts a `%HH` triplet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encoded<'a>(&'a [u8]);

impl<'a> Encoded<'a> {
    /// The raw bytes, still percent-encoded.
    pub fn raw(self) -> &'a [u8] {
        self.0
    }

    /// The decoded bytes, one at a time (no buffer needed).
    pub fn decoded(self) -> PercentDecoded<'a> {
        PercentDecoded { rest: self.0 }
    }
}

/// Iterator over the percent-decoded bytes of an [`Encoded`] piece.
#[derive(Clone, Debug)]
pub struct PercentDecoded<'a> {
    rest: &'a [u8],
}

impl Iterator for PercentDecoded<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        let (&first, rest) = self.rest.split_first()?;
        if first != b'%' {
            self.rest = rest;
            return Some(first);
        }
        // Validated on construction; a bad triplet (impossible) ends the iteration.
        match rest {
            [hi, lo, tail @ ..] => {
                self.rest = tail;
                Some(hex_value(*hi)? << 4 | hex_value(*lo)?)
            }
            _ => {
                self.rest = &[];
                None
            }
        }
    }
}

/// Whether `b` may appear in a request target at all (visible ASCII).
fn is_target_byte(b: u8) -> bool {
    (0x21..=0x7E).contains(&b)
}

/// Check that every `%` in `part` starts a valid `%HH` triplet.
fn check_percent_encoding(part: &[u8]) -> Result<(), Error> {
    let mut rest = part;
    while let Some(at) = rest.iter().position(|&b| b == b'%') {
        let after = rest.get(at.saturating_add(1)..).unwrap_or(&[]);
        match after {
            [hi, lo, tail @ ..] if hex_value(*hi).is_some() && hex_value(*lo).is_some() => {
                rest = tail;
            }
            _ => return Err(Error::InvalidUri),
        }
    }
    Ok(())
}

/// The query of `target` (without `?` and fragment), or `None` when it has no `?`, after
/// validating the whole target as described in the [module docs](self).
pub fn query_of(target: &[u8]) -> Result<Option<&[u8]>, Error> {
    if target.is_empty() || !target.iter().copied().all(is_target_byte) {
        return Err(Error::InvalidUri);
    }
    let before_fragment = match target.iter().position(|&b| b == b'#') {
        Some(hash) => target.get(..hash).unwrap_or(&[]),
        None => target,
    };
    check_percent_encoding(before_fragment)?;
    Ok(before_fragment
        .iter()
        .position(|&b| b == b'?')
        .and_then(|q| before_fragment.get(q.saturating_add(1)..)))
}

/// The `(name, value)` pairs of a validated query, in order, skipping empty pieces.
fn parameters(query: &[u8]) -> impl Iterator<Item = (Encoded<'_>, Encoded<'_>)> {
    query
        .split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| match piece.iter().position(|&b| b == b'=') {
            Some(eq) => {
                let name = piece.get(..eq).unwrap_or(&[]);
                let value = piece.get(eq.saturating_add(1)..).unwrap_or(&[]);
                (Encoded(name), Encoded(value))
            }
            None => (Encoded(piece), Encoded(&[])),
        })
}

/// The value of the one parameter of `target` whose decoded name is `name`.
///
/// Errors: [`Error::InvalidArgument`] for an empty `name`; [`Error::InvalidUri`] for a
/// target that breaks the rules in the [module docs](self); [`Error::MissingParameter`] when
/// no parameter has that name; [`Error::DuplicateParameter`] when more than one has.
///
/// ```
/// use tollgate_core::apikey::find_query_parameter;
/// let v = find_query_parameter(b"/hook?a=1&%74oken=k%2By#t=2", b"token").unwrap();
/// assert_eq!(v.raw(), b"k%2By");
/// assert!(v.decoded().eq(b"k+y".iter().copied()));
/// ```
pub fn find_query_parameter<'a>(target: &'a [u8], name: &[u8]) -> Result<Encoded<'a>, Error> {
    if name.is_empty() {
        return Err(Error::InvalidArgument);
    }
    let query = query_of(target)?.ok_or(Error::MissingParameter)?;
    let mut found = None;
    for (candidate, value) in parameters(query) {
        if candidate.decoded().eq(name.iter().copied()) {
            if found.is_some() {
                return Err(Error::DuplicateParameter);
            }
            found = Some(value);
        }
    }
    found.ok_or(Error::MissingParameter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn find(target: &str, name: &str) -> Result<Vec<u8>, Error> {
        find_query_parameter(target.as_bytes(), name.as_bytes()).map(|v| v.decoded().collect())
    }

    #[test]
    fn finds_the_parameter_in_origin_form_and_absolute_uris() {
        for t in [
            "/webhook?token=abc",
            "/webhook?a=1&token=abc&b=2",
            "https://api.example.com/webhook?token=abc",
            "https://api.example.com:8443/webhook?x=y&token=abc#frag",
            "?token=abc",
        ] {
            assert_eq!(find(t, "token"), Ok(b"abc".to_vec()), "{t}");
        }
    }

    #[test]
    fn the_query_ends_at_the_fragment() {
        assert_eq!(
            find("/w?a=1#token=abc", "token"),
            Err(Error::MissingParameter)
        );
        assert_eq!(
            find("/w#x?token=abc", "token"),
            Err(Error::MissingParameter)
        );
        assert_eq!(find("/w?token=abc#token=def", "token"), Ok(b"abc".to_vec()));
        assert_eq!(find("/w?token=ab#c", "token"), Ok(b"ab".to_vec()));
    }

    #[test]
    fn missing_parameter() {
        for t in [
            "/w",
            "/w?",
            "/w?tokenx=1",
            "/w?xtoken=1",
            "/w?Token=1",
            "/w?&&",
        ] {
            assert_eq!(find(t, "token"), Err(Error::MissingParameter), "{t}");
        }
    }

    #[test]
    fn duplicates_are_rejected_even_when_equal_or_differently_encoded() {
        for t in [
            "/w?token=a&token=b",
            "/w?token=a&token=a",
            "/w?token=a&%74oken=b",
            "/w?token&token=a",
            "/w?token=&token=a",
            "/w?t%6Fken=a&x=1&tok%65n=b",
        ] {
            assert_eq!(find(t, "token"), Err(Error::DuplicateParameter), "{t}");
        }
    }

    #[test]
    fn names_and_values_are_percent_decoded_and_plus_is_literal() {
        assert_eq!(
            find("/w?%74%6F%6b%65%6E=a%20b", "token"),
            Ok(b"a b".to_vec())
        );
        assert_eq!(find("/w?token=a+b", "token"), Ok(b"a+b".to_vec()));
        assert_eq!(find("/w?token=a%2Bb", "token"), Ok(b"a+b".to_vec()));
        assert_eq!(find("/w?api+key=1", "api+key"), Ok(b"1".to_vec()));
        assert_eq!(
            find("/w?api+key=1", "api key"),
            Err(Error::MissingParameter)
        );
        assert_eq!(find("/w?a%3Db=1", "a=b"), Ok(b"1".to_vec()));
        assert_eq!(
            find("/w?a=b%26token%3Dx", "token"),
            Err(Error::MissingParameter)
        );
        assert_eq!(find("/w?token=%FF%00", "token"), Ok(std::vec![0xFF, 0]));
    }

    #[test]
    fn value_forms() {
        assert_eq!(find("/w?token", "token"), Ok(Vec::new()));
        assert_eq!(find("/w?token=", "token"), Ok(Vec::new()));
        assert_eq!(find("/w?token==x=", "token"), Ok(b"=x=".to_vec()));
        assert_eq!(
            find("/w?a=1;token=2", "token"),
            Err(Error::MissingParameter)
        );
        assert_eq!(find("/w?a=1&&token=2&", "token"), Ok(b"2".to_vec()));
    }

    #[test]
    fn malformed_percent_encoding_anywhere_before_the_fragment() {
        for t in [
            "/w?token=%",
            "/w?token=%4",
            "/w?token=%4g",
            "/w?token=ok&other=%zz",
            "/w?x=%&token=ok",
            "/p%th?token=ok",
            "/w?token=%%41",
        ] {
            assert_eq!(find(t, "token"), Err(Error::InvalidUri), "{t}");
        }
        // The fragment is not interpreted.
        assert_eq!(find("/w?token=ok#%zz", "token"), Ok(b"ok".to_vec()));
    }

    #[test]
    fn bytes_that_cannot_be_in_a_request_target() {
        for t in [
            "",
            "/w?token=a b",
            "/w?token=a\tb",
            "/w?token=ok\r\n",
            "/w?token=\u{e9}",
            "/w?token=a\u{7f}",
            "/w?token=a\0",
        ] {
            assert_eq!(find(t, "token"), Err(Error::InvalidUri), "{t:?}");
        }
    }

    #[test]
    fn empty_name_is_an_invalid_argument() {
        assert_eq!(find("/w?=x", ""), Err(Error::InvalidArgument));
    }

    #[test]
    fn decoding_a_validated_piece() {
        let e = Encoded(b"%41%62c%2f%2F");
        assert_eq!(e.decoded().collect::<Vec<u8>>(), b"Abc//");
        assert_eq!(e.raw(), b"%41%62c%2f%2F");
    }

    /// The oracle: strict percent-decoding of a whole string, allocating.
    fn naive_decode(s: &str) -> Option<Vec<u8>> {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        Some(out)
    }

    /// The oracle: the rules of the module docs written the obvious way.
    fn naive(target: &str, name: &str) -> Result<Vec<u8>, Error> {
        if target.is_empty() || target.bytes().any(|b| !(0x21..=0x7e).contains(&b)) {
            return Err(Error::InvalidUri);
        }
        let before_fragment = target.split('#').next().unwrap();
        naive_decode(before_fragment).ok_or(Error::InvalidUri)?;
        let Some((_, query)) = before_fragment.split_once('?') else {
            return Err(Error::MissingParameter);
        };
        let hits: Vec<&str> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('=').unwrap_or((p, "")))
            .filter(|(n, _)| naive_decode(n).unwrap() == name.as_bytes())
            .map(|(_, v)| v)
            .collect();
        match hits.as_slice() {
            [] => Err(Error::MissingParameter),
            [v] => Ok(naive_decode(v).unwrap()),
            _ => Err(Error::DuplicateParameter),
        }
    }

    proptest::proptest! {
        #[test]
        fn matches_the_naive_parser(
            target in "(/w|https://h/p)?[?#]?(t|k|%74|%6B|%6b|=|&|#|\\?|\\+|%|%2|%zz|%41| |;){0,14}",
            name in "(t|k|tk)",
        ) {
            proptest::prop_assert_eq!(find(&target, &name), naive(&target, &name));
        }
    }
}
