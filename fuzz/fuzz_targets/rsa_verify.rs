//! Differential fuzzing of RSA PKCS#1 v1.5 / SHA-256 verification: tollgate against ring's
//! `RsaPublicKeyComponents::verify`, on the committed 2048/2056/3072/4096-bit fixture keys.
//! Input: `[size selector][mode][payload..]`; the modes mutate the openssl-made valid signature
//! (XOR, splice) or use the payload as signature or message, so both near-valid and arbitrary
//! signatures are tried. Every arithmetic backend this CPU runs (portable, ADX, IFMA) is also
//! forced in turn and must give the automatic choice's exact answer (fuzz builds keep debug
//! assertions, whose automatic choice skips IFMA). Beyond verdicts, the backends' raw `s^e mod n`
//! must agree on `s` = the payload cycled to the modulus length with its top byte cleared (so
//! `s < n`): arithmetic on arbitrary values, not only near-valid signatures. Any disagreement
//! aborts.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ring::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use tollgate_core::rsa::{
    public_op_forced, verify_pkcs1_sha256, verify_pkcs1_sha256_forced, Arithmetic, RsaPublicKey,
};

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../../tests/fixtures/rsa/", $name))
    };
}

const MESSAGE: &[u8] = fixture!("message.txt");
const E: &[u8] = &[1, 0, 1];
const FIXTURES: [(&[u8], &[u8]); 4] = [
    (fixture!("rsa2048.n.bin"), fixture!("rsa2048.sig.bin")),
    (fixture!("rsa2056.n.bin"), fixture!("rsa2056.sig.bin")),
    (fixture!("rsa3072.n.bin"), fixture!("rsa3072.sig.bin")),
    (fixture!("rsa4096.n.bin"), fixture!("rsa4096.sig.bin")),
];

fn keys() -> &'static [RsaPublicKey; 4] {
    static KEYS: OnceLock<[RsaPublicKey; 4]> = OnceLock::new();
    KEYS.get_or_init(|| FIXTURES.map(|(n, _)| RsaPublicKey::from_be_bytes(n, E).unwrap()))
}

fuzz_target!(|data: &[u8]| {
    let [selector, mode, payload @ ..] = data else {
        return;
    };
    let which = usize::from(*selector) % FIXTURES.len();
    let (n, valid) = FIXTURES[which];
    let key = &keys()[which];
    if !payload.is_empty() {
        let mut s: Vec<u8> = payload.iter().copied().cycle().take(n.len()).collect();
        s[0] = 0;
        let mut first: Option<Vec<u8>> = None;
        for arithmetic in Arithmetic::ALL {
            let mut out = vec![0u8; n.len()];
            if let Some(result) = public_op_forced(arithmetic, key, &s, &mut out) {
                assert_eq!(result, Ok(()), "{arithmetic:?}");
                match &first {
                    None => first = Some(out),
                    Some(expected) => assert_eq!(&out, expected, "size {which}, {arithmetic:?}"),
                }
            }
        }
    }
    let mut message = MESSAGE.to_vec();
    let mut signature = valid.to_vec();
    match mode % 4 {
        // The payload is the signature.
        0 => signature = payload.to_vec(),
        // The valid signature XOR the payload (cycled).
        1 => {
            if !payload.is_empty() {
                for (s, p) in signature.iter_mut().zip(payload.iter().cycle()) {
                    *s ^= p;
                }
            }
        }
        // The payload is the message (the valid signature then fails unless it is MESSAGE).
        2 => message = payload.to_vec(),
        // Splice: two offset bytes, then bytes written over the valid signature there; a
        // payload past the end lengthens it.
        _ => {
            if let [hi, lo, bytes @ ..] = payload {
                let at = usize::from(u16::from_be_bytes([*hi, *lo])) % (signature.len() + 1);
                for (i, b) in bytes.iter().enumerate() {
                    match signature.get_mut(at + i) {
                        Some(s) => *s = *b,
                        None => signature.push(*b),
                    }
                }
            }
        }
    }
    let automatic = verify_pkcs1_sha256(key, &message, &signature);
    for arithmetic in Arithmetic::ALL {
        if let Some(forced) = verify_pkcs1_sha256_forced(arithmetic, key, &message, &signature) {
            assert_eq!(
                forced,
                automatic,
                "size {which}, mode {}, {arithmetic:?}",
                mode % 4
            );
        }
    }
    let ours = automatic.is_ok();
    let ring = RsaPublicKeyComponents { n, e: E }
        .verify(&RSA_PKCS1_2048_8192_SHA256, &message, &signature)
        .is_ok();
    assert_eq!(ours, ring, "size {which}, mode {}", mode % 4);
});
