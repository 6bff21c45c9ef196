//! The claims of a token whose signature verified: the policy's checks (issuer, audience,
//! times) and the view the caller reads them through, borrowing the scratch buffer.

use super::policy::Policy;
use crate::json::{self, JsonStr, Kind, Round, Value};
use crate::Error;

/// The verified claims of a token. Borrows the scratch buffer given to
/// [`super::verify`]; copy out what you need before reusing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claims<'s> {
    root: Value<'s>,
    issuer: JsonStr<'s>,
    audience: JsonStr<'s>,
    audience_index: usize,
    subject: Option<JsonStr<'s>>,
    jwt_id: Option<JsonStr<'s>>,
    expires_at: Option<u64>,
    not_before: Option<u64>,
    issued_at: Option<u64>,
}

impl<'s> Claims<'s> {
    /// Parses the decoded payload and applies the policy at time `now`, in this order:
    /// strict JSON object without duplicate names ([`Error::Malformed`]); `iss`
    /// ([`Error::MissingClaim`], [`Error::InvalidClaim`], [`Error::WrongIssuer`]); `aud`
    /// (missing, invalid, [`Error::WrongAudience`]); `exp` (missing when required, invalid,
    /// [`Error::Expired`] unless `now < exp + leeway`); `nbf` (invalid,
    /// [`Error::NotYetValid`] unless `now >= nbf - leeway`); `iat` (invalid; with a maximum
    /// age: missing, or [`Error::TooOld`] when `now > iat + max_age + leeway` or
    /// `iat > now + leeway`); `sub` and `jti` must be strings when present.
    pub(super) fn check(payload: &'s [u8], policy: &Policy<'_>, now: u64) -> Result<Self, Error> {
        let mut found = RegisteredClaims::default();
        let (root, _, plain) = json::parse_unique_object_plain(
            payload,
            policy.max_depth,
            json::MAX_UNIQUE_MEMBERS,
            |name, value| found.record(name, value),
        )
        .map_err(|_| Error::Malformed)?;
        // In a document without escapes a string is its own decoded text.
        let equal = |value: JsonStr<'_>, expected: &str| {
            if plain {
                value.raw() == expected
            } else {
                value.eq_str(expected)
            }
        };
        let issuer = found.iss.ok_or(Error::MissingClaim)?;
        let issuer = issuer.as_str().ok_or(Error::InvalidClaim)?;
        if !equal(issuer, policy.issuer) {
            return Err(Error::WrongIssuer);
        }
        let (audience, audience_index) =
            match_audience(found.aud.ok_or(Error::MissingClaim)?, policy, equal)?;

