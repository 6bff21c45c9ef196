//! Property test: tollgate's verification agrees with ring's `RsaPublicKeyComponents::verify`
//! (`RSA_PKCS1_2048_8192_SHA256`) on the openssl fixture keys, for random messages, their valid
//! signatures (made by ring; openssl's fixed one for the 2056-bit key) and mutations of them: bit flips, s + n, 0, 1, n - 1, one byte
//! short or long, random bytes, another message. Every backend this CPU runs is compared.

mod rsa_common;

use std::sync::OnceLock;

use proptest::prelude::*;
use rsa_common::{fixture, Fixture, SIZES};
use tollgate_core::rsa::{
    verify_pkcs1_sha256, verify_pkcs1_sha256_forced, Arithmetic, RsaPublicKey,
};

fn fixtures() -> &'static [(Fixture, RsaPublicKey)] {
    static ALL: OnceLock<Vec<(Fixture, RsaPublicKey)>> = OnceLock::new();
    ALL.get_or_init(|| {
        SIZES
            .iter()
            .map(|&bits| {
                let f = fixture(bits);
                let key = RsaPublicKey::from_be_bytes(&f.n, &f.e).unwrap();
                (f, key)
            })
            .collect()
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    None,
    FlipBit(usize),
    PlusModulus,
    Zero,
    One,
    ModulusMinusOne,
    DropFirstByte,
    DropLastByte,
    PrependZero,
    AppendByte(u8),
    Random(Vec<u8>),
    OtherMessage,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => Just(Mutation::None),
        3 => any::<usize>().prop_map(Mutation::FlipBit),
        1 => Just(Mutation::PlusModulus),
        1 => Just(Mutation::Zero),
        1 => Just(Mutation::One),
        1 => Just(Mutation::ModulusMinusOne),
        1 => Just(Mutation::DropFirstByte),
        1 => Just(Mutation::DropLastByte),
        1 => Just(Mutation::PrependZero),
        1 => any::<u8>().prop_map(Mutation::AppendByte),
        1 => prop::collection::vec(any::<u8>(), 512).prop_map(Mutation::Random),
        1 => Just(Mutation::OtherMessage),
    ]
}

/// Big-endian `a + b` for equally long numbers, with the carry byte kept if any.
fn add_be(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len()];
    let mut carry = 0u16;
    for i in (0..a.len()).rev() {
        let s = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = s as u8;
        carry = s >> 8;
    }
    if carry != 0 {
        out.insert(0, carry as u8);
    }
    out
}

fn mutate(f: &Fixture, sig: &[u8], m: &Mutation) -> Vec<u8> {
    let k = sig.len();
    let mut s = sig.to_vec();
    match m {
        Mutation::None | Mutation::OtherMessage => {}
        Mutation::FlipBit(i) => s[(i / 8) % k] ^= 1 << (i % 8),
        Mutation::PlusModulus => s = add_be(sig, &f.n),
        Mutation::Zero => s = vec![0; k],
        Mutation::One => {
            s = vec![0; k];
            s[k - 1] = 1;
        }
        Mutation::ModulusMinusOne => {
            s = f.n.clone();
            s[k - 1] -= 1; // n is odd
        }
        Mutation::DropFirstByte => {
            s.remove(0);
        }
        Mutation::DropLastByte => s.truncate(k - 1),
        Mutation::PrependZero => s.insert(0, 0),
        Mutation::AppendByte(b) => s.push(*b),
        Mutation::Random(r) => s = r[..k].to_vec(),
    };
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn agrees_with_ring(size in 0usize..4, message in prop::collection::vec(any::<u8>(), 0..300), m in mutation()) {
        let (f, key) = &fixtures()[size];
        let (message, sig) = f.signed(&message);
        let candidate = mutate(f, &sig, &m);
        let verified_message: &[u8] = if matches!(m, Mutation::OtherMessage) { b"another message" } else { &message };
        let ring = f.ring_accepts(verified_message, &candidate);
        let ours = verify_pkcs1_sha256(key, verified_message, &candidate).is_ok();
        prop_assert_eq!(ours, ring, "{} bits, {:?}", f.bits, m);
        for arithmetic in Arithmetic::ALL {
            if let Some(verdict) = verify_pkcs1_sha256_forced(arithmetic, key, verified_message, &candidate) {
                prop_assert_eq!(verdict.is_ok(), ring, "{:?}, {} bits, {:?}", arithmetic, f.bits, m);
            }
        }
        if matches!(m, Mutation::None) {
            prop_assert!(ours, "a valid signature was rejected");
        }
    }
}
