//! The strict JSON scanner against serde_json as a naive oracle: the same documents are valid,
//! strings decode to the same text, object names and integers read the same.

use proptest::prelude::*;
use tollgate_core::json::{self, Kind, Round};

/// Text from a JSON-heavy alphabet, so valid and nearly valid documents both come up often.
fn jsonish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("{"),
            Just("}"),
            Just("["),
            Just("]"),
            Just(":"),
            Just(","),
            Just("\""),
            Just(" "),
            Just("\\"),
            Just("\\u00e9"),
            Just("\\ud83d\\ude00"),
            Just("\\ud800"),
            Just("\\n"),
            Just("\\/"),
            Just("0"),
            Just("1"),
            Just("-"),
            Just("."),
            Just("e5"),
            Just("true"),
            Just("null"),
            Just("a"),
            Just("é"),
            Just("\u{1}"),
            Just("\"k\":"),
            Just("\"k\":1"),
            Just("[1,2]"),
            Just("{\"a\":\"b\"}"),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

fn same_string(ours: json::JsonStr<'_>, theirs: &str) -> bool {
    ours.eq_str(theirs) && ours.chars().collect::<String>() == theirs
}

fn compare(doc: &str) -> Result<(), TestCaseError> {
    let theirs = serde_json::from_str::<serde_json::Value>(doc);
    if let Err(e) = &theirs {
        // serde_json refuses numbers beyond f64 where the grammar allows them.
        prop_assume!(!e.to_string().contains("number out of range"));
    }
    let ours = json::parse(doc.as_bytes(), json::MAX_DEPTH);
    prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}", doc);
    let (Ok(ours), Ok(theirs)) = (ours, theirs) else {
        return Ok(());
    };
    match (&theirs, ours.kind()) {
        (serde_json::Value::String(s), Kind::String) => {
            prop_assert!(same_string(ours.as_str().unwrap(), s));
        }
        (serde_json::Value::Object(map), Kind::Object) => {
            let names: Vec<String> = ours
                .members()
                .unwrap()
                .map(|(n, _)| n.chars().collect())
                .collect();
            let unique = json::check_unique_names(&ours);
            let mut distinct = names.clone();
            distinct.sort();
            distinct.dedup();
            prop_assert_eq!(
                unique,
                distinct.len() == names.len() && names.len() <= json::MAX_UNIQUE_MEMBERS
            );
            prop_assert_eq!(distinct.len(), map.len());
            for name in map.keys() {
                prop_assert!(ours.get(name).is_some());
            }
        }
        (serde_json::Value::Array(items), Kind::Array) => {
            prop_assert_eq!(ours.elements().unwrap().count(), items.len());
        }
        (serde_json::Value::Number(n), Kind::Number) => {
            if let Some(i) = n.as_u64().filter(|i| *i <= i64::MAX as u64) {
                prop_assert_eq!(ours.as_time(Round::Down), Ok(i));
                prop_assert_eq!(ours.as_time(Round::Up), Ok(i));
            }
        }
        (serde_json::Value::Bool(_), Kind::Bool) | (serde_json::Value::Null, Kind::Null) => {}
        (theirs, kind) => prop_assert!(false, "{doc:?}: {theirs:?} vs {kind:?}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn validity_and_values_match_serde_json(doc in jsonish()) {
        compare(&doc)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn serialized_values_are_read_back(value in proptest::collection::vec(("\\PC{0,12}|[\"\\\\\\x00-\\x1f]{0,4}", any::<Option<i64>>()), 0..12)) {
        // Documents serde_json writes (escapes for controls, quotes, backslashes).
        let map: serde_json::Map<String, serde_json::Value> = value
            .into_iter()
            .map(|(k, v)| (k, v.map_or(serde_json::Value::Null, serde_json::Value::from)))
            .collect();
        let doc = serde_json::Value::Object(map.clone()).to_string();
        let ours = json::parse(doc.as_bytes(), 4).unwrap();
        prop_assert!(json::check_unique_names(&ours));
        for (name, member) in ours.members().unwrap() {
            let key: String = name.chars().collect();
            prop_assert_eq!(&serde_json::from_str::<serde_json::Value>(member.raw()).unwrap(), &map[&key]);
        }
        prop_assert_eq!(ours.members().unwrap().count(), map.len());
    }
}
