//! JWKS documents (RFC 7517) loaded into a fixed-capacity, immutable key set of RS256 keys.
//!
//! [`KeySet::parse`] (or [`KeySet::load`] into an existing set, or [`KeySet::load_uninit`]
//! into uninitialised caller storage, in place) reads a JWKS document and keeps every usable
//! key: `kty` `RSA`, `use` absent or `sig`, `alg` absent or `RS256`,
//! `key_ops` absent or containing `verify`, a 2048–4096-bit modulus, a `kid` of at most
//! [`MAX_KID_LEN`] bytes (or none). Other entries are skipped, not fatal; the
//! [`LoadReport`] says how many loaded and why each other was skipped. Loading fails only for
//! a malformed document ([`Error::InvalidJwks`]), two usable keys with the same `kid`
//! ([`Error::DuplicateKid`]) or no usable key ([`Error::NoUsableKey`]);
//! [`KeySet::check_report`] and [`KeySet::load_uninit`] give the report on failure too (the
//! entries judged before the failure was found), for saying why no key was usable.
//!
//! A load judges the whole document first (pass 1: every check, no key built), so a failure
//! changes nothing; then it builds each key in its final slot (pass 2). Neither pass keeps a
//! key or a set on the stack: [`KeySet::load`] and [`KeySet::load_uninit`] use about 5 KiB
//! of stack in a release build ([`KeySet::parse`] also returns the set itself by value).
//!
//! A document with more usable keys than the capacity `N` still loads: the first `N` usable
//! keys (document order) are kept and every later one is reported as skipped with
//! [`SkipReason::OverCapacity`] (its index in the report; [`entry_kid`] reads its `kid`), so
//! an issuer that publishes one key too many does not stop every refresh. A token signed by
//! a key left out gets [`Error::UnknownKid`]. A key left out whose `kid` equals a loaded
//! key's is still [`Error::DuplicateKid`]; two left-out keys are not compared with each other
//! (neither is loaded).
//!
//! A loaded set is immutable and `Send + Sync`: share one between threads. To rotate keys,
//! load a second set and swap which one you use.
//!
//! # Unknown `kid` and refreshing
//! A token whose `kid` is not in the set fails with [`Error::UnknownKid`]: the issuer may have
//! rotated its keys. Refetch the JWKS (from the discovery document's `jwks_uri`) and retry the
//! token once, but at most once per cooldown (for example 5 minutes): otherwise anyone can
//! make you hammer the issuer by sending tokens with random `kid`s. Between refreshes,
//! `unknown_kid` is a plain rejection.
//!
//! ```
//! use tollgate_core::jwk::KeySet;
//! let jwks = br#"{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}"#;
//! assert_eq!(KeySet::<4>::parse(jwks).err(), Some(tollgate_core::Error::NoUsableKey));
//! ```

mod entry;
mod report;

pub use report::{LoadReport, SkipReason, SkippedKey, MAX_LISTED_SKIPS};

use crate::json::{self, JsonStr};
use crate::rsa::RsaPublicKey;
use crate::Error;
use core::mem::MaybeUninit;
use core::ptr::addr_of_mut;

/// The longest `kid` kept (bytes, after unescaping); entries with longer ones are skipped.
pub const MAX_KID_LEN: usize = 128;

/// Nesting accepted in a JWKS document.
pub const MAX_DEPTH: u32 = 32;

/// A key id stored inline.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Kid {
    bytes: [u8; MAX_KID_LEN],
    len: u8,
}

impl Kid {
    const EMPTY: Kid = Kid {
        bytes: [0; MAX_KID_LEN],
        len: 0,
    };

    fn as_str(&self) -> &str {
        self.bytes
            .get(..usize::from(self.len))
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

/// One usable RS256 verification key.
#[derive(Clone, Debug)]
pub struct Key {
    kid: Option<Kid>,
    public_key: RsaPublicKey,
}

impl Key {
    /// A slot for [`KeySet::fill`] to build a key into.
    const UNSET: Key = Key {
        kid: None,
        public_key: RsaPublicKey::UNSET,
    };

    /// The key's `kid` (unescaped), if the JWK had one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_ref().map(Kid::as_str)
    }

    /// The RSA public key.
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public_key
    }
}

/// Up to `N` RS256 keys loaded from a JWKS document, with the report of that load.
#[derive(Clone, Debug)]
pub struct KeySet<const N: usize> {
    keys: [Option<Key>; N],
    len: usize,
    report: LoadReport,
}

