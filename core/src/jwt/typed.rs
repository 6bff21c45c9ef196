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

/// Any number claim as the nearest `f64` ([`Error::InvalidClaim`] when not a number or out of
/// `f64` range).
pub fn as_f64(value: &Value<'_>) -> Result<f64, Error> {
    if value.kind() != Kind::Number {
        return Err(Error::InvalidClaim);
    }
    match value.raw().parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(n),
        _ => Err(Error::InvalidClaim),
    }
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
