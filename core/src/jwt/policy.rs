//! What a verified token must satisfy: issuer, audiences, time leeway and the limits applied
//! before any work (token length, JSON depth).

use crate::json::MAX_DEPTH;
use crate::Error;

/// Default clock-skew allowance, seconds.
pub const DEFAULT_LEEWAY: u64 = 60;
/// Default maximum token length, bytes (16 KiB).
pub const DEFAULT_MAX_TOKEN_LEN: usize = 16 * 1024;
/// Default maximum JSON nesting depth of the header and the claims.
pub const DEFAULT_MAX_DEPTH: u32 = 32;

/// The rules a token must meet. Everything is borrowed; build one per configuration and share
/// it. Start from [`Policy::new`] and change fields as needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy<'p> {
    /// The exact `iss` expected (compared after JSON unescaping; no normalisation: case,
    /// trailing slash and prefix all matter). Must not be empty.
    pub issuer: &'p str,
    /// Accepted audiences: the token's `aud` (a string or an array of strings) must contain
    /// one of them exactly. At least one, none empty.
    pub audiences: &'p [&'p str],
    /// Clock-skew allowance in seconds for `exp`, `nbf` and `iat`.
    pub leeway: u64,
    /// Longer tokens are rejected with [`Error::TooLarge`] before anything else. At least 1.
    pub max_token_len: usize,
    /// Whether a token without `exp` is rejected ([`Error::MissingClaim`]).
    pub require_exp: bool,
    /// When set, the header's `typ` must equal it, ignoring ASCII case ([`Error::WrongType`]).
    pub typ: Option<&'p str>,
    /// When set, `iat` is required and `now` may be at most this many seconds (plus leeway)
    /// after it ([`Error::TooOld`]).
    pub max_age: Option<u64>,
    /// Maximum JSON nesting depth of header and claims (1 to [`MAX_DEPTH`]).
    pub max_depth: u32,
}

impl<'p> Policy<'p> {
    /// A policy for `issuer` and `audiences` with the defaults: leeway 60 s, tokens up to
    /// 16 KiB, `exp` required, any `typ`, no maximum age, depth 32.
    pub const fn new(issuer: &'p str, audiences: &'p [&'p str]) -> Self {
        Policy {
            issuer,
            audiences,
            leeway: DEFAULT_LEEWAY,
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
            require_exp: true,
            typ: None,
            max_age: None,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }

    /// [`Error::InvalidPolicy`] unless the policy is complete and consistent (see each field).
    pub fn check(&self) -> Result<(), Error> {
        let complete = !self.issuer.is_empty()
            && !self.audiences.is_empty()
            && self.audiences.iter().all(|a| !a.is_empty())
            && self.max_token_len > 0
            && self.typ.is_none_or(|t| !t.is_empty())
            && (1..=MAX_DEPTH).contains(&self.max_depth);
        if complete {
            Ok(())
        } else {
            Err(Error::InvalidPolicy)
        }
    }
}
