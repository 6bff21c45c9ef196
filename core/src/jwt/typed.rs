//! Typed reads of any claim: integers, numbers, booleans and string lists (such as `aud`),
//! for callers who should not parse JSON themselves. Works on [`Claims`] and on the claim set
//! text a C caller holds ([`claim_in`]).

use super::Claims;
use crate::json::{self, JsonStr, Kind, Value};
use crate::Error;

/// The top-level member `name` of the claim set `json_text` (as returned by
/// [`Claims::json`]), re-validated: [`Error::Malformed`] when the text is not a JSON object
/// (for example, the scratch buffer was overwritten), [`Error::ClaimNotFound`] when absent.
pub fn claim_in<'s>(json_text: &'s [u8], name: &str) -> Result<Value<'s>, Error> {
    let root = json::parse(json_text, json::MAX_DEPTH).map_err(|_| Error::Malformed)?;
    if root.kind() != Kind::Object {
        return Err(Error::Malformed);
    }
    root.get(name).ok_or(Error::ClaimNotFound)
}

/// An integer claim written without fraction or exponent, in `i64` range (else
/// [`Error::InvalidClaim`]).
pub fn as_i64(value: &Value<'_>) -> Result<i64, Error> {
    if value.kind() != Kind::Number {
        return Err(Error::InvalidClaim);
    }
    value.raw().parse().map_err(|_| Error::InvalidClaim)
}

/// A number claim as an `f64`, exactly rounded: the decimal significand (leading and trailing
/// zeros aside) must be at most 2^53 and the decimal exponent within ±22, so the value is one
/// correctly rounded multiplication or division of two exact `f64`s (Clinger's fast path). That
/// covers timestamps, counts and ordinary decimals; any other number is [`Error::InvalidClaim`]
/// rather than rounded twice (core's general float parser keeps panic paths, which the shipped
/// library must not contain). Not a number: [`Error::InvalidClaim`].
pub fn as_f64(value: &Value<'_>) -> Result<f64, Error> {
    if value.kind() != Kind::Number {
        return Err(Error::InvalidClaim);
    }
    exact_f64(value.raw().as_bytes()).ok_or(Error::InvalidClaim)
}

/// Exact powers of ten representable in an `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The fast path of [`as_f64`] over a JSON number's text (already validated by the scanner).
fn exact_f64(text: &[u8]) -> Option<f64> {
    let (negative, rest) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let mut mantissa: u64 = 0;
    let mut exponent: i64 = 0;
    let mut pending_zeros: i64 = 0; // zeros after the last nonzero digit, not yet multiplied in
    let mut in_fraction = false;
    let mut bytes = rest.iter().copied().peekable();
    while let Some(&b) = bytes.peek() {
        match b {
            b'0'..=b'9' => {
                if b == b'0' {
                    pending_zeros += 1;
                } else {
                    for _ in 0..pending_zeros {
                        mantissa = mantissa.checked_mul(10)?;
                    }
                    pending_zeros = 0;
                    mantissa = mantissa.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
                }
                if in_fraction {
                    exponent -= 1;
                }
            }
            b'.' => in_fraction = true,
            _ => break,
        }
        bytes.next();
    }
    if mantissa == 0 {
        pending_zeros = 0;
    }
    exponent += pending_zeros;
    if let Some(b'e' | b'E') = bytes.next() {
        let sign = match bytes.peek() {
            Some(b'-') => -1,
            _ => 1,
        };
        let mut e: i64 = 0;
        for b in bytes.filter(u8::is_ascii_digit) {
            e = e.saturating_mul(10).saturating_add(i64::from(b - b'0'));
        }
        exponent = exponent.saturating_add(sign * e);
    }
    if mantissa > 1 << 53 {
        return None;
    }
    #[allow(clippy::cast_precision_loss)] // exact: mantissa <= 2^53
    let m = mantissa as f64;
    let scaled = if mantissa == 0 {
        0.0
    } else {
        let power = POW10.get(usize::try_from(exponent.unsigned_abs()).ok()?)?;
        if exponent < 0 {
            m / power
        } else {
            m * power
        }
    };
    Some(if negative { -scaled } else { scaled })
}

/// A `true` or `false` claim ([`Error::InvalidClaim`] otherwise).
pub fn as_bool(value: &Value<'_>) -> Result<bool, Error> {
    match value.raw() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Error::InvalidClaim),
    }
}

/// How many strings a string-list claim holds: a string counts as a list of one (as RFC 7519
/// allows for `aud`), an array must hold only strings ([`Error::InvalidClaim`] otherwise).
pub fn str_count(value: &Value<'_>) -> Result<usize, Error> {
    match value.kind() {
        Kind::String => Ok(1),
        Kind::Array => {
            let mut count = 0usize;
            for element in value.elements().into_iter().flatten() {
                element.as_str().ok_or(Error::InvalidClaim)?;
                count += 1;
            }
            Ok(count)
        }
        _ => Err(Error::InvalidClaim),
    }
}

/// String `index` (0-based) of a string-list claim (see [`str_count`]), still escaped:
/// [`Error::InvalidClaim`] for a claim that is not a string list, [`Error::InvalidArgument`]
/// for an index past its end.
pub fn str_at<'s>(value: &Value<'s>, index: usize) -> Result<JsonStr<'s>, Error> {
    let count = str_count(value)?;
    if index >= count {
        return Err(Error::InvalidArgument);
    }
    match value.kind() {
        Kind::String => value.as_str().ok_or(Error::InvalidClaim),
        _ => value
            .elements()
            .into_iter()
            .flatten()
            .nth(index)
            .and_then(|e| e.as_str())
            .ok_or(Error::InvalidClaim),
    }
}

