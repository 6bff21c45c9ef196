//! The pre-shared API key in a request's query string (the ACS "query-parameter token"):
//! find exactly one named parameter, percent-decode it, and compare it with the accepted keys
//! so that timing reveals neither their content nor their length.
//!
//! ```
//! use tollgate_core::apikey::check_query_key;
//! let uri = "/webhook?token=8f2d9c63a7b14d32b53c9e12a1f47fcb";
//! let accepted = ["old-key-being-retired", "8f2d9c63a7b14d32b53c9e12a1f47fcb"];
//! assert_eq!(check_query_key(uri, "token", &accepted), Ok(()));
//! ```
//!
//! Parsing rules are in [`query`]; the comparison in [`compare`].

pub mod compare;
pub mod query;

use crate::Error;

pub use compare::PresentedKey;
pub use query::find_query_parameter;

/// The parameter name ACS's documentation uses for the query token (`?token=...`).
pub const DEFAULT_PARAMETER: &str = "token";

/// Check the API key carried by query parameter `name` of `target` against `accepted` keys.
///
/// `target` is an HTTP request target in origin form (`/path?a=b`) or an absolute URI
/// (`https://host/path?a=b#frag`); `name` is the parameter name as it reads after
/// percent-decoding; `accepted` holds 1..N keys (several during a rotation), compared as
/// bytes with the decoded parameter value. `accepted` is anything iterable twice (a slice,
/// an array reference, a cloneable iterator) whose items are byte strings.
///
/// Errors, checked in this order:
/// - [`Error::InvalidArgument`]: `name` is empty, `accepted` is empty, or an accepted key is
///   empty (an empty key would accept `?token=`);
/// - [`Error::InvalidUri`]: `target` is not a request target (see [`query`]) or has malformed
///   percent-encoding;
/// - [`Error::MissingParameter`] / [`Error::DuplicateParameter`]: `name` is absent / appears
///   more than once;
/// - [`Error::KeyMismatch`]: the value equals none of the accepted keys.
///
/// Every accepted key is compared, in constant time, on every call (see [`compare`]).
pub fn check_query_key<T, I>(target: &T, name: &str, accepted: I) -> Result<(), Error>
where
    T: AsRef<[u8]> + ?Sized,
    I: IntoIterator + Clone,
    I::Item: AsRef<[u8]>,
{
    let mut any = false;
    for key in accepted.clone() {
        if key.as_ref().is_empty() {
            return Err(Error::InvalidArgument);
        }
        any = true;
    }
    if !any {
        return Err(Error::InvalidArgument);
    }
    let presented = PresentedKey::from_query(target.as_ref(), name.as_bytes())?;
    presented.matches_any(accepted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::string::String;

    #[test]
    fn rotation_accepts_any_configured_key() {
        let keys = ["k1-old", "k2-new"];
        assert_eq!(check_query_key("/w?token=k1-old", "token", &keys), Ok(()));
        assert_eq!(check_query_key("/w?token=k2-new", "token", &keys), Ok(()));
        assert_eq!(
            check_query_key("/w?token=k3", "token", &keys),
            Err(Error::KeyMismatch)
        );
    }

    #[test]
    fn prefixes_suffixes_and_case_do_not_match() {
        let keys = ["Secret"];
        for t in [
            "/w?token=Secre",
            "/w?token=Secret2",
            "/w?token=secret",
            "/w?token=",
        ] {
            assert_eq!(
                check_query_key(t, "token", &keys),
                Err(Error::KeyMismatch),
                "{t}"
            );
        }
    }

    #[test]
    fn configuration_errors_come_first() {
        let none: [&str; 0] = [];
        assert_eq!(
            check_query_key("bad uri", "token", &none),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            check_query_key("/w?token=", "token", &[""]),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            check_query_key("/w?token=x", "", &["x"]),
            Err(Error::InvalidArgument)
        );
    }

    #[test]
    fn parse_errors_are_reported_before_comparison() {
        let keys = ["x"];
        assert_eq!(
            check_query_key("/w", "token", &keys),
            Err(Error::MissingParameter)
        );
        assert_eq!(
            check_query_key("/w?token=x&token=x", "token", &keys),
            Err(Error::DuplicateParameter)
        );
        assert_eq!(
            check_query_key("/w?token=x%", "token", &keys),
            Err(Error::InvalidUri)
        );
    }

    #[test]
    fn the_acs_example_uri() {
        let uri = "https://api.example.com/webhook?token=8f2d9c63a7b14d32b53c9e12a1f47fcb";
        let key = "8f2d9c63a7b14d32b53c9e12a1f47fcb";
        assert_eq!(check_query_key(uri, DEFAULT_PARAMETER, &[key]), Ok(()));
    }

    /// Percent-encode `key` the way a client might: unreserved bytes as-is or encoded at
    /// random (`mask`), everything else always encoded.
    fn encode(key: &[u8], mask: &[bool]) -> String {
        let mut out = String::new();
        for (i, &b) in key.iter().enumerate() {
            let unreserved = b.is_ascii_alphanumeric() || b"-._~".contains(&b);
            if unreserved && !mask.get(i).copied().unwrap_or(false) {
                out.push(char::from(b));
            } else {
                out.push_str(&std::format!("%{b:02X}"));
            }
        }
        out
    }

    proptest! {
        #[test]
        fn an_encoded_key_round_trips(
            key in proptest::collection::vec(any::<u8>(), 1..100),
            mask in proptest::collection::vec(any::<bool>(), 100),
            other in proptest::collection::vec(any::<u8>(), 1..100),
        ) {
            let target = std::format!("/hook?a=1&token={}&b=%20", encode(&key, &mask));
            prop_assert_eq!(check_query_key(&target, "token", &[&key[..]]), Ok(()));
            prop_assert_eq!(check_query_key(&target, "token", &[&other[..], &key[..]]), Ok(()));
            let expected = if other == key { Ok(()) } else { Err(Error::KeyMismatch) };
            prop_assert_eq!(check_query_key(&target, "token", &[&other[..]]), expected);
        }

        #[test]
        fn arbitrary_targets_never_panic(
            target in proptest::collection::vec(any::<u8>(), 0..80),
            name in "[a-z%0-9]{1,6}",
        ) {
            let _ = check_query_key(&target[..], &name, &["k"]);
        }
    }
}
