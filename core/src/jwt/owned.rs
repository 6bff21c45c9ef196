//! `PolicyStore`: an owned [`Policy`] whose issuer, audiences and `typ` are copied into fixed
//! inline storage, so it can live anywhere (a static, the stack, caller-placed C storage)
//! without borrowing the caller's strings. Every setter validates and leaves the store
//! untouched on failure.

use super::policy::{Policy, DEFAULT_LEEWAY, DEFAULT_MAX_DEPTH, DEFAULT_MAX_TOKEN_LEN};
use crate::Error;

/// Longest issuer a [`PolicyStore`] holds, in bytes.
pub const MAX_ISSUER_LEN: usize = 256;
/// Most audiences a [`PolicyStore`] holds.
pub const MAX_AUDIENCES: usize = 8;
/// Longest audience a [`PolicyStore`] holds, in bytes.
pub const MAX_AUDIENCE_LEN: usize = 256;
/// Longest expected `typ` a [`PolicyStore`] holds, in bytes.
pub const MAX_TYP_LEN: usize = 64;
/// Largest leeway [`PolicyStore::set_leeway`] accepts, seconds (one hour): a clock-skew
/// allowance beyond it would quietly accept long-expired tokens.
pub const MAX_LEEWAY: u64 = 3600;

const REQUIRE_EXP: u32 = 1;
const HAS_MAX_AGE: u32 = 2;

/// An owned, fixed-size verification policy. Build it with [`PolicyStore::new`], adjust it
/// with the setters, and borrow a [`Policy`] from it with [`PolicyStore::policy`].
///
/// It holds plain integers and bytes only (`#[repr(C)]`, no pointers, no padding), so it may be
/// copied byte for byte; every read re-checks lengths and UTF-8, so damaged bytes give an
/// error, never undefined behaviour.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyStore {
    leeway: u64,
    max_age: u64,
    max_token_len: u64,
    max_depth: u32,
    flags: u32,
    issuer_len: u32,
    typ_len: u32,
    audience_count: u32,
    reserved: u32,
    audience_lens: [u32; MAX_AUDIENCES],
    issuer: [u8; MAX_ISSUER_LEN],
    typ: [u8; MAX_TYP_LEN],
    audiences: [[u8; MAX_AUDIENCE_LEN]; MAX_AUDIENCES],
}

/// Size of a [`PolicyStore`] in bytes (fixed: the C `tollgate_policy` embeds it).
pub const POLICY_STORE_SIZE: usize = 2448;
const _: () = assert!(core::mem::size_of::<PolicyStore>() == POLICY_STORE_SIZE);
const _: () = assert!(core::mem::align_of::<PolicyStore>() == 8);

/// Copies `src` into the front of `dst` and returns its length ([`Error::InvalidPolicy`] when
/// it is empty or does not fit).
fn copy_text(dst: &mut [u8], src: &str) -> Result<u32, Error> {
    if src.is_empty() {
        return Err(Error::InvalidPolicy);
    }
    dst.get_mut(..src.len())
        .ok_or(Error::InvalidPolicy)?
        .copy_from_slice(src.as_bytes());
    u32::try_from(src.len()).map_err(|_| Error::InvalidPolicy)
}

/// The first `len` bytes of `bytes` as UTF-8 ([`Error::InvalidArgument`] when damaged).
fn stored_text(bytes: &[u8], len: u32) -> Result<&str, Error> {
    let b = bytes.get(..len as usize).ok_or(Error::InvalidArgument)?;
    core::str::from_utf8(b).map_err(|_| Error::InvalidArgument)
}

impl PolicyStore {
    /// A policy for `issuer` and any of `audiences`, with [`Policy::new`]'s defaults.
    /// [`Error::InvalidPolicy`] for an empty issuer, no audience, an empty audience, more than
    /// [`MAX_AUDIENCES`], or text longer than [`MAX_ISSUER_LEN`] / [`MAX_AUDIENCE_LEN`].
    pub fn new(issuer: &str, audiences: &[&str]) -> Result<Self, Error> {
        if audiences.is_empty() || audiences.len() > MAX_AUDIENCES {
            return Err(Error::InvalidPolicy);
        }
        let mut store = PolicyStore {
            leeway: DEFAULT_LEEWAY,
            max_age: 0,
            max_token_len: DEFAULT_MAX_TOKEN_LEN as u64,
            max_depth: DEFAULT_MAX_DEPTH,
            flags: REQUIRE_EXP,
            issuer_len: 0,
            typ_len: 0,
            audience_count: audiences.len() as u32,
            reserved: 0,
            audience_lens: [0; MAX_AUDIENCES],
            issuer: [0; MAX_ISSUER_LEN],
            typ: [0; MAX_TYP_LEN],
            audiences: [[0; MAX_AUDIENCE_LEN]; MAX_AUDIENCES],
        };
        store.issuer_len = copy_text(&mut store.issuer, issuer)?;
        for ((slot, len), aud) in store
            .audiences
            .iter_mut()
            .zip(store.audience_lens.iter_mut())
            .zip(audiences)
        {
            *len = copy_text(slot, aud)?;
        }
        store.check()?;
        Ok(store)
    }

