//! `RsaPublicKey`: a validated RSA public key (2048 to 4096-bit modulus, ring's exponent rule)
//! with the Montgomery constants a verification reuses, in fixed-size storage.

use core::fmt;

use super::limbs::{load_be_bytes, LIMB_BYTES};
use super::montgomery::{neg_inverse_mod_2_64, r_squared, Portable};
use crate::Error;

/// Smallest accepted modulus, in bits.
pub const MIN_MODULUS_BITS: usize = 2048;
/// Largest accepted modulus, in bits.
pub const MAX_MODULUS_BITS: usize = 4096;
/// Limbs of the largest modulus (the storage size).
pub(crate) const MAX_LIMBS: usize = MAX_MODULUS_BITS / 64;
/// Exponents must be below this (ring's rule).
const EXPONENT_LIMIT: u64 = 1 << 33;

/// The limb counts the arithmetic is compiled for; a key uses the smallest that holds it.
pub(crate) const LIMB_CLASSES: [usize; 3] = [32, 48, 64];

/// An RSA public key ready for verification.
///
/// Built once by [`RsaPublicKey::from_be_bytes`]; immutable, `Copy`, `Send + Sync`, with no
/// pointers inside. It holds the modulus, `R^2 mod n` and `-n^-1 mod 2^64` (the Montgomery
/// constants, so no verification recomputes them) and the exponent: [`RsaPublicKey::SIZE`]
/// bytes (1,048), whatever the key size.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RsaPublicKey {
    /// Modulus `n`, least significant limb first; limbs past `limbs` are zero.
    pub(crate) modulus: [u64; MAX_LIMBS],
    /// `R^2 mod n` with `R = 2^(64 limbs)`.
    pub(crate) r_squared: [u64; MAX_LIMBS],
    /// `-n^-1 mod 2^64`.
    pub(crate) n0: u64,
    /// Public exponent `e` (odd, `3 <= e < 2^33`).
    pub(crate) exponent: u64,
    /// Modulus size in bits (2048..=4096).
    pub(crate) bits: u32,
    /// Limb count of the arithmetic: one of [`LIMB_CLASSES`].
    pub(crate) limbs: u32,
}

const _: () = assert!(core::mem::size_of::<RsaPublicKey>() == RsaPublicKey::SIZE);
const _: () = assert!(core::mem::align_of::<RsaPublicKey>() == 8);
const _: fn() = || {
    fn shareable<T: Send + Sync + Copy + 'static>() {}
    shareable::<RsaPublicKey>();
};

impl RsaPublicKey {
    /// Size of the struct in bytes (checked at compile time; alignment 8).
    pub const SIZE: usize = 1048;

    /// Builds a key from the big-endian modulus and exponent bytes (what a JWK's `n` and `e`
    /// decode to).
    ///
    /// Errors: [`Error::InvalidModulus`] unless the modulus is 2048 to 4096 bits, odd and
    /// minimally encoded (no leading zero byte); [`Error::InvalidExponent`] unless the exponent
    /// is odd, `3 <= e < 2^33` and minimally encoded.
    pub fn from_be_bytes(modulus: &[u8], exponent: &[u8]) -> Result<Self, Error> {
        let mut key = Self::UNSET;
        key.init_from_be_bytes(modulus, exponent)?;
        Ok(key)
    }

    /// All zeros: not a key, only a slot for [`Self::init_from_be_bytes`] to fill in place.
    pub(crate) const UNSET: RsaPublicKey = RsaPublicKey {
        modulus: [0; MAX_LIMBS],
        r_squared: [0; MAX_LIMBS],
        n0: 0,
        exponent: 0,
        bits: 0,
        limbs: 0,
    };

    /// The checks of [`Self::from_be_bytes`] without building the key (no `R^2` computed):
    /// `Ok` exactly when `from_be_bytes` would succeed.
    pub(crate) fn check_be_bytes(modulus: &[u8], exponent: &[u8]) -> Result<(), Error> {
        validate(modulus, exponent).map(|_| ())
    }

    /// [`Self::from_be_bytes`] written into `self` in place (no key-sized temporary, which
    /// keeps the stack of a key-set load small). On error `self` is unchanged.
    pub(crate) fn init_from_be_bytes(
        &mut self,
        modulus: &[u8],
        exponent: &[u8],
    ) -> Result<(), Error> {
        let (bits, exponent, limbs) = validate(modulus, exponent)?;
        let mut n = [0u64; MAX_LIMBS];
        if !load_be_bytes(modulus, &mut n) {
            return Err(Error::InvalidModulus);
        }
        self.modulus = n;
        let n_low = n.first().copied().unwrap_or(0);
        let n0 = neg_inverse_mod_2_64(n_low);
        match limbs {
            32 => r_squared_padded::<32>(&self.modulus, n0, bits, &mut self.r_squared),
            48 => r_squared_padded::<48>(&self.modulus, n0, bits, &mut self.r_squared),
            _ => r_squared_padded::<64>(&self.modulus, n0, bits, &mut self.r_squared),
        }
        self.n0 = n0;
        self.exponent = exponent;
        self.bits = bits as u32;
        self.limbs = limbs as u32;
        Ok(())
    }

    /// Modulus size in bits (2048 to 4096).
    pub fn modulus_bits(&self) -> usize {
        self.bits as usize
    }

    /// Modulus size in bytes: the length every signature for this key must have.
    pub fn modulus_len(&self) -> usize {
        self.modulus_bits().div_ceil(8)
    }

    /// The public exponent `e`.
    pub fn exponent(&self) -> u64 {
        self.exponent
    }
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("modulus_bits", &self.bits)
            .field("exponent", &self.exponent)
            .finish_non_exhaustive()
    }
}

