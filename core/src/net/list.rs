//! The CIDR list text format: one entry per line, `CIDR` or a bare address, optionally followed
//! by whitespace and a decimal `u32` tag mask (default 1). `#` starts a comment; blank lines,
//! surrounding spaces/tabs and CRLF line ends are fine. Errors name the 1-based line.
//!
//! ```text
//! # Call Automation media and callback ranges
//! 52.112.0.0/14   3
//! 2620:1ec:6::/48 2
//! 192.0.2.7            # a bare address is a /32
//! ```

use super::prefix::{Prefix, PrefixError};
use crate::list_lines::ListLines;
use crate::Error;
use core::fmt;

/// One list entry: a prefix and its tag mask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListEntry {
    /// The prefix.
    pub prefix: Prefix,
    /// The tag mask OR-ed into lookups of addresses inside the prefix.
    pub tags: u32,
}

/// A list error with the 1-based line it is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListError {
    /// The 1-based line number (0 when the error is not about one line, e.g. a too-large list).
    pub line: usize,
    /// What was wrong (and, for host bits, the canonical prefix).
    pub cause: PrefixError,
}

impl ListError {
    /// The bare error (for status codes).
    pub fn error(&self) -> Error {
        self.cause.error
    }

    /// An error about the list as a whole rather than one line.
    pub fn whole(error: Error) -> Self {
        ListError {
            line: 0,
            cause: error.into(),
        }
    }
}

impl From<ListError> for Error {
    fn from(e: ListError) -> Error {
        e.cause.error
    }
}

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        fmt::Display::fmt(&self.cause, f)
    }
}

/// The entries of a list, in order; stops after the first error.
pub fn entries(text: &str) -> ListEntries<'_> {
    ListEntries {
        lines: ListLines::new(text),
        failed: false,
    }
}

/// Iterator over the entries of a list text (see [`entries`]).
#[derive(Clone, Debug)]
pub struct ListEntries<'a> {
    lines: ListLines<'a>,
    failed: bool,
}

impl Iterator for ListEntries<'_> {
    type Item = Result<ListEntry, ListError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let line = self.lines.next()?;
        let entry = Prefix::parse(line.key).and_then(|prefix| {
            Ok(ListEntry {
                prefix,
                tags: line.tags()?,
            })
        });
        self.failed = entry.is_err();
        Some(entry.map_err(|cause| ListError {
            line: line.number,
            cause,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::addr::IpNumber;
    use std::string::ToString;
    use std::vec::Vec;

    fn all(text: &str) -> Result<Vec<(std::string::String, u32)>, ListError> {
        entries(text)
            .map(|r| r.map(|e| (e.prefix.to_string(), e.tags)))
            .collect()
    }

    #[test]
    fn parses_entries_tags_comments_and_crlf() {
        let text = "# header\r\n10.0.0.0/8\r\n\r\n  192.0.2.1 \t 6 # note\n2001:db8::/32\t4294967295\n#\n   \n::1";
        let got = all(text).unwrap();
        let want = [
            ("10.0.0.0/8", 1),
            ("192.0.2.1/32", 6),
            ("2001:db8::/32", u32::MAX),
            ("::1/128", 1),
        ];
        assert_eq!(got.len(), want.len());
        for ((g, gt), (w, wt)) in got.iter().zip(want) {
            assert_eq!((g.as_str(), *gt), (w, wt));
        }
        assert!(all("").unwrap().is_empty());
        assert!(all("\n\n# only comments\n").unwrap().is_empty());
    }

    #[test]
    fn errors_name_the_line() {
        let e = all("10.0.0.0/8\n# c\n10.1.2.3/8\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert_eq!(e.error(), Error::HostBitsSet);
        assert_eq!(
            e.to_string(),
            "line 3: host_bits_set: did you mean 10.0.0.0/8?"
        );
        for (text, line, err) in [
            ("1.2.3.4 x", 1, Error::InvalidListLine),
            ("\n1.2.3.4 1 2", 2, Error::InvalidListLine),
            ("1.2.3.4 4294967296", 1, Error::InvalidListLine),
            ("1.2.3.4 -1", 1, Error::InvalidListLine),
            ("1.2.3.4 01", 1, Error::InvalidListLine),
            ("1.2.3.4 0x1", 1, Error::InvalidListLine),
            ("\n\n1.2.3", 3, Error::InvalidAddress),
            ("1.2.3.4/40", 1, Error::InvalidPrefixLength),
            ("fe80::1%eth0", 1, Error::InvalidAddress),
        ] {
            let e = all(text).unwrap_err();
            assert_eq!((e.line, e.error()), (line, err), "{text:?}");
        }
    }

    #[test]
    fn stops_after_the_first_error() {
        let mut it = entries("bad\n10.0.0.0/8");
        assert!(it.next().unwrap().is_err());
        assert!(it.next().is_none());
        let first = entries("1.2.3.4 0").next().unwrap().unwrap();
        assert_eq!(first.tags, 0);
        assert_eq!(first.prefix.address(), IpNumber::V4(0x0102_0304));
    }
}
