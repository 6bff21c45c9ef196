//! The one full validation pass over a JSON document: UTF-8, RFC 8259 grammar, nesting depth,
//! string escapes, and nothing but whitespace after the value. Iterative (a bit stack), so the
//! depth bound costs no native stack.

use super::string::hex_value;
use super::value::Value;

/// Proof that strings may be scanned the fast way ([`next_quote`]): AVX2 on x86_64; a type
/// with no values elsewhere.
#[cfg(target_arch = "x86_64")]
type FastScan = crate::avx2::Avx2;
/// Proof that strings may be scanned the fast way ([`next_quote`]): AVX2 on x86_64; a type
/// with no values elsewhere.
#[cfg(not(target_arch = "x86_64"))]
#[derive(Clone, Copy)]
enum FastScan {}

/// The position of the first `"` in `bytes`: 16 bytes per step with SSE2 (part of every
/// x86_64 CPU, so this inlines into the validator; JSON strings are mostly short), the last
/// partial block byte by byte.
#[inline(always)]
fn next_quote(fast: FastScan, bytes: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
        };
        let _ = fast;
        // SAFETY: SSE2 is part of every x86_64 CPU.
        let quote = unsafe { _mm_set1_epi8(b'"' as i8) };
        let mut blocks = bytes.chunks_exact(16);
        let mut start = 0;
        for block in &mut blocks {
            // SAFETY: `block` is 16 readable bytes, the load has no alignment requirement, and
            // SSE2 is part of every x86_64 CPU.
            let hits = unsafe {
                let v = _mm_loadu_si128(block.as_ptr().cast());
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) as u32
            };
            if hits != 0 {
                return Some(start + hits.trailing_zeros() as usize);
            }
            start += 16;
        }
        let at = blocks.remainder().iter().position(|&b| b == b'"')?;
        Some(start + at)
    }
    #[cfg(not(target_arch = "x86_64"))]
    match fast {}
}

/// How to read `input`: the fast string scan when the CPU allows it and the text holds no
/// backslash and no control character at all (then every string ends at its next quote), and
/// whether the text is plain ASCII (then it is UTF-8 without a check).
fn survey(input: &[u8]) -> (Option<FastScan>, bool) {
    #[cfg(target_arch = "x86_64")]
    if let Some(avx2) = crate::avx2::Avx2::detect() {
        let class = crate::avx2::classify(avx2, input);
        let fast = (!class.control && !class.backslash).then_some(avx2);
        return (fast, !class.non_ascii);
    }
    let _ = input;
    (None, false)
}

/// The largest nesting depth [`parse`] accepts as a bound (the bit stack holds 128 levels).
pub const MAX_DEPTH: u32 = 128;

/// A document is not strict JSON; `offset` is the byte where validation stopped (a hint for
/// diagnostics, not a stable contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidJson {
    /// Byte offset into the document where the problem was found.
    pub offset: usize,
}

/// Validates `input` as one JSON value nested at most `max_depth` deep (an object or array at
/// the top is depth 1; `max_depth` above [`MAX_DEPTH`] is treated as [`MAX_DEPTH`]) and returns
/// the value, without surrounding whitespace.
pub fn parse(input: &[u8], max_depth: u32) -> Result<Value<'_>, InvalidJson> {
    parse_recording(input, max_depth, |_| {}).map(|(value, _, _)| value)
}

/// [`parse`] that also hands `record` each member of the top-level object, in document
/// order, as byte ranges of `input`: `[name_start, name_end, value_start, value_end]` (the
/// name without its quotes, the value without surrounding whitespace). Members are reported
/// as they are validated: an invalid document may have reported some before failing. With the
/// value come the whole document as text, and `true` when it is known to hold no backslash
/// (so no string has escapes).
pub(super) fn parse_recording<'a>(
    input: &'a [u8],
    max_depth: u32,
    record: impl FnMut([usize; 4]),
) -> Result<(Value<'a>, &'a str, bool), InvalidJson> {
    parse_with(input, max_depth, record, true)
}

