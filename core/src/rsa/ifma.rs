//! x86_64 Montgomery exponentiation with AVX-512 IFMA (`vpmadd52luq` / `vpmadd52huq`): numbers
//! in radix 2^52, eight digits per 512-bit register, and "almost Montgomery" multiplication
//! (results `< 2n`, no final subtraction inside the chain), after the approach Gueron and
//! Krasnov published (OpenSSL's rsaz-avx512); the code is our own. A whole public-key operation
//! stays in this representation: the signature, the modulus and `R^2` are converted once, the
//! result once. Only reachable through an [`Ifma`] value, which exists only once `cpuid` and
//! `xgetbv` said that the CPU has AVX-512F and IFMA and the OS saves the AVX-512 state.

use core::arch::asm;
use core::arch::x86_64::{
    __cpuid, __cpuid_count, __m512i, _mm512_add_epi64, _mm512_alignr_epi64, _mm512_castsi512_si128,
    _mm512_madd52hi_epu64, _mm512_madd52lo_epu64, _mm512_maskz_set1_epi64, _mm512_set1_epi64,
    _mm512_setzero_si512, _mm_cvtsi128_si64,
};
use core::sync::atomic::{AtomicU8, Ordering};

use super::montgomery::{pow_odd, Exponentiation, Portable};
use super::radix52::{
    digits_for, digits_less, digits_sub, from_digits, mul_pow2_mod, to_digits, Row, DIGIT_BITS,
    DIGIT_MASK,
};

/// Proof that the CPU and OS support AVX-512F and IFMA (only [`Ifma::detect`] makes one).
#[derive(Clone, Copy)]
pub(crate) struct Ifma(());

/// Cached answer, as for the ADX backend: 0 = not asked yet, 1 = absent, 2 = present.
static IFMA_STATE: AtomicU8 = AtomicU8::new(0);

impl Ifma {
    /// `Some` when this CPU and OS support AVX-512F and AVX-512 IFMA.
    pub(crate) fn detect() -> Option<Ifma> {
        let state = match IFMA_STATE.load(Ordering::Relaxed) {
            0 => {
                let state = if cpu_has_avx512_ifma() { 2 } else { 1 };
                IFMA_STATE.store(state, Ordering::Relaxed);
                state
            }
            known => known,
        };
        (state == 2).then_some(Ifma(()))
    }
}

/// `cpuid` leaf 7 for AVX-512F (EBX bit 16) and IFMA (EBX bit 21), and `xgetbv` for the OS
/// saving the SSE, AVX, opmask and ZMM state (XCR0 bits 1, 2, 5, 6, 7).
#[allow(unused_unsafe)]
fn cpu_has_avx512_ifma() -> bool {
    // SAFETY: `cpuid` exists on every x86_64 CPU.
    let max_leaf = unsafe { __cpuid(0) }.eax;
    if max_leaf < 7 {
        return false;
    }
    // SAFETY: as above; leaf 1 always exists.
    let osxsave = unsafe { __cpuid(1) }.ecx & (1 << 27) != 0;
    if !osxsave || xcr0() & 0xe6 != 0xe6 {
        return false;
    }
    // SAFETY: leaf 7 is supported (checked above).
    let ebx = unsafe { __cpuid_count(7, 0) }.ebx;
    ebx & (1 << 16) != 0 && ebx & (1 << 21) != 0
}

