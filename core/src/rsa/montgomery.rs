//! Montgomery constants and modular exponentiation, generic over the limb count `L` (fixed per
//! key size so loops unroll) and over the arithmetic backend (portable or x86_64 ADX).

use super::limbs::{less_than, shl1_assign, sub_assign};
use super::portable;

/// One implementation of Montgomery multiplication and squaring modulo `n` with `R = 2^(64 L)`.
/// Inputs are `< n`, outputs are `< n`; `n0 = -n^-1 mod 2^64`.
pub(crate) trait Backend {
    /// `a * b / R mod n`.
    fn mul<const L: usize>(&self, a: &[u64; L], b: &[u64; L], n: &[u64; L], n0: u64) -> [u64; L];
    /// `a * a / R mod n`.
    fn sqr<const L: usize>(&self, a: &[u64; L], n: &[u64; L], n0: u64) -> [u64; L];
}

/// A whole public-key operation `s^e mod n`: what a verification asks of a backend. Every
/// [`Backend`] gets it from [`pow_odd`]; the IFMA backend runs it in its own number radix.
pub(crate) trait Exponentiation {
    /// `s^e mod n` (fully reduced) for odd `e >= 3` and `s < n`; `r2 = R^2 mod n` for
    /// `R = 2^(64 L)`, `n0 = -n^-1 mod 2^64`, `n` has exactly `bits` bits.
    fn pow_odd<const L: usize>(
        &self,
        s: &[u64; L],
        e: u64,
        n: &[u64; L],
        n0: u64,
        r2: &[u64; L],
        bits: usize,
    ) -> [u64; L];
}

impl<B: Backend> Exponentiation for B {
    #[inline(always)]
    fn pow_odd<const L: usize>(
        &self,
        s: &[u64; L],
        e: u64,
        n: &[u64; L],
        n0: u64,
        r2: &[u64; L],
        _bits: usize,
    ) -> [u64; L] {
        pow_odd(self, s, e, n, n0, r2)
    }
}

/// The `u128` arithmetic that runs everywhere.
pub(crate) struct Portable;

impl Backend for Portable {
    #[inline(always)]
    fn mul<const L: usize>(&self, a: &[u64; L], b: &[u64; L], n: &[u64; L], n0: u64) -> [u64; L] {
        portable::mont_mul(a, b, n, n0)
    }
    #[inline(always)]
    fn sqr<const L: usize>(&self, a: &[u64; L], n: &[u64; L], n0: u64) -> [u64; L] {
        portable::mont_sqr(a, n, n0)
    }
}

/// `-n^-1 mod 2^64` for odd `n_low` (Newton's iteration doubles the correct low bits).
pub(crate) fn neg_inverse_mod_2_64(n_low: u64) -> u64 {
    // n * n == 1 mod 8 for odd n: 3 correct bits to start, 5 steps reach 96 >= 64.
    let mut inv = n_low;
    for _ in 0..5 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(n_low.wrapping_mul(inv)));
    }
    inv.wrapping_neg()
}

/// `R^2 mod n` for an `n` of exactly `bits` bits (`64 (L-1) < bits <= 64 L`, odd).
///
/// Doubles `2^(bits-1)` up to `2^(64 L + 4 L) mod n` (the Montgomery form of `2^(4 L)`), then
/// squares four times in Montgomery form: `2^(4 L · 16) R = R^2`.
pub(crate) fn r_squared<B: Backend, const L: usize>(
    backend: &B,
    n: &[u64; L],
    n0: u64,
    bits: usize,
) -> [u64; L] {
    let mut x = [0u64; L];
    let top_bit = bits.saturating_sub(1);
    if let Some(limb) = x.get_mut(top_bit / 64) {
        *limb = 1u64 << (top_bit % 64);
    }
    let doublings = (64 * L + 4 * L + 1).saturating_sub(bits);
    for _ in 0..doublings {
        let carry = shl1_assign(&mut x);
        if carry || !less_than(&x, n) {
            sub_assign(&mut x, n);
        }
    }
    for _ in 0..4 {
        x = backend.sqr(&x, n, n0);
    }
    x
}

