//! Rejecting duplicate member names in an object (compared after unescaping, so `"a"` and
//! `"\u0061"` collide), in time linear in the object's length and with no buffer.
//!
//! Rules (one for every caller):
//! - An object passes only if it has at most [`MAX_UNIQUE_MEMBERS`] members and no two of
//!   them have the same decoded name. Larger objects are rejected outright: that bound is what
//!   keeps the work linear without a heap (real headers have about 5 members, real claim sets
//!   and discovery documents a few dozen).
//! - Names are hashed into a fixed stack table. Up to 32 members, a 128-bit filter of the
//!   hashes picks the members that may repeat an earlier name; those are compared with every
//!   earlier member, hash first, then the name exactly (forcing every hash equal costs at most
//!   31 name comparisons per member). Larger tables are sorted by (hash,
//!   decoded name): equal names then sit next to each other whatever the hash does, so the check
//!   is exact even when many different names share a hash (a forced collision costs an
//!   O(r log r) sort of that run, never a missed duplicate).
//! - [`visit_unique_members`] hands members to its callback only after the whole object
//!   passed, so a reader never sees a value of an object with a repeated name. Where a name
//!   does repeat and the object is read anyway ([`Value::get`] on an unchecked object), the
//!   first member counts.
//!
//! Work: one walk to record and hash every member (a plain name's hash reads two words),
//! then one filter test per member (at most 496 hash comparisons), or a heap sort of at most
//! [`MAX_UNIQUE_MEMBERS`] indices and neighbour comparisons; visiting reads the record (no
//! second walk).

use core::cmp::Ordering;

use super::string::JsonStr;
use super::value::Value;

/// The most members an object may have and still pass the duplicate check. The table holds
/// 25 bytes per member (3.2 KiB on the stack).
pub const MAX_UNIQUE_MEMBERS: usize = 128;
const _: () = assert!(MAX_UNIQUE_MEMBERS <= 256 && SMALL_TABLE <= MAX_UNIQUE_MEMBERS);

/// Whether `object` is an object of at most [`MAX_UNIQUE_MEMBERS`] members whose names are
/// distinct after unescaping. `false` also for a value that is not an object.
pub fn check_unique_names(object: &Value<'_>) -> bool {
    visit_unique_members(object, |_, _| {})
}

/// [`check_unique_names`], then (only when it passes) every member handed to `visit` in
/// document order. When it returns `false`, `visit` was not called.
pub fn visit_unique_members<'a>(
    object: &Value<'a>,
    visit: impl FnMut(JsonStr<'a>, Value<'a>),
) -> bool {
    check_with(object, name_hash, &mut cmp_names, visit)
}

/// One member: its name's hash and where its name and value lie inside the object's JSON.
#[derive(Clone, Copy)]
struct Entry {
    hash: u64,
    name: Span,
    value: Span,
}

/// A byte range of the object's JSON text.
#[derive(Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    /// The span of `part`, a sub-slice of `whole` (its offset is the pointer difference).
    fn of(part: &str, whole: &str) -> Option<Span> {
        let start = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
        Some(Span {
            start: u32::try_from(start).ok()?,
            len: u32::try_from(part.len()).ok()?,
        })
    }

    /// The span from `start` to `end` (`None` when it does not fit 32 bits).
    fn between(start: usize, end: usize) -> Option<Span> {
        Some(Span {
            start: u32::try_from(start).ok()?,
            len: u32::try_from(end.checked_sub(start)?).ok()?,
        })
    }

    fn text<'a>(&self, whole: &'a str) -> Option<&'a str> {
        let start = self.start as usize;
        whole.get(start..start.saturating_add(self.len as usize))
    }
}

/// The table size tried first: most objects (every JWT header, ACS and Entra claim sets)
/// fit, and its 800 bytes cost less to set up than the full table's 3.2 KiB.
const SMALL_TABLE: usize = 32;

/// The check with the hash and the name comparison injected (tests force collisions and
/// count work through them).
fn check_with<'a>(
    object: &Value<'a>,
    hash: impl Fn(JsonStr<'_>) -> u64,
    compare: &mut impl FnMut(JsonStr<'_>, JsonStr<'_>) -> Ordering,
    mut visit: impl FnMut(JsonStr<'a>, Value<'a>),
) -> bool {
    match check_in::<SMALL_TABLE>(object, &hash, compare, &mut visit) {
        Some(verdict) => verdict,
        None => check_in::<MAX_UNIQUE_MEMBERS>(object, &hash, compare, &mut visit).unwrap_or(false), // too many members
    }
}