/// XCR0, the state components the OS saves; only called once OSXSAVE is known to be set.
fn xcr0() -> u64 {
    let (eax, edx): (u32, u32);
    // SAFETY: `xgetbv` with ECX = 0 is valid when CPUID.1:ECX.OSXSAVE is set, which the only
    // caller checks first; it reads a register and touches no memory.
    unsafe {
        asm!("xgetbv", in("ecx") 0u32, out("eax") eax, out("edx") edx,
             options(nomem, nostack, preserves_flags));
    }
    (u64::from(edx) << 32) | u64::from(eax)
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
            _ => out = pow_odd(&Portable, s, e, n, n0, r2),
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

/// The modulus and its constants, in registers.
struct Modulus<const V: usize> {
    /// `n` as digits, in registers.
    n: [__m512i; V],
    /// The lowest digit of `n`.
    n_low: u64,
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
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn amm<const V: usize>(a: &[Row; V], b: &[Row; V], m: &Modulus<V>) -> [Row; V] {
    let zero = _mm512_setzero_si512();
    let mut av = [zero; V];
    for (dst, row) in av.iter_mut().zip(a) {
        *dst = load(row);
    }
    let mut acc = [zero; V];
    for &bi in b.as_flattened().iter().take(m.digits) {
        let bv = _mm512_set1_epi64(bi as i64);
        for (x, &y) in acc.iter_mut().zip(&av) {
            *x = _mm512_madd52lo_epu64(*x, y, bv);
        }
        let first = acc.first().copied().unwrap_or(zero);
        let lane0 = _mm_cvtsi128_si64(_mm512_castsi512_si128(first)) as u64;
        let q = lane0.wrapping_mul(m.k0) & DIGIT_MASK;
        let qv = _mm512_set1_epi64(q as i64);
        for (x, &y) in acc.iter_mut().zip(&m.n) {
            *x = _mm512_madd52lo_epu64(*x, y, qv);
        }
        // Digit 0 is now a multiple of 2^52: its carry moves into digit 1 as everything shifts.
        let carry = (lane0 + (q.wrapping_mul(m.n_low) & DIGIT_MASK)) >> DIGIT_BITS;
        let mut above = zero;
        for x in acc.iter_mut().rev() {
            let current = *x;
            *x = _mm512_alignr_epi64::<1>(above, current);
            above = current;
        }
        if let Some(x) = acc.first_mut() {
            *x = _mm512_add_epi64(*x, _mm512_maskz_set1_epi64(1, carry as i64));
        }
        for ((x, &y), &z) in acc.iter_mut().zip(&av).zip(&m.n) {
            *x = _mm512_madd52hi_epu64(*x, y, bv);
            *x = _mm512_madd52hi_epu64(*x, z, qv);
        }
    }
    let mut out = [[0u64; 8]; V];
    for (row, &x) in out.iter_mut().zip(&acc) {
        *row = store(x);
    }
    let mut carry = 0u64;
    for digit in out.as_flattened_mut() {
        let v = *digit + carry;
        *digit = v & DIGIT_MASK;
        carry = v >> DIGIT_BITS;
    }
    out
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
    let mut r2_digits = [0u64; 64];
    let (Some(r2_adjusted), true) = (r2_digits.get_mut(..limbs), digits <= 8 * V) else {
        return;
    };
    for (dst, &src) in r2_adjusted.iter_mut().zip(r2) {
        *dst = src;
    }
    mul_pow2_mod(r2_adjusted, n, bits, 2 * DIGIT_BITS * digits - 128 * limbs);
    let n_digits = to_digits::<V>(n);
    let mut modulus = Modulus {
        n: [_mm512_setzero_si512(); V],
        n_low: n_digits.as_flattened().first().copied().unwrap_or(0),
        k0: n0 & DIGIT_MASK,
        digits,
    };
    for (dst, row) in modulus.n.iter_mut().zip(&n_digits) {
        *dst = load(row);
    }
    let s_digits = to_digits::<V>(s);
    let s_mont = amm(&s_digits, &to_digits::<V>(r2_adjusted), &modulus);
    let top = 63u32.saturating_sub(e.leading_zeros());
    let mut x = s_mont;
    for bit in (1..top).rev() {
        x = amm(&x, &x, &modulus);
        if (e >> bit) & 1 == 1 {
            x = amm(&x, &s_mont, &modulus);
        }
    }
    x = amm(&x, &x, &modulus);
    x = amm(&x, &s_digits, &modulus);
    if !digits_less(x.as_flattened(), n_digits.as_flattened()) {
        digits_sub(x.as_flattened_mut(), n_digits.as_flattened());
    }
    from_digits(x.as_flattened(), out);
}
