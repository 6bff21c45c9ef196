//! The protected header (RFC 7515 §4): `alg` exactly `RS256`, no `crit`, an optional `kid`
//! that selects the key, an optional `typ` the policy may require. `jku`, `x5u`, `jwk` and
//! `x5c` are never read: keys come only from the caller's key set.

use super::policy::Policy;
use crate::json::{self, JsonStr, Value};
use crate::Error;

/// What verification takes from a well-formed header.
pub(super) struct Header<'s> {
    pub kid: Option<JsonStr<'s>>,
}

/// Checks the decoded header JSON against the rules and the policy, in this order: strict
/// JSON object without duplicate names ([`Error::Malformed`]), `alg`
/// ([`Error::UnsupportedAlg`]), `crit` ([`Error::UnsupportedCrit`]), `typ` and `kid` types
/// ([`Error::Malformed`]), expected `typ` ([`Error::WrongType`]).
pub(super) fn check<'s>(header: &'s [u8], policy: &Policy<'_>) -> Result<Header<'s>, Error> {
    let root = json::parse(header, policy.max_depth).map_err(|_| Error::Malformed)?;
    let (mut alg, mut crit, mut typ, mut kid) = (None, false, None, None);
    let unique = json::visit_unique_members(&root, |name, value| {
        if name.eq_str("alg") {
            alg = Some(value);
        } else if name.eq_str("crit") {
            crit = true;
        } else if name.eq_str("typ") {
            typ = Some(value);
        } else if name.eq_str("kid") {
            kid = Some(value);
        }
    });
    if !unique {
        return Err(Error::Malformed);
    }
    match alg.and_then(|v| v.as_str()) {
        Some(alg) if alg.eq_str("RS256") => {}
        _ => return Err(Error::UnsupportedAlg),
    }
    if crit {
        return Err(Error::UnsupportedCrit);
    }
    let typ = optional_string(typ)?;
    let kid = optional_string(kid)?;
    if let Some(expected) = policy.typ {
        let matches = typ.is_some_and(|t| {
            t.chars()
                .map(|c| c.to_ascii_lowercase())
                .eq(expected.chars().map(|c| c.to_ascii_lowercase()))
        });
        if !matches {
            return Err(Error::WrongType);
        }
    }
    Ok(Header { kid })
}

fn optional_string(value: Option<Value<'_>>) -> Result<Option<JsonStr<'_>>, Error> {
    match value {
        None => Ok(None),
        Some(v) => v.as_str().map(Some).ok_or(Error::Malformed),
    }
}