        let time = |value: Option<Value<'s>>, round| value.map(|v| v.as_time(round)).transpose();
        let expires_at = time(found.exp, Round::Down)?;
        let not_before = time(found.nbf, Round::Up)?;
        let issued_at = time(found.iat, Round::Down)?;
        match expires_at {
            None if policy.require_exp => return Err(Error::MissingClaim),
            Some(exp) if now >= exp.saturating_add(policy.leeway) => return Err(Error::Expired),
            _ => {}
        }
        if let Some(nbf) = not_before {
            if now.saturating_add(policy.leeway) < nbf {
                return Err(Error::NotYetValid);
            }
        }
        if let Some(max_age) = policy.max_age {
            let iat = issued_at.ok_or(Error::MissingClaim)?;
            let oldest = iat.saturating_add(max_age).saturating_add(policy.leeway);
            if now > oldest || iat > now.saturating_add(policy.leeway) {
                return Err(Error::TooOld);
            }
        }
        let text = |value: Option<Value<'s>>| match value {
            None => Ok(None),
            Some(v) => v.as_str().map(Some).ok_or(Error::InvalidClaim),
        };
        Ok(Claims {
            root,
            issuer,
            audience,
            audience_index,
            subject: text(found.sub)?,
            jwt_id: text(found.jti)?,
            expires_at,
            not_before,
            issued_at,
        })
    }

    /// `iss` (equal to the policy's issuer).
    pub fn issuer(&self) -> JsonStr<'s> {
        self.issuer
    }

    /// The token's audience value that matched.
    pub fn audience(&self) -> JsonStr<'s> {
        self.audience
    }

    /// Which of the policy's audiences matched (index into [`Policy::audiences`]).
    pub fn audience_index(&self) -> usize {
        self.audience_index
    }

    /// `sub`, if present.
    pub fn subject(&self) -> Option<JsonStr<'s>> {
        self.subject
    }

    /// `jti`, if present.
    pub fn jwt_id(&self) -> Option<JsonStr<'s>> {
        self.jwt_id
    }

    /// `exp` in Unix seconds (rounded down), if present.
    pub fn expires_at(&self) -> Option<u64> {
        self.expires_at
    }

    /// `nbf` in Unix seconds (rounded up), if present.
    pub fn not_before(&self) -> Option<u64> {
        self.not_before
    }

    /// `iat` in Unix seconds (rounded down), if present.
    pub fn issued_at(&self) -> Option<u64> {
        self.issued_at
    }

    /// The whole claim set as JSON text (the decoded payload, without surrounding space).
    pub fn json(&self) -> &'s str {
        self.root.raw()
    }

    /// The top-level claim `name` ([`Error::ClaimNotFound`] when absent); its JSON text is
    /// [`Value::raw`].
    pub fn claim(&self, name: &str) -> Result<Value<'s>, Error> {
        self.root.get(name).ok_or(Error::ClaimNotFound)
    }

    /// The string claim `name` unescaped into `buf`: [`Error::ClaimNotFound`],
    /// [`Error::InvalidClaim`] when it is not a string, [`Error::BufferTooSmall`].
    pub fn claim_str<'b>(&self, name: &str, buf: &'b mut [u8]) -> Result<&'b str, Error> {
        self.claim(name)?
            .as_str()
            .ok_or(Error::InvalidClaim)?
            .unescape_into(buf)
    }
}

/// The registered claims verification reads, recorded during the duplicate-name walk.
#[derive(Default)]
struct RegisteredClaims<'s> {
    iss: Option<Value<'s>>,
    aud: Option<Value<'s>>,
    exp: Option<Value<'s>>,
    nbf: Option<Value<'s>>,
    iat: Option<Value<'s>>,
    sub: Option<Value<'s>>,
    jti: Option<Value<'s>>,
}

impl<'s> RegisteredClaims<'s> {
    fn record(&mut self, name: JsonStr<'s>, value: Value<'s>) {
        let raw = name.raw().as_bytes();
        // Every registered name is three plain bytes: most names are dismissed by length, the
        // rest by one integer comparison each.
        let index = match raw {
            [a, b, c] => match u32::from_le_bytes([*a, *b, *c, 0]) {
                ISS => 0,
                AUD => 1,
                EXP => 2,
                NBF => 3,
                IAT => 4,
                SUB => 5,
                JTI => 6,
                _ => return,
            },
            // Escaped names are rare: compare them decoded. A letter can only be escaped as
            // `\uXXXX`, so an escaped registered name is 8 to 18 bytes, and one of its first
            // three bytes starts an escape.
            [a, b, c, ..] if raw.len() >= 8 && raw.len() <= 18 && [a, b, c].contains(&&b'\\') => {
                match escaped_registered(name) {
                    Some(index) => index,
                    None => return,
                }
            }
            _ => return,
        };
        let slot = match index {
            0 => &mut self.iss,
            1 => &mut self.aud,
            2 => &mut self.exp,
            3 => &mut self.nbf,
            4 => &mut self.iat,
            5 => &mut self.sub,
            _ => &mut self.jti,
        };
        *slot = Some(value);
    }
}

