//! Strict, allocation-free JSON (RFC 8259) for tokens, key sets and discovery documents.
//!
//! [`parse`] validates a whole document once — UTF-8, grammar, nesting depth, nothing after
//! the value, no lone surrogate escapes — and returns its root [`Value`]. Values are raw spans
//! of the validated text: objects are walked member by member ([`Value::members`]), arrays
//! element by element ([`Value::elements`]), strings stay escaped ([`JsonStr`]) until they are
//! compared ([`JsonStr::eq_str`], no buffer needed) or unescaped into a caller buffer
//! ([`JsonStr::unescape_into`]). Numbers are read as Unix times ([`Value::as_time`]).
//! [`check_unique_names`] rejects objects with duplicate member names (after unescaping) or
//! more than [`MAX_UNIQUE_MEMBERS`] members, in linear time. One rule for repeated names:
//! [`Value::get`] returns the first member of a name, and [`visit_unique_members`] visits
//! only objects that passed the check, so no reader ever sees a second value for a name.
//! [`parse_unique_object`] does `parse` and the check in one pass (the members are recorded
//! while they are validated), for documents that must be objects (JWT headers and claims).
//!
//! Nothing here allocates, recurses or panics; the depth bound is at most [`MAX_DEPTH`].
//!
//! ```
//! use tollgate_core::json;
//! let root = json::parse(br#"{"iss":"https:\/\/x","exp":1.5}"#, 32).unwrap();
//! let iss = root.get("iss").unwrap().as_str().unwrap();
//! assert!(iss.eq_str("https://x"));
//! assert_eq!(root.get("exp").unwrap().as_time(json::Round::Down), Ok(1));
//! ```

#[cfg(target_arch = "x86_64")]
mod flat;
mod number;
mod string;
mod unique;
mod validate;
mod value;

pub use number::Round;
pub(crate) use string::hex_value;
pub use string::{JsonStr, Unescaped};
pub(crate) use unique::parse_unique_object_plain;
pub use unique::{
    check_unique_names, parse_unique_object, visit_unique_members, ObjectError, MAX_UNIQUE_MEMBERS,
};
pub use validate::{parse, InvalidJson, MAX_DEPTH};
pub use value::{Elements, Kind, Members, Value};
