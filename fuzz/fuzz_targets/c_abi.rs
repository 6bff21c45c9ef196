//! Drives the C ABI as a C caller would: `tollgate_keyset_parse`, `tollgate_verify` and
//! `tollgate_ipset_load` (plus lookups on what loaded) with pointers into valid buffers at
//! arbitrary offsets and arbitrary lengths, objects copied to misaligned addresses, and
//! scratch buffers of every size. Objects are heap buffers of exactly the size the library
//! reports, so a write past them is an ASan error. Oracles: every status has a name; failed
//! calls leave their outputs untouched; misaligned objects give `misaligned`; a loaded image
//! is no longer than the bytes given.
//!
//! Input: `[op][a: u16 LE][b: u16 LE][c: u8][data..]`; op % 3 picks the entry point.
#![no_main]

use std::ffi::{c_char, c_void, CStr};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tollgate as _; // tollgate-ffi: links the library whose C symbols are declared below

#[repr(C)]
struct TollgateStr {
    ptr: *const c_char,
    len: usize,
}

extern "C" {
    fn tollgate_status_str(status: u32) -> *const c_char;
    fn tollgate_keyset_size() -> usize;
    fn tollgate_policy_size() -> usize;
    fn tollgate_keyset_parse(
        out: *mut c_void,
        jwks: *const c_char,
        len: usize,
        report: *mut c_void,
    ) -> u32;
    fn tollgate_policy_init(
        out: *mut c_void,
        iss: *const c_char,
        iss_len: usize,
        auds: *const TollgateStr,
        auds_len: usize,
    ) -> u32;
    fn tollgate_verify_scratch_size(token_len: usize) -> usize;
    fn tollgate_verify(
        keys: *const c_void,
        policy: *const c_void,
        token: *const c_char,
        token_len: usize,
        now: u64,
        scratch: *mut c_void,
        scratch_len: usize,
        out: *mut c_void,
    ) -> u32;
    fn tollgate_ipset_size() -> usize;
    fn tollgate_ipset_load(image: *const c_void, len: usize, out: *mut c_void) -> u32;
    fn tollgate_ipset_image(set: *const c_void) -> *const c_void;
    fn tollgate_ipset_image_len(set: *const c_void) -> usize;
    fn tollgate_ipset_lookup_text(
        set: *const c_void,
        addr: *const c_char,
        len: usize,
        out: *mut u32,
    ) -> u32;
    fn tollgate_acs_ipset() -> *const c_void;
}

const OK: u32 = 0;
const JWKS: &[u8] = include_bytes!("../../tests/fixtures/jwt/jwks-acs.json");
const ISS: &str = "https://acscallautomation.communication.azure.com";
const AUD: &str = "0a2b5f4c-0cde-4d1e-9a47-6c3a7e2f9b10";
const NOW: u64 = 1_750_000_000;
/// Generous room for `tollgate_claims` and `tollgate_jwks_report` (no size functions yet).
const OUT_WORDS: usize = 256;

fn check_status(status: u32) {
    // SAFETY: tollgate_status_str returns static NUL-terminated text for any value.
    let name = unsafe { CStr::from_ptr(tollgate_status_str(status)) };
    assert_ne!(
        name.to_bytes(),
        b"unknown_status",
        "status {status} has no name"
    );
}

/// A parsed key set and an initialised policy, kept in 8-byte aligned heap words.
struct Objects {
    keys: Vec<u64>,
    policy: Vec<u64>,
}

fn objects() -> &'static Objects {
    static O: OnceLock<Objects> = OnceLock::new();
    O.get_or_init(|| {
        // SAFETY: the buffers are exactly the sizes the library asks for, 8-byte aligned.
        unsafe {
            let mut keys = vec![0u64; tollgate_keyset_size().div_ceil(8)];
            let st = tollgate_keyset_parse(
                keys.as_mut_ptr().cast(),
                JWKS.as_ptr().cast(),
                JWKS.len(),
                std::ptr::null_mut(),
            );
            assert_eq!(st, OK);
            let mut policy = vec![0u64; tollgate_policy_size().div_ceil(8)];
            let aud = TollgateStr {
                ptr: AUD.as_ptr().cast(),
                len: AUD.len(),
            };
            let st = tollgate_policy_init(
                policy.as_mut_ptr().cast(),
                ISS.as_ptr().cast(),
                ISS.len(),
                &aud,
                1,
            );
            assert_eq!(st, OK);
            Objects { keys, policy }
        }
    })
}

