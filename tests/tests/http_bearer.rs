//! Bearer extraction across the crates: core and the C ABI agree on every case, the C output
//! points into the caller's buffer, and neither allocates.

use std::ffi::c_char;
use tollgate::http::tollgate_bearer_token;
use tollgate::tollgate_status;
use tollgate_core::http::bearer_token;
use tollgate_core::Error;

#[global_allocator]
static ALLOC: tollgate_tests::CountingAllocator = tollgate_tests::CountingAllocator;

const CASES: &[&str] = &[
    "Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln",
    "bearer abc",
    "BEARER   abc==",
    " Bearer abc\t",
    "Bearer",
    "Bearer ",
    "Bearer\tabc",
    "Basic dXNlcjpwYXNz",
    "Bearer a b",
    "Bearer a,b",
    "Bearer a=b",
    "Bearer =",
    "",
];

fn via_c(value: &[u8]) -> Result<&[u8], tollgate_status> {
    let mut ptr: *const c_char = std::ptr::null();
    let mut len = 0usize;
    let st =
        unsafe { tollgate_bearer_token(value.as_ptr().cast(), value.len(), &mut ptr, &mut len) };
    if st != tollgate_status::Ok {
        return Err(st);
    }
    let start = ptr as usize - value.as_ptr() as usize;
    assert!(start + len <= value.len(), "token outside the input");
    Ok(&value[start..start + len])
}

#[test]
fn core_and_c_abi_agree() {
    for case in CASES {
        let core = bearer_token(case)
            .map(str::as_bytes)
            .map_err(tollgate_status::from);
        assert_eq!(via_c(case.as_bytes()), core, "{case:?}");
    }
    assert_eq!(bearer_token("Bearer abc"), Ok("abc"));
    assert_eq!(bearer_token("Bearer a b"), Err(Error::InvalidAuthorization));
}

#[test]
fn no_allocation() {
    for case in CASES {
        let (n, _) = tollgate_tests::allocations_during(|| {
            let _ = std::hint::black_box(bearer_token(std::hint::black_box(*case)));
            let _ = std::hint::black_box(via_c(case.as_bytes()));
        });
        assert_eq!(n, 0, "{case:?}");
    }
}
