//! Host-name syntax: what a valid name is (RFC 1123 LDH labels), its canonical form (one
//! trailing dot dropped, compared ASCII case-insensitively), and the suffix hash tables are
//! keyed by, computed from the last byte backwards so that one pass over a name yields the
//! hash of every suffix that starts at a label.

use crate::Error;

/// The longest valid host name, in bytes, without its trailing dot.
pub const MAX_NAME_LEN: usize = 253;
/// The longest label, in bytes.
pub const MAX_LABEL_LEN: usize = 63;

/// Check a host name and return it without its one optional trailing dot.
///
/// Valid: labels of ASCII letters, digits and hyphens, not starting or ending with a hyphen
/// (so punycode `xn--` labels are fine), 1 to [`MAX_LABEL_LEN`] bytes each, at most
/// [`MAX_NAME_LEN`] bytes in all. Anything else — an empty name or label, `*`, `_`, a port,
/// spaces, non-ASCII bytes — is [`Error::InvalidHostName`].
pub fn check_name(name: &[u8]) -> Result<&[u8], Error> {
    let name = name.strip_suffix(b".").unwrap_or(name);
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(Error::InvalidHostName);
    }
    for label in name.split(|&b| b == b'.') {
        let (Some(&first), Some(&last)) = (label.first(), label.last()) else {
            return Err(Error::InvalidHostName);
        };
        if label.len() > MAX_LABEL_LEN
            || first == b'-'
            || last == b'-'
            || !label
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(Error::InvalidHostName);
        }
    }
    Ok(name)
}

const SEED: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// The running state of a suffix hash: feed bytes from the last to the first.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SuffixHash(u64);

impl SuffixHash {
    pub(crate) const fn new() -> Self {
        SuffixHash(SEED)
    }

    /// Take the byte before those seen so far (case-folded).
    #[inline(always)]
    pub(crate) fn push(&mut self, byte: u8) {
        self.0 = (self.0 ^ u64::from(byte.to_ascii_lowercase())).wrapping_mul(PRIME);
    }

    /// The hash of the bytes seen so far, mixed so that its top bits pick a slot.
    #[inline(always)]
    pub(crate) fn finish(self) -> u64 {
        let mut h = self.0;
        h ^= h >> 31;
        h = h.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^ (h >> 29)
    }
}

/// The hash of a whole (already checked) name, as tables store it.
pub(crate) fn name_hash(name: &[u8]) -> u64 {
    let mut h = SuffixHash::new();
    for &b in name.iter().rev() {
        h.push(b);
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::String;

    #[test]
    fn valid_names() {
        for (name, want) in [
            ("a", "a"),
            ("teams.microsoft.com", "teams.microsoft.com"),
            ("Teams.Microsoft.COM.", "Teams.Microsoft.COM"),
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
            ("a-b.c", "a-b.c"),
            ("1.2.3.4", "1.2.3.4"),
            ("0a.9", "0a.9"),
        ] {
            assert_eq!(check_name(name.as_bytes()), Ok(want.as_bytes()), "{name}");
        }
        let label = "a".repeat(63);
        assert!(check_name(label.as_bytes()).is_ok());
        // 253 bytes: 63 + 1 + 63 + 1 + 63 + 1 + 61.
        let long = [label.as_str(), &label, &label, &"b".repeat(61)].join(".");
        assert_eq!(long.len(), 253);
        assert!(check_name(long.as_bytes()).is_ok());
        assert!(check_name(format!("{long}.").as_bytes()).is_ok());
        assert_eq!(
            check_name(format!("{long}x").as_bytes()),
            Err(Error::InvalidHostName)
        );
    }

    #[test]
    fn invalid_names() {
        let long_label = "a".repeat(64);
        let bad: [&str; 22] = [
            "",
            ".",
            "..",
            "a..b",
            ".a",
            "a..",
            "-a.b",
            "a-.b",
            "a.-b",
            "*.a.b",
            "a.*",
            "a_b.c",
            "a.b:443",
            "a b.c",
            " a.b",
            "a.b ",
            "ä.b",
            "a.b/",
            "a\0b",
            "[::1]",
            &long_label,
            "a.b\n",
        ];
        for name in bad {
            assert_eq!(
                check_name(name.as_bytes()),
                Err(Error::InvalidHostName),
                "{name:?}"
            );
        }
        let _ = String::new();
    }

    #[test]
    fn suffix_hash_is_case_insensitive_and_incremental() {
        assert_eq!(
            name_hash(b"Teams.Microsoft.com"),
            name_hash(b"teams.microsoft.com")
        );
        assert_ne!(
            name_hash(b"teams.microsoft.com"),
            name_hash(b"microsoft.com")
        );
        let name = b"a.teams.microsoft.com";
        let mut h = SuffixHash::new();
        for (i, &b) in name.iter().enumerate().rev() {
            h.push(b);
            assert_eq!(h.finish(), name_hash(&name[i..]));
        }
    }
}