/// [`parse_recording`], with the fast string scan and the ASCII shortcut only if `shortcuts`
/// (the tests compare both).
fn parse_with<'a>(
    input: &'a [u8],
    max_depth: u32,
    record: impl FnMut([usize; 4]),
    shortcuts: bool,
) -> Result<(Value<'a>, &'a str, bool), InvalidJson> {
    let (fast, ascii) = if shortcuts {
        survey(input)
    } else {
        (None, false)
    };
    let text = if ascii {
        // SAFETY: every byte is below 0x80 (`survey`), and ASCII is valid UTF-8.
        unsafe { core::str::from_utf8_unchecked(input) }
    } else {
        core::str::from_utf8(input).map_err(|e| InvalidJson {
            offset: e.valid_up_to(),
        })?
    };
    let mut v = Validator {
        bytes: input,
        pos: 0,
        max_depth: max_depth.min(MAX_DEPTH),
        record,
        fast,
    };
    v.skip_ws();
    let start = v.pos;
    if v.fast.is_some() && v.peek() == Some(b'{') && v.max_depth >= 1 {
        v.flat_object()?;
    } else {
        v.document()?;
    }
    let end = v.pos;
    v.skip_ws();
    if v.pos != input.len() {
        return Err(v.fail());
    }
    let value = text.get(start..end).map(Value::new).ok_or(v.fail())?;
    Ok((value, text, v.fast.is_some()))
}

/// The end of the object or array at `pos` of a plain document (no backslash, no control
/// character: strings end at their next quote), as the value of a member of a top-level
/// object whose bound is `max_depth` (checked one level down, as [`parse`] would); `None`
/// when it is not valid there. For the fast path of `flat.rs`.
#[cfg(target_arch = "x86_64")]
pub(super) fn nested_end(
    fast: FastScan,
    bytes: &[u8],
    pos: usize,
    max_depth: u32,
) -> Option<usize> {
    let mut inner = Validator {
        bytes,
        pos,
        max_depth: max_depth.min(MAX_DEPTH).saturating_sub(1),
        record: |_| {},
        fast: Some(fast),
    };
    inner.document().ok()?;
    Some(inner.pos)
}

struct Validator<'a, R> {
    bytes: &'a [u8],
    pos: usize,
    max_depth: u32,
    /// Told about every member of a top-level object ([`parse_recording`]).
    record: R,
    /// Set when the document has no backslash and no control character ([`survey`]).
    fast: Option<FastScan>,
}

