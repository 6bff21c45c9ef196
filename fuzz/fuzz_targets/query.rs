//! Fuzz the query API key check: never panics; the first byte picks the parameter name
//! length, the rest is split into name and request target; when a parameter is found, its
//! decoded value must be accepted as a key and a different key must be rejected.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_core::apikey::{check_query_key, find_query_parameter};
use tollgate_core::Error;

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 8).min(rest.len());
    let (name, target) = rest.split_at(n);
    let Ok(name) = core::str::from_utf8(name) else {
        return;
    };
    let found = find_query_parameter(target, name.as_bytes());
    let decoded: Option<Vec<u8>> = found.ok().map(|v| v.decoded().collect());
    match &decoded {
        Some(value) if !value.is_empty() => {
            assert_eq!(check_query_key(target, name, [value.as_slice()]), Ok(()));
            let mut other = value.clone();
            other.push(0);
            assert_eq!(
                check_query_key(target, name, [other.as_slice()]),
                Err(Error::KeyMismatch)
            );
        }
        _ => {
            let r = check_query_key(target, name, [b"k".as_slice()]);
            if let Err(e) = found {
                assert_eq!(r, Err(e));
            }
        }
    }
});
