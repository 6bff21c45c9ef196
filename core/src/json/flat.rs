//! The fast path of [`super::parse_unique_object`] for plain documents (no backslash and no
//! control character anywhere, which is what JWT headers and claim sets almost always are):
//! one AVX2 pass over the top-level object validates each member, hashes its name and checks
//! it against the earlier names as it goes, and records it; the members are handed to the
//! caller only once the whole document passed. In such a document every string ends at its
//! next quote and the only whitespace is the space, so strings are one quote search
//! (32 bytes per step) and nothing is looked at twice.
//!
//! It answers only "valid, an object, at most the allowed members, every name distinct".
//! Anything else — a syntax error, a possible duplicate name, more than [`FLAT_MEMBERS`]
//! members, too deep a nesting — makes it give up (`None`) before anything is visited, and
//! the general path (validate.rs, unique.rs) reads the document and gives the error. So a
//! document's verdict never depends on the path; the tests compare both on generated and
//! mutated documents.

use core::arch::x86_64::{
    _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
};

use super::number::number_len;
use super::string::JsonStr;
use super::unique::plain_hash;
use super::value::Value;
use crate::avx2::Avx2;

/// The most members the fast path records (larger objects take the general path).
pub(super) const FLAT_MEMBERS: usize = 32;

/// One recorded member: byte offsets of its name (without quotes) and value.
#[derive(Clone, Copy)]
struct Member {
    name_start: u32,
    name_end: u32,
    value_start: u32,
    value_end: u32,
}

const NO_MEMBER: Member = Member {
    name_start: 0,
    name_end: 0,
    value_start: 0,
    value_end: 0,
};

/// [`super::parse_unique_object`] of `input` when the fast path can answer it: `Some` (the
/// root, and `input` as text) after every member was handed to `visit` in document order; `None` (nothing visited) when
/// the CPU lacks AVX2, the document is not plain, or it is not a valid object of at most
/// `max_members` (and [`FLAT_MEMBERS`]) distinct names within `max_depth`.
pub(super) fn parse_object<'a>(
    input: &'a [u8],
    max_depth: u32,
    max_members: usize,
    visit: &mut impl FnMut(JsonStr<'a>, Value<'a>),
) -> Option<(Value<'a>, &'a str)> {
    let avx2 = Avx2::detect()?;
    let class = crate::avx2::classify(avx2, input);
    if class.control || class.backslash {
        return None;
    }
    let text = if class.non_ascii {
        core::str::from_utf8(input).ok()?
    } else {
        // SAFETY: every byte is below 0x80 (`classify`), and ASCII is valid UTF-8.
        unsafe { core::str::from_utf8_unchecked(input) }
    };
    let mut members = [NO_MEMBER; FLAT_MEMBERS];
    let limit = max_members.min(FLAT_MEMBERS);
    // SAFETY: an `Avx2` exists only once `cpuid`/`xgetbv` reported AVX2 with OS support.
    let (count, start, end) = unsafe { walk(avx2, input, max_depth, limit, &mut members) }?;
    let root = Value::new(text.get(start..end)?);
    for m in members.get(..count)? {
        let name = input.get(m.name_start as usize..m.name_end as usize);
        let value = input.get(m.value_start as usize..m.value_end as usize);
        if let (Some(name), Some(value)) = (name, value) {
            // The argument below, checked wherever debug assertions are on (tests, fuzzing).
            debug_assert!(
                [m.name_start, m.name_end, m.value_start, m.value_end]
                    .iter()
                    .all(|&at| text.is_char_boundary(at as usize)),
                "a member span splits a character"
            );
            // SAFETY: `input` is UTF-8 (`text`), and every recorded span begins and ends next
            // to an ASCII byte (after or at a quote, at a value's first byte, after its last,
            // all ASCII in a valid document), which is always a character boundary.
            let (name, value) = unsafe {
                (
                    core::str::from_utf8_unchecked(name),
                    core::str::from_utf8_unchecked(value),
                )
            };
            visit(JsonStr::new(name), Value::new(value));
        }
    }
    Some((root, text))
}