/// `s^e mod n` (normal form) for odd `e >= 3` and `s < n`; `r2 = R^2 mod n`.
///
/// Left-to-right square-and-multiply on `s R`; the last step multiplies by `s` itself, which
/// also leaves the Montgomery domain (`e = 65537`: 1 + 16 squarings + 1 multiplication).
pub(crate) fn pow_odd<B: Backend, const L: usize>(
    backend: &B,
    s: &[u64; L],
    e: u64,
    n: &[u64; L],
    n0: u64,
    r2: &[u64; L],
) -> [u64; L] {
    let s_mont = backend.mul(s, r2, n, n0);
    let top = 63u32.saturating_sub(e.leading_zeros());
    let mut x = s_mont;
    for bit in (1..top).rev() {
        x = backend.sqr(&x, n, n0);
        if (e >> bit) & 1 == 1 {
            x = backend.mul(&x, &s_mont, n, n0);
        }
    }
    x = backend.sqr(&x, n, n0);
    backend.mul(&x, s, n, n0)
}

#[cfg(test)]
mod tests {
    //! Every arithmetic path against a naive oracle (shift-and-add modular arithmetic) and
    //! against each other, for each limb class, with random odd moduli of random sizes.
    use super::*;
    use crate::rsa::limbs::less_than;
    use proptest::prelude::*;

    /// `(a + b) mod n` for `a, b < n`.
    fn add_mod<const L: usize>(a: &[u64; L], b: &[u64; L], n: &[u64; L]) -> [u64; L] {
        let mut sum = *a;
        let mut carry = false;
        for (x, &y) in sum.iter_mut().zip(b) {
            let (s1, c1) = x.overflowing_add(y);
            let (s2, c2) = s1.overflowing_add(u64::from(carry));
            *x = s2;
            carry = c1 | c2;
        }
        if carry || !less_than(&sum, n) {
            sub_assign(&mut sum, n);
        }
        sum
    }

    /// `a * b mod n` by double-and-add over the bits of `b`.
    fn naive_mul_mod<const L: usize>(a: &[u64; L], b: &[u64; L], n: &[u64; L]) -> [u64; L] {
        let mut acc = [0u64; L];
        for bit in (0..64 * L).rev() {
            acc = add_mod(&acc, &acc, n);
            if (b[bit / 64] >> (bit % 64)) & 1 == 1 {
                acc = add_mod(&acc, a, n);
            }
        }
        acc
    }

    fn naive_pow<const L: usize>(s: &[u64; L], e: u64, n: &[u64; L]) -> [u64; L] {
        let mut one = [0u64; L];
        one[0] = 1;
        let mut acc = one;
        for bit in (0..64 - e.leading_zeros()).rev() {
            acc = naive_mul_mod(&acc, &acc, n);
            if (e >> bit) & 1 == 1 {
                acc = naive_mul_mod(&acc, s, n);
            }
        }
        acc
    }

    /// A random odd modulus of exactly `bits` bits and a value below it, from seed words.
    fn modulus_and_value<const L: usize>(
        seed: &[u64],
        bits: usize,
    ) -> ([u64; L], [u64; L], [u64; L]) {
        let mut n = [0u64; L];
        let mut a = [0u64; L];
        let mut b = [0u64; L];
        for i in 0..L {
            n[i] = seed[i % seed.len()].rotate_left(i as u32 * 7)
                ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            a[i] = seed[(i + 1) % seed.len()].rotate_left(i as u32 * 13) ^ 0x5555;
            b[i] = seed[(i + 2) % seed.len()].wrapping_mul(0xff51_afd7_ed55_8ccd) ^ i as u64;
        }
        let top = bits - 1;
        for bit in top + 1..64 * L {
            n[bit / 64] &= !(1u64 << (bit % 64));
        }
        n[top / 64] |= 1u64 << (top % 64);
        n[0] |= 1;
        // a, b < n: clear their top bit and above.
        for x in [&mut a, &mut b] {
            for bit in top..64 * L {
                x[bit / 64] &= !(1u64 << (bit % 64));
            }
        }
        (n, a, b)
    }

