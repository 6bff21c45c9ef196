//! Unsigned integers as little-endian arrays of `u64` limbs: conversion from and to big-endian
//! bytes, comparison, subtraction and
//! the doubling step shared by both squaring backends. Lengths are the callers' (fixed per key size).

/// Bytes in one limb.
pub(crate) const LIMB_BYTES: usize = 8;

/// Loads big-endian `bytes` into `out` (least significant limb first, zero-extended).
/// Returns `false`, leaving `out` unspecified, when the value needs more limbs than `out` has.
pub(crate) fn load_be_bytes(bytes: &[u8], out: &mut [u64]) -> bool {
    out.fill(0);
    for (chunk, limb) in bytes.rchunks(LIMB_BYTES).zip(out.iter_mut()) {
        *limb = chunk.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    }
    bytes.len() <= out.len().saturating_mul(LIMB_BYTES)
}

/// Stores the low `out.len()` bytes of `limbs` into `out`, big-endian.
pub(crate) fn store_be_bytes(limbs: &[u64], out: &mut [u8]) {
    for (i, byte) in out.iter_mut().rev().enumerate() {
        let limb = limbs.get(i / LIMB_BYTES).copied().unwrap_or(0);
        *byte = (limb >> (8 * (i % LIMB_BYTES))) as u8;
    }
}

/// `a < b` for equally long numbers.
pub(crate) fn less_than(a: &[u64], b: &[u64]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x < y;
        }
    }
    false
}

/// `a -= b` modulo 2^(64·len) for equally long numbers; returns the final borrow.
pub(crate) fn sub_assign(a: &mut [u64], b: &[u64]) -> bool {
    let mut borrow = false;
    for (x, &y) in a.iter_mut().zip(b) {
        let (d1, b1) = x.overflowing_sub(y);
        let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
        *x = d2;
        borrow = b1 | b2;
    }
    borrow
}

/// `a <<= 1`; returns the bit shifted out at the top.
pub(crate) fn shl1_assign(a: &mut [u64]) -> bool {
    let mut carry = 0u64;
    for x in a.iter_mut() {
        let out = *x >> 63;
        *x = (*x << 1) | carry;
        carry = out;
    }
    carry != 0
}

/// The second half of a squaring: `t` holds the cross products `a[i]*a[j]` (i < j) at
/// `t[i+j]`; this doubles them and adds the squares `a[i]^2` at `t[2i]`, leaving `a^2` in `t`
/// (`t` has twice as many limbs as `a`).
#[inline(always)]
pub(crate) fn double_and_add_squares(t: &mut [u64], a: &[u64]) {
    let mut shifted_out = 0u64;
    let mut carry = 0u64;
    for (pair, &ai) in t.chunks_exact_mut(2).zip(a) {
        let [lo, hi] = pair else { break };
        let new_lo = (*lo << 1) | shifted_out;
        let new_hi = (*hi << 1) | (*lo >> 63);
        shifted_out = *hi >> 63;
        let sq = u128::from(ai) * u128::from(ai);
        let v = u128::from(new_lo) + (sq & u128::from(u64::MAX)) + u128::from(carry);
        *lo = v as u64;
        let v = u128::from(new_hi) + (sq >> 64) + (v >> 64);
        *hi = v as u64;
        carry = (v >> 64) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_overflow() {
        let bytes = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        let mut limbs = [0u64; 2];
        assert!(load_be_bytes(&bytes, &mut limbs));
        assert_eq!(limbs, [0x0405_0607_0809_0a0b, 0x0001_0203]);
        let mut out = [0u8; 11];
        store_be_bytes(&limbs, &mut out);
        assert_eq!(out, bytes);
        assert!(!load_be_bytes(&[1u8; 17], &mut limbs));
        assert!(load_be_bytes(&[], &mut limbs));
        assert_eq!(limbs, [0, 0]);
    }

    #[test]
    fn compare_subtract_shift() {
        assert!(less_than(&[5, 1], &[0, 2]));
        assert!(!less_than(&[0, 2], &[5, 1]));
        assert!(!less_than(&[3, 3], &[3, 3]));
        let mut a = [0u64, 1];
        assert!(!sub_assign(&mut a, &[1, 0]));
        assert_eq!(a, [u64::MAX, 0]);
        assert!(sub_assign(&mut a, &[0, 1]));
        assert_eq!(a, [u64::MAX, u64::MAX]);
        assert!(shl1_assign(&mut a));
        assert_eq!(a, [u64::MAX - 1, u64::MAX]);
    }
}