/// `data[offset..offset + len]` clamped into the buffer (a valid pointer, any length inside).
fn window(data: &[u8], a: u16, b: u16) -> (*const u8, usize) {
    let offset = usize::from(a) % (data.len() + 1);
    let len = usize::from(b) % (data.len() - offset + 1);
    // SAFETY: offset <= data.len().
    (unsafe { data.as_ptr().add(offset) }, len)
}

fn keyset_parse(a: u16, b: u16, c: u8, data: &[u8]) {
    let (ptr, len) = window(data, a, b);
    // SAFETY: `ptr` is valid for `len` bytes; the key set buffer is the size asked for.
    unsafe {
        let size = tollgate_keyset_size();
        let mut keys = vec![0xa5a5_a5a5_a5a5_a5a5u64; size.div_ceil(8)];
        let mut report = vec![0u64; OUT_WORDS];
        let report_ptr = if c & 1 == 0 {
            std::ptr::null_mut()
        } else {
            report.as_mut_ptr().cast()
        };
        let st = tollgate_keyset_parse(keys.as_mut_ptr().cast(), ptr.cast(), len, report_ptr);
        check_status(st);
        if st != OK {
            assert!(
                keys.iter().all(|&w| w == 0xa5a5_a5a5_a5a5_a5a5),
                "failed parse wrote the key set"
            );
        }
    }
}

fn verify(a: u16, b: u16, c: u8, data: &[u8]) {
    let o = objects();
    let (token, len) = window(data, a, b);
    // Scratch: the required size, or smaller/larger by c, at an odd offset when c says so.
    let required = unsafe { tollgate_verify_scratch_size(len) };
    let scratch_len = match c % 4 {
        0 => required,
        1 => required.saturating_sub(usize::from(c)),
        2 => required + usize::from(c),
        _ => usize::from(c) * 7,
    };
    let skew = usize::from(c >> 5);
    let mut scratch = vec![0u8; scratch_len + skew];
    let mut claims = vec![0x5a5a_5a5a_5a5a_5a5au64; OUT_WORDS];
    // Key set and policy used in place, or copied to an address off by `shift` bytes.
    let shift = usize::from(c >> 2) % 8;
    let keys_bytes = tollgate_keyset_bytes(&o.keys);
    let policy_bytes = tollgate_keyset_bytes(&o.policy);
    let mut moved = vec![0u64; (keys_bytes.len() + policy_bytes.len()) / 8 + 2];
    let (keys_ptr, policy_ptr) = if shift == 0 {
        (o.keys.as_ptr().cast::<u8>(), o.policy.as_ptr().cast::<u8>())
    } else {
        // SAFETY: `moved` has room for both objects plus 16 bytes of skew.
        unsafe {
            let base = moved.as_mut_ptr().cast::<u8>().add(shift);
            std::ptr::copy_nonoverlapping(keys_bytes.as_ptr(), base, keys_bytes.len());
            let p = base.add(keys_bytes.len());
            std::ptr::copy_nonoverlapping(policy_bytes.as_ptr(), p, policy_bytes.len());
            (base.cast_const(), p.cast_const())
        }
    };
    // SAFETY: every pointer is valid for the length passed with it.
    let st = unsafe {
        tollgate_verify(
            keys_ptr.cast(),
            policy_ptr.cast(),
            token.cast(),
            len,
            NOW,
            scratch.as_mut_ptr().add(skew).cast(),
            scratch_len,
            claims.as_mut_ptr().cast(),
        )
    };
    check_status(st);
    if shift != 0 {
        // The key set is checked first (8-byte alignment); the policy's offset is the same mod 8.
        assert_ne!(st, OK, "a misaligned key set was accepted");
    }
    if st != OK {
        assert!(
            claims.iter().all(|&w| w == 0x5a5a_5a5a_5a5a_5a5a),
            "failed verify wrote claims"
        );
    }
}