impl<R: FnMut([usize; 4])> Validator<'_, R> {
    fn fail(&self) -> InvalidJson {
        InvalidJson { offset: self.pos }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn expect(&mut self, byte: u8) -> Result<(), InvalidJson> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.fail())
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// One value, containers handled with an explicit stack (bit i set: level i is an object).
    fn document(&mut self) -> Result<(), InvalidJson> {
        let mut stack: u128 = 0;
        let mut depth: u32 = 0;
        // The current member of a top-level object: its name's range and where its value starts.
        let mut member = [0usize; 4];
        'value: loop {
            self.skip_ws();
            // A value at depth 1 inside an object is a top-level member's value.
            if depth == 1 && stack & 1 != 0 {
                member[2] = self.pos;
            }
            match self.peek() {
                Some(open @ (b'{' | b'[')) => {
                    if depth >= self.max_depth {
                        return Err(self.fail());
                    }
                    self.pos += 1;
                    let is_object = open == b'{';
                    let bit = 1u128 << depth;
                    stack = if is_object { stack | bit } else { stack & !bit };
                    depth += 1;
                    self.skip_ws();
                    let close = if is_object { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        depth -= 1;
                    } else {
                        if is_object {
                            let name = self.member_name()?;
                            if depth == 1 {
                                (member[0], member[1]) = name;
                            }
                        }
                        continue 'value;
                    }
                }
                Some(b'"') => self.string()?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                _ => return Err(self.fail()),
            }
            // After a complete value: close containers or move to the next element.
            loop {
                if depth == 0 {
                    return Ok(());
                }
                let in_object = stack & (1u128 << (depth - 1)) != 0;
                // Each pass at depth 1 follows exactly one completed top-level value.
                if depth == 1 && in_object {
                    member[3] = self.pos;
                    (self.record)(member);
                }
                self.skip_ws();
                match self.bump() {
                    Some(b',') => {
                        if in_object {
                            self.skip_ws();
                            let name = self.member_name()?;
                            if depth == 1 {
                                (member[0], member[1]) = name;
                            }
                        }
                        continue 'value;
                    }
                    Some(b'}') if in_object => depth -= 1,
                    Some(b']') if !in_object => depth -= 1,
                    _ => {
                        self.pos = self.pos.saturating_sub(1);
                        return Err(self.fail());
                    }
                }
            }
        }
    }

    /// A top-level object read member by member without the general machine's stack (for
    /// documents with no escapes, where strings are one quote search): the same grammar and
    /// members as [`Self::document`], which checks any nested object or array value.
    fn flat_object(&mut self) -> Result<(), InvalidJson> {
        self.expect(b'{')?;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let (name_start, name_end) = self.member_name()?;
            self.skip_ws();
            let value_start = self.pos;
            match self.peek() {
                Some(b'"') => self.string()?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                Some(b'{' | b'[') => self.nested_value()?,
                _ => return Err(self.fail()),
            }
            (self.record)([name_start, name_end, value_start, self.pos]);
            self.skip_ws();
            match self.bump() {
                Some(b',') => self.skip_ws(),
                Some(b'}') => return Ok(()),
                _ => {
                    self.pos = self.pos.saturating_sub(1);
                    return Err(self.fail());
                }
            }
        }
    }

    /// An object or array that is the value of a top-level member: [`Self::document`] one
    /// level down (the depth bound less one, nothing recorded).
    fn nested_value(&mut self) -> Result<(), InvalidJson> {
        let mut inner = Validator {
            bytes: self.bytes,
            pos: self.pos,
            max_depth: self.max_depth.saturating_sub(1),
            record: |_| {},
            fast: self.fast,
        };
        let verdict = inner.document();
        self.pos = inner.pos;
        verdict
    }

    /// `"name"` then `:` (whitespace allowed around the colon); the name's range without
    /// its quotes.
    #[inline(always)]
    fn member_name(&mut self) -> Result<(usize, usize), InvalidJson> {
        if self.peek() != Some(b'"') {
            return Err(self.fail());
        }
        let start = self.pos + 1;
        self.string()?;
        let end = self.pos - 1;
        self.skip_ws();
        self.expect(b':')?;
        Ok((start, end))
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), InvalidJson> {
        let end = self.pos.checked_add(word.len()).ok_or(self.fail())?;
        if self.bytes.get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(())
        } else {
            Err(self.fail())
        }
    }

    fn number(&mut self) -> Result<(), InvalidJson> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        match super::number::number_len(rest) {
            Ok(len) => {
                self.pos += len;
                Ok(())
            }
            Err(stop) => {
                self.pos += stop;
                Err(self.fail())
            }
        }
    }

    /// A string starting at the opening quote. The input is already known to be UTF-8, so
    /// only control characters and escapes need checking here.
    #[inline(always)]
    fn string(&mut self) -> Result<(), InvalidJson> {
        if let Some(fast) = self.fast {
            self.expect(b'"')?;
            // Nothing to check inside: the string ends at the next quote.
            let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
            let Some(len) = next_quote(fast, rest) else {
                return Err(InvalidJson {
                    offset: self.bytes.len(),
                });
            };
            self.pos += len + 1;
            return Ok(());
        }
        self.string_checked()
    }

    /// [`Self::string`] when the document has escapes or control characters somewhere.
    #[inline(never)]
    fn string_checked(&mut self) -> Result<(), InvalidJson> {
        self.expect(b'"')?;
        loop {
            // Skip plain characters in one tight loop; stop at a quote, escape or control.
            let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
            let plain = plain_len(rest, true);
            if plain == rest.len() {
                return Err(InvalidJson {
                    offset: self.bytes.len(),
                });
            }
            self.pos += plain;
            match self.bump() {
                Some(b'"') => return Ok(()),
                Some(b'\\') => match self.bump() {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                    Some(b'u') => {
                        let unit = self.hex4()?;
                        if (0xDC00..0xE000).contains(&unit) {
                            return Err(self.fail());
                        }
                        if (0xD800..0xDC00).contains(&unit) {
                            // A high surrogate must be followed by an escaped low surrogate.
                            self.expect(b'\\')?;
                            self.expect(b'u')?;
                            let low = self.hex4()?;
                            if !(0xDC00..0xE000).contains(&low) {
                                return Err(self.fail());
                            }
                        }
                    }
                    _ => return Err(self.fail()),
                },
                _ => {
                    // A control character.
                    self.pos -= 1;
                    return Err(self.fail());
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u16, InvalidJson> {
        let mut unit: u16 = 0;
        for _ in 0..4 {
            let digit = self.bump().and_then(hex_value).ok_or(self.fail())?;
            unit = (unit << 4) | u16::from(digit);
        }
        Ok(unit)
    }
}

/// How many bytes at the front of `bytes` are neither `"` nor `\\` (nor, with `controls`,
/// below 0x20): string content that needs no look. Eight bytes per step (exact: a word is
/// stepped over only when none of its bytes stops the run), then byte by byte.
pub(super) fn plain_len(bytes: &[u8], controls: bool) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit of a byte set in the result iff some byte of `w` is zero (exact as a whole:
    // a borrow only spreads above a byte that really is zero).
    let zero_byte = |w: u64| w.wrapping_sub(ONES) & !w & HIGH;
    let mut len = 0;
    for chunk in bytes.chunks_exact(8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_le_bytes(word);
        let mut stop =
            zero_byte(w ^ (ONES * u64::from(b'"'))) | zero_byte(w ^ (ONES * u64::from(b'\\')));
        if controls {
            // Some byte below 0x20 (exact for bounds up to 0x80).
            stop |= w.wrapping_sub(ONES * 0x20) & !w & HIGH;
        }
        if stop != 0 {
            // The lowest flagged byte is exact (a borrow only runs upward from a real hit).
            return len + (stop.trailing_zeros() / 8) as usize;
        }
        len += 8;
    }
    let tail = bytes.get(len..).unwrap_or(&[]);
    len + tail
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || (controls && b < 0x20))
        .unwrap_or(tail.len())
}

#[cfg(test)]
mod tests {
    use super::parse;

    proptest::proptest! {
        #[test]
        fn plain_len_matches_a_byte_loop(
            bytes in proptest::collection::vec(proptest::sample::select(
                [b'a', b'"', b'\\', 0x1f, 0x20, 0x00, 0x7f, 0x80, 0xff, 0x21, 0x5b, 0x5d, 0xa2, 0xdc].as_slice()), 0..40),
            controls in proptest::prelude::any::<bool>(),
        ) {
            let naive = bytes
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || (controls && b < 0x20))
                .unwrap_or(bytes.len());
            proptest::prop_assert_eq!(super::plain_len(&bytes, controls), naive);
        }
    }

    /// JSON objects (as text, with spaces here and there) whose values nest a few levels.
    fn json_object() -> impl proptest::strategy::Strategy<Value = std::string::String> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(std::string::String::from("1")),
            Just(std::string::String::from("-0.5e2")),
            Just(std::string::String::from("true")),
            Just(std::string::String::from("null")),
            "\"[a-z ]{0,20}\"".prop_map(|s| s),
        ];
        let value = leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| std::format!("[{}]", v.join(","))),
                proptest::collection::vec(("[a-z]{1,3}", inner), 0..4).prop_map(|m| {
                    let m: std::vec::Vec<_> = m
                        .iter()
                        .map(|(k, v)| std::format!("\"{k}\" : {v}"))
                        .collect();
                    std::format!("{{ {} }}", m.join(", "))
                }),
            ]
        });
        proptest::collection::vec(("[a-z]{1,4}", value), 0..8).prop_map(|m| {
            let m: std::vec::Vec<_> = m.iter().map(|(k, v)| std::format!("\"{k}\":{v}")).collect();
            std::format!(" {{{}}} ", m.join(" ,"))
        })
    }

    fn ok(s: &str) -> bool {
        let fast = parse(s.as_bytes(), 32);
        let slow = super::parse_with(s.as_bytes(), 32, |_| {}, false).map(|(v, _, _)| v);
        assert_eq!(fast.is_ok(), slow.is_ok(), "{s:?}");
        fast.is_ok()
    }

    proptest::proptest! {
        #[test]
        fn shortcuts_change_no_verdict(
            parts in proptest::collection::vec(proptest::sample::select([
                "{", "}", "[", "]", ",", ":", "\"", "\"a\"", "\"k\":", "1", "-2.5e3", "true",
                "null", " ", "\n", "\t", "\\", "\\n", "\\u0041", "\\ud800", "\u{1}", "é",
                "\u{7f}", "x",
            ].as_slice()), 0..24),
            depth in 0u32..4,
        ) {
            // Token soup, so both valid and subtly invalid documents (unterminated strings,
            // raw controls, bad escapes) come up; with and without backslashes and controls.
            let doc = parts.concat();
            let mut fast_members = std::vec::Vec::new();
            let mut slow_members = std::vec::Vec::new();
            let fast = super::parse_with(doc.as_bytes(), depth, |m| fast_members.push(m), true).map(|(v, _, _)| v);
            let slow = super::parse_with(doc.as_bytes(), depth, |m| slow_members.push(m), false).map(|(v, _, _)| v);
            // Same verdict, value and members (error offsets are hints and may differ).
            proptest::prop_assert_eq!(fast.map(|v| v.raw()).ok(), slow.map(|v| v.raw()).ok());
            proptest::prop_assert_eq!(fast_members, slow_members);
        }

        #[test]
        fn shortcuts_change_no_verdict_on_mutated_objects(
            doc in json_object(),
            edit in proptest::option::of((0usize..200, proptest::sample::select(
                [None, Some(b'"'), Some(b','), Some(b'}'), Some(b']'), Some(b':'), Some(b' '), Some(b'1'), Some(b'{'), Some(b'[')].as_slice()))),
            depth in 0u32..5,
        ) {
            // Valid objects with nested values, then maybe one byte deleted or replaced.
            let mut bytes = doc.into_bytes();
            if let Some((at, replacement)) = edit {
                if at < bytes.len() {
                    match replacement {
                        Some(b) => bytes[at] = b,
                        None => { bytes.remove(at); }
                    }
                }
            }
            let mut fast_members = std::vec::Vec::new();
            let mut slow_members = std::vec::Vec::new();
            let fast = super::parse_with(&bytes, depth, |m| fast_members.push(m), true).map(|(v, _, _)| v);
            let slow = super::parse_with(&bytes, depth, |m| slow_members.push(m), false).map(|(v, _, _)| v);
            proptest::prop_assert_eq!(fast.map(|v| v.raw()).ok(), slow.map(|v| v.raw()).ok());
            proptest::prop_assert_eq!(fast_members, slow_members);
        }
    }

    #[test]
    fn accepts_rfc8259_values() {
        for s in [
            "0",
            "-0",
            "1.5e+3",
            "-12.25E-2",
            "true",
            "false",
            "null",
            r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#,
            "[]",
            "{}",
            " { \"a\" : [1, {\"b\": null}] , \"c\":\"\" } ",
            "[[[]]]",
            "\"é😀\"",
        ] {
            assert!(ok(s), "{s}");
        }
    }

    #[test]
    fn rejects_non_json() {
        for s in [
            "",
            " ",
            "01",
            "1.",
            ".5",
            "1e",
            "+1",
            "-",
            "tru",
            "nul",
            "[1,]",
            "{,}",
            "{\"a\"}",
            "{\"a\":1,}",
            "{a:1}",
            "[1 2]",
            "{\"a\":1 \"b\":2}",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"a\u{1}\"",
            "\"abc",
            "[",
            "{\"a\":1}}",
            "1 2",
            "{} x",
            "'a'",
            "NaN",
            "Infinity",
            "[1]]",
            "{\"a\":1]",
        ] {
            assert!(!ok(s), "{s:?}");
        }
        assert!(parse(b"\"\xff\"", 32).is_err());
        assert!(parse(b"\"\xc0\x80\"", 32).is_err());
    }

    #[test]
    fn depth_is_bounded_exactly() {
        let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
        assert!(parse(deep(32).as_bytes(), 32).is_ok());
        assert!(parse(deep(33).as_bytes(), 32).is_err());
        assert!(parse(deep(128).as_bytes(), 1000).is_ok());
        assert!(parse(deep(129).as_bytes(), 1000).is_err());
        let objects = "{\"a\":".repeat(3) + "1" + &"}".repeat(3);
        assert!(parse(objects.as_bytes(), 3).is_ok());
        assert!(parse(objects.as_bytes(), 2).is_err());
        assert!(parse(b"1", 0).is_ok());
        assert!(parse(b"[]", 0).is_err());
    }

    #[test]
    fn root_span_excludes_whitespace() {
        assert_eq!(parse(b" \n{} \t", 1).unwrap().raw(), "{}");
    }
}