    /// R^2 mod n the slow way: 1 doubled 2 * 64 L times.
    fn naive_r_squared<const L: usize>(n: &[u64; L]) -> [u64; L] {
        let mut x = [0u64; L];
        x[0] = 1;
        for _ in 0..2 * 64 * L {
            x = add_mod(&x, &x, n);
        }
        x
    }

    fn check_class<const L: usize>(seed: &[u64], bits: usize, e: u64) {
        let (n, a, b) = modulus_and_value::<L>(seed, bits);
        let n0 = neg_inverse_mod_2_64(n[0]);
        assert_eq!(n[0].wrapping_mul(n0), u64::MAX, "n * n0 == -1 mod 2^64");
        let r2 = r_squared(&Portable, &n, n0, bits);
        assert_eq!(r2, naive_r_squared(&n));
        // mont(mont(a, b), R^2) == a * b mod n
        let ab = Portable.mul(&Portable.mul(&a, &b, &n, n0), &r2, &n, n0);
        assert_eq!(ab, naive_mul_mod(&a, &b, &n));
        let aa = Portable.mul(&Portable.sqr(&a, &n, n0), &r2, &n, n0);
        assert_eq!(aa, naive_mul_mod(&a, &a, &n));
        assert_eq!(Portable.sqr(&a, &n, n0), Portable.mul(&a, &a, &n, n0));
        // Edge values: 0, 1, n - 1.
        let mut n_minus_1 = n;
        n_minus_1[0] -= 1;
        let mut one = [0u64; L];
        one[0] = 1;
        for x in [[0u64; L], one, n_minus_1] {
            assert_eq!(Portable.sqr(&x, &n, n0), Portable.mul(&x, &x, &n, n0));
            let xx = Portable.mul(&Portable.sqr(&x, &n, n0), &r2, &n, n0);
            assert_eq!(xx, naive_mul_mod(&x, &x, &n));
        }
        let expected_pow = naive_pow(&a, e, &n);
        assert_eq!(pow_odd(&Portable, &a, e, &n, n0, &r2), expected_pow);
        #[cfg(target_arch = "x86_64")]
        if let Some(adx) = crate::rsa::adx::Adx::detect() {
            assert_eq!(r_squared(&adx, &n, n0, bits), r2);
            for (x, y) in [
                (a, b),
                (b, a),
                (a, a),
                (n_minus_1, n_minus_1),
                (one, n_minus_1),
                ([0; L], a),
            ] {
                assert_eq!(adx.mul(&x, &y, &n, n0), Portable.mul(&x, &y, &n, n0));
                assert_eq!(adx.sqr(&x, &n, n0), Portable.sqr(&x, &n, n0));
            }
            assert_eq!(pow_odd(&adx, &a, e, &n, n0, &r2), expected_pow);
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(ifma) = crate::rsa::ifma::Ifma::detect() {
            for x in [a, b, n_minus_1, one, [0; L]] {
                assert_eq!(
                    ifma.pow_odd(&x, e, &n, n0, &r2, bits),
                    Exponentiation::pow_odd(&Portable, &x, e, &n, n0, &r2, bits)
                );
            }
            assert_eq!(ifma.pow_odd(&a, e, &n, n0, &r2, bits), expected_pow);
            assert_eq!(ifma.pow_odd(&a, 3, &n, n0, &r2, bits), naive_pow(&a, 3, &n));
        }
    }

    fn exponent_strategy() -> impl Strategy<Value = u64> {
        prop_oneof![
            Just(3u64),
            Just(65537u64),
            (1u64..(1 << 32)).prop_map(|e| 2 * e + 1)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        #[test]
        fn limbs_32(seed in prop::collection::vec(any::<u64>(), 1..8), extra in 0usize..64, e in exponent_strategy()) {
            check_class::<32>(&seed, 1985 + extra, e);
        }

        #[test]
        fn limbs_48(seed in prop::collection::vec(any::<u64>(), 1..8), extra in 0usize..64, e in exponent_strategy()) {
            check_class::<48>(&seed, 3009 + extra, e);
        }

        #[test]
        fn limbs_64(seed in prop::collection::vec(any::<u64>(), 1..8), extra in 0usize..64, e in exponent_strategy()) {
            check_class::<64>(&seed, 4033 + extra, e);
        }
    }

    /// Every pair of `values` through `mul`, each through `sqr` and `s^65537` on every backend
    /// this CPU has, against the naive oracle, with `r2` checked first.
    fn check_values<const L: usize>(n: &[u64; L], bits: usize, values: &[[u64; L]]) {
        let n0 = neg_inverse_mod_2_64(n[0]);
        let r2 = r_squared(&Portable, n, n0, bits);
        assert_eq!(r2, naive_r_squared(n));
        for x in values {
            for y in values {
                let xy = Portable.mul(x, y, n, n0);
                assert!(less_than(&xy, n));
                assert_eq!(Portable.mul(&xy, &r2, n, n0), naive_mul_mod(x, y, n));
            }
            let xx = Portable.sqr(x, n, n0);
            assert!(less_than(&xx, n));
            assert_eq!(Portable.mul(&xx, &r2, n, n0), naive_mul_mod(x, x, n));
            let expected = naive_pow(x, 65537, n);
            assert_eq!(pow_odd(&Portable, x, 65537, n, n0, &r2), expected);
            #[cfg(target_arch = "x86_64")]
            if let Some(adx) = crate::rsa::adx::Adx::detect() {
                assert_eq!(adx.sqr(x, n, n0), xx);
                assert_eq!(pow_odd(&adx, x, 3, n, n0, &r2), naive_pow(x, 3, n));
            }
            #[cfg(target_arch = "x86_64")]
            if let Some(ifma) = crate::rsa::ifma::Ifma::detect() {
                assert_eq!(ifma.pow_odd(x, 65537, n, n0, &r2, bits), expected);
            }
        }
    }

    /// The largest column sums the product-scanning code can meet: moduli `2^(64 L) - 1`
    /// (every limb all ones, the top of each class) and `2^(bits - 1) + 1` (the bottom), with
    /// the values `n - 1`, `n - 2`, all-ones low halves and `1`.
    #[test]
    fn all_ones_limbs_fill_the_column_accumulators() {
        fn class<const L: usize>(bits: usize) {
            let mut n = [0u64; L];
            for bit in 0..bits {
                n[bit / 64] |= 1 << (bit % 64);
            }
            let mut n_minus_1 = n;
            n_minus_1[0] -= 1;
            let mut n_minus_2 = n;
            n_minus_2[0] -= 2;
            let mut low_half = [0u64; L];
            low_half[..L / 2].fill(u64::MAX);
            let mut one = [0u64; L];
            one[0] = 1;
            check_values(&n, bits, &[n_minus_1, n_minus_2, low_half, one]);
            // Bottom of the class: 2^(bits-1) + 1.
            let mut low = [0u64; L];
            low[(bits - 1) / 64] = 1 << ((bits - 1) % 64);
            low[0] |= 1;
            let mut low_minus_1 = low;
            low_minus_1[0] -= 1;
            let mut below = [0u64; L];
            for bit in 0..bits - 1 {
                below[bit / 64] |= 1 << (bit % 64);
            }
            check_values(&low, bits, &[low_minus_1, below, one]);
        }
        class::<32>(2048);
        class::<48>(3072);
        class::<64>(4096);
        class::<48>(3009);
    }

    #[test]
    fn extreme_moduli() {
        // All-ones moduli (top of the class) and 2^(bits-1) + 1 (bottom).
        check_class::<32>(&[u64::MAX], 2048, 65537);
        check_class::<64>(&[u64::MAX], 4096, 3);
        check_class::<48>(&[0], 3009, 65537);
    }
}