/// The pass: validates the top-level object of the plain document `b` and records its
/// members (at most `limit`, names distinct) into `members`; returns their count and the
/// object's span.
#[target_feature(enable = "avx2")]
fn walk(
    avx2: Avx2,
    b: &[u8],
    max_depth: u32,
    limit: usize,
    members: &mut [Member; FLAT_MEMBERS],
) -> Option<(usize, usize, usize)> {
    // Offsets are stored as u32; larger documents take the general path.
    if b.len() > u32::MAX as usize || max_depth == 0 {
        return None;
    }
    let at = |pos: usize| b.get(pos).copied();
    let skip_spaces = |mut pos: usize| {
        while at(pos) == Some(b' ') {
            pos += 1;
        }
        pos
    };
    let start = skip_spaces(0);
    if at(start) != Some(b'{') {
        return None;
    }
    let mut pos = skip_spaces(start + 1);
    let mut count = 0usize;
    // A 128-bit filter of the name hashes seen: a name whose bit is new cannot repeat one.
    let mut seen = [0u64; 2];
    let mut hashes = [0u64; FLAT_MEMBERS];
    if at(pos) == Some(b'}') {
        pos += 1;
    } else {
        loop {
            if at(pos) != Some(b'"') {
                return None;
            }
            let name_start = pos + 1;
            let name_end = next_quote(avx2, b, name_start)?;
            pos = skip_spaces(name_end + 1);
            if at(pos) != Some(b':') {
                return None;
            }
            pos = skip_spaces(pos + 1);
            let value_start = pos;
            pos = match at(pos)? {
                b'"' => next_quote(avx2, b, pos + 1)? + 1,
                b'-' | b'0'..=b'9' => pos + number_len(b.get(pos..)?).ok()?,
                b't' => literal(b, pos, b"true")?,
                b'f' => literal(b, pos, b"false")?,
                b'n' => literal(b, pos, b"null")?,
                b'[' if max_depth >= 2 => match flat_array(avx2, b, pos) {
                    Some(end) => end,
                    None => super::validate::nested_end(avx2, b, pos, max_depth)?,
                },
                b'{' | b'[' => super::validate::nested_end(avx2, b, pos, max_depth)?,
                _ => return None,
            };
            // The name: distinct from every earlier one, or give up.
            let name = b.get(name_start..name_end)?;
            let hash = plain_hash(name);
            let filter = seen.get_mut(usize::from(hash & 64 != 0))?;
            let bit = 1u64 << (hash & 63);
            if *filter & bit != 0 {
                for (earlier, m) in hashes.iter().zip(members.iter()).take(count) {
                    if *earlier == hash
                        && b.get(m.name_start as usize..m.name_end as usize) == Some(name)
                    {
                        return None;
                    }
                }
            }
            *filter |= bit;
            if count >= limit {
                return None;
            }
            *hashes.get_mut(count)? = hash;
            *members.get_mut(count)? = Member {
                name_start: name_start as u32,
                name_end: name_end as u32,
                value_start: value_start as u32,
                value_end: pos as u32,
            };
            count += 1;
            pos = skip_spaces(pos);
            match at(pos)? {
                b',' => pos = skip_spaces(pos + 1),
                b'}' => {
                    pos += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    let end = pos;
    (skip_spaces(end) == b.len()).then_some((count, start, end))
}

/// The end of the array at `pos` (its `[`) when it holds only strings, numbers and literals
/// (a list of audiences or roles), checked in place; `None` when it is anything else (then
/// the general validator reads it and gives the verdict).
#[inline]
#[target_feature(enable = "avx2")]
fn flat_array(avx2: Avx2, b: &[u8], pos: usize) -> Option<usize> {
    let at = |pos: usize| b.get(pos).copied();
    let skip_spaces = |mut pos: usize| {
        while at(pos) == Some(b' ') {
            pos += 1;
        }
        pos
    };
    let mut pos = skip_spaces(pos + 1);
    if at(pos) == Some(b']') {
        return Some(pos + 1);
    }
    loop {
        pos = match at(pos)? {
            b'"' => next_quote(avx2, b, pos + 1)? + 1,
            b'-' | b'0'..=b'9' => pos + number_len(b.get(pos..)?).ok()?,
            b't' => literal(b, pos, b"true")?,
            b'f' => literal(b, pos, b"false")?,
            b'n' => literal(b, pos, b"null")?,
            _ => return None,
        };
        pos = skip_spaces(pos);
        match at(pos)? {
            b',' => pos = skip_spaces(pos + 1),
            b']' => return Some(pos + 1),
            _ => return None,
        }
    }
}

/// The end of `word` when `b` holds it at `pos`.
#[inline(always)]
fn literal(b: &[u8], pos: usize, word: &[u8]) -> Option<usize> {
    let end = pos.checked_add(word.len())?;
    (b.get(pos..end)? == word).then_some(end)
}

/// The position of the first `"` in `b` at or after `from`: 32 bytes per step, the last
/// partial block as the text's last 32 bytes (bits before `from` dropped), byte by byte only
/// in a text shorter than 32.
#[inline]
#[target_feature(enable = "avx2")]
fn next_quote(_: Avx2, b: &[u8], from: usize) -> Option<usize> {
    const LANES: usize = 32;
    let quote = _mm256_set1_epi8(b'"' as i8);
    let mut pos = from;
    while let Some(block) = b.get(pos..).and_then(|rest| rest.first_chunk::<LANES>()) {
        // SAFETY: `block` is 32 readable bytes; the load has no alignment requirement.
        let v = unsafe { _mm256_loadu_si256(block.as_ptr().cast()) };
        let hits = _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote)) as u32;
        if hits != 0 {
            return Some(pos + hits.trailing_zeros() as usize);
        }
        pos += LANES;
    }
    if pos >= b.len() {
        return None;
    }
    match b.last_chunk::<LANES>() {
        Some(last) => {
            // The last 32 bytes start at `b.len() - 32`, before `pos`: drop the bits of the
            // bytes already searched.
            let base = b.len() - LANES;
            // SAFETY: `last` is 32 readable bytes; the load has no alignment requirement.
            let v = unsafe { _mm256_loadu_si256(last.as_ptr().cast()) };
            let hits = _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote)) as u32;
            let hits = hits >> (pos - base);
            (hits != 0).then(|| pos + hits.trailing_zeros() as usize)
        }
        None => Some(pos + b.get(pos..)?.iter().position(|&c| c == b'"')?),
    }
}

