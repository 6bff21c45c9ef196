//! The query API key check across the crates: core and the C ABI agree, rotation works
//! through `tollgate_str` arrays, and no call allocates, whatever the key length.

use std::ffi::c_char;
use tollgate::http::tollgate_apikey_check;
use tollgate::tollgate_status;
use tollgate::types::tollgate_str;
use tollgate_core::apikey::check_query_key;

#[global_allocator]
static ALLOC: tollgate_tests::CountingAllocator = tollgate_tests::CountingAllocator;

fn c_str(s: &[u8]) -> tollgate_str {
    tollgate_str {
        ptr: s.as_ptr().cast::<c_char>(),
        len: s.len(),
    }
}

fn via_c(uri: &[u8], param: &str, keys: &[tollgate_str]) -> tollgate_status {
    unsafe {
        tollgate_apikey_check(
            uri.as_ptr().cast(),
            uri.len(),
            param.as_ptr().cast(),
            param.len(),
            keys.as_ptr(),
            keys.len(),
        )
    }
}

const KEYS: [&str; 3] = [
    "retiring-8f2d9c63",
    "8f2d9c63a7b14d32b53c9e12a1f47fcb",
    "next+key/with=chars",
];

const CASES: &[(&str, &str)] = &[
    (
        "https://api.example.com/webhook?token=8f2d9c63a7b14d32b53c9e12a1f47fcb",
        "token",
    ),
    ("/webhook?x=1&token=retiring-8f2d9c63#frag", "token"),
    ("/webhook?token=next+key/with=chars", "token"),
    ("/webhook?token=next%2Bkey%2Fwith%3Dchars", "token"),
    ("/webhook?token=next%20key/with=chars", "token"),
    ("/webhook?code=8f2d9c63a7b14d32b53c9e12a1f47fcb", "code"),
    ("/webhook?token=8F2D9C63A7B14D32B53C9E12A1F47FCB", "token"),
    ("/webhook?token=8f2d9c63a7b14d32b53c9e12a1f47fc", "token"),
    (
        "/webhook?token=a&token=8f2d9c63a7b14d32b53c9e12a1f47fcb",
        "token",
    ),
    ("/webhook", "token"),
    ("/webhook?token=%G0", "token"),
    ("/webhook?token=a b", "token"),
];

#[test]
fn core_and_c_abi_agree() {
    let c_keys: Vec<tollgate_str> = KEYS.iter().map(|k| c_str(k.as_bytes())).collect();
    let mut oks = 0;
    for (uri, param) in CASES {
        let core = check_query_key(*uri, param, &KEYS);
        oks += usize::from(core.is_ok());
        assert_eq!(
            via_c(uri.as_bytes(), param, &c_keys),
            tollgate_status::from(core),
            "{uri}"
        );
    }
    assert_eq!(oks, 5, "the first five cases match a key");
}

#[test]
fn every_key_of_a_rotation_is_accepted_in_any_position() {
    for (i, key) in KEYS.iter().enumerate() {
        let uri = format!("/hook?token={key}");
        let mut order: Vec<&str> = KEYS.to_vec();
        order.rotate_left(i);
        assert_eq!(
            check_query_key(uri.as_str(), "token", &order),
            Ok(()),
            "{key}"
        );
        let c_keys: Vec<tollgate_str> = order.iter().map(|k| c_str(k.as_bytes())).collect();
        assert_eq!(via_c(uri.as_bytes(), "token", &c_keys), tollgate_status::Ok);
    }
}

#[test]
fn no_allocation_even_for_long_keys() {
    let long_key: String = (0..5000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let encoded: String = long_key.bytes().map(|b| format!("%{b:02x}")).collect();
    let uri = format!("/hook?a=1&token={encoded}&b=2");
    let keys = [KEYS[0], long_key.as_str()];
    let c_keys = [c_str(KEYS[0].as_bytes()), c_str(long_key.as_bytes())];
    let (n, (core, c)) = tollgate_tests::allocations_during(|| {
        (
            check_query_key(uri.as_str(), "token", &keys),
            via_c(uri.as_bytes(), "token", &c_keys),
        )
    });
    assert_eq!((core, c), (Ok(()), tollgate_status::Ok));
    assert_eq!(n, 0);
    for (case_uri, param) in CASES {
        let (n, _) = tollgate_tests::allocations_during(|| {
            std::hint::black_box(check_query_key(*case_uri, param, &KEYS))
        });
        assert_eq!(n, 0, "{case_uri}");
    }
}