/// `R^2 mod n` for `L` limbs, written into the full-size array `out` (zero past `L`).
#[inline(never)]
fn r_squared_padded<const L: usize>(
    n: &[u64; MAX_LIMBS],
    n0: u64,
    bits: usize,
    out: &mut [u64; MAX_LIMBS],
) {
    *out = [0u64; MAX_LIMBS];
    if let (Some(n), Some(dst)) = (n.first_chunk::<L>(), out.first_chunk_mut::<L>()) {
        *dst = r_squared::<Portable, L>(&Portable, n, n0, bits);
    }
}

/// The checks of a key: modulus bits, exponent and limb class, or the error.
fn validate(modulus: &[u8], exponent: &[u8]) -> Result<(usize, u64, usize), Error> {
    let bits = modulus_bits_of(modulus).ok_or(Error::InvalidModulus)?;
    let exponent = exponent_of(exponent).ok_or(Error::InvalidExponent)?;
    let limb_count = bits.div_ceil(64);
    let limbs = LIMB_CLASSES
        .iter()
        .copied()
        .find(|&class| class >= limb_count)
        .ok_or(Error::InvalidModulus)?;
    Ok((bits, exponent, limbs))
}

/// Bit length of a valid modulus: minimal encoding, odd, within the size limits.
fn modulus_bits_of(modulus: &[u8]) -> Option<usize> {
    let (&first, _) = modulus.split_first()?;
    let &last = modulus.last()?;
    if first == 0 || last & 1 == 0 || modulus.len() > MAX_MODULUS_BITS / 8 {
        return None;
    }
    let bits = (modulus.len() - 1) * 8 + (8 - first.leading_zeros() as usize);
    (MIN_MODULUS_BITS..=MAX_MODULUS_BITS)
        .contains(&bits)
        .then_some(bits)
}

/// A valid exponent: minimal encoding, odd, `3 <= e < 2^33`.
fn exponent_of(exponent: &[u8]) -> Option<u64> {
    let (&first, _) = exponent.split_first()?;
    if first == 0 || exponent.len() > LIMB_BYTES {
        return None;
    }
    let e = exponent
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    (e & 1 == 1 && (3..EXPONENT_LIMIT).contains(&e)).then_some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An odd modulus of `len` bytes with the given first byte.
    fn modulus(len: usize, first: u8) -> [u8; 513] {
        let mut n = [0xc3u8; 513];
        n[0] = first;
        n[len - 1] |= 1;
        n
    }

    #[test]
    fn accepts_2048_to_4096_bits() {
        for (len, first, bits) in [
            (256, 0x80, 2048),
            (257, 0x01, 2049),
            (384, 0xff, 3072),
            (512, 0x80, 4096),
        ] {
            let n = modulus(len, first);
            let key = RsaPublicKey::from_be_bytes(&n[..len], &[1, 0, 1]).unwrap();
            assert_eq!((key.modulus_bits(), key.modulus_len()), (bits, len));
        }
    }

    #[test]
    fn rejects_bad_moduli() {
        let bad = |n: &[u8]| RsaPublicKey::from_be_bytes(n, &[3]).unwrap_err();
        let n = modulus(256, 0x7f); // 2047 bits
        assert_eq!(bad(&n[..256]), Error::InvalidModulus);
        let n = modulus(513, 0x01); // 4097 bits
        assert_eq!(bad(&n[..513]), Error::InvalidModulus);
        let mut n = modulus(257, 0x00); // leading zero byte
        n[1] = 0xff;
        assert_eq!(bad(&n[..257]), Error::InvalidModulus);
        let mut n = modulus(256, 0x80);
        n[255] &= 0xfe; // even
        assert_eq!(bad(&n[..256]), Error::InvalidModulus);
        assert_eq!(bad(&[]), Error::InvalidModulus);
    }

    #[test]
    fn exponent_rule() {
        let n = modulus(256, 0x80);
        let e = |e: &[u8]| RsaPublicKey::from_be_bytes(&n[..256], e).map(|k| k.exponent());
        assert_eq!(e(&[3]), Ok(3));
        assert_eq!(e(&[1, 0, 1]), Ok(65537));
        assert_eq!(e(&[1, 0xff, 0xff, 0xff, 0xff]), Ok((1 << 33) - 1));
        for bad in [
            &[][..],
            &[1],
            &[2],
            &[0, 3],
            &[1, 0],
            &[2, 0, 0, 0, 1],
            &[0, 1, 0, 1],
        ] {
            assert_eq!(e(bad), Err(Error::InvalidExponent), "{bad:?}");
        }
    }

    #[test]
    fn check_and_in_place_init_agree_with_from_be_bytes() {
        let good = modulus(384, 0xff);
        let mut even = modulus(256, 0x80);
        even[255] &= 0xfe;
        let cases: [(&[u8], &[u8]); 4] = [
            (&good[..384], &[1, 0, 1]),
            (&even[..256], &[1, 0, 1]),
            (&good[..384], &[2]),
            (&good[..384], &[]),
        ];
        let base = RsaPublicKey::from_be_bytes(&good[..384], &[3]).unwrap();
        for (n, e) in cases {
            let built = RsaPublicKey::from_be_bytes(n, e);
            assert_eq!(RsaPublicKey::check_be_bytes(n, e), built.map(|_| ()));
            let mut key = base;
            let outcome = key.init_from_be_bytes(n, e);
            assert_eq!(outcome, built.map(|_| ()));
            // In place gives the same key, and an error leaves the old one untouched.
            assert!(key == built.unwrap_or(base));
        }
    }
}
