//! Verification that also hands back the registered string claims unescaped: the decoded
//! token goes into the front of the caller's scratch, the unescaped `iss`, `aud`, `sub` and
//! `jti` into the rest (plain strings are borrowed, not copied).

use super::{scratch_len, verify_signature, Claims, Policy};
use crate::json::JsonStr;
use crate::jwk::KeySet;
use crate::Error;

/// Scratch that always suffices for [`verify_with_text`] on a token of `token_len` bytes: the
/// decoded header and payload ([`scratch_len`]) plus room to unescape the claim strings (at
/// most `token_len` more). Saturates at `usize::MAX`.
pub const fn text_scratch_len(token_len: usize) -> usize {
    scratch_len(token_len).saturating_add(token_len)
}

/// The registered string claims of a verified token, unescaped (UTF-8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimText<'s> {
    /// `iss`.
    pub issuer: &'s str,
    /// The token's audience that matched the policy.
    pub audience: &'s str,
    /// `sub`, if present.
    pub subject: Option<&'s str>,
    /// `jti`, if present.
    pub jwt_id: Option<&'s str>,
}

/// The string's unescaped text: borrowed when it has no escapes, else decoded into the front
/// of `*spare`, which then shrinks past it.
fn unescaped<'s>(value: JsonStr<'s>, spare: &mut &'s mut [u8]) -> Result<&'s str, Error> {
    if let Some(plain) = value.as_plain() {
        return Ok(plain);
    }
    let (head, tail) = core::mem::take(spare)
        .split_at_mut_checked(value.unescaped_len())
        .ok_or(Error::BufferTooSmall)?;
    *spare = tail;
    value.unescape_into(head)
}

/// [`super::verify`], then the claim strings unescaped. Checks, in order: the policy
/// ([`Error::InvalidPolicy`]), the token length ([`Error::TooLarge`]), the scratch size
/// ([`Error::BufferTooSmall`] below [`text_scratch_len`]), then everything [`super::verify`] checks.
pub fn verify_with_text<'s, const N: usize>(
    keys: &KeySet<N>,
    policy: &Policy<'_>,
    token: &[u8],
    now: u64,
    scratch: &'s mut [u8],
) -> Result<(Claims<'s>, ClaimText<'s>), Error> {
    policy.check()?;
    if token.len() > policy.max_token_len {
        return Err(Error::TooLarge);
    }
    if scratch.len() < text_scratch_len(token.len()) {
        return Err(Error::BufferTooSmall);
    }
    let (decoded, mut spare) = scratch
        .split_at_mut_checked(scratch_len(token.len()))
        .ok_or(Error::BufferTooSmall)?;
    // What `verify` does, one call level less (debug builds keep every frame).
    let claims = verify_signature(keys, policy, token, decoded)?.claims(policy, now)?;
    let text = ClaimText {
        issuer: unescaped(claims.issuer(), &mut spare)?,
        audience: unescaped(claims.audience(), &mut spare)?,
        subject: claims
            .subject()
            .map(|s| unescaped(s, &mut spare))
            .transpose()?,
        jwt_id: claims
            .jwt_id()
            .map(|s| unescaped(s, &mut spare))
            .transpose()?,
    };
    Ok((claims, text))
}
