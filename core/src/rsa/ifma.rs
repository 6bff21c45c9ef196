//! x86_64 Montgomery exponentiation with AVX-512 IFMA (`vpmadd52luq` / `vpmadd52huq`): numbers
//! in radix 2^52, eight digits per 512-bit register, and "almost Montgomery" multiplication
//! (results `< 2n`, no final subtraction inside the chain), after the approach Gueron and
//! Krasnov published (OpenSSL's rsaz-avx512); the code is our own. A whole public-key operation
//! stays in this representation: the signature, the modulus and `R^2` are converted once, the
//! result once. Only reachable through an [`Ifma`] value, which exists only once `cpuid` and
//! `xgetbv` said that the CPU has AVX-512F and IFMA and the OS saves the AVX-512 state.

use core::arch::x86_64::{
    __m512i, _mm512_add_epi64, _mm512_alignr_epi64, _mm512_castsi512_si128, _mm512_madd52hi_epu64,
    _mm512_madd52lo_epu64, _mm512_maskz_set1_epi64, _mm512_set1_epi64, _mm512_setzero_si512,
    _mm_extract_epi64,
};

use super::montgomery::Exponentiation;
use super::radix52::{
    digits_for, digits_less, digits_sub, from_digits, mul_pow2_mod, to_digits, Row, DIGIT_BITS,
    DIGIT_MASK,
};

/// Proof that the CPU and OS support AVX-512F and IFMA (only [`Ifma::detect`] makes one).
#[derive(Clone, Copy)]
pub(crate) struct Ifma(());

impl Ifma {
    /// `Some` when this CPU and OS support AVX-512F and AVX-512 IFMA.
    pub(crate) fn detect() -> Option<Ifma> {
        crate::cpu::has(crate::cpu::Feature::Avx512Ifma).then_some(Ifma(()))
    }
}

impl Exponentiation for Ifma {
    fn pow_odd<const L: usize>(
        &self,
        s: &[u64; L],
        e: u64,
        n: &[u64; L],
        n0: u64,
        r2: &[u64; L],
        bits: usize,
    ) -> [u64; L] {
        let mut out = [0u64; L];
        // The register count per class: 40, 60, 79 digits in 5, 8, 10 registers.
        // SAFETY (all three): an `Ifma` exists only when the CPU and OS support AVX-512F and IFMA.
        match L {
            32 => unsafe { pow_odd_ifma::<5>(s, e, n, n0, r2, bits, &mut out) },
            48 => unsafe { pow_odd_ifma::<8>(s, e, n, n0, r2, bits, &mut out) },
            64 => unsafe { pow_odd_ifma::<10>(s, e, n, n0, r2, bits, &mut out) },
            // No other class exists; zeros never match an encoding (it starts `00 01`).
            _ => {}
        }
        out
    }
}

/// Loads one row into a register.
#[inline(always)]
fn load(row: &Row) -> __m512i {
    // SAFETY: `Row` and `__m512i` are both 64 plain bytes; every bit pattern is valid.
    unsafe { core::mem::transmute::<Row, __m512i>(*row) }
}

/// Stores one register into a row.
#[inline(always)]
fn store(x: __m512i) -> Row {
    // SAFETY: as in `load`.
    unsafe { core::mem::transmute::<__m512i, Row>(x) }
}

/// The modulus and its constants.
struct Modulus<'a, const V: usize> {
    /// `n` as digits.
    n: &'a [Row; V],
    /// `-n^-1 mod 2^52`.
    k0: u64,
    /// Digits in use (`K`; the Montgomery radix is `2^(52 K)`).
    digits: usize,
}

/// Almost Montgomery multiplication `a b / 2^(52 K) mod n`, result `< 2n` for `a, b < 2n`
/// (`4n <= 2^(52 K)`), digits normalised (`< 2^52`).
///
/// Operand scanning over the digits of `b`: add the low halves of `a b_i`, pick `m` that zeroes
/// digit 0, add the low halves of `m n`, shift the accumulator down one digit (carrying digit 0's
/// overflow), then add the high halves of both products. Each lane grows by less than `2^54`
/// per step, so `K <= 79` steps cannot overflow 64 bits; one carry pass at the end normalises.
///
/// Lane 0, which decides the next `m`, is also kept in a general-purpose register: it is lane 1
/// as the step starts (read before this step's products, so off the critical path) plus the
/// step's contributions to it, computed with scalar multiplications. Reading it back from the
/// vector after the step instead (move, multiply, broadcast, then the next step's first
/// multiply-add) put about a dozen cycles of latency on every step.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn amm<const V: usize>(out: &mut [Row; V], a: &[Row; V], b: &[Row; V], m: &Modulus<'_, V>) {
    // Small helpers, each its own frame in a debug build (which keeps every temporary on the
    // stack); an optimised build inlines them all.
    let mut acc = [_mm512_setzero_si512(); V];
    let digits_of = |x: &[Row; V]| {
        let flat = x.as_flattened();
        (
            flat.first().copied().unwrap_or(0),
            flat.get(1).copied().unwrap_or(0),
        )
    };
    let ((a0, a1), (n_0, n_1)) = (digits_of(a), digits_of(m.n));
    // Lane 0 of `acc` at the start of the step.
    let mut lane0 = 0u64;
    for &bi in b.as_flattened().iter().take(m.digits) {
        let lane1 = second_lane(&acc);
        let t0 = lane0.wrapping_add(a0.wrapping_mul(bi) & DIGIT_MASK);
        let q = t0.wrapping_mul(m.k0) & DIGIT_MASK;
        // Digit 0 becomes a multiple of 2^52: its carry moves into digit 1 as everything shifts.
        let carry = t0.wrapping_add(q.wrapping_mul(n_0) & DIGIT_MASK) >> DIGIT_BITS;
        add_low_products(&mut acc, a, bi);
        add_low_products(&mut acc, m.n, q);
        shift_down(&mut acc, carry);
        add_high_products(&mut acc, a, bi);
        add_high_products(&mut acc, m.n, q);
        // The new lane 0: old lane 1, the low halves for digit 1, the carry, the high halves
        // for digit 0.
        lane0 = lane1
            .wrapping_add(a1.wrapping_mul(bi) & DIGIT_MASK)
            .wrapping_add(n_1.wrapping_mul(q) & DIGIT_MASK)
            .wrapping_add(carry)
            .wrapping_add(high_half(a0, bi))
            .wrapping_add(high_half(n_0, q));
    }
    for (row, &x) in out.iter_mut().zip(&acc) {
        *row = store(x);
    }
    let mut carry = 0u64;
    for digit in out.as_flattened_mut() {
        let v = *digit + carry;
        *digit = v & DIGIT_MASK;
        carry = v >> DIGIT_BITS;
    }
}