    /// The policy this store describes, its audience list written into `audiences` (the
    /// caller's, so the policy can borrow it). [`Error::InvalidArgument`] when the bytes were
    /// damaged (a length out of range, text not UTF-8).
    pub fn policy<'a>(
        &'a self,
        audiences: &'a mut [&'a str; MAX_AUDIENCES],
    ) -> Result<Policy<'a>, Error> {
        let issuer = stored_text(&self.issuer, self.issuer_len)?;
        let count = self.audience_count as usize;
        for ((slot, bytes), len) in audiences
            .iter_mut()
            .zip(&self.audiences)
            .zip(&self.audience_lens)
            .take(count)
        {
            *slot = stored_text(bytes, *len)?;
        }
        let audiences = audiences.get(..count).ok_or(Error::InvalidArgument)?;
        let typ = match self.typ_len {
            0 => None,
            len => Some(stored_text(&self.typ, len)?),
        };
        let mut policy = Policy::new(issuer, audiences);
        policy.leeway = self.leeway;
        policy.max_token_len = usize::try_from(self.max_token_len).unwrap_or(usize::MAX);
        policy.require_exp = self.flags & REQUIRE_EXP != 0;
        policy.typ = typ;
        policy.max_age = (self.flags & HAS_MAX_AGE != 0).then_some(self.max_age);
        policy.max_depth = self.max_depth;
        Ok(policy)
    }

    /// Whether the store describes a complete, consistent policy ([`Policy::check`]).
    pub fn check(&self) -> Result<(), Error> {
        let mut audiences = [""; MAX_AUDIENCES];
        self.policy(&mut audiences)?.check()
    }

    /// Applies `change` to a copy, checks the copy and writes it back only when both
    /// succeed: a failed setter leaves `self` untouched.
    fn update(&mut self, change: impl FnOnce(&mut Self) -> Result<(), Error>) -> Result<(), Error> {
        let mut next = *self;
        change(&mut next)?;
        next.check()?;
        *self = next;
        Ok(())
    }

    /// Clock-skew allowance in seconds for `exp`, `nbf` and `iat` (default 60; at most
    /// [`MAX_LEEWAY`], else [`Error::InvalidArgument`]).
    pub fn set_leeway(&mut self, leeway: u64) -> Result<(), Error> {
        if leeway > MAX_LEEWAY {
            return Err(Error::InvalidArgument);
        }
        self.update(|p| {
            p.leeway = leeway;
            Ok(())
        })
    }

    /// Longest token accepted, bytes (default 16 KiB; 0 is [`Error::InvalidPolicy`]).
    pub fn set_max_token_len(&mut self, max_token_len: usize) -> Result<(), Error> {
        self.update(|p| {
            p.max_token_len = u64::try_from(max_token_len).unwrap_or(u64::MAX);
            Ok(())
        })
    }

    /// Whether a token without `exp` is rejected (default yes).
    pub fn set_require_exp(&mut self, require: bool) -> Result<(), Error> {
        self.update(|p| {
            p.flags = if require {
                p.flags | REQUIRE_EXP
            } else {
                p.flags & !REQUIRE_EXP
            };
            Ok(())
        })
    }

    /// The `typ` the header must carry (ignoring ASCII case), or `None` for any (the
    /// default). An empty `typ` means `None`; longer than [`MAX_TYP_LEN`] is
    /// [`Error::InvalidPolicy`].
    pub fn set_typ(&mut self, typ: Option<&str>) -> Result<(), Error> {
        self.update(|p| {
            p.typ = [0; MAX_TYP_LEN];
            p.typ_len = match typ {
                None | Some("") => 0,
                Some(t) => copy_text(&mut p.typ, t)?,
            };
            Ok(())
        })
    }

    /// Require `iat` no older than `max_age` seconds (plus leeway); `None` turns it off (the
    /// default).
    pub fn set_max_age(&mut self, max_age: Option<u64>) -> Result<(), Error> {
        self.update(|p| {
            match max_age {
                Some(age) => {
                    p.max_age = age;
                    p.flags |= HAS_MAX_AGE;
                }
                None => {
                    p.max_age = 0;
                    p.flags &= !HAS_MAX_AGE;
                }
            }
            Ok(())
        })
    }

    /// Maximum JSON nesting depth of header and claims (default 32; 1 to
    /// [`crate::json::MAX_DEPTH`], else [`Error::InvalidPolicy`]).
    pub fn set_max_depth(&mut self, max_depth: u32) -> Result<(), Error> {
        self.update(|p| {
            p.max_depth = max_depth;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> PolicyStore {
        PolicyStore::new("https://issuer.example", &["a", "b"]).unwrap()
    }

    #[test]
    fn new_copies_and_defaults_match_policy_new() {
        let s = store();
        let mut auds = [""; MAX_AUDIENCES];
        let p = s.policy(&mut auds).unwrap();
        assert_eq!(p, Policy::new("https://issuer.example", &["a", "b"]));
    }

    #[test]
    fn new_rejects_bad_inputs() {
        let long = "x".repeat(MAX_ISSUER_LEN + 1);
        let many = ["a"; MAX_AUDIENCES + 1];
        for (iss, auds) in [
            ("", &["a"][..]),
            ("i", &[][..]),
            ("i", &[""][..]),
            (long.as_str(), &["a"][..]),
            ("i", &[long.as_str()][..]),
            ("i", &many[..]),
        ] {
            assert_eq!(PolicyStore::new(iss, auds), Err(Error::InvalidPolicy));
        }
        let max = "x".repeat(MAX_ISSUER_LEN);
        assert!(PolicyStore::new(&max, &["a"; MAX_AUDIENCES]).is_ok());
    }

    #[test]
    fn setters_change_the_policy() {
        let mut s = store();
        s.set_leeway(MAX_LEEWAY).unwrap();
        s.set_max_token_len(100).unwrap();
        s.set_require_exp(false).unwrap();
        s.set_typ(Some("JWT")).unwrap();
        s.set_max_age(Some(0)).unwrap();
        s.set_max_depth(7).unwrap();
        let mut auds = [""; MAX_AUDIENCES];
        let p = s.policy(&mut auds).unwrap();
        assert_eq!(
            (
                p.leeway,
                p.max_token_len,
                p.require_exp,
                p.typ,
                p.max_age,
                p.max_depth
            ),
            (MAX_LEEWAY, 100, false, Some("JWT"), Some(0), 7)
        );
        s.set_typ(Some("")).unwrap();
        s.set_max_age(None).unwrap();
        let mut auds = [""; MAX_AUDIENCES];
        let p = s.policy(&mut auds).unwrap();
        assert_eq!((p.typ, p.max_age), (None, None));
    }

    #[test]
    fn failed_setters_leave_the_store_untouched() {
        let mut s = store();
        s.set_typ(Some("JWT")).unwrap();
        let before = s;
        assert_eq!(s.set_leeway(MAX_LEEWAY + 1), Err(Error::InvalidArgument));
        assert_eq!(s.set_max_token_len(0), Err(Error::InvalidPolicy));
        assert_eq!(s.set_max_depth(0), Err(Error::InvalidPolicy));
        assert_eq!(s.set_max_depth(129), Err(Error::InvalidPolicy));
        let long = "t".repeat(MAX_TYP_LEN + 1);
        assert_eq!(s.set_typ(Some(&long)), Err(Error::InvalidPolicy));
        assert_eq!(s, before);
    }

    #[test]
    fn damaged_bytes_are_an_error() {
        let mut s = store();
        s.issuer_len = MAX_ISSUER_LEN as u32 + 1;
        assert_eq!(s.check(), Err(Error::InvalidArgument));
        let mut s = store();
        s.audience_count = MAX_AUDIENCES as u32 + 1;
        assert_eq!(s.check(), Err(Error::InvalidArgument));
        let mut s = store();
        s.issuer[0] = 0xff;
        assert_eq!(s.check(), Err(Error::InvalidArgument));
    }
}
