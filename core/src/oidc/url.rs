//! The URL rules for discovery documents: `https` URLs with a well-formed authority
//! (RFC 3986 §3.2 as RFC 9110 §4.2.2 and §4.2.4 narrow it for `https`), checked on the decoded
//! characters of a JSON string without a buffer.

use crate::json::JsonStr;

/// Which URL a rule set is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum UrlKind {
    /// An issuer identifier (OIDC Discovery §3, OIDC Core §2): no query, no fragment.
    Issuer,
    /// A `jwks_uri`: query and fragment allowed.
    JwksUri,
}

/// Whether `url` is `https://` (scheme in any case) followed by an authority with a
/// non-empty host and nothing else: no userinfo (RFC 9110 §4.2.4), a host that is a
/// bracketed, well-formed IPv6 literal (no zone) or a reg-name / IPv4 of unreserved,
/// sub-delim and `%HH` characters, and an optional port of 1 to 5 digits in 1..=65535.
/// After the authority: no whitespace, control, backslash or non-ASCII character anywhere,
/// and for an issuer no `?` or `#`.
pub(super) fn is_valid_https_url(url: JsonStr<'_>, kind: UrlKind) -> bool {
    let mut chars = url.chars().peekable();
    let scheme_ok = "https://"
        .chars()
        .all(|expected| chars.next().map(|c| c.to_ascii_lowercase()) == Some(expected));
    if !scheme_ok {
        return false;
    }
    // The authority runs to the first `/`, `?`, `#` or the end.
    let mut authority = [0u8; MAX_AUTHORITY];
    let mut len = 0usize;
    while let Some(&c) = chars.peek() {
        if matches!(c, '/' | '?' | '#') {
            break;
        }
        let (Some(slot), true) = (authority.get_mut(len), c.is_ascii()) else {
            return false;
        };
        *slot = c as u8;
        len += 1;
        chars.next();
    }
    if !authority.get(..len).is_some_and(is_valid_authority) {
        return false;
    }
    chars.all(|c| {
        c.is_ascii_graphic() && c != '\\' && !(kind == UrlKind::Issuer && matches!(c, '?' | '#'))
    })
}

/// The longest authority accepted: a 253-byte DNS name, a port, and room for `%HH` escapes.
const MAX_AUTHORITY: usize = 320;

fn is_valid_authority(authority: &[u8]) -> bool {
    if authority.contains(&b'@') {
        return false; // userinfo
    }
    let (host, port) = match authority.split_first() {
        Some((b'[', rest)) => {
            let Some(close) = rest.iter().position(|&b| b == b']') else {
                return false;
            };
            let (Some(literal), Some(after)) = (rest.get(..close), rest.get(close + 1..)) else {
                return false;
            };
            let ipv6 = core::str::from_utf8(literal)
                .ok()
                .is_some_and(|text| crate::net::parse_ipv6(text).is_ok());
            if !ipv6 {
                return false;
            }
            match after.split_first() {
                None => return true,
                Some((b':', port)) => (literal, Some(port)),
                Some(_) => return false,
            }
        }
        _ => match authority.iter().position(|&b| b == b':') {
            Some(colon) => (
                authority.get(..colon).unwrap_or(&[]),
                Some(authority.get(colon + 1..).unwrap_or(&[])),
            ),
            None => (authority, None),
        },
    };
    let literal = authority.first() == Some(&b'[');
    (literal || is_reg_name(host)) && port.is_none_or(is_valid_port)
}

/// A non-empty reg-name or IPv4 address: unreserved, sub-delims and valid `%HH`.
fn is_reg_name(host: &[u8]) -> bool {
    let mut rest = host;
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {}
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' => {}
            b'%' => match rest {
                [hi, lo, tail @ ..] if hi.is_ascii_hexdigit() && lo.is_ascii_hexdigit() => {
                    rest = tail;
                }
                _ => return false,
            },
            _ => return false,
        }
    }
    !host.is_empty()
}

/// 1 to 5 ASCII digits whose value is 1..=65535.
fn is_valid_port(port: &[u8]) -> bool {
    (1..=5).contains(&port.len())
        && port.iter().all(u8::is_ascii_digit)
        && (1..=65535).contains(&port.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::{is_valid_https_url, UrlKind};
    use crate::json::parse;
    use std::format;

    fn valid(url: &str, kind: UrlKind) -> bool {
        let doc = format!("\"{url}\"");
        is_valid_https_url(parse(doc.as_bytes(), 1).unwrap().as_str().unwrap(), kind)
    }

    #[test]
    fn accepts_https_urls_with_a_host() {
        for url in [
            "https://h",
            "https://h/",
            "https://login.microsoftonline.com/t/v2.0",
            "HTTPS://H/k",
            "https://h:443/k",
            "https://h:1/k",
            "https://h:65535",
            "https://192.0.2.1:8443/keys",
            "https://[::1]/k",
            "https://[::1]:443/k",
            "https://[2001:db8::1]",
            "https://[::ffff:192.0.2.1]/k",
            "https://xn--bcher-kva.example/k",
            "https://h%41/k",
            "https:\\/\\/h\\/k",
            "https\\u003a//h",
        ] {
            assert!(valid(url, UrlKind::Issuer), "issuer {url}");
            assert!(valid(url, UrlKind::JwksUri), "jwks_uri {url}");
        }
        assert!(valid("https://h/k?x=1#f", UrlKind::JwksUri));
    }

    #[test]
    fn rejects_everything_else() {
        for url in [
            "http://h/k",
            "https:/h/k",
            "https:///k",
            "https://",
            "https://@/k",
            "https://u@h/k",
            "https://u:p@h/k",
            "https://:443/k",
            "https://h:/k",
            "https://h:0/k",
            "https://h:65536/k",
            "https://h:443443/k",
            "https://h:44a/k",
            "https://h:443:1/k",
            "https://[::1/k",
            "https://[::1]x/k",
            "https://[::1]:/k",
            "https://[]/k",
            "https://[::g]/k",
            "https://[1:2:3:4:5:6:7:8:9]/k",
            "https://[fe80::1%25eth0]/k",
            "https://[v1.x]/k",
            "https://::1/k",
            "https://h]/k",
            "https://h%4/k",
            "https://h\\\\evil/k",
            "https://h/k x",
            "https://h\\u0000/k",
            "https://h\\u00e9/k",
            "https://h/\\u00e9",
            "ftp://h/k",
        ] {
            assert!(!valid(url, UrlKind::Issuer), "issuer {url}");
            assert!(!valid(url, UrlKind::JwksUri), "jwks_uri {url}");
        }
        for url in ["https://h/k?x", "https://h/k#f", "https://h?", "https://h#"] {
            assert!(!valid(url, UrlKind::Issuer), "issuer {url}");
            assert!(valid(url, UrlKind::JwksUri), "jwks_uri {url}");
        }
        let long = format!("https://{}/k", "a".repeat(400));
        assert!(!valid(&long, UrlKind::JwksUri));
    }
}