fn tollgate_keyset_bytes(words: &[u64]) -> &[u8] {
    // SAFETY: any initialised u64 slice is readable as bytes.
    unsafe { std::slice::from_raw_parts(words.as_ptr().cast(), words.len() * 8) }
}

fn ipset_load(a: u16, b: u16, c: u8, data: &[u8]) {
    // Either the fuzz bytes as an image, or the built-in ACS image with the fuzz bytes as
    // (position, xor) edits: deep validation paths need a nearly valid image.
    let image: Vec<u8> = if c & 1 == 0 {
        data.to_vec()
    } else {
        // SAFETY: the ACS set is static and its image is image_len bytes at its address.
        let acs = unsafe {
            let set = tollgate_acs_ipset();
            std::slice::from_raw_parts(
                tollgate_ipset_image(set).cast::<u8>(),
                tollgate_ipset_image_len(set),
            )
        };
        let mut image = acs.to_vec();
        for edit in data.chunks_exact(3) {
            let at = usize::from(u16::from_le_bytes([edit[0], edit[1]])) % image.len();
            image[at] ^= edit[2];
        }
        image
    };
    // Copy into 16-byte aligned storage, at an offset of `c >> 4` bytes (misaligned unless 0).
    let shift = usize::from(c >> 4);
    let mut storage = vec![0u128; image.len() / 16 + 2];
    // SAFETY: storage has image.len() + 32 bytes.
    let base = unsafe {
        let base = storage.as_mut_ptr().cast::<u8>().add(shift);
        std::ptr::copy_nonoverlapping(image.as_ptr(), base, image.len());
        base
    };
    let len = if b & 0x8000 != 0 {
        image.len()
    } else {
        usize::from(a) % (image.len() + 1)
    };
    // The caller-placed handle, filled with a sentinel pattern a failed load must not touch.
    // SAFETY: a function without arguments returning a constant.
    let words = unsafe { tollgate_ipset_size() } / 8;
    let mut handle = vec![0xA5A5_A5A5_A5A5_A5A5u64; words];
    let set = handle.as_mut_ptr().cast::<c_void>();
    // SAFETY: `base` is valid for `len` <= image.len() bytes; `set` is a handle of the size
    // the library asks for, 8-aligned.
    let st = unsafe { tollgate_ipset_load(base.cast(), len, set) };
    check_status(st);
    if st != OK {
        assert!(
            handle.iter().all(|&w| w == 0xA5A5_A5A5_A5A5_A5A5),
            "failed load wrote the handle"
        );
        return;
    }
    let set = set.cast_const();
    assert_eq!(shift % 16, 0, "a misaligned image loaded");
    // SAFETY: `set` is a live set over `storage`.
    unsafe {
        assert!(
            tollgate_ipset_image_len(set) <= len,
            "the set claims bytes it was not given"
        );
        for addr in [
            "52.112.0.1",
            "::1",
            "2603:1063::1",
            "0.0.0.0",
            "255.255.255.255",
            "::ffff:10.0.0.1",
        ] {
            let mut tags = 0u32;
            check_status(tollgate_ipset_lookup_text(
                set,
                addr.as_ptr().cast(),
                addr.len(),
                &mut tags,
            ));
        }
    }
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 6 {
        return;
    }
    let op = input[0];
    let a = u16::from_le_bytes([input[1], input[2]]);
    let b = u16::from_le_bytes([input[3], input[4]]);
    let c = input[5];
    let data = &input[6..];
    match op % 3 {
        0 => keyset_parse(a, b, c, data),
        1 => verify(a, b, c, data),
        _ => ipset_load(a, b, c, data),
    }
});