/// The check with a table of `CAP` members (`CAP` at most 256): `None` when the object has
/// more, and then `visit` was not called. The object is walked once: the members are
/// recorded in document order, an index of them is sorted, and `visit` reads the record.
fn check_in<'a, const CAP: usize>(
    object: &Value<'a>,
    hash: &impl Fn(JsonStr<'_>) -> u64,
    compare: &mut impl FnMut(JsonStr<'_>, JsonStr<'_>) -> Ordering,
    visit: &mut impl FnMut(JsonStr<'a>, Value<'a>),
) -> Option<bool> {
    let Some(members) = object.members() else {
        return Some(false);
    };
    let raw = object.raw();
    let mut table = [EMPTY_ENTRY; CAP];
    let mut count = 0usize;
    for (name, value) in members {
        let slot = table.get_mut(count)?;
        let (Some(name_span), Some(value_span)) =
            (Span::of(name.raw(), raw), Span::of(value.raw(), raw))
        else {
            return Some(false);
        };
        *slot = Entry {
            hash: hash(name),
            name: name_span,
            value: value_span,
        };
        count += 1;
    }
    Some(sort_check_visit(raw, table.get(..count)?, compare, visit))
}

const EMPTY_ENTRY: Entry = Entry {
    hash: 0,
    name: Span { start: 0, len: 0 },
    value: Span { start: 0, len: 0 },
};

/// The duplicate check over recorded members (`used`, hashed, spans into `raw`, document
/// order, at most [`MAX_UNIQUE_MEMBERS`]): pairwise for a few members, else sorts positions
/// by (hash, name) and compares neighbours; when all differ hands every member to `visit` in
/// document order.
fn sort_check_visit<'a>(
    raw: &'a str,
    used: &[Entry],
    compare: &mut impl FnMut(JsonStr<'_>, JsonStr<'_>) -> Ordering,
    visit: &mut impl FnMut(JsonStr<'a>, Value<'a>),
) -> bool {
    let name_of = |e: &Entry| e.name.text(raw).map(JsonStr::new);
    let distinct = if used.len() <= SMALL_TABLE {
        // Few members: every pair's hashes compared (at most 32·31/2 integer comparisons, no
        // sort), names only where two hashes are equal. Exact, and even when every hash is
        // forced equal a name is compared with at most 31 others.
        // A 128-bit filter of hashes seen so far: a member whose bit is new cannot repeat an
        // earlier name; only one whose bit was set is compared with the earlier members (hash
        // first, then the name exactly). Every hash forced equal costs the full pairwise
        // check, at most 31 comparisons per member.
        let mut seen = [0u64; 2];
        let mut distinct = true;
        for (i, a) in used.iter().enumerate() {
            let (word, bit) = (usize::from(a.hash & 64 != 0), 1u64 << (a.hash & 63));
            let Some(filter) = seen.get_mut(word) else {
                continue; // impossible: `word` is 0 or 1
            };
            if *filter & bit == 0 {
                *filter |= bit;
                continue;
            }
            for b in used.get(..i).unwrap_or_default() {
                if a.hash == b.hash {
                    distinct &= match (name_of(a), name_of(b)) {
                        (Some(x), Some(y)) => compare(x, y) != Ordering::Equal,
                        _ => true, // impossible: spans come from `raw`
                    };
                }
            }
        }
        distinct
    } else {
        let mut order = [0u8; MAX_UNIQUE_MEMBERS];
        let Some(order) = order.get_mut(..used.len()) else {
            return false;
        };
        for (i, slot) in order.iter_mut().enumerate() {
            *slot = i as u8;
        }
        let entry = |i: u8| used.get(usize::from(i));
        let mut cmp = |a: &u8, b: &u8| match (entry(*a), entry(*b)) {
            (Some(a), Some(b)) => a.hash.cmp(&b.hash).then_with(|| {
                match (name_of(a), name_of(b)) {
                    (Some(x), Some(y)) => compare(x, y),
                    _ => Ordering::Equal, // impossible: spans come from `raw`
                }
            }),
            _ => Ordering::Equal, // impossible: positions index `used`
        };
        crate::sort::sort_unstable_by(order, &mut cmp);
        all_neighbours_differ(order, &mut cmp)
    };
    if distinct {
        for e in used {
            if let (Some(name), Some(value)) = (e.name.text(raw), e.value.text(raw)) {
                visit(JsonStr::new(name), Value::new(value));
            }
        }
    }
    distinct
}

