//! Why a JWKS entry was skipped, and the load report a key set keeps (fixed-size, C-friendly).

/// Why one entry of a JWKS was not loaded. The numbers are stable (C reads them as `uint32_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum SkipReason {
    /// `kty` is absent or not `RSA`.
    NotRsa = 1,
    /// `use` is present and not `sig`.
    NotForSignature = 2,
    /// `alg` is present and not `RS256`.
    NotRs256 = 3,
    /// `key_ops` is present without `verify`.
    NoVerifyOperation = 4,
    /// The modulus is outside 2048–4096 bits.
    UnsupportedKeySize = 5,
    /// The entry is not an object, has duplicate members (or more than
    /// [`crate::json::MAX_UNIQUE_MEMBERS`]), or a member (`n`, `e`, `kid`,
    /// `key_ops`, ...) has the wrong type or encoding, or the key is not a valid RSA key.
    BadEncoding = 6,
    /// The `kid` is longer than [`super::MAX_KID_LEN`] bytes.
    KidTooLong = 7,
    /// A usable key after the set was full (the first `N` usable keys are loaded; a token
    /// naming this key's `kid` gets [`crate::Error::UnknownKid`]).
    OverCapacity = 8,
}

impl SkipReason {
    /// Every reason, in number order.
    pub const ALL: [SkipReason; 8] = [
        SkipReason::NotRsa,
        SkipReason::NotForSignature,
        SkipReason::NotRs256,
        SkipReason::NoVerifyOperation,
        SkipReason::UnsupportedKeySize,
        SkipReason::BadEncoding,
        SkipReason::KidTooLong,
        SkipReason::OverCapacity,
    ];

    /// The stable number (C's `uint32_t`), from 1.
    pub const fn number(self) -> u32 {
        self as u32
    }

    /// The reason with this number, if any.
    pub fn from_number(number: u32) -> Option<SkipReason> {
        SkipReason::ALL.into_iter().find(|r| r.number() == number)
    }

    /// A stable snake_case name, e.g. `"not_rsa"`.
    pub const fn name(self) -> &'static str {
        match self {
            SkipReason::NotRsa => "not_rsa",
            SkipReason::NotForSignature => "not_for_signature",
            SkipReason::NotRs256 => "not_rs256",
            SkipReason::NoVerifyOperation => "no_verify_operation",
            SkipReason::UnsupportedKeySize => "unsupported_key_size",
            SkipReason::BadEncoding => "bad_encoding",
            SkipReason::KidTooLong => "kid_too_long",
            SkipReason::OverCapacity => "over_capacity",
        }
    }
}

/// One skipped entry: its position in the document's `keys` array and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SkippedKey {
    /// Zero-based index in the `keys` array.
    pub index: u32,
    /// Why it was skipped.
    pub reason: SkipReason,
}

/// How many skipped entries a report lists individually (all are counted).
pub const MAX_LISTED_SKIPS: usize = 16;

/// What loading a JWKS did: keys loaded, entries skipped (counted per reason, and the first
/// [`MAX_LISTED_SKIPS`] listed with their index).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadReport {
    loaded: u32,
    skipped: u32,
    per_reason: [u32; SkipReason::ALL.len()],
    listed: [SkippedKey; MAX_LISTED_SKIPS],
}

impl LoadReport {
    /// Nothing loaded, nothing skipped.
    pub const EMPTY: LoadReport = LoadReport {
        loaded: 0,
        skipped: 0,
        per_reason: [0; SkipReason::ALL.len()],
        listed: [SkippedKey {
            index: 0,
            reason: SkipReason::BadEncoding,
        }; MAX_LISTED_SKIPS],
    };

    pub(super) fn record_loaded(&mut self) {
        self.loaded = self.loaded.saturating_add(1);
    }

    pub(super) fn record_skip(&mut self, index: u32, reason: SkipReason) {
        if let Some(slot) = self.listed.get_mut(self.skipped as usize) {
            *slot = SkippedKey { index, reason };
        }
        self.skipped = self.skipped.saturating_add(1);
        if let Some(count) = self.per_reason.get_mut(reason as usize - 1) {
            *count = count.saturating_add(1);
        }
    }

    /// How many keys were loaded.
    pub fn loaded(&self) -> u32 {
        self.loaded
    }

    /// How many entries were skipped.
    pub fn skipped(&self) -> u32 {
        self.skipped
    }

    /// How many entries were skipped for `reason`.
    pub fn skipped_for(&self, reason: SkipReason) -> u32 {
        self.per_reason
            .get(reason as usize - 1)
            .copied()
            .unwrap_or(0)
    }

    /// The first (up to [`MAX_LISTED_SKIPS`]) skipped entries, in document order.
    pub fn listed_skips(&self) -> &[SkippedKey] {
        let n = (self.skipped as usize).min(MAX_LISTED_SKIPS);
        self.listed.get(..n).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::SkipReason;

    #[test]
    fn numbers_and_names_are_stable_and_dense() {
        for (i, reason) in SkipReason::ALL.into_iter().enumerate() {
            assert_eq!(
                reason.number() as usize,
                i + 1,
                "ALL is in number order, from 1"
            );
            assert_eq!(SkipReason::from_number(reason.number()), Some(reason));
            assert!(reason
                .name()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
        }
        assert_eq!(SkipReason::OverCapacity.name(), "over_capacity");
        assert_eq!(SkipReason::from_number(0), None);
        assert_eq!(
            SkipReason::from_number(SkipReason::ALL.len() as u32 + 1),
            None
        );
    }
}