impl<const N: usize> Default for KeySet<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> KeySet<N> {
    /// An empty set (every lookup fails until [`Self::load`] succeeds).
    pub const fn new() -> Self {
        KeySet {
            keys: [const { None }; N],
            len: 0,
            report: LoadReport::EMPTY,
        }
    }

    /// Parses a JWKS document into a new set (see the module docs for the rules).
    pub fn parse(document: &[u8]) -> Result<Self, Error> {
        let mut set = Self::new();
        set.load(document)?;
        Ok(set)
    }

    /// What [`Self::load`] would report for `document`, or the error it would return,
    /// without loading anything: for callers that must know a load succeeds before they
    /// touch the storage it will fill.
    pub fn check(document: &[u8]) -> Result<LoadReport, Error> {
        let (report, outcome) = Self::check_report(document);
        outcome.map(|()| report)
    }

    /// Like [`Self::check`], but the report comes on failure too, holding every entry judged
    /// before the failure was found (loading nothing, so its `loaded` counts usable keys
    /// found, none of which is kept anywhere):
    /// - [`Error::InvalidJwks`]: the document is checked as a whole before any entry is
    ///   judged, so nothing is counted or listed (`loaded` 0, `skipped` 0);
    /// - [`Error::DuplicateKid`]: the entries before the one whose `kid` repeats an earlier
    ///   usable key's; judging stops there, so that entry and later ones are neither counted
    ///   nor listed;
    /// - [`Error::NoUsableKey`]: every entry, each skipped with its reason (`loaded` 0).
    pub fn check_report(document: &[u8]) -> (LoadReport, Result<(), Error>) {
        let mut report = LoadReport::EMPTY;
        let outcome = Self::judge_document(document, &mut report).map(|_| ());
        (report, outcome)
    }

    /// Replaces this set's keys with those of `document` and returns the load report. On
    /// error the set is left exactly as it was.
    pub fn load(&mut self, document: &[u8]) -> Result<LoadReport, Error> {
        let mut report = LoadReport::EMPTY;
        let entries = Self::judge_document(document, &mut report)?;
        self.fill(entries, &report);
        Ok(report)
    }