/// Why [`parse_unique_object`] rejected a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectError {
    /// Not strict JSON within the depth bound (what [`super::parse`] rejects).
    Invalid,
    /// Valid JSON, but not an object.
    NotObject,
    /// More members than the caller's bound (or than [`MAX_UNIQUE_MEMBERS`]).
    TooManyMembers,
    /// Two members share a name (after unescaping).
    DuplicateName,
}

/// [`super::parse`] of a document that must be an object of at most `max_members` members
/// (capped at [`MAX_UNIQUE_MEMBERS`]) with distinct names, then every member handed to
/// `visit` in document order — as [`visit_unique_members`] after `parse`, but the members
/// are recorded during validation, so the object is not walked a second time. Errors come
/// in this order: [`ObjectError::Invalid`], [`ObjectError::NotObject`],
/// [`ObjectError::TooManyMembers`], [`ObjectError::DuplicateName`]; `visit` is called only
/// on success.
pub fn parse_unique_object<'a>(
    input: &'a [u8],
    max_depth: u32,
    max_members: usize,
    visit: impl FnMut(JsonStr<'a>, Value<'a>),
) -> Result<Value<'a>, ObjectError> {
    parse_unique_object_plain(input, max_depth, max_members, visit).map(|(root, _, _)| root)
}

/// [`parse_unique_object`], and with the root the whole document as text and whether it is
/// known to hold no backslash (so no string in it has an escape, and every name and value the
/// caller was handed is its own decoded text: `raw()` compares as `eq_str`). `false` says
/// nothing.
pub(crate) fn parse_unique_object_plain<'a>(
    input: &'a [u8],
    max_depth: u32,
    max_members: usize,
    visit: impl FnMut(JsonStr<'a>, Value<'a>),
) -> Result<(Value<'a>, &'a str, bool), ObjectError> {
    #[cfg(target_arch = "x86_64")]
    let mut visit = visit;
    // Plain, valid, unique objects (nearly every JWT header and claim set) in one pass.
    #[cfg(target_arch = "x86_64")]
    if let Some((root, text)) = super::flat::parse_object(input, max_depth, max_members, &mut visit)
    {
        // The fast path only reads documents without a backslash.
        return Ok((root, text, true));
    }
    general_unique_object(input, max_depth, max_members, visit)
}

/// [`parse_unique_object`] without the fast path of `flat.rs` (its answer for every document,
/// and the oracle the tests compare the fast path with).
pub(super) fn general_unique_object<'a>(
    input: &'a [u8],
    max_depth: u32,
    max_members: usize,
    mut visit: impl FnMut(JsonStr<'a>, Value<'a>),
) -> Result<(Value<'a>, &'a str, bool), ObjectError> {
    let mut table = [EMPTY_ENTRY; SMALL_TABLE];
    let mut count = 0usize;
    let mut spans_fit = true;
    let (root, text, escape_free) = {
        let mut record = |[name_start, name_end, value_start, value_end]: [usize; 4]| {
            if let Some(slot) = table.get_mut(count) {
                match (
                    Span::between(name_start, name_end),
                    Span::between(value_start, value_end),
                ) {
                    (Some(name), Some(value)) => {
                        *slot = Entry {
                            hash: 0,
                            name,
                            value,
                        }
                    }
                    _ => spans_fit = false,
                }
            }
            count += 1;
        };
        super::validate::parse_recording(input, max_depth, &mut record)
            .map_err(|_| ObjectError::Invalid)?
    };
    if root.kind() != super::Kind::Object {
        return Err(ObjectError::NotObject);
    }
    if count > max_members.min(MAX_UNIQUE_MEMBERS) {
        return Err(ObjectError::TooManyMembers);
    }
    let verdict = if count > SMALL_TABLE || !spans_fit {
        // Rare (large objects): walk the validated object with the full table.
        check_in::<MAX_UNIQUE_MEMBERS>(&root, &name_hash, &mut cmp_names, &mut visit)
            .ok_or(ObjectError::TooManyMembers)?
    } else {
        // The spans are offsets into `input` (and `text`, the same bytes).
        let used = table.get_mut(..count).ok_or(ObjectError::TooManyMembers)?;
        for e in used.iter_mut() {
            let start = e.name.start as usize;
            let name = input.get(start..start.saturating_add(e.name.len as usize));
            e.hash = match name {
                // No backslash anywhere: the name is its own decoded bytes.
                Some(n) if escape_free => plain_hash(n),
                _ => e.name.text(text).map_or(0, |n| name_hash(JsonStr::new(n))),
            };
        }
        sort_check_visit(text, used, &mut cmp_names, &mut visit)
    };
    if verdict {
        Ok((root, text, escape_free))
    } else {
        Err(ObjectError::DuplicateName)
    }
}

