//! JSON strings kept escaped as they appear in the document, decoded on demand: compared with
//! a `&str` without a buffer, iterated as chars, or unescaped into a caller's buffer.

use crate::Error;

/// The value of one ASCII hex digit, either case (`\uXXXX` escapes here; also the crate's
/// one hex decoder, e.g. for `%HH` in query strings).
pub(crate) fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The contents of a validated JSON string (between the quotes), still escaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonStr<'a> {
    raw: &'a str,
}

impl<'a> JsonStr<'a> {
    pub(super) fn new(raw: &'a str) -> Self {
        JsonStr { raw }
    }

    /// The escaped text between the quotes, exactly as in the document.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The string itself when it contains no escapes (then no buffer is needed).
    pub fn as_plain(&self) -> Option<&'a str> {
        (!self.raw.as_bytes().contains(&b'\\')).then_some(self.raw)
    }

    /// The decoded characters.
    pub fn chars(&self) -> Unescaped<'a> {
        Unescaped {
            rest: self.raw.as_bytes(),
            text: self.raw,
            pos: 0,
        }
    }

    /// Whether the decoded string equals `s` (`"https:\/\/x"` equals `https://x`).
    pub fn eq_str(&self, s: &str) -> bool {
        let raw = self.raw.as_bytes();
        // An escape decodes to fewer bytes than it takes. So with equal lengths the text must
        // match and hold no escape; with different lengths only an escaped text can match.
        // (Eight bytes per step: in validated text a quote is always escaped, so the scan
        // stops at a backslash first.)
        let plain = || super::validate::plain_len(raw, false) == raw.len();
        if raw.len() == s.len() {
            raw == s.as_bytes() && plain()
        } else {
            !plain() && self.chars().eq(s.chars())
        }
    }

    /// The length in bytes of the decoded string (UTF-8).
    pub fn unescaped_len(&self) -> usize {
        match self.as_plain() {
            Some(plain) => plain.len(),
            None => self.chars().map(char::len_utf8).sum(),
        }
    }

    /// Decodes the string into `buf` and returns it; [`Error::BufferTooSmall`] (and `buf`
    /// unchanged) when it does not fit ([`Self::unescaped_len`] bytes always do).
    pub fn unescape_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, Error> {
        let len = self.unescaped_len();
        let out = buf.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        let mut at = 0;
        for c in self.chars() {
            let end = at + c.len_utf8();
            let slot = out.get_mut(at..end).ok_or(Error::BufferTooSmall)?;
            c.encode_utf8(slot);
            at = end;
        }
        core::str::from_utf8(out).map_err(|_| Error::InvalidText)
    }
}

/// Iterator over the decoded characters of a [`JsonStr`].
#[derive(Clone, Debug)]
pub struct Unescaped<'a> {
    rest: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Unescaped<'_> {
    fn hex4(&mut self) -> Option<u32> {
        let (digits, rest) = self.rest.split_at_checked(4)?;
        self.rest = rest;
        self.pos += 4;
        digits
            .iter()
            .try_fold(0u32, |acc, &d| Some((acc << 4) | u32::from(hex_value(d)?)))
    }
}

impl Iterator for Unescaped<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let (&first, rest) = self.rest.split_first()?;
        if first != b'\\' {
            let c = self.text.get(self.pos..)?.chars().next()?;
            let len = c.len_utf8();
            self.rest = self.rest.get(len..)?;
            self.pos += len;
            return Some(c);
        }
        let (&code, rest) = rest.split_first()?;
        self.rest = rest;
        self.pos += 2;
        let c = match code {
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                if (0xD800..0xDC00).contains(&unit) {
                    // Validation guarantees `\uDC00`-`\uDFFF` follows.
                    self.rest = self.rest.get(2..)?;
                    self.pos += 2;
                    let low = self.hex4()?;
                    let scalar = 0x10000 + ((unit - 0xD800) << 10) + (low.checked_sub(0xDC00)?);
                    char::from_u32(scalar)?
                } else {
                    char::from_u32(unit)?
                }
            }
            other => char::from(other),
        };
        Some(c)
    }
}

#[cfg(test)]
mod tests {
    use crate::json::parse;
    use crate::Error;
    use std::string::String;

    fn string(doc: &str) -> crate::json::JsonStr<'_> {
        parse(doc.as_bytes(), 1).unwrap().as_str().unwrap()
    }

    #[test]
    fn decodes_every_escape() {
        let s = string(r#""a\"\\\/\b\f\n\r\t\u00e9\u20AC\ud83d\ude00é""#);
        let decoded: String = s.chars().collect();
        assert_eq!(decoded, "a\"\\/\u{8}\u{c}\n\r\té€😀é");
        assert!(s.eq_str(&decoded));
        assert!(!s.eq_str("a"));
        assert_eq!(s.unescaped_len(), decoded.len());
        assert!(s.as_plain().is_none());
        let mut buf = [0u8; 64];
        assert_eq!(s.unescape_into(&mut buf), Ok(decoded.as_str()));
        let mut small = [7u8; 5];
        assert_eq!(s.unescape_into(&mut small), Err(Error::BufferTooSmall));
        assert_eq!(small, [7u8; 5]);
    }

    #[test]
    fn hex_digits() {
        for b in 0..=255u8 {
            let want = (b as char).to_digit(16).map(|d| d as u8);
            assert_eq!(super::hex_value(b), want, "{b}");
        }
    }

    #[test]
    fn plain_strings_borrow() {
        let s = string(r#""https://x""#);
        assert_eq!(s.as_plain(), Some("https://x"));
        assert!(string(r#""https:\/\/x""#).eq_str("https://x"));
        assert!(string(r#""\u0061""#).eq_str("a"));
        assert!(!string(r#""\u0061b""#).eq_str("a"));
        assert!(!string(r#""a""#).eq_str("ab"));
        // Text equal to the expected string, but escaped: it decodes to something else.
        assert!(!string(r#""a\/b""#).eq_str("a\\/b"));
        assert!(string(r#""a\/b""#).eq_str("a/b"));
        assert!(!string(r#""a\\b""#).eq_str("a\\\\b"));
        assert!(string(r#""a\\b""#).eq_str("a\\b"));
        assert!(!string(r#""\u0041""#).eq_str("\\u0041"));
        assert!(string(r#""ab""#).eq_str("ab") && !string(r#""ab""#).eq_str("aB"));
    }
}
