//! Radix 2^52 numbers for the IFMA backend, in plain (portable, testable) code: conversion from
//! and to 64-bit limbs, the digit count per limb class, compare and subtract on digits, and
//! `x · 2^k mod n` on 64-bit limbs (turns the key's `R^2` for 64-bit limbs into the one for
//! 52-bit digits without storing a second constant in the key).

use super::limbs::{less_than, sub_assign};

/// Bits in one digit.
pub(crate) const DIGIT_BITS: usize = 52;
/// The low 52 bits.
pub(crate) const DIGIT_MASK: u64 = (1 << DIGIT_BITS) - 1;
/// Eight digits: one 512-bit register.
pub(crate) type Row = [u64; 8];

/// Digits `K` used for `limbs` 64-bit limbs: the fewest with `2^(52 K) >= 4 · 2^(64 limbs)`,
/// so that almost-Montgomery results (`< 2n`) stay `< 2n` when multiplied (32 → 40, 48 → 60,
/// 64 → 79).
pub(crate) const fn digits_for(limbs: usize) -> usize {
    (64 * limbs + 2).div_ceil(DIGIT_BITS)
}

/// `out = x` as digits (least significant first); digits past the value are zero.
pub(crate) fn to_digits<const V: usize>(x: &[u64], out: &mut [Row; V]) {
    for (j, digit) in out.as_flattened_mut().iter_mut().enumerate() {
        let pos = j * DIGIT_BITS;
        let (limb, offset) = (pos / 64, pos % 64);
        let low = x.get(limb).copied().unwrap_or(0) >> offset;
        let high = if offset > 64 - DIGIT_BITS {
            x.get(limb + 1).copied().unwrap_or(0) << (64 - offset)
        } else {
            0
        };
        *digit = (low | high) & DIGIT_MASK;
    }
}

/// Digits (each `< 2^52`) back to 64-bit limbs; bits beyond `out` are dropped.
pub(crate) fn from_digits(digits: &[u64], out: &mut [u64]) {
    out.fill(0);
    for (j, &digit) in digits.iter().enumerate() {
        let pos = j * DIGIT_BITS;
        let (limb, offset) = (pos / 64, pos % 64);
        let wide = u128::from(digit) << offset;
        if let Some(x) = out.get_mut(limb) {
            *x |= wide as u64;
        }
        if let Some(x) = out.get_mut(limb + 1) {
            *x |= (wide >> 64) as u64;
        }
    }
}

/// `a < b` for equally long digit strings.
pub(crate) fn digits_less(a: &[u64], b: &[u64]) -> bool {
    less_than(a, b)
}

/// `a -= b` for equally long digit strings with `a >= b`.
pub(crate) fn digits_sub(a: &mut [u64], b: &[u64]) {
    let mut borrow = 0u64;
    for (x, &y) in a.iter_mut().zip(b) {
        let v = x.wrapping_sub(y).wrapping_sub(borrow);
        borrow = v >> 63;
        *x = v & DIGIT_MASK;
    }
}

/// The 128 bits of `(top, x)` starting at bit `pos` (`top` is the limb above `x`).
fn bits_at(x: &[u64], top: u64, pos: usize) -> u128 {
    let limb = |i: usize| {
        if i == x.len() {
            top
        } else {
            x.get(i).copied().unwrap_or(0)
        }
    };
    let (i, offset) = (pos / 64, pos % 64);
    let low = u128::from(limb(i)) | (u128::from(limb(i + 1)) << 64);
    if offset == 0 {
        low
    } else {
        (low >> offset) | (u128::from(limb(i + 2)) << (128 - offset))
    }
}

