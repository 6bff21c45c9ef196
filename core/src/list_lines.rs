//! The line grammar the CIDR lists (`net::list`) and host-name lists (`host::list`) share: one
//! entry per line, a key followed by optional whitespace and a decimal `u32` tag mask (default
//! 1); `#` starts a comment; blank lines, surrounding spaces/tabs and CRLF line ends are fine.
//! Each list parses its own key; this module only cuts lines and reads tag masks.

use crate::Error;

/// The entry lines of a list text, with their 1-based numbers (blank and comment-only lines
/// are passed over).
#[derive(Clone, Debug)]
pub(crate) struct ListLines<'a> {
    lines: core::str::Split<'a, fn(char) -> bool>,
    number: usize,
}

/// One entry line: its number, its key (the first word) and what follows.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ListLine<'a> {
    /// The 1-based line number.
    pub number: usize,
    /// The first word: a CIDR, an address or a host name.
    pub key: &'a str,
    /// The rest, without leading blanks: empty or the tag mask.
    rest: &'a str,
}

impl<'a> ListLines<'a> {
    /// The entry lines of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        ListLines {
            lines: text.split(is_newline as fn(char) -> bool),
            number: 0,
        }
    }
}

impl<'a> Iterator for ListLines<'a> {
    type Item = ListLine<'a>;

    fn next(&mut self) -> Option<ListLine<'a>> {
        for raw in self.lines.by_ref() {
            self.number += 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            // Array patterns and split_at_checked: a single-char pattern and split_at keep
            // str-boundary panic paths the optimiser cannot remove.
            let line = match line.split_once(['#']) {
                Some((before, _comment)) => before,
                None => line,
            };
            let line = line.trim_matches(is_blank);
            if line.is_empty() {
                continue;
            }
            let (key, rest) = line
                .find(is_blank)
                .and_then(|at| line.split_at_checked(at))
                .unwrap_or((line, ""));
            return Some(ListLine {
                number: self.number,
                key,
                rest: rest.trim_start_matches(is_blank),
            });
        }
        None
    }
}

impl ListLine<'_> {
    /// The line's tag mask: 1 when absent, else a decimal `u32` without sign or leading zeros
    /// and nothing after it ([`Error::InvalidListLine`] otherwise).
    pub(crate) fn tags(&self) -> Result<u32, Error> {
        if self.rest.is_empty() {
            return Ok(1);
        }
        parse_tag_mask(self.rest).ok_or(Error::InvalidListLine)
    }
}

fn is_newline(c: char) -> bool {
    c == '\n'
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Decimal u32 without sign or leading zeros.
fn parse_tag_mask(text: &str) -> Option<u32> {
    let b = text.as_bytes();
    if b.is_empty() || (b.len() > 1 && b.first() == Some(&b'0')) {
        return None;
    }
    let mut v: u32 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u32::from(c - b'0'))?;
    }
    Some(v)
}
