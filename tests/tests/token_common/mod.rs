//! Shared by the token C ABI tests: the PyJWT manifest, and safe wrappers over the
//! `tollgate_keyset` / `tollgate_policy` / `tollgate_verify` entry points.
#![allow(dead_code)]

use serde_json::Value;
use std::ffi::CStr;
use tollgate::token::keyset::{tollgate_jwks_report, tollgate_keyset, tollgate_keyset_parse};
use tollgate::token::policy::{tollgate_policy, tollgate_policy_init};
use tollgate::token::verify::{tollgate_claims, tollgate_verify, tollgate_verify_scratch_size};
use tollgate::types::tollgate_str;
use tollgate::{tollgate_status, tollgate_status_str};

pub fn pyjwt_dir() -> std::path::PathBuf {
    tollgate_tests::fixtures_dir().join("pyjwt")
}

pub fn manifest() -> Value {
    let text = std::fs::read_to_string(pyjwt_dir().join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

pub fn read_pyjwt(rel: &str) -> Vec<u8> {
    std::fs::read(pyjwt_dir().join(rel)).unwrap()
}

pub fn status_name(status: tollgate_status) -> String {
    let name = unsafe { CStr::from_ptr(tollgate_status_str(status as u32)) };
    name.to_str().unwrap().to_string()
}

pub fn s(text: &str) -> tollgate_str {
    tollgate_str {
        ptr: text.as_ptr().cast(),
        len: text.len(),
    }
}

/// A `tollgate_keyset` on the heap, filled with a pattern so "never parsed" is exercised.
pub fn blank_keyset() -> Box<tollgate_keyset> {
    Box::new(tollgate_keyset {
        opaque: [0xA5A5_A5A5_A5A5_A5A5; tollgate::token::keyset::TOLLGATE_KEYSET_SIZE / 8],
    })
}

pub fn blank_policy() -> Box<tollgate_policy> {
    Box::new(tollgate_policy {
        opaque: [0x5A5A_5A5A_5A5A_5A5A; tollgate::token::policy::TOLLGATE_POLICY_SIZE / 8],
    })
}

pub fn parse_keyset(
    jwks: &[u8],
) -> Result<(Box<tollgate_keyset>, tollgate_jwks_report), tollgate_status> {
    let mut ks = blank_keyset();
    let mut report = tollgate_jwks_report::default();
    let st =
        unsafe { tollgate_keyset_parse(&mut *ks, jwks.as_ptr().cast(), jwks.len(), &mut report) };
    if st == tollgate_status::Ok {
        Ok((ks, report))
    } else {
        Err(st)
    }
}

pub fn init_policy(
    issuer: &str,
    audiences: &[&str],
) -> Result<Box<tollgate_policy>, tollgate_status> {
    let mut p = blank_policy();
    let auds: Vec<tollgate_str> = audiences.iter().map(|a| s(a)).collect();
    let st = unsafe {
        tollgate_policy_init(
            &mut *p,
            issuer.as_ptr().cast(),
            issuer.len(),
            auds.as_ptr(),
            auds.len(),
        )
    };
    if st == tollgate_status::Ok {
        Ok(p)
    } else {
        Err(st)
    }
}

/// The bytes a `tollgate_str` in the claims points to (`None` for `{NULL, 0}`).
pub fn bytes_of(v: &tollgate_str) -> Option<Vec<u8>> {
    if v.ptr.is_null() {
        assert_eq!(v.len, 0);
        return None;
    }
    Some(unsafe { std::slice::from_raw_parts(v.ptr.cast::<u8>(), v.len) }.to_vec())
}

pub fn text_of(v: &tollgate_str) -> Option<String> {
    bytes_of(v).map(|b| String::from_utf8(b).unwrap())
}

/// Verifies through the C ABI with a scratch of exactly the advertised size; returns the
/// claims and the scratch (which the claims point into).
pub fn verify(
    ks: &tollgate_keyset,
    policy: &tollgate_policy,
    token: &[u8],
    now: u64,
) -> (tollgate_status, Option<tollgate_claims>, Vec<u8>) {
    let mut scratch = vec![0u8; tollgate_verify_scratch_size(token.len())];
    let mut out = std::mem::MaybeUninit::<tollgate_claims>::uninit();
    let st = unsafe {
        tollgate_verify(
            ks,
            policy,
            token.as_ptr().cast(),
            token.len(),
            now,
            scratch.as_mut_ptr().cast(),
            scratch.len(),
            out.as_mut_ptr(),
        )
    };
    let claims = (st == tollgate_status::Ok).then(|| unsafe { out.assume_init() });
    (st, claims, scratch)
}