/// `x = x · 2^shift mod n` for `x < n`, where `n` has exactly `bits` bits (`bits >= 64`, `n`
/// and `x` equally long). Steps of at most 60 bits: each estimates the quotient from the top
/// 64 bits of `n` (never above the true one, at most 2 below it), subtracts `q n`, then
/// subtracts `n` while the rest is `>= n`.
pub(crate) fn mul_pow2_mod(x: &mut [u64], n: &[u64], bits: usize, mut shift: usize) {
    let base = bits.saturating_sub(64);
    let n_top = bits_at(n, 0, base) as u64;
    let divisor = u128::from(n_top) + 1;
    while shift > 0 {
        let k = shift.min(60);
        shift -= k;
        // (top, x) = x << k
        let mut carry = 0u64;
        for limb in x.iter_mut() {
            let out = *limb >> (64 - k);
            *limb = (*limb << k) | carry;
            carry = out;
        }
        let mut top = carry;
        let q = (bits_at(x, top, base) / divisor) as u64;
        // (top, x) -= q n
        let mut mul_carry = 0u64;
        let mut borrow = false;
        for (limb, &nj) in x.iter_mut().zip(n) {
            let p = u128::from(q) * u128::from(nj) + u128::from(mul_carry);
            mul_carry = (p >> 64) as u64;
            let (d1, b1) = limb.overflowing_sub(p as u64);
            let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
            *limb = d2;
            borrow = b1 | b2;
        }
        top = top.wrapping_sub(mul_carry).wrapping_sub(u64::from(borrow));
        for _ in 0..4 {
            if top == 0 && less_than(x, n) {
                break;
            }
            top = top.wrapping_sub(u64::from(sub_assign(x, n)));
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use proptest::prelude::*;
    use std::vec;
    use std::vec::Vec;

    /// `x · 2^shift mod n` by doubling and subtracting.
    fn naive_mul_pow2(x: &[u64], n: &[u64], shift: usize) -> Vec<u64> {
        let mut x = x.to_vec();
        for _ in 0..shift {
            let top = x.last().unwrap() >> 63;
            crate::rsa::limbs::shl1_assign(&mut x);
            if top != 0 || !less_than(&x, n) {
                sub_assign(&mut x, n);
            }
        }
        x
    }

    fn number(seed: &[u64], len: usize, salt: u64) -> Vec<u64> {
        (0..len)
            .map(|i| seed[i % seed.len()].rotate_left(i as u32 * 11 + salt as u32) ^ salt)
            .collect()
    }

    #[test]
    fn digit_counts() {
        assert_eq!(
            [digits_for(32), digits_for(48), digits_for(64)],
            [40, 60, 79]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn digits_round_trip(seed in prop::collection::vec(any::<u64>(), 1..8)) {
            let x = number(&seed, 64, 3);
            let mut digits = [[7u64; 8]; 10];
            to_digits(&x, &mut digits);
            prop_assert!(digits.as_flattened().iter().all(|&d| d <= DIGIT_MASK));
            let mut back = [0u64; 64];
            from_digits(digits.as_flattened(), &mut back);
            prop_assert_eq!(&back[..], &x[..]);
            // Bit j of x is bit j % 52 of digit j / 52.
            for bit in [0usize, 51, 52, 63, 64, 103, 104, 4095] {
                let from_limbs = (x[bit / 64] >> (bit % 64)) & 1;
                let from_digits = (digits.as_flattened()[bit / 52] >> (bit % 52)) & 1;
                prop_assert_eq!(from_limbs, from_digits, "bit {}", bit);
            }
        }

        #[test]
        fn mul_pow2_matches_doubling(
            seed in prop::collection::vec(any::<u64>(), 1..8),
            len in prop::sample::select(vec![32usize, 48, 64]),
            short in 0usize..63,
            shift in 0usize..200,
        ) {
            let bits = 64 * len - short;
            let mut n = number(&seed, len, 5);
            for bit in bits..64 * len {
                n[bit / 64] &= !(1u64 << (bit % 64));
            }
            n[(bits - 1) / 64] |= 1 << ((bits - 1) % 64);
            n[0] |= 1;
            let mut x = number(&seed, len, 9);
            for bit in bits - 1..64 * len {
                x[bit / 64] &= !(1u64 << (bit % 64));
            }
            let expected = naive_mul_pow2(&x, &n, shift);
            mul_pow2_mod(&mut x, &n, bits, shift);
            prop_assert_eq!(x, expected);
        }
    }

    #[test]
    fn mul_pow2_extremes() {
        // n = 2^(bits-1) + 1 (quotient estimates at their worst) and n = all ones; x = n - 1.
        for (len, bits) in [(32usize, 2048usize), (48, 3009), (64, 4096)] {
            let mut low = vec![0u64; len];
            low[0] = 1;
            low[(bits - 1) / 64] |= 1 << ((bits - 1) % 64);
            let mut ones = vec![0u64; len];
            for bit in 0..bits {
                ones[bit / 64] |= 1 << (bit % 64);
            }
            for n in [low, ones] {
                let mut x = n.clone();
                x[0] -= 1;
                for shift in [1usize, 24, 60, 64, 96, 150] {
                    let mut y = x.clone();
                    mul_pow2_mod(&mut y, &n, bits, shift);
                    assert_eq!(y, naive_mul_pow2(&x, &n, shift), "{bits} {shift}");
                }
            }
        }
    }

    #[test]
    fn digit_subtraction() {
        let mut a = [0u64, 1, 5];
        digits_sub(&mut a, &[1, 0, 2]);
        assert_eq!(a, [DIGIT_MASK, 0, 3]);
        assert!(digits_less(&[5, 1], &[0, 2]));
    }
}
