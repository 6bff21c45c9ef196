//! OpenID Connect discovery: `issuer` and `jwks_uri` from an OpenID configuration document
//! (`.well-known/openid-configuration`, or ACS's `acsopenidconfiguration`).
//!
//! The values are returned as escaped [`JsonStr`] views of the document: borrow them with
//! [`JsonStr::as_plain`] when they have no escapes, or decode them with
//! [`JsonStr::unescape_into`] (a buffer of [`JsonStr::unescaped_len`] bytes, at most the
//! document length, always suffices).
//!
//! ```
//! use tollgate_core::oidc::Discovery;
//! let doc = br#"{"issuer":"https://acscallautomation.communication.azure.com",
//!   "jwks_uri":"https:\/\/acscallautomation.communication.azure.com\/calling\/keys"}"#;
//! let d = Discovery::parse(doc).unwrap();
//! let mut buf = [0u8; 128];
//! assert_eq!(d.jwks_uri.unescape_into(&mut buf).unwrap(),
//!            "https://acscallautomation.communication.azure.com/calling/keys");
//! ```

use crate::json::{self, JsonStr};
use crate::Error;

/// Nesting accepted in a discovery document (they are flat objects with a few arrays).
pub const MAX_DEPTH: u32 = 32;

/// What tollgate needs from an OpenID configuration document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Discovery<'a> {
    /// The issuer identifier (compare it with the issuer you expected before trusting it).
    pub issuer: JsonStr<'a>,
    /// Where the JWKS lives; always `https://` with a host.
    pub jwks_uri: JsonStr<'a>,
}

impl<'a> Discovery<'a> {
    /// Parses a discovery document: a strict JSON object without duplicate member names,
    /// with non-empty string members `issuer` and `jwks_uri` (else
    /// [`Error::InvalidDiscovery`]); `jwks_uri` must be an `https` URL with a host, without
    /// whitespace or control characters (else [`Error::InsecureJwksUri`]). Other members are
    /// ignored.
    pub fn parse(document: &'a [u8]) -> Result<Self, Error> {
        let root = json::parse(document, MAX_DEPTH).map_err(|_| Error::InvalidDiscovery)?;
        if !json::check_unique_names(&root) {
            return Err(Error::InvalidDiscovery);
        }
        let string = |name| {
            root.get(name)
                .and_then(|v| v.as_str())
                .filter(|s| !s.raw().is_empty())
                .ok_or(Error::InvalidDiscovery)
        };
        let issuer = string("issuer")?;
        let jwks_uri = string("jwks_uri")?;
        if !is_https_url(jwks_uri) {
            return Err(Error::InsecureJwksUri);
        }
        Ok(Discovery { issuer, jwks_uri })
    }
}

/// `https://` (scheme case-insensitive) then a non-empty authority, and no character that
/// could hide another URL (space, control, backslash).
fn is_https_url(uri: JsonStr<'_>) -> bool {
    let mut chars = uri.chars();
    let scheme_ok = "https://"
        .chars()
        .all(|expected| chars.next().map(|c| c.to_ascii_lowercase()) == Some(expected));
    let mut authority_len = 0usize;
    let mut in_authority = true;
    for c in chars {
        if c.is_control() || c.is_whitespace() || c == '\\' {
            return false;
        }
        if matches!(c, '/' | '?' | '#') {
            in_authority = false;
        } else if in_authority {
            authority_len += 1;
        }
    }
    scheme_ok && authority_len > 0
}

#[cfg(test)]
mod tests {
    use super::Discovery;
    use crate::Error;

    fn parse(doc: &str) -> Result<(std::string::String, std::string::String), Error> {
        Discovery::parse(doc.as_bytes())
            .map(|d| (d.issuer.chars().collect(), d.jwks_uri.chars().collect()))
    }

    #[test]
    fn reads_issuer_and_jwks_uri_unescaped() {
        let (iss, uri) = parse(
            r#"{"issuer":"https:\/\/login.microsoftonline.com\/t\/v2.0","jwks_uri":"HTTPS://h/k",
                "response_types_supported":["code"],"x":{"y":[1,2]}}"#,
        )
        .unwrap();
        assert_eq!(iss, "https://login.microsoftonline.com/t/v2.0");
        assert_eq!(uri, "HTTPS://h/k");
    }

    #[test]
    fn rejects_bad_documents() {
        use Error::*;
        for (doc, want) in [
            ("", InvalidDiscovery),
            ("[]", InvalidDiscovery),
            (r#"{"issuer":"https://i"}"#, InvalidDiscovery),
            (r#"{"jwks_uri":"https://h/k"}"#, InvalidDiscovery),
            (
                r#"{"issuer":"","jwks_uri":"https://h/k"}"#,
                InvalidDiscovery,
            ),
            (r#"{"issuer":1,"jwks_uri":"https://h/k"}"#, InvalidDiscovery),
            (
                r#"{"issuer":"i","jwks_uri":"https://h/k","issuer":"j"}"#,
                InvalidDiscovery,
            ),
            (
                r#"{"issuer":"i","jwks_uri":"https://h/k"} x"#,
                InvalidDiscovery,
            ),
            (r#"{"issuer":"i","jwks_uri":"http://h/k"}"#, InsecureJwksUri),
            (r#"{"issuer":"i","jwks_uri":"https:/h/k"}"#, InsecureJwksUri),
            (r#"{"issuer":"i","jwks_uri":"https:///k"}"#, InsecureJwksUri),
            (
                r#"{"issuer":"i","jwks_uri":"https://h/k x"}"#,
                InsecureJwksUri,
            ),
            (
                r#"{"issuer":"i","jwks_uri":"https://h\u0000/k"}"#,
                InsecureJwksUri,
            ),
            (
                r#"{"issuer":"i","jwks_uri":"https://h\\evil/k"}"#,
                InsecureJwksUri,
            ),
            (r#"{"issuer":"i","jwks_uri":"ftp://h/k"}"#, InsecureJwksUri),
        ] {
            assert_eq!(parse(doc).err(), Some(want), "{doc}");
        }
    }
}