/// Whether no two neighbours of the sorted `items` are equal under `order`.
fn all_neighbours_differ<T>(items: &[T], order: &mut impl FnMut(&T, &T) -> Ordering) -> bool {
    items.windows(2).all(|pair| match pair {
        [a, b] => order(a, b) != Ordering::Equal,
        _ => true,
    })
}

/// Orders two names by their decoded characters (equal exactly when the names are).
fn cmp_names(a: JsonStr<'_>, b: JsonStr<'_>) -> Ordering {
    match (a.as_plain(), b.as_plain()) {
        // UTF-8 byte order is code point order.
        (Some(x), Some(y)) => x.as_bytes().cmp(y.as_bytes()),
        _ => a.chars().cmp(b.chars()),
    }
}

/// A 64-bit hash of the decoded name's UTF-8 bytes: its length, its first eight and its
/// last eight bytes (little-endian words, zero-padded when shorter), mixed. Equal decoded
/// names hash equally whether or not they were escaped. Weak on purpose (names that differ
/// only in the middle collide): nothing relies on it, equal hashes only lead to an exact
/// comparison, and it costs two loads for a plain name.
#[inline]
fn name_hash(name: JsonStr<'_>) -> u64 {
    match name.as_plain() {
        Some(plain) => plain_hash(plain.as_bytes()),
        None => escaped_hash(name),
    }
}

/// [`name_hash`] of a name without escapes, given its bytes.
#[inline]
pub(super) fn plain_hash(bytes: &[u8]) -> u64 {
    match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        (Some(first), Some(last)) => mix(
            bytes.len(),
            u64::from_le_bytes(*first),
            u64::from_le_bytes(*last),
        ),
        _ => {
            let word = short_word(bytes);
            mix(bytes.len(), word, word)
        }
    }
}

/// The hash of a name's length and words.
#[inline]
fn mix(len: usize, first: u64, last: u64) -> u64 {
    let h = (first ^ last.rotate_left(29) ^ (len as u64).wrapping_mul(0xff51_afd7_ed55_8ccd))
        .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^ (h >> 32)
}

/// [`name_hash`] of an escaped name (rare): the same words over the decoded bytes, streamed.
#[inline(never)]
fn escaped_hash(name: JsonStr<'_>) -> u64 {
    let (mut len, mut head, mut last) = (0usize, [0u8; 8], 0u64);
    for c in name.chars() {
        let mut utf8 = [0u8; 4];
        for &b in c.encode_utf8(&mut utf8).as_bytes() {
            if let Some(slot) = head.get_mut(len) {
                *slot = b;
            }
            last = (last >> 8) | (u64::from(b) << 56);
            len += 1;
        }
    }
    match head.get(..len) {
        Some(short) if len < 8 => {
            let word = short_word(short);
            mix(len, word, word)
        }
        _ => mix(len, u64::from_le_bytes(head), last),
    }
}

