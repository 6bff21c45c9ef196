//! Fuzz `http::bearer_token`: never panics, and an accepted token is a non-empty token68
//! suffix of the input that round-trips through "Bearer <token>".
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_core::http::bearer_token;

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = bearer_token(data) {
        assert!(!token.is_empty());
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b)));
        let start = token.as_ptr() as usize - data.as_ptr() as usize;
        assert!(start >= 7 && start + token.len() <= data.len());
        let again = format!("Bearer {token}");
        assert_eq!(bearer_token(again.as_str()), Ok(token));
    }
});
