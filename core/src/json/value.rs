//! Views of values inside a validated document: kinds, object members, array elements.
//! Walking never re-validates; it only skips over text [`super::parse`] already accepted.

use super::number::{self, Round};
use super::string::JsonStr;
use crate::Error;

/// The JSON type of a [`Value`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `{...}`
    Object,
    /// `[...]`
    Array,
    /// `"..."`
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
}

/// One value of a validated document: its exact JSON text (no surrounding whitespace).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Value<'a> {
    raw: &'a str,
}

impl<'a> Value<'a> {
    pub(super) fn new(raw: &'a str) -> Self {
        Value { raw }
    }

    /// The value's JSON text, exactly as in the document.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The value's JSON type.
    pub fn kind(&self) -> Kind {
        match self.raw.as_bytes().first() {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b'"') => Kind::String,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            _ => Kind::Number,
        }
    }

    /// The string, still escaped, if this is a string.
    pub fn as_str(&self) -> Option<JsonStr<'a>> {
        if self.kind() != Kind::String {
            return None;
        }
        let inner = self.raw.get(1..self.raw.len().checked_sub(1)?)?;
        Some(JsonStr::new(inner))
    }

    /// The members of an object, in document order, if this is an object.
    pub fn members(&self) -> Option<Members<'a>> {
        (self.kind() == Kind::Object).then_some(Members {
            raw: self.raw,
            pos: 1,
        })
    }

    /// The elements of an array, in document order, if this is an array.
    pub fn elements(&self) -> Option<Elements<'a>> {
        (self.kind() == Kind::Array).then_some(Elements {
            raw: self.raw,
            pos: 1,
        })
    }

    /// The first member named `name` (compared after unescaping), if this is an object that
    /// has one. Use [`super::check_unique_names`] first where duplicates must be rejected.
    pub fn get(&self, name: &str) -> Option<Value<'a>> {
        self.members()?
            .find(|(n, _)| n.eq_str(name))
            .map(|(_, v)| v)
    }

    /// The number as a Unix time in seconds, rounded as asked: a non-negative JSON number
    /// (integer or fractional, exponent allowed) at most `i64::MAX` after rounding. Anything
    /// else (another type, negative, too large) is [`Error::InvalidClaim`].
    pub fn as_time(&self, round: Round) -> Result<u64, Error> {
        if self.kind() != Kind::Number {
            return Err(Error::InvalidClaim);
        }
        number::to_time(self.raw.as_bytes(), round).ok_or(Error::InvalidClaim)
    }
}

/// Iterator over an object's members as (name, value).
#[derive(Clone, Debug)]
pub struct Members<'a> {
    raw: &'a str,
    pos: usize,
}

impl<'a> Iterator for Members<'a> {
    type Item = (JsonStr<'a>, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.raw.as_bytes();
        let mut pos = skip_ws_and_comma(bytes, self.pos);
        if bytes.get(pos) != Some(&b'"') {
            self.pos = self.raw.len();
            return None;
        }
        let name_end = skip_value(bytes, pos)?;
        let name = JsonStr::new(self.raw.get(pos + 1..name_end.checked_sub(1)?)?);
        pos = skip_ws(bytes, name_end);
        if bytes.get(pos) != Some(&b':') {
            return None;
        }
        pos = skip_ws(bytes, pos + 1);
        let value_end = skip_value(bytes, pos)?;
        let value = Value::new(self.raw.get(pos..value_end)?);
        self.pos = value_end;
        Some((name, value))
    }
}

/// Iterator over an array's elements.
#[derive(Clone, Debug)]
pub struct Elements<'a> {
    raw: &'a str,
    pos: usize,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.raw.as_bytes();
        let pos = skip_ws_and_comma(bytes, self.pos);
        match bytes.get(pos) {
            None | Some(b']') => {
                self.pos = self.raw.len();
                None
            }
            Some(_) => {
                let end = skip_value(bytes, pos)?;
                self.pos = end;
                Some(Value::new(self.raw.get(pos..end)?))
            }
        }
    }
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(pos) {
        pos += 1;
    }
    pos
}

fn skip_ws_and_comma(bytes: &[u8], pos: usize) -> usize {
    let pos = skip_ws(bytes, pos);
    if bytes.get(pos) == Some(&b',') {
        skip_ws(bytes, pos + 1)
    } else {
        pos
    }
}

/// The end of the (already validated) value starting at `pos`.
fn skip_value(bytes: &[u8], pos: usize) -> Option<usize> {
    match bytes.get(pos)? {
        b'"' => skip_string(bytes, pos),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = pos;
            loop {
                match bytes.get(i)? {
                    b'"' => {
                        i = skip_string(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            let mut i = pos;
            while let Some(b) = bytes.get(i) {
                if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                i += 1;
            }
            Some(i)
        }
    }
}

/// The end (after the closing quote) of the string whose opening quote is at `pos`.
fn skip_string(bytes: &[u8], pos: usize) -> Option<usize> {
    let mut i = pos + 1;
    loop {
        i += super::validate::plain_len(bytes.get(i..)?, false);
        match bytes.get(i)? {
            b'"' => return Some(i + 1),
            _ => i += 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;
    use crate::json::parse;
    use std::vec::Vec;

    #[test]
    fn walks_members_and_elements() {
        let doc = br#" { "a" : [1, "x,]}", {"b":[]} ] , "c\"d":true,"e":{"f":"}"} } "#;
        let root = parse(doc, 8).unwrap();
        let names: Vec<_> = root
            .members()
            .unwrap()
            .map(|(n, v)| (n.raw(), v.raw()))
            .collect();
        assert_eq!(
            names,
            [
                ("a", r#"[1, "x,]}", {"b":[]} ]"#),
                ("c\\\"d", "true"),
                ("e", r#"{"f":"}"}"#)
            ]
        );
        let a = root.get("a").unwrap();
        let kinds: Vec<_> = a.elements().unwrap().map(|v| v.kind()).collect();
        assert_eq!(kinds, [Kind::Number, Kind::String, Kind::Object]);
        assert!(root.get("c\"d").is_some());
        assert!(root.get("x").is_none());
        assert!(a.members().is_none());
        assert!(root.elements().is_none());
        assert_eq!(parse(b"{}", 1).unwrap().members().unwrap().count(), 0);
        assert_eq!(parse(b"[ ]", 1).unwrap().elements().unwrap().count(), 0);
    }
}