#[cfg(test)]
mod tests {
    use super::{next_quote, parse_object, FLAT_MEMBERS};
    use crate::avx2::Avx2;
    use crate::json::unique::general_unique_object;
    use crate::json::ObjectError;
    use proptest::prelude::*;
    use std::{format, string::String, vec::Vec};

    type Members = Vec<(String, String)>;

    /// The fast path's answer (`None`: it gave up) and what it visited.
    fn fast(doc: &[u8], depth: u32, max: usize) -> (Option<String>, Members) {
        let mut seen = Vec::new();
        let root = parse_object(doc, depth, max, &mut |n, v| {
            seen.push((n.raw().into(), v.raw().into()))
        });
        (root.map(|(r, _)| r.raw().into()), seen)
    }

    /// The general path's answer and what it visited.
    fn general(doc: &[u8], depth: u32, max: usize) -> (Result<String, ObjectError>, Members) {
        let mut seen = Vec::new();
        let root = general_unique_object(doc, depth, max, |n, v| {
            seen.push((n.raw().into(), v.raw().into()))
        });
        (root.map(|(r, _, _)| r.raw().into()), seen)
    }

    /// The fast path agrees with the general one: when it answers, the general path accepts
    /// the same root and members; when it gives up, it visited nothing. Returns whether it
    /// answered.
    fn agree(doc: &[u8], depth: u32, max: usize) -> bool {
        let (root, seen) = fast(doc, depth, max);
        match root {
            Some(root) => {
                assert_eq!(general(doc, depth, max), (Ok(root), seen), "{doc:?}");
                true
            }
            None => {
                assert!(seen.is_empty(), "visited before giving up: {doc:?}");
                // The public entry point then answers exactly as the general path.
                let mut visited = Vec::new();
                let public = crate::json::parse_unique_object(doc, depth, max, |n, v| {
                    visited.push((String::from(n.raw()), String::from(v.raw())))
                })
                .map(|r| String::from(r.raw()));
                assert_eq!((public, visited), general(doc, depth, max), "{doc:?}");
                false
            }
        }
    }

    const CLAIMS: &str = concat!(
        r#"{"aud":"0a2b5f4c-0cde-4d1e-9a47-6c3a7e2f9b10","iss":"https://acs.example","#,
        r#""iat":1767225540,"nbf":1767225540,"exp":1767229200,"ratio":-1.5e-3,"#,
        r#""appid":"1fd5118e-2576-4263-8130-9503064c837a","ok":true,"no":false,"n":null,"#,
        r#""sub":"7f3b2c1d","e":{},"a":[],"nested":{"x":[1,{"y":"z"}]},"#,
        r#""roles":["CallAutomation.Callback","CallAutomation.Media"]}"#
    );

    fn avx2() -> bool {
        Avx2::detect().is_some()
    }

