//! Rejecting duplicate member names in an object (compared after unescaping, so `"a"` and
//! `"\u0061"` collide). Names are hashed into a fixed stack table and sorted, so the common
//! case is O(n log n) with no buffer; equal hashes are confirmed by exact comparison.

use super::string::JsonStr;
use super::value::Value;

/// How many member hashes fit the stack table (1 KiB). Objects with more members are
/// checked pairwise beyond the table: O(n²) string comparisons, bounded by the caller's
/// input size limit. Token headers are checked before the signature and are small; claim
/// sets are checked only after the signature verified.
pub const HASHED_MEMBERS: usize = 128;

/// Whether every member name of `object` is distinct after unescaping. `false` also for a
/// value that is not an object.
pub fn check_unique_names(object: &Value<'_>) -> bool {
    visit_unique_members(object, |_, _| {})
}

/// [`check_unique_names`] that also hands every member to `visit`, in document order, during
/// the same walk (callers that read several members save a second pass). When it returns
/// `false`, `visit` may have seen members of an object that is to be rejected.
pub fn visit_unique_members<'a>(
    object: &Value<'a>,
    mut visit: impl FnMut(JsonStr<'a>, Value<'a>),
) -> bool {
    let Some(members) = object.members() else {
        return false;
    };
    let mut table = [(0u64, 0u32); HASHED_MEMBERS];
    let mut count = 0usize;
    for (index, (name, value)) in members.clone().enumerate() {
        visit(name, value);
        if index >= HASHED_MEMBERS {
            // Pairwise for the tail: each later name against every earlier one.
            let earlier = members.clone().take(index);
            if earlier.map(|(n, _)| n).any(|n| same_name(n, name)) {
                return false;
            }
            continue;
        }
        if let Some(slot) = table.get_mut(index) {
            *slot = (hash(name), index as u32);
            count = index + 1;
        }
    }
    let Some(used) = table.get_mut(..count) else {
        return false;
    };
    crate::sort::sort_unstable(used);
    used.windows(2).all(|pair| match pair {
        [(h1, i1), (h2, i2)] if h1 == h2 => {
            let a = members.clone().nth(*i1 as usize).map(|(n, _)| n);
            let b = members.clone().nth(*i2 as usize).map(|(n, _)| n);
            !matches!((a, b), (Some(a), Some(b)) if same_name(a, b))
        }
        _ => true,
    })
}

fn same_name(a: JsonStr<'_>, b: JsonStr<'_>) -> bool {
    if a.raw() == b.raw() {
        return true;
    }
    match (a.as_plain(), b.as_plain()) {
        (Some(x), Some(y)) => x == y,
        _ => a.chars().eq(b.chars()),
    }
}

/// FNV-1a over the decoded characters.
fn hash(name: JsonStr<'_>) -> u64 {
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
    use super::{check_unique_names, HASHED_MEMBERS};
    use crate::json::parse;
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
    fn visit_sees_every_member_in_order() {
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
        let dup = parse(br#"{"a":1,"a":2}"#, 4).unwrap();
        assert!(!super::visit_unique_members(&dup, |_, _| {}));
    }

    fn object(names: &[String]) -> String {
        let members: Vec<String> = names.iter().map(|n| format!("\"{n}\":0")).collect();
        format!("{{{}}}", members.join(","))
    }

    #[test]
    fn beyond_the_hash_table() {
        let mut names: Vec<String> = (0..HASHED_MEMBERS + 40).map(|i| format!("n{i}")).collect();
        assert!(unique(&object(&names)));
        names.push("n3".into());
        assert!(!unique(&object(&names)));
        names.pop();
        names.push(format!("\\u006e{}", HASHED_MEMBERS + 10));
        assert!(!unique(&object(&names)));
    }

    proptest! {
        #[test]
        fn matches_naive_oracle(names in proptest::collection::vec(
            proptest::collection::vec(proptest::sample::select(["a", "b", "\\u0061"].as_slice()), 0..3)
                .prop_map(|parts| parts.concat()),
            0..200,
        )) {
            // Names drawn from a tiny alphabet (with `\u0061` = `a`), so duplicates are common.
            let doc = object(&names);
            if let Ok(v) = parse(doc.as_bytes(), 2) {
                let decoded: Vec<String> = v.members().unwrap().map(|(n, _)| n.chars().collect()).collect();
                let mut sorted = decoded.clone();
                sorted.sort();
                sorted.dedup();
                prop_assert_eq!(check_unique_names(&v), sorted.len() == decoded.len());
            }
        }
    }
}
