//! The host-name list text format: one name per line, `*.` before a name for a wildcard,
//! optionally followed by whitespace and a decimal `u32` tag mask (default 1). `#` starts a
//! comment; blank lines, surrounding spaces/tabs and CRLF line ends are fine. Errors name the
//! 1-based line.
//!
//! ```text
//! # Call Automation callback host names
//! *.lync.com              2
//! teams.microsoft.com     2
//! ```

use super::name::check_name;
use crate::list_lines::{ListLine, ListLines};
use crate::Error;
use core::fmt;

/// One list entry: a name (checked, without trailing dot or `*.`), whether it is a wildcard,
/// and its tag mask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostEntry<'a> {
    /// The name (`d` of `*.d` for a wildcard), as written (case kept).
    pub name: &'a str,
    /// `*.d`: matches every name with at least one more label under `d`, never `d` itself.
    pub wildcard: bool,
    /// The tag mask OR-ed into lookups this entry matches.
    pub tags: u32,
}

/// A list error with the 1-based line it is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostListError {
    /// The 1-based line number (0 when the error is about the list as a whole).
    pub line: usize,
    /// What was wrong: `invalid_host_name`, `invalid_list_line` (a bad tag mask or extra
    /// text), `too_many_host_names`, or a storage error of a build.
    pub error: Error,
}

impl HostListError {
    /// An error about the list as a whole rather than one line.
    pub fn whole(error: Error) -> Self {
        HostListError { line: 0, error }
    }
}

impl From<HostListError> for Error {
    fn from(e: HostListError) -> Error {
        e.error
    }
}

impl fmt::Display for HostListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        f.write_str(self.error.name())
    }
}

/// The entries of a host-name list, in order; stops after the first error.
pub fn host_entries(text: &str) -> HostEntries<'_> {
    HostEntries {
        lines: ListLines::new(text),
        failed: false,
    }
}

/// Iterator over the entries of a host-name list (see [`host_entries`]).
#[derive(Clone, Debug)]
pub struct HostEntries<'a> {
    lines: ListLines<'a>,
    failed: bool,
}

impl<'a> Iterator for HostEntries<'a> {
    type Item = Result<HostEntry<'a>, HostListError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let line = self.lines.next()?;
        let entry = parse_line(line);
        self.failed = entry.is_err();
        Some(entry.map_err(|error| HostListError {
            line: line.number,
            error,
        }))
    }
}

fn parse_line(line: ListLine<'_>) -> Result<HostEntry<'_>, Error> {
    let name = line.key;
    let (wildcard, name) = match name.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, name),
    };
    let checked = check_name(name.as_bytes())?;
    let name = name.get(..checked.len()).ok_or(Error::InvalidHostName)?;
    Ok(HostEntry {
        name,
        wildcard,
        tags: line.tags()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;
    use std::vec::Vec;

    fn all(text: &str) -> Result<Vec<(&str, bool, u32)>, HostListError> {
        host_entries(text)
            .map(|r| r.map(|e| (e.name, e.wildcard, e.tags)))
            .collect()
    }

    #[test]
    fn parses_names_wildcards_tags_and_comments() {
        let text =
            "# head\r\n*.lync.com 2\r\n\r\n  Teams.Microsoft.com. \t 6 # note\nexample.org\n";
        assert_eq!(
            all(text).unwrap(),
            [
                ("lync.com", true, 2),
                ("Teams.Microsoft.com", false, 6),
                ("example.org", false, 1)
            ]
        );
        assert!(all("").unwrap().is_empty());
        assert!(all("# only\n\n").unwrap().is_empty());
    }

    #[test]
    fn errors_name_the_line() {
        for (text, line, err) in [
            ("a.b x", 1, Error::InvalidListLine),
            ("a.b\n\na.b 1 2", 3, Error::InvalidListLine),
            ("a.b 01", 1, Error::InvalidListLine),
            ("a.b 4294967296", 1, Error::InvalidListLine),
            ("\n*.", 2, Error::InvalidHostName),
            ("*", 1, Error::InvalidHostName),
            ("**.a.b", 1, Error::InvalidHostName),
            ("a.*.b", 1, Error::InvalidHostName),
            ("*.*.a", 1, Error::InvalidHostName),
            ("a.b:443", 1, Error::InvalidHostName),
            ("a..b", 1, Error::InvalidHostName),
            ("-a.b", 1, Error::InvalidHostName),
        ] {
            let e = all(text).unwrap_err();
            assert_eq!((e.line, e.error), (line, err), "{text:?}");
        }
        let e = all("ok.example\nbad_name.example\n").unwrap_err();
        assert_eq!(e.to_string(), "line 2: invalid_host_name");
    }
}
