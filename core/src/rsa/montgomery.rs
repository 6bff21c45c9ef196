//! Montgomery constants and modular exponentiation, generic over the limb count `L` (fixed per
//! key size so loops unroll) and over the arithmetic backend (portable or x86_64 ADX).

use super::limbs::{less_than, shl1_assign, sub_assign};
use super::portable;

/// One implementation of Montgomery multiplication and squaring modulo `n` with `R = 2^(64 L)`.
/// Inputs are `< n`, outputs are `< n`; `n0 = -n^-1 mod 2^64`.
pub(crate) trait Backend {
    /// `a * b / R mod n`.
    fn mul<const L: usize>(a: &[u64; L], b: &[u64; L], n: &[u64; L], n0: u64) -> [u64; L];
    /// `a * a / R mod n`.
    fn sqr<const L: usize>(a: &[u64; L], n: &[u64; L], n0: u64) -> [u64; L];
}

/// The `u128` arithmetic that runs everywhere.
pub(crate) struct Portable;

impl Backend for Portable {
    #[inline(always)]
    fn mul<const L: usize>(a: &[u64; L], b: &[u64; L], n: &[u64; L], n0: u64) -> [u64; L] {
        portable::mont_mul(a, b, n, n0)
    }
    #[inline(always)]
    fn sqr<const L: usize>(a: &[u64; L], n: &[u64; L], n0: u64) -> [u64; L] {
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
        x = B::sqr(&x, n, n0);
    }
    x
}

/// `s^e mod n` (normal form) for odd `e >= 3` and `s < n`; `r2 = R^2 mod n`.
///
/// Left-to-right square-and-multiply on `s R`; the last step multiplies by `s` itself, which
/// also leaves the Montgomery domain (`e = 65537`: 1 + 16 squarings + 1 multiplication).
pub(crate) fn pow_odd<B: Backend, const L: usize>(
    s: &[u64; L],
    e: u64,
    n: &[u64; L],
    n0: u64,
    r2: &[u64; L],
) -> [u64; L] {
    let s_mont = B::mul(s, r2, n, n0);
    let top = 63u32.saturating_sub(e.leading_zeros());
    let mut x = s_mont;
    for bit in (1..top).rev() {
        x = B::sqr(&x, n, n0);
        if (e >> bit) & 1 == 1 {
            x = B::mul(&x, &s_mont, n, n0);
        }
    }
    x = B::sqr(&x, n, n0);
    B::mul(&x, s, n, n0)
}