/// A name shorter than eight bytes as one word, without a loop: for 4 to 7 bytes the first
/// four and the last four (they overlap), for 1 to 3 the first, middle and last byte. With the
/// length beside it, different names of one length give different words.
#[inline]
fn short_word(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        u64::from(u32::from_le_bytes(*first)) | u64::from(u32::from_le_bytes(*last)) << 32
    } else {
        let at = |i: usize| u64::from(bytes.get(i).copied().unwrap_or(0));
        if len == 0 {
            0
        } else {
            at(0) | at(len / 2) << 8 | at(len - 1) << 16
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{
        check_unique_names, check_with, cmp_names, name_hash, parse_unique_object, ObjectError,
        MAX_UNIQUE_MEMBERS, SMALL_TABLE,
    };
    use crate::json::{parse, JsonStr};
    use core::cell::Cell;
    use proptest::prelude::*;
    use std::{format, string::String, vec::Vec};

    fn unique(doc: &str) -> bool {
        check_unique_names(&parse(doc.as_bytes(), 4).unwrap())
    }

    #[test]
    fn finds_plain_and_escaped_duplicates() {
        assert!(unique(r#"{}"#));
        assert!(
            unique(r#"{"a":1,"b":{"a":2,"a":3}}"#),
            "nested objects are not checked"
        );
        assert!(!unique(r#"{"a":1,"a":1}"#));
        assert!(!unique(r#"{"a":1,"\u0061":2}"#));
        assert!(!unique(r#"{"\/":1,"/":2}"#));
        assert!(unique(r#"{"a":1,"A":2,"a ":3}"#));
        assert!(!unique("[1]"));
    }

    #[test]
    fn visit_sees_every_member_in_order_and_only_of_unique_objects() {
        let doc = parse(br#"{"a":1,"b":[2],"\u0063":"3"}"#, 4).unwrap();
        let mut seen = Vec::new();
        assert!(super::visit_unique_members(&doc, |n, v| {
            seen.push((n.chars().collect::<String>(), v.raw()))
        }));
        assert_eq!(
            seen,
            [
                ("a".into(), "1"),
                ("b".into(), "[2]"),
                ("c".into(), "\"3\"")
            ]
        );
        let dup = parse(br#"{"a":1,"b":3,"a":2}"#, 4).unwrap();
        let mut calls = 0;
        assert!(!super::visit_unique_members(&dup, |_, _| calls += 1));
        assert_eq!(calls, 0, "a rejected object is not visited");
    }

    fn plain_char(c: char) -> String {
        match c {
            '"' => "\\\"".into(),
            '\\' => "\\\\".into(),
            c => String::from(c),
        }
    }

    fn object(names: &[String]) -> String {
        let members: Vec<String> = names.iter().map(|n| format!("\"{n}\":0")).collect();
        format!("{{{}}}", members.join(","))
    }

    #[test]
    fn member_bound() {
        let mut names: Vec<String> = (0..MAX_UNIQUE_MEMBERS).map(|i| format!("n{i}")).collect();
        assert!(unique(&object(&names)));
        names.pop();
        names.push("n3".into());
        assert!(!unique(&object(&names)));
        names.pop();
        names.push(format!("\\u006e{}", MAX_UNIQUE_MEMBERS - 10));
        assert!(!unique(&object(&names)));
        names.pop();
        names.push("last".into());
        names.push("one_too_many".into());
        assert!(!unique(&object(&names)), "more members than the bound");
    }

    /// Runs the check with a hash that sends every name to the same bucket.
    fn unique_colliding(doc: &str) -> bool {
        let v = parse(doc.as_bytes(), 4).unwrap();
        check_with(&v, |_| 42, &mut cmp_names, |_, _| {})
    }

    #[test]
    fn forced_collisions_still_find_every_duplicate() {
        // A, B, A': three names with one hash; A and A' are only neighbours once the run is
        // ordered by content (comparing neighbours in document order would miss them).
        assert!(!unique_colliding(r#"{"A":1,"B":2,"\u0041":3}"#));
        assert!(!unique_colliding(r#"{"x":1,"y":2,"z":3,"y":4}"#));
        assert!(unique_colliding(r#"{"A":1,"B":2,"C":3}"#));
        let names: Vec<String> = (0..MAX_UNIQUE_MEMBERS).map(|i| format!("k{i}")).collect();
        assert!(unique_colliding(&object(&names)));
        for dup in [0, 1, MAX_UNIQUE_MEMBERS / 2, MAX_UNIQUE_MEMBERS - 2] {
            let mut with_dup = names.clone();
            with_dup.pop();
            with_dup.push(names[dup].clone());
            assert!(!unique_colliding(&object(&with_dup)), "duplicate of #{dup}");
        }
    }

    /// Hash calls and name comparisons made while checking `doc`.
    fn work(doc: &str, hash: impl Fn(JsonStr<'_>) -> u64) -> (usize, usize) {
        let v = parse(doc.as_bytes(), 4).unwrap();
        let (hashes, compares) = (Cell::new(0), Cell::new(0));
        check_with(
            &v,
            |n| {
                hashes.set(hashes.get() + 1);
                hash(n)
            },
            &mut |a, b| {
                compares.set(compares.get() + 1);
                cmp_names(a, b)
            },
            |_, _| {},
        );
        (hashes.get(), compares.get())
    }

    #[test]
    fn work_is_bounded_whatever_the_size() {
        // Before this bound, every member past the 128th was compared with all earlier ones
        // (n²/2 name comparisons, each re-walking the JSON): a 16 KiB header cost 690 verifies.
        for n in [1usize, 10, 100, 1_000, 10_000] {
            let names: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
            let doc = object(&names);
            // Objects past the small table are hashed again in the full one.
            let most_hashes =
                MAX_UNIQUE_MEMBERS.min(n) + if n > SMALL_TABLE { SMALL_TABLE } else { 0 };
            let (hashes, compares) = work(&doc, name_hash);
            assert!(hashes <= most_hashes, "{n}: {hashes} hashes");
            assert_eq!(compares, 0, "{n}: distinct hashes need no name comparison");
            // Every name colliding: the sort compares names, O(k log k) times, k ≤ the bound.
            let (hashes, compares) = work(&doc, |_| 7);
            let k = MAX_UNIQUE_MEMBERS.min(n);
            let log = usize::BITS - k.leading_zeros();
            assert!(hashes <= most_hashes);
            assert!(
                compares <= 4 * k * log as usize + 4,
                "{n}: {compares} comparisons"
            );
        }
    }

    /// `parse_unique_object` as the two-pass path (`parse`, then `visit_unique_members`)
    /// would answer, with the members each visits.
    fn two_pass(
        doc: &[u8],
        max_members: usize,
    ) -> (Result<String, ObjectError>, Vec<(String, String)>) {
        let mut seen = Vec::new();
        let verdict = match parse(doc, 8) {
            Err(_) => Err(ObjectError::Invalid),
            Ok(v) => match v.members() {
                None => Err(ObjectError::NotObject),
                Some(m) if m.clone().count() > max_members.min(MAX_UNIQUE_MEMBERS) => {
                    Err(ObjectError::TooManyMembers)
                }
                Some(_) => {
                    if super::visit_unique_members(&v, |n, x| {
                        seen.push((n.raw().into(), x.raw().into()))
                    }) {
                        Ok(v.raw().into())
                    } else {
                        Err(ObjectError::DuplicateName)
                    }
                }
            },
        };
        (verdict, seen)
    }

    fn one_pass(
        doc: &[u8],
        max_members: usize,
    ) -> (Result<String, ObjectError>, Vec<(String, String)>) {
        let mut seen = Vec::new();
        let verdict = parse_unique_object(doc, 8, max_members, |n, x| {
            seen.push((n.raw().into(), x.raw().into()))
        })
        .map(|v| v.raw().into());
        (verdict, seen)
    }

    #[test]
    fn one_pass_agrees_with_two_passes_on_chosen_documents() {
        for doc in [
            r#"{}"#,
            r#" { "a" : 1 , "b":[1,{"c":2}] ,"d" : {"e":{}} , "f":"x\"y", "g":[] } "#,
            r#"{"a":{},"b":{"a":1,"a":2}}"#,
            r#"{"a":1,"\u0061":2}"#,
            r#"{"a":1,"b":2,"c":3}"#,
            r#"[{"a":1}]"#,
            r#""str""#,
            r#"{"a":1,}"#,
            r#"{"a":1} x"#,
            r#"{"a" 1}"#,
        ] {
            for max in [0, 2, 16, 1000] {
                assert_eq!(
                    one_pass(doc.as_bytes(), max),
                    two_pass(doc.as_bytes(), max),
                    "{doc} {max}"
                );
            }
        }
        // Around the small table and the full bound.
        for n in [
            SMALL_TABLE - 1,
            SMALL_TABLE,
            SMALL_TABLE + 1,
            MAX_UNIQUE_MEMBERS,
            MAX_UNIQUE_MEMBERS + 1,
        ] {
            let mut names: Vec<String> = (0..n).map(|i| format!("n{i}")).collect();
            let doc = object(&names);
            assert_eq!(
                one_pass(doc.as_bytes(), 1000),
                two_pass(doc.as_bytes(), 1000),
                "{n}"
            );
            names.push("n0".into());
            let doc = object(&names);
            assert_eq!(
                one_pass(doc.as_bytes(), 1000),
                two_pass(doc.as_bytes(), 1000),
                "{n}+dup"
            );
        }
    }

    proptest! {
        #[test]
        fn one_pass_agrees_with_two_passes(
            members in proptest::collection::vec((
                proptest::sample::select(["a", "b", "\\u0061", "c\\\"", "\\/", "/"].as_slice()),
                proptest::sample::select(["1", " 2 ", "\"x\"", "[1,{\"a\":2}]", "{}", "{\"a\":[]}", "[", "nul"].as_slice()),
            ), 0..40),
            space in proptest::sample::select(["", " ", "\n "].as_slice()),
            max in 0usize..50,
        ) {
            let body: Vec<String> = members
                .iter()
                .map(|(n, v)| format!("{space}\"{n}\"{space}:{space}{v}{space}"))
                .collect();
            let doc = format!("{space}{{{}}}{space}", body.join(","));
            prop_assert_eq!(one_pass(doc.as_bytes(), max), two_pass(doc.as_bytes(), max));
        }

        #[test]
        fn matches_naive_oracle(names in proptest::collection::vec(
            proptest::collection::vec(proptest::sample::select(["a", "b", "\\u0061"].as_slice()), 0..3)
                .prop_map(|parts| parts.concat()),
            0..200,
        ), collide in 0u8..3) {
            // Names drawn from a tiny alphabet (with `\u0061` = `a`), so duplicates are common;
            // a third force every hash equal, a third use three hashes on one filter bit.
            let doc = object(&names);
            if let Ok(v) = parse(doc.as_bytes(), 2) {
                let decoded: Vec<String> = v.members().unwrap().map(|(n, _)| n.chars().collect()).collect();
                let mut sorted = decoded.clone();
                sorted.sort();
                sorted.dedup();
                let want = sorted.len() == decoded.len() && decoded.len() <= MAX_UNIQUE_MEMBERS;
                let got = match collide {
                    0 => check_with(&v, |_| 0, &mut cmp_names, |_, _| {}),
                    // Few distinct hashes, all on one filter bit: unequal hashes that share
                    // a bit, and equal hashes of different names.
                    1 => check_with(&v, |n| n.unescaped_len() as u64 % 3 * 128, &mut cmp_names, |_, _| {}),
                    _ => check_unique_names(&v),
                };
                prop_assert_eq!(got, want);
            }
        }

        #[test]
        fn name_hash_is_a_function_of_the_decoded_name(
            name in "[a-zA-Z0-9_é😀/\"\\\\]{0,40}",
            escape_every in 1usize..5,
        ) {
            // The same decoded name written plain (where JSON allows) and with every n-th
            // character as a \u escape (surrogate pairs beyond the BMP) hashes the same.
            let plain: String = name.chars().map(plain_char).collect();
            let mut escaped = String::new();
            for (i, c) in name.chars().enumerate() {
                if i % escape_every == 0 {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        escaped.push_str(&format!("\\u{u:04x}"));
                    }
                } else {
                    escaped.push_str(&plain_char(c));
                }
            }
            let (a, b) = (format!("\"{plain}\""), format!("\"{escaped}\""));
            let (a, b) = (parse(a.as_bytes(), 1).unwrap(), parse(b.as_bytes(), 1).unwrap());
            let (a, b) = (a.as_str().unwrap(), b.as_str().unwrap());
            prop_assert!(a.eq_str(&name) && b.eq_str(&name));
            prop_assert_eq!(name_hash(a), name_hash(b));
        }
    }
}