impl<'s> Claims<'s> {
    /// The integer claim `name` ([`as_i64`]; [`Error::ClaimNotFound`] when absent).
    pub fn claim_i64(&self, name: &str) -> Result<i64, Error> {
        as_i64(&self.claim(name)?)
    }

    /// The number claim `name` ([`as_f64`]).
    pub fn claim_f64(&self, name: &str) -> Result<f64, Error> {
        as_f64(&self.claim(name)?)
    }

    /// The boolean claim `name` ([`as_bool`]).
    pub fn claim_bool(&self, name: &str) -> Result<bool, Error> {
        as_bool(&self.claim(name)?)
    }

    /// The strings of the string-list claim `name` ([`str_count`], [`str_at`]).
    pub fn claim_strs(&self, name: &str) -> Result<impl Iterator<Item = JsonStr<'s>>, Error> {
        let value = self.claim(name)?;
        let count = str_count(&value)?;
        Ok((0..count).filter_map(move |i| str_at(&value, i).ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(doc: &'a str, name: &str) -> Result<Value<'a>, Error> {
        claim_in(doc.as_bytes(), name)
    }

    const DOC: &str = r#"{"n":42,"neg":-7,"big":9223372036854775808,"f":1.5,"e":1e3,
        "t":true,"no":false,"s":"a\u0062","arr":["x","y\n"],"mixed":["x",1],"nul":null}"#;

    #[test]
    fn integers() {
        assert_eq!(as_i64(&get(DOC, "n").unwrap()), Ok(42));
        assert_eq!(as_i64(&get(DOC, "neg").unwrap()), Ok(-7));
        for name in ["big", "f", "e", "t", "s", "nul"] {
            assert_eq!(
                as_i64(&get(DOC, name).unwrap()),
                Err(Error::InvalidClaim),
                "{name}"
            );
        }
    }

    #[test]
    fn numbers_and_booleans() {
        assert_eq!(as_f64(&get(DOC, "f").unwrap()), Ok(1.5));
        assert_eq!(as_f64(&get(DOC, "e").unwrap()), Ok(1000.0));
        assert_eq!(as_f64(&get(DOC, "s").unwrap()), Err(Error::InvalidClaim));
        assert_eq!(
            as_f64(&get(r#"{"x":1e400}"#, "x").unwrap()),
            Err(Error::InvalidClaim)
        );
        // The fast path against the standard parser, wherever it applies.
        for text in [
            "0",
            "-0",
            "1",
            "-1",
            "1.5",
            "0.1",
            "1767225600",
            "1767225600.25",
            "9007199254740992",
            "123.456e3",
            "1E22",
            "1e-22",
            "4.9e-5",
            "100000000000000000000",
            "0.000001000",
            "2.5E+3",
            "-7.125e-2",
            "1e0",
        ] {
            let doc = std::format!(r#"{{"x":{text}}}"#);
            let want: f64 = text.parse().unwrap();
            assert_eq!(as_f64(&get(&doc, "x").unwrap()), Ok(want), "{text}");
        }
        // Outside the exact domain: refused, not rounded twice.
        for text in [
            "9007199254740993",
            "0.30000000000000004",
            "1e23",
            "1e-23",
            "0.12345678901234567891",
        ] {
            let doc = std::format!(r#"{{"x":{text}}}"#);
            assert_eq!(
                as_f64(&get(&doc, "x").unwrap()),
                Err(Error::InvalidClaim),
                "{text}"
            );
        }
        assert_eq!(as_bool(&get(DOC, "t").unwrap()), Ok(true));
        assert_eq!(as_bool(&get(DOC, "no").unwrap()), Ok(false));
        assert_eq!(as_bool(&get(DOC, "n").unwrap()), Err(Error::InvalidClaim));
    }

    #[test]
    fn string_lists() {
        let s = get(DOC, "s").unwrap();
        assert_eq!(str_count(&s), Ok(1));
        let mut buf = [0u8; 8];
        assert_eq!(str_at(&s, 0).unwrap().unescape_into(&mut buf), Ok("ab"));
        assert_eq!(str_at(&s, 1), Err(Error::InvalidArgument));
        let arr = get(DOC, "arr").unwrap();
        assert_eq!(str_count(&arr), Ok(2));
        assert_eq!(str_at(&arr, 1).unwrap().unescape_into(&mut buf), Ok("y\n"));
        assert_eq!(str_at(&arr, 2), Err(Error::InvalidArgument));
        let mixed = get(DOC, "mixed").unwrap();
        assert_eq!(str_count(&mixed), Err(Error::InvalidClaim));
        assert_eq!(str_at(&mixed, 0), Err(Error::InvalidClaim));
        assert_eq!(str_count(&get(DOC, "n").unwrap()), Err(Error::InvalidClaim));
    }

    #[test]
    fn claim_in_checks_the_document() {
        assert_eq!(get(DOC, "absent"), Err(Error::ClaimNotFound));
        assert_eq!(get("[1]", "x"), Err(Error::Malformed));
        assert_eq!(get("{\"x\":", "x"), Err(Error::Malformed));
    }
}