/// The slot of a name of at least 8 bytes that is a registered name escaped (rare: kept out of
/// line so that recording plain names stays a small function).
#[cold]
#[inline(never)]
fn escaped_registered(name: JsonStr<'_>) -> Option<usize> {
    if !name.raw().as_bytes().contains(&b'\\') {
        return None;
    }
    REGISTERED.iter().position(|n| name.eq_str(n))
}

/// A three-byte name as the integer [`RegisteredClaims::record`] compares.
const fn word(name: &[u8; 3]) -> u32 {
    u32::from_le_bytes([name[0], name[1], name[2], 0])
}
const ISS: u32 = word(b"iss");
const AUD: u32 = word(b"aud");
const EXP: u32 = word(b"exp");
const NBF: u32 = word(b"nbf");
const IAT: u32 = word(b"iat");
const SUB: u32 = word(b"sub");
const JTI: u32 = word(b"jti");

/// The registered claims [`RegisteredClaims`] records, in its slot order.
const REGISTERED: [&str; 7] = ["iss", "aud", "exp", "nbf", "iat", "sub", "jti"];

/// The first audience of the token (document order) equal to one of the policy's.
/// `equal` compares a token string with an expected one (decoded).
fn match_audience<'s>(
    aud: Value<'s>,
    policy: &Policy<'_>,
    equal: impl Fn(JsonStr<'_>, &str) -> bool,
) -> Result<(JsonStr<'s>, usize), Error> {
    let find = |value: JsonStr<'s>| {
        policy
            .audiences
            .iter()
            .position(|expected| equal(value, expected))
            .map(|index| (value, index))
    };
    match aud.kind() {
        Kind::String => aud.as_str().and_then(find).ok_or(Error::WrongAudience),
        Kind::Array => {
            let mut matched = None;
            for element in aud.elements().into_iter().flatten() {
                let value = element.as_str().ok_or(Error::InvalidClaim)?;
                if matched.is_none() {
                    matched = find(value);
                }
            }
            matched.ok_or(Error::WrongAudience)
        }
        _ => Err(Error::InvalidClaim),
    }
}

#[cfg(test)]
mod tests {
    use super::{Claims, Policy};
    use crate::Error;

    const POLICY: Policy<'static> = Policy::new("https://i", &["a"]);

    fn check(payload: &str) -> Result<Claims<'_>, Error> {
        Claims::check(payload.as_bytes(), &POLICY, 100)
    }

    #[test]
    fn registered_names_are_read_plain_or_escaped() {
        let ok = check(r#"{"iss":"https://i","aud":"a","exp":200,"sub":"s","jti":"j"}"#).unwrap();
        assert_eq!(ok.subject().map(|s| s.raw()), Some("s"));
        assert_eq!(ok.jwt_id().map(|s| s.raw()), Some("j"));
        let escaped =
            check(r#"{"\u0069ss":"https:\/\/i","a\u0075d":["b","a"],"ex\u0070":200.5,"\u006ebf":1,"i\u0061t":2,"s\u0075b":"s"}"#)
                .unwrap();
        assert_eq!(escaped.expires_at(), Some(200));
        assert_eq!(escaped.not_before(), Some(1));
        assert_eq!(escaped.issued_at(), Some(2));
        assert_eq!(escaped.audience_index(), 0);
        assert!(escaped.subject().is_some());
        assert_eq!(
            check(r#"{"iss":"https://i","aud":"a","\u0065xp":30}"#).err(),
            Some(Error::Expired)
        );
        // Near misses are other claims, not registered ones.
        for payload in [
            r#"{"isss":"https://i","aud":"a","exp":200}"#,
            r#"{"is":"https://i","aud":"a","exp":200}"#,
            r#"{"ISS":"https://i","aud":"a","exp":200}"#,
            r#"{"\u0069s":"https://i","aud":"a","exp":200}"#,
        ] {
            assert_eq!(check(payload).err(), Some(Error::MissingClaim), "{payload}");
        }
        assert_eq!(
            check(r#"{"iss":"https://i","aud":"a","exp":200,"s\u0075b":1}"#).err(),
            Some(Error::InvalidClaim)
        );
    }
}