    #[test]
    fn answers_real_documents_itself() {
        if !avx2() {
            return;
        }
        for doc in [
            CLAIMS,
            r#"{"alg":"RS256","kid":"acs1","typ":"JWT"}"#,
            "{}",
            " { } ",
            r#" { "a" : 1 , "b" : "x" } "#,
            r#"{"é":"ü","k":"😀"}"#,
            r#"{"a":[],"b":[ ],"c":[1, "x" ,true,false,null,-2.5e1],"d":["y"]}"#,
        ] {
            assert!(agree(doc.as_bytes(), 32, 128), "{doc}");
        }
        // Gives up (and the general path answers) on escapes, other whitespace, a repeated
        // name, too many members, too deep a value, trailing text, and a non-object.
        for (doc, depth, max) in [
            (r#"{"a":"\/"}"#, 32, 128),
            ("{\"a\":1,\n\"b\":2}", 32, 128),
            (r#"{"a":1,"b":2,"a":3}"#, 32, 128),
            (r#"{"a":1,"b":2}"#, 32, 1),
            (r#"{"a":[[1]]}"#, 2, 128),
            (r#"{"a":1} x"#, 32, 128),
            (r#"[1]"#, 32, 128),
            (r#"{"a":1}"#, 0, 128),
            (r#"{"a":[1,]}"#, 32, 128),
            (r#"{"a":[1 2]}"#, 32, 128),
            (r#"{"a":["x"}"#, 32, 128),
            (r#"{"a":[1]}"#, 1, 128),
        ] {
            assert!(!agree(doc.as_bytes(), depth, max), "{doc}");
        }
        let names: Vec<String> = (0..=FLAT_MEMBERS)
            .map(|i| format!("\"m{i}\":{i}"))
            .collect();
        let full = format!("{{{}}}", names[..FLAT_MEMBERS].join(","));
        assert!(agree(full.as_bytes(), 32, 128));
        let over = format!("{{{}}}", names.join(","));
        assert!(!agree(over.as_bytes(), 32, 128));
    }

    #[test]
    fn every_byte_changed_or_removed_agrees() {
        // Every position of a realistic claim set replaced by bytes that matter to the
        // grammar (or removed): both paths give the same verdict and members.
        let doc = CLAIMS.as_bytes();
        for at in 0..doc.len() {
            for byte in [
                b'"', b',', b':', b'{', b'}', b'[', b']', b' ', b'0', b'-', b'.', b'e', b'x',
                b'\\', b'\n', 0x80,
            ] {
                let mut d = doc.to_vec();
                d[at] = byte;
                agree(&d, 32, 128);
            }
            let mut d = doc.to_vec();
            d.remove(at);
            agree(&d, 32, 128);
            agree(&doc[..at], 32, 128);
        }
    }

    #[test]
    fn every_duplicate_is_left_to_the_general_path() {
        // Each name repeated at each later place (the filter and the exact comparison).
        let names: Vec<String> = (0..FLAT_MEMBERS - 1).map(|i| format!("n{i}")).collect();
        for dup in 0..names.len() {
            for at in dup + 1..=names.len() {
                let mut with = names.clone();
                with.insert(at, names[dup].clone());
                let members: Vec<String> = with.iter().map(|n| format!("\"{n}\":0")).collect();
                let doc = format!("{{{}}}", members.join(","));
                assert!(!agree(doc.as_bytes(), 32, 128), "{doc}");
                assert_eq!(
                    general(doc.as_bytes(), 32, 128).0,
                    Err(ObjectError::DuplicateName)
                );
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_the_general_path(
            members in proptest::collection::vec((
                proptest::sample::select(["a", "b", "alg", "\\u0061", "c\\\"", "/", "é", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"].as_slice()),
                proptest::sample::select(["1", "-0", "0.5e+7", "01", "1.", "-", "1e", "\"x\"", "\"\"", "[1,{\"a\":2}]", "[1, \"b\" ,null]", "[ ]", "[1,]", "[,1]", "[\"x\" \"y\"]", "{}", "{\"a\":[]}", "[", "nul", "true", "false", "null", "tru", "\"a", "1x", "\"y\"\"z\""].as_slice()),
            ), 0..40),
            space in proptest::sample::select(["", " ", "  ", "\n"].as_slice()),
            depth in 0u32..4,
            max in 0usize..40,
        ) {
            let body: Vec<String> = members
                .iter()
                .map(|(n, v)| format!("{space}\"{n}\"{space}:{space}{v}{space}"))
                .collect();
            let doc = format!("{space}{{{}}}{space}", body.join(","));
            agree(doc.as_bytes(), depth, max);
        }

        #[test]
        fn next_quote_matches_a_byte_loop(
            bytes in proptest::collection::vec(proptest::sample::select([b'a', b'"', b' ', 0x22 ^ 0x80].as_slice()), 0..100),
            from in 0usize..110,
        ) {
            if let Some(avx2) = Avx2::detect() {
                let want = bytes.get(from..).and_then(|r| r.iter().position(|&c| c == b'"')).map(|p| p + from);
                // SAFETY: `avx2` proves the CPU has AVX2.
                prop_assert_eq!(unsafe { next_quote(avx2, &bytes, from) }, want);
            }
        }
    }
}
