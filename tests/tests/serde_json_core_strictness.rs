//! Why core does not parse JSON with serde-json-core (named by the design card): documents it
//! accepts that our strict scanner must reject, most of them read differently by a second
//! parser on the same path (serde_json here; an API gateway, a log pipeline or the application
//! reading the claims again in practice). Recorded in docs/dependencies.md.

use serde::Deserialize;
use tollgate_core::json;

/// What a serde-json-core user would derive for a claim set (borrowed, no allocation).
#[derive(Deserialize, Debug, PartialEq)]
struct Claims<'a> {
    iss: &'a str,
}

/// Our scanner as the verifier uses it: strict JSON, then no duplicate member names.
fn scanner_accepts(doc: &str) -> bool {
    json::parse(doc.as_bytes(), json::MAX_DEPTH).is_ok_and(|v| json::check_unique_names(&v))
}

/// serde-json-core's reading of `iss`, or None when it rejects the document.
fn sjc_iss(doc: &str) -> Option<&str> {
    serde_json_core::from_str::<Claims>(doc)
        .ok()
        .map(|(c, _)| c.iss)
}

/// serde_json's reading of `iss` (the second parser), or None when it rejects the document.
fn serde_json_iss(doc: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(doc).ok()?;
    v.get("iss")?.as_str().map(str::to_owned)
}

#[test]
fn member_names_that_parsers_read_differently() {
    // (document, serde-json-core's iss, serde_json's iss)
    let cases = [
        // An escaped name: serde-json-core does not unescape member names, so `\u0069ss` is
        // an unknown member it skips; serde_json reads a second `iss` and keeps the last.
        (r#"{"iss":"a","\u0069ss":"b"}"#, "a", "b"),
        (r#"{"\u0069ss":"b","iss":"a"}"#, "a", "a"),
        // A duplicated unknown member: derive ignores unknown names, so it never sees the
        // duplicate at all.
        (r#"{"iss":"a","x":1,"x":2}"#, "a", "a"),
    ];
    for (doc, sjc, second) in cases {
        assert_eq!(sjc_iss(doc), Some(sjc), "serde-json-core accepts {doc}");
        assert_eq!(
            serde_json_iss(doc).as_deref(),
            Some(second),
            "serde_json on {doc}"
        );
        assert!(!scanner_accepts(doc), "our scanner must reject {doc}");
    }
    // A duplicated known member is caught by derive itself (serde's duplicate_field), as by
    // our scanner; the gap is everything derive does not name.
    let doc = r#"{"iss":"a","iss":"b"}"#;
    assert_eq!(sjc_iss(doc), None);
    assert!(!scanner_accepts(doc));
}

#[test]
fn borrowed_strings_keep_their_escapes() {
    // With borrowed `&str` fields serde-json-core hands back the raw text between the quotes:
    // an issuer written with an escape compares unequal to the one it denotes (and a lone
    // surrogate comes through unchecked), where serde_json and our scanner unescape.
    let doc = r#"{"iss":"\u0061"}"#;
    assert_eq!(sjc_iss(doc), Some(r"\u0061"));
    assert_eq!(serde_json_iss(doc).as_deref(), Some("a"));
    assert!(scanner_accepts(doc));
    let v = json::parse(doc.as_bytes(), json::MAX_DEPTH).unwrap();
    assert!(v
        .get("iss")
        .and_then(|s| s.as_str())
        .is_some_and(|s| s.eq_str("a")));

    let doc = r#"{"iss":"\ud800"}"#;
    assert_eq!(sjc_iss(doc), Some(r"\ud800"));
    assert_eq!(serde_json_iss(doc), None);
    assert!(!scanner_accepts(doc));
}

#[test]
fn invalid_json_in_members_it_skips() {
    // Members a derived struct does not name are skipped without full validation: invalid
    // JSON that serde_json (and RFC 8259) reject passes.
    for doc in [
        r#"{"iss":"a","x":01}"#,
        r#"{"iss":"a","x":1.}"#,
        r#"{"iss":"a","x":tru}"#,
        r#"{"iss":"a","x":"\u00"}"#,
        "{\"iss\":\"a\",\"x\":\"\u{1}\"}",
    ] {
        assert_eq!(sjc_iss(doc), Some("a"), "serde-json-core accepts {doc:?}");
        assert_eq!(serde_json_iss(doc), None, "serde_json rejects {doc:?}");
        assert!(!scanner_accepts(doc), "our scanner must reject {doc:?}");
    }
}

#[test]
fn both_agree_on_plain_documents() {
    // The control: where nothing is ambiguous, all three read the same.
    let doc = r#"{"iss":"https://acscallautomation.communication.azure.com","x":[1,{"y":null}]}"#;
    let want = "https://acscallautomation.communication.azure.com";
    assert_eq!(sjc_iss(doc), Some(want));
    assert_eq!(serde_json_iss(doc).as_deref(), Some(want));
    assert!(scanner_accepts(doc));
}
