//! Fuzzes OpenID discovery parsing: accepted documents yield an issuer and an https
//! `jwks_uri` that unescape into buffers of the announced size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_core::oidc::Discovery;
use tollgate_core::Error;

fuzz_target!(|data: &[u8]| {
    match Discovery::parse(data) {
        Ok(d) => {
            let mut issuer = vec![0u8; d.issuer.unescaped_len()];
            let issuer = d.issuer.unescape_into(&mut issuer).expect("fits");
            assert!(issuer
                .get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://")));
            assert!(!issuer.contains(['?', '#']), "{issuer}");
            // No userinfo: no `@` in the authority (a path may hold one, RFC 3986 pchar).
            let issuer_authority = issuer[8..].split('/').next().unwrap_or("");
            assert!(
                !issuer_authority.is_empty() && !issuer_authority.contains('@'),
                "{issuer}"
            );
            assert!(d.require_issuer(issuer).is_ok());
            let mut uri = vec![0u8; d.jwks_uri.unescaped_len()];
            let uri = d.jwks_uri.unescape_into(&mut uri).expect("fits");
            assert!(uri.len() > "https://".len());
            assert!(uri
                .get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://")));
            let authority = uri[8..].split(['/', '?', '#']).next().unwrap_or("");
            assert!(!authority.is_empty() && !authority.contains('@'), "{uri}");
        }
        Err(e) => assert!(matches!(
            e,
            Error::InvalidDiscovery | Error::InsecureJwksUri | Error::InvalidIssuer
        )),
    }
});