    /// Loads `document` into uninitialised storage in place, without a set-sized temporary
    /// on the stack (the C ABI's `tollgate_keyset_parse` uses it on caller memory). Returns
    /// the report on both paths, as [`Self::check_report`] describes; on error `slot` is not
    /// written (it stays as it was, initialised or not), on success it holds the set.
    pub fn load_uninit<'s>(
        slot: &'s mut MaybeUninit<Self>,
        document: &[u8],
    ) -> (LoadReport, Result<&'s mut Self, Error>) {
        let mut report = LoadReport::EMPTY;
        match Self::judge_document(document, &mut report) {
            Err(error) => (report, Err(error)),
            Ok(entries) => {
                let set = Self::init_empty(slot);
                set.fill(entries, &report);
                (report, Ok(set))
            }
        }
    }

    /// Writes an empty set into `slot` field by field (no set-sized temporary).
    fn init_empty(slot: &mut MaybeUninit<Self>) -> &mut Self {
        let set = slot.as_mut_ptr();
        // SAFETY: `set` points to storage valid for writes of a `Self` (it comes from the
        // exclusive `slot`). Field pointers made with `addr_of_mut!` read nothing; each of the
        // three fields (`len`, `report`, and all `N` elements of `keys`) is written once with
        // a valid value before `assume_init_mut` (padding needs no initialisation).
        unsafe {
            addr_of_mut!((*set).len).write(0);
            addr_of_mut!((*set).report).write(LoadReport::EMPTY);
            let keys = addr_of_mut!((*set).keys).cast::<Option<Key>>();
            for i in 0..N {
                keys.add(i).write(None);
            }
            slot.assume_init_mut()
        }
    }

    /// Pass 2 of a load, on a document pass 1 accepted: cannot fail; fills `self` in place.
    #[inline(never)]
    fn fill(&mut self, entries: json::Elements<'_>, report: &LoadReport) {
        let mut filled = 0usize;
        for usable in entries.filter_map(|entry| entry::judge(entry).ok()) {
            let Some(slot) = self.keys.get_mut(filled) else {
                break;
            };
            *slot = Some(Key::UNSET);
            let Some(key) = slot.as_mut() else { break };
            if let Some(kid) = usable.kid {
                let stored = key.kid.insert(Kid::EMPTY);
                if let Ok(text) = kid.unescape_into(&mut stored.bytes) {
                    stored.len = u8::try_from(text.len()).unwrap_or(0);
                }
            }
            if usable.build_into(&mut key.public_key) {
                filled += 1;
            } else {
                // Ruled out by pass 1; never keep a half-built key.
                *slot = None;
            }
        }
        for slot in self.keys.iter_mut().skip(filled) {
            *slot = None;
        }
        self.len = filled;
        self.report = *report;
    }

    /// Pass 1 of a load: judges every entry into `report` and finds every failure, touching
    /// nothing else.
    #[inline(never)]
    fn judge_document<'d>(
        document: &'d [u8],
        report: &mut LoadReport,
    ) -> Result<json::Elements<'d>, Error> {
        let root = json::parse(document, MAX_DEPTH).map_err(|_| Error::InvalidJwks)?;
        if !json::check_unique_names(&root) {
            return Err(Error::InvalidJwks);
        }
        let entries = root
            .get("keys")
            .and_then(|keys| keys.elements())
            .ok_or(Error::InvalidJwks)?;
        let mut kids: [Option<JsonStr<'_>>; N] = [None; N];
        let mut usable = 0usize;
        for (index, entry) in entries.clone().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            match entry::judge(entry) {
                Err(reason) => report.record_skip(index, reason),
                Ok(key) => {
                    if let Some(kid) = key.kid {
                        let earlier = kids.iter().take(usable).flatten();
                        if earlier.into_iter().any(|k| same_kid(*k, kid)) {
                            return Err(Error::DuplicateKid);
                        }
                    }
                    if usable >= N {
                        report.record_skip(index, SkipReason::OverCapacity);
                        continue;
                    }
                    // Keys without a kid are kept as `None`; `kids` then only tracks position.
                    if let Some(slot) = kids.get_mut(usable) {
                        *slot = key.kid;
                    }
                    usable += 1;
                    report.record_loaded();
                }
            }
        }
        if usable == 0 {
            return Err(Error::NoUsableKey);
        }
        Ok(entries)
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set holds no key (only before a successful load).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The report of the load that filled this set.
    pub fn report(&self) -> &LoadReport {
        &self.report
    }

    /// The keys, in document order.
    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.keys.iter().flatten()
    }

    /// The key a token header selects: with a `kid`, the key with exactly that id (else
    /// [`Error::UnknownKid`]); without one, the only key of a one-key set (else
    /// [`Error::MissingKid`]).
    pub fn select(&self, kid: Option<JsonStr<'_>>) -> Result<&Key, Error> {
        match kid {
            Some(kid) => self
                .keys()
                .find(|key| key.kid().is_some_and(|k| kid.eq_str(k)))
                .ok_or(Error::UnknownKid),
            None => match (self.len, self.keys().next()) {
                (1, Some(only)) => Ok(only),
                _ => Err(Error::MissingKid),
            },
        }
    }

    /// The key with exactly this `kid` (for callers holding an unescaped id).
    pub fn find(&self, kid: &str) -> Option<&Key> {
        self.keys().find(|key| key.kid() == Some(kid))
    }
}

/// The `kid` of entry `index` of a JWKS document's `keys` array (still escaped): for naming
/// the entries a [`LoadReport`] lists by index (for example those skipped with
/// [`SkipReason::OverCapacity`]). `Ok(None)` when that entry has no string `kid`;
/// [`Error::InvalidJwks`] when the document is not a JSON object with a `keys` array;
/// [`Error::InvalidArgument`] when `keys` has no entry `index`.
pub fn entry_kid(document: &[u8], index: u32) -> Result<Option<JsonStr<'_>>, Error> {
    let root = json::parse(document, MAX_DEPTH).map_err(|_| Error::InvalidJwks)?;
    let entry = root
        .get("keys")
        .and_then(|keys| keys.elements())
        .ok_or(Error::InvalidJwks)?
        .nth(usize::try_from(index).map_err(|_| Error::InvalidArgument)?)
        .ok_or(Error::InvalidArgument)?;
    Ok(entry.get("kid").and_then(|kid| kid.as_str()))
}

fn same_kid(a: JsonStr<'_>, b: JsonStr<'_>) -> bool {
    a.chars().eq(b.chars())
}

#[cfg(test)]
mod tests;