/// Bits 52 to 103 of the product of two digits (what `vpmadd52huq` adds).
#[inline(always)]
fn high_half(x: u64, y: u64) -> u64 {
    ((u128::from(x) * u128::from(y)) >> DIGIT_BITS) as u64
}

/// `acc += low 52 bits of (x · y)`, lane by lane.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn add_low_products<const V: usize>(acc: &mut [__m512i; V], x: &[Row; V], y: u64) {
    let yv = _mm512_set1_epi64(y as i64);
    for (a, row) in acc.iter_mut().zip(x) {
        *a = _mm512_madd52lo_epu64(*a, load(row), yv);
    }
}

/// `acc += high 52 bits of (x · y)`, lane by lane.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn add_high_products<const V: usize>(acc: &mut [__m512i; V], x: &[Row; V], y: u64) {
    let yv = _mm512_set1_epi64(y as i64);
    for (a, row) in acc.iter_mut().zip(x) {
        *a = _mm512_madd52hi_epu64(*a, load(row), yv);
    }
}

/// Lane 1 of the accumulator.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn second_lane<const V: usize>(acc: &[__m512i; V]) -> u64 {
    acc.first().map_or(0, |&x| {
        _mm_extract_epi64::<1>(_mm512_castsi512_si128(x)) as u64
    })
}

/// Drops lane 0, moves every lane down one place (zero enters at the top) and adds `carry`
/// to the new lane 0.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn shift_down<const V: usize>(acc: &mut [__m512i; V], carry: u64) {
    let mut above = _mm512_setzero_si512();
    for x in acc.iter_mut().rev() {
        let current = *x;
        *x = _mm512_alignr_epi64::<1>(above, current);
        above = current;
    }
    if let Some(x) = acc.first_mut() {
        *x = _mm512_add_epi64(*x, _mm512_maskz_set1_epi64(1, carry as i64));
    }
}

/// `out = s^e mod n` (fully reduced) for odd `e >= 3` and `s < n`, where `n` (`bits` bits) and
/// `r2 = 2^(128 L) mod n` have `L = out.len()` limbs and `8 V >= digits_for(L)`.
///
/// `R^2` for the digit radix, `2^(104 K) mod n`, is `r2 · 2^(104 K - 128 L)`; then the same
/// left-to-right chain as [`pow_odd`], ending with a multiplication by `s` itself.
#[target_feature(enable = "avx512f,avx512ifma")]
#[allow(clippy::too_many_arguments)]
fn pow_odd_ifma<const V: usize>(
    s: &[u64],
    e: u64,
    n: &[u64],
    n0: u64,
    r2: &[u64],
    bits: usize,
    out: &mut [u64],
) {
    let limbs = out.len();
    let digits = digits_for(limbs);
    if digits > 8 * V {
        return;
    }
    // Buffers are few and reused (`out` holds the shifted R^2 first): a debug build keeps
    // every one on the stack.
    for (dst, &src) in out.iter_mut().zip(r2) {
        *dst = src;
    }
    mul_pow2_mod(out, n, bits, 2 * DIGIT_BITS * digits - 128 * limbs);
    // One array for every digit buffer: a debug build keeps each temporary on the stack.
    let mut buffers = [[[0u64; 8]; V]; 5];
    let [n_digits, x, y, s_digits, s_mont] = &mut buffers;
    to_digits(n, n_digits);
    let modulus = Modulus {
        n: n_digits,
        k0: n0 & DIGIT_MASK,
        digits,
    };
    to_digits(s, s_digits);
    to_digits(out, y);
    amm(s_mont, s_digits, y, &modulus);
    let top = 63u32.saturating_sub(e.leading_zeros());
    // Bits top-1 down to 0: square (the first time from s R), then multiply by s R where the
    // bit is set, or by s itself at bit 0 (always set), which leaves the Montgomery domain.
    // Two buffers swapped by reference: a product never overwrites its own input.
    let (mut current, mut spare) = (x, y);
    for bit in (0..top).rev() {
        if bit + 1 == top {
            amm(spare, s_mont, s_mont, &modulus);
        } else {
            amm(spare, current, current, &modulus);
        }
        core::mem::swap(&mut current, &mut spare);
        if bit == 0 {
            amm(spare, current, s_digits, &modulus);
            core::mem::swap(&mut current, &mut spare);
        } else if (e >> bit) & 1 == 1 {
            amm(spare, current, s_mont, &modulus);
            core::mem::swap(&mut current, &mut spare);
        }
    }
    let x = current;
    if !digits_less(x.as_flattened(), modulus.n.as_flattened()) {
        digits_sub(x.as_flattened_mut(), modulus.n.as_flattened());
    }
    from_digits(x.as_flattened(), out);
}
