//! Writing JSON text from the CLI: strings escaped per RFC 8259 (for values the commands
//! print that are not already JSON).

use std::fmt::Write as _;

/// `text` as a JSON string literal, quotes included.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::string;

    #[test]
    fn escapes_what_json_requires_and_round_trips() {
        assert_eq!(string("a\"b\\c\n\u{1}é"), r#""a\"b\\c\n\u0001é""#);
        for text in ["", "plain", "tab\there", "\u{0}\u{1f}\u{7f}", "😀/\\\""] {
            let quoted = string(text);
            let parsed = tollgate_core::json::parse(quoted.as_bytes(), 1).unwrap();
            let back: String = parsed.as_str().unwrap().chars().collect();
            assert_eq!(back, text);
        }
    }
}
