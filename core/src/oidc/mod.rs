//! OpenID Connect discovery: `issuer` and `jwks_uri` from an OpenID configuration document
//! (`.well-known/openid-configuration`, or ACS's `acsopenidconfiguration`).
//!
//! The values are returned as escaped [`JsonStr`] views of the document: borrow them with
//! [`JsonStr::as_plain`] when they have no escapes, or decode them with
//! [`JsonStr::unescape_into`] (a buffer of [`JsonStr::unescaped_len`] bytes, at most the
//! document length, always suffices).
//!
//! Both URLs are checked ([`Discovery::parse`]): the issuer is an `https` URL with a host
//! and no query or fragment (OIDC Discovery §3), the `jwks_uri` an `https` URL with a valid
//! host, port and IPv6 literal and no userinfo (RFC 9110 §4.2.4). A document fetched from
//! `<issuer>/.well-known/openid-configuration` must also name exactly that issuer (OIDC
//! Discovery §4.3): use [`Discovery::parse_expecting_issuer`].
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

mod url;

use crate::json::{self, JsonStr};
use crate::Error;
use url::{is_valid_https_url, UrlKind};

/// Nesting accepted in a discovery document (they are flat objects with a few arrays).
pub const MAX_DEPTH: u32 = 32;

/// What tollgate needs from an OpenID configuration document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Discovery<'a> {
    /// The issuer identifier: an `https` URL with a host, without query or fragment. Compare
    /// it with the issuer you expected before trusting it ([`Self::require_issuer`]).
    pub issuer: JsonStr<'a>,
    /// Where the JWKS lives: an `https` URL with a valid host and port, no userinfo.
    pub jwks_uri: JsonStr<'a>,
}

impl<'a> Discovery<'a> {
    /// Parses a discovery document: a strict JSON object of at most
    /// [`json::MAX_UNIQUE_MEMBERS`] members without duplicate names,
    /// with non-empty string members `issuer` and `jwks_uri` (else
    /// [`Error::InvalidDiscovery`]); `jwks_uri` must be an `https` URL with a valid host (a
    /// bracketed IPv6 literal must be well-formed) and port (1 to 65535), no userinfo, and no
    /// whitespace, control, backslash or non-ASCII character (else
    /// [`Error::InsecureJwksUri`]); then `issuer` an `https` URL with a host and no query,
    /// fragment or userinfo, under the same character rules (else [`Error::InvalidIssuer`]).
    /// Other members are ignored.
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
        if !is_valid_https_url(jwks_uri, UrlKind::JwksUri) {
            return Err(Error::InsecureJwksUri);
        }
        if !is_valid_https_url(issuer, UrlKind::Issuer) {
            return Err(Error::InvalidIssuer);
        }
        Ok(Discovery { issuer, jwks_uri })
    }

    /// [`Self::parse`], then OIDC Discovery §4.3: the document's `issuer` must be exactly
    /// `expected` (the issuer whose `/.well-known/openid-configuration` was fetched), else
    /// [`Error::IssuerMismatch`]. This is what `tollgate discover --expect-issuer` calls.
    pub fn parse_expecting_issuer(document: &'a [u8], expected: &str) -> Result<Self, Error> {
        let discovery = Self::parse(document)?;
        discovery.require_issuer(expected)?;
        Ok(discovery)
    }

    /// OIDC Discovery §4.3: [`Error::IssuerMismatch`] unless `issuer` equals `expected`
    /// exactly after JSON unescaping (no normalisation: case, trailing slash, default port
    /// all count).
    pub fn require_issuer(&self, expected: &str) -> Result<(), Error> {
        if self.issuer.eq_str(expected) {
            Ok(())
        } else {
            Err(Error::IssuerMismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Discovery;
    use crate::Error;
    use std::format;

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
    fn issuer_and_jwks_uri_rules() {
        use Error::*;
        let doc = |iss: &str, uri: &str| format!(r#"{{"issuer":"{iss}","jwks_uri":"{uri}"}}"#);
        for (iss, uri, want) in [
            ("https://i", "https://@/k", InsecureJwksUri),
            ("https://i", "https://:443/k", InsecureJwksUri),
            ("https://i", "https://[::1/k", InsecureJwksUri),
            ("https://i", "https://u@h/k", InsecureJwksUri),
            ("https://i", "https://h:99999/k", InsecureJwksUri),
            ("http://i", "https://h/k", InvalidIssuer),
            ("https://i?x=1", "https://h/k", InvalidIssuer),
            ("https://i#f", "https://h/k", InvalidIssuer),
            ("https://i/t?", "https://h/k", InvalidIssuer),
            ("https://", "https://h/k", InvalidIssuer),
            ("https://u@i", "https://h/k", InvalidIssuer),
            ("i", "https://h/k", InvalidIssuer),
        ] {
            assert_eq!(parse(&doc(iss, uri)).err(), Some(want), "{iss} {uri}");
        }
        for (iss, uri) in [
            ("https://i", "https://h:8443/k"),
            ("https://i:443/", "https://[::1]:443/k?x#y"),
            ("https://[2001:db8::1]/t/v2.0", "https://[2001:db8::1]/keys"),
            ("https://192.0.2.1:8443", "https://192.0.2.1/k"),
        ] {
            assert!(parse(&doc(iss, uri)).is_ok(), "{iss} {uri}");
        }
    }

    #[test]
    fn expected_issuer_must_match_exactly() {
        let doc = br#"{"issuer":"https:\/\/i\/t","jwks_uri":"https://h/k"}"#;
        assert!(Discovery::parse_expecting_issuer(doc, "https://i/t").is_ok());
        for other in [
            "https://i/t/",
            "https://I/t",
            "https://i",
            "https://i:443/t",
            "",
        ] {
            assert_eq!(
                Discovery::parse_expecting_issuer(doc, other).err(),
                Some(Error::IssuerMismatch),
                "{other}"
            );
        }
        let bad = br#"{"issuer":"http://i/t","jwks_uri":"https://h/k"}"#;
        assert_eq!(
            Discovery::parse_expecting_issuer(bad, "http://i/t").err(),
            Some(Error::InvalidIssuer)
        );
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
                r#"{"issuer":"https://i","jwks_uri":"https://h/k","issuer":"https://j"}"#,
                InvalidDiscovery,
            ),
            (
                r#"{"issuer":"https://i","jwks_uri":"https://h/k"} x"#,
                InvalidDiscovery,
            ),
            (
                r#"{"issuer":"https://i","jwks_uri":"http://h/k"}"#,
                InsecureJwksUri,
            ),
            (
                r#"{"issuer":"https://i","jwks_uri":"https:/h/k"}"#,
                InsecureJwksUri,
            ),
            (
                r#"{"issuer":"https://i","jwks_uri":"https:///k"}"#,
                InsecureJwksUri,
            ),
            (
                r#"{"issuer":"https://i","jwks_uri":"https://h/k x"}"#,
                InsecureJwksUri,
            ),
            (
                r#"{"issuer":"https://i","jwks_uri":"https://h\u0000/k"}"#,
                InsecureJwksUri,
            ),
            (
                r#"{"issuer":"https://i","jwks_uri":"https://h\\evil/k"}"#,
                InsecureJwksUri,
            ),
            (
                r#"{"issuer":"https://i","jwks_uri":"ftp://h/k"}"#,
                InsecureJwksUri,
            ),
        ] {
            assert_eq!(parse(doc).err(), Some(want), "{doc}");
        }
    }
}
