//! Rejecting duplicate member names in an object (compared after unescaping, so `"a"` and
//! `"\u0061"` collide), in time linear in the object's length and with no buffer.
//!
//! Rules (one for every caller):
//! - An object passes only if it has at most [`MAX_UNIQUE_MEMBERS`] members and no two of
//!   them have the same decoded name. Larger objects are rejected outright: that bound is what
//!   keeps the work linear without a heap (real headers have about 5 members, real claim sets
//!   and discovery documents a few dozen).
//! - Names are hashed into a fixed stack table, which is sorted by (hash, decoded name). Equal
//!   names then sit next to each other whatever the hash does, so the check is exact even when
//!   many different names share a hash (a forced collision costs an O(r log r) sort of that
//!   run, never a missed duplicate).
//! - [`visit_unique_members`] hands members to its callback only after the whole object
//!   passed, so a reader never sees a value of an object with a repeated name. Where a name
//!   does repeat and the object is read anyway ([`Value::get`] on an unchecked object), the
//!   first member counts.
//!
//! Work: one walk to hash every name (each name byte once), a heap sort of at most
//! [`MAX_UNIQUE_MEMBERS`] entries, neighbour comparisons, and one more walk to visit.

use core::cmp::Ordering;

use super::string::JsonStr;
use super::value::Value;

/// The most members an object may have and still pass the duplicate check. The table holds
/// 16 bytes per member (2 KiB on the stack).
pub const MAX_UNIQUE_MEMBERS: usize = 128;

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
    check_with(object, fnv1a, &mut cmp_names, visit)
}

/// One table entry: the name's hash and where its text lies inside the object's JSON.
#[derive(Clone, Copy)]
struct Entry {
    hash: u64,
    start: u32,
    len: u32,
}

/// The check with the hash and the name comparison injected (tests force collisions and
/// count work through them).
fn check_with<'a>(
    object: &Value<'a>,
    hash: impl Fn(JsonStr<'_>) -> u64,
    compare: &mut impl FnMut(JsonStr<'_>, JsonStr<'_>) -> Ordering,
    mut visit: impl FnMut(JsonStr<'a>, Value<'a>),
) -> bool {
    let Some(members) = object.members() else {
        return false;
    };
    let raw = object.raw();
    let mut table = [Entry {
        hash: 0,
        start: 0,
        len: 0,
    }; MAX_UNIQUE_MEMBERS];
    let mut count = 0usize;
    for (name, _) in members.clone() {
        let Some(slot) = table.get_mut(count) else {
            return false; // too many members
        };
        // `name` is a sub-slice of `raw`: its offset is the pointer difference.
        let start = (name.raw().as_ptr() as usize).wrapping_sub(raw.as_ptr() as usize);
        let (Ok(start), Ok(len)) = (u32::try_from(start), u32::try_from(name.raw().len())) else {
            return false;
        };
        *slot = Entry {
            hash: hash(name),
            start,
            len,
        };
        count += 1;
    }
    let Some(used) = table.get_mut(..count) else {
        return false;
    };
    let name_of = |e: &Entry| {
        let start = e.start as usize;
        raw.get(start..start.saturating_add(e.len as usize))
            .map(JsonStr::new)
    };
    let mut order = |a: &Entry, b: &Entry| {
        a.hash
            .cmp(&b.hash)
            .then_with(|| match (name_of(a), name_of(b)) {
                (Some(x), Some(y)) => compare(x, y),
                _ => Ordering::Equal, // impossible: offsets come from `raw`
            })
    };
    crate::sort::sort_unstable_by(used, &mut order);
    let distinct = used.windows(2).all(|pair| match pair {
        [a, b] => order(a, b) != Ordering::Equal,
        _ => true,
    });
    if distinct {
        members.for_each(|(name, value)| visit(name, value));
    }
    distinct
}

/// Orders two names by their decoded characters (equal exactly when the names are).
fn cmp_names(a: JsonStr<'_>, b: JsonStr<'_>) -> Ordering {
    match (a.as_plain(), b.as_plain()) {
        // UTF-8 byte order is code point order.
        (Some(x), Some(y)) => x.as_bytes().cmp(y.as_bytes()),
        _ => a.chars().cmp(b.chars()),
    }
}

/// FNV-1a over the decoded name's UTF-8 bytes.
fn fnv1a(name: JsonStr<'_>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |byte: u8| {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    };
    match name.as_plain() {
        Some(plain) => plain.bytes().for_each(&mut feed),
        None => {
            for c in name.chars() {
                let mut utf8 = [0u8; 4];
                c.encode_utf8(&mut utf8).bytes().for_each(&mut feed);
            }
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::{check_unique_names, check_with, cmp_names, fnv1a, MAX_UNIQUE_MEMBERS};
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
            let (hashes, compares) = work(&doc, fnv1a);
            assert!(hashes <= MAX_UNIQUE_MEMBERS.min(n), "{n}: {hashes} hashes");
            assert_eq!(
                compares, 0,
                "{n}: distinct FNV hashes need no name comparison"
            );
            // Every name colliding: the sort compares names, O(k log k) times, k ≤ the bound.
            let (hashes, compares) = work(&doc, |_| 7);
            let k = MAX_UNIQUE_MEMBERS.min(n);
            let log = usize::BITS - k.leading_zeros();
            assert!(hashes <= k);
            assert!(
                compares <= 4 * k * log as usize + 4,
                "{n}: {compares} comparisons"
            );
        }
    }

    proptest! {
        #[test]
        fn matches_naive_oracle(names in proptest::collection::vec(
            proptest::collection::vec(proptest::sample::select(["a", "b", "\\u0061"].as_slice()), 0..3)
                .prop_map(|parts| parts.concat()),
            0..200,
        ), collide in any::<bool>()) {
            // Names drawn from a tiny alphabet (with `\u0061` = `a`), so duplicates are common;
            // half the cases force every hash equal.
            let doc = object(&names);
            if let Ok(v) = parse(doc.as_bytes(), 2) {
                let decoded: Vec<String> = v.members().unwrap().map(|(n, _)| n.chars().collect()).collect();
                let mut sorted = decoded.clone();
                sorted.sort();
                sorted.dedup();
                let want = sorted.len() == decoded.len() && decoded.len() <= MAX_UNIQUE_MEMBERS;
                let got = if collide {
                    check_with(&v, |_| 0, &mut cmp_names, |_, _| {})
                } else {
                    check_unique_names(&v)
                };
                prop_assert_eq!(got, want);
            }
        }
    }
}
