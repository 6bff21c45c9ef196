//! The turned-around batch loop of tiny tables: every boundary ("step") compared with every
//! address of a batch, each address's answer built by xor-ing in the change of tag at each
//! step at or before it.
//!
//! Three compiled forms, chosen once through `cpu.rs`: AVX-512F (16 IPv4 or 8 IPv6 addresses
//! per compare, read straight from the caller's array, IPv4-mapped IPv6 addresses found in the
//! same pass), AVX2 (the plain loop compiled with 64-bit compares, which SSE2 lacks), and the
//! plain loop, which is also the oracle the others are tested against.

/// Addresses handled per block by the plain and AVX2 forms (their compared bits are gathered
/// on the stack first).
pub(crate) const BLOCK: usize = 256;

/// A boundary: the compared bits of its first address, and the change of tag mask there.
pub(crate) type Step = (u64, u32);

/// An address type a tiny table's batch reads: `u32` (IPv4) or `u128` (IPv6).
pub(crate) trait TinyAddr: Copy {
    /// The bits compared with step keys: an IPv4 address, or an IPv6 address's leading 64.
    fn wide(self) -> u64;

    /// `out[i]` = `special(addrs[i])` where that is `Some`, else `start ^` the changes of
    /// every step whose key is `<= addrs[i].wide()`, for the common length, with the best
    /// code this CPU runs. The steps are ascending.
    fn answer(
        steps: &[Step],
        start: u32,
        addrs: &[Self],
        out: &mut [u32],
        special: &impl Fn(Self) -> Option<u32>,
    );
}

impl TinyAddr for u32 {
    #[inline(always)]
    fn wide(self) -> u64 {
        u64::from(self)
    }

    fn answer(
        steps: &[Step],
        start: u32,
        addrs: &[u32],
        out: &mut [u32],
        special: &impl Fn(u32) -> Option<u32>,
    ) {
        #[cfg(target_arch = "x86_64")]
        if crate::cpu::has(crate::cpu::Feature::Avx512) {
            // SAFETY: `has` said the CPU has AVX-512F and the OS saves its state.
            unsafe { avx512::answer_v4(steps, start, addrs, out) };
            // IPv4 has no special addresses today; kept for the contract's sake.
            apply_special(addrs, out, special);
            return;
        }
        answer_blocks(steps, start, addrs, out, special);
    }
}

impl TinyAddr for u128 {
    #[inline(always)]
    fn wide(self) -> u64 {
        (self >> 64) as u64
    }

    fn answer(
        steps: &[Step],
        start: u32,
        addrs: &[u128],
        out: &mut [u32],
        special: &impl Fn(u128) -> Option<u32>,
    ) {
        #[cfg(target_arch = "x86_64")]
        if crate::cpu::has(crate::cpu::Feature::Avx512) {
            // SAFETY: `has` said the CPU has AVX-512F and the OS saves its state.
            unsafe { avx512::answer_v6(steps, start, addrs, out, special) };
            return;
        }
        answer_blocks(steps, start, addrs, out, special);
    }
}

/// Overwrite the answers of special addresses.
#[inline(always)]
fn apply_special<A: Copy>(addrs: &[A], out: &mut [u32], special: &impl Fn(A) -> Option<u32>) {
    for (o, &a) in out.iter_mut().zip(addrs) {
        if let Some(t) = special(a) {
            *o = t;
        }
    }
}

/// The plain and AVX2 forms: blocks of compared bits gathered on the stack, then
/// [`apply_best`], then the special addresses.
fn answer_blocks<A: TinyAddr>(
    steps: &[Step],
    start: u32,
    addrs: &[A],
    out: &mut [u32],
    special: &impl Fn(A) -> Option<u32>,
) {
    let mut keys = [0u64; BLOCK];
    for (o, a) in out.chunks_mut(BLOCK).zip(addrs.chunks(BLOCK)) {
        let n = o.len().min(a.len());
        for (k, &a) in keys.iter_mut().zip(a) {
            *k = a.wide();
        }
        if let (Some(o), Some(k)) = (o.get_mut(..n), keys.get(..n)) {
            apply_best(steps, start, k, o);
        }
    }
    apply_special(addrs, out, special);
}

/// `out[i] = start ^` the changes of every step whose key is `<= keys[i]`.
#[inline(always)]
fn apply(steps: &[Step], start: u32, keys: &[u64], out: &mut [u32]) {
    // 64-bit lanes throughout (the compares are 64-bit), narrowed at the end.
    let mut all = [0u64; BLOCK];
    let n = keys.len().min(BLOCK);
    let (Some(acc), Some(keys)) = (all.get_mut(..n), keys.get(..n)) else {
        return;
    };
    acc.fill(u64::from(start));
    for &(key, change) in steps {
        let change = u64::from(change);
        for (o, &k) in acc.iter_mut().zip(keys) {
            *o ^= change & u64::from(key <= k).wrapping_neg();
        }
    }
    for (o, &v) in out.iter_mut().zip(acc.iter()) {
        *o = v as u32;
    }
}

/// [`apply`] compiled for AVX2.
///
/// # Safety
/// The CPU must support AVX2 (and the OS save the AVX state): see [`has_avx2`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn apply_avx2(steps: &[Step], start: u32, keys: &[u64], out: &mut [u32]) {
    apply(steps, start, keys, out);
}

/// [`apply`] with the best code this CPU runs short of AVX-512.
fn apply_best(steps: &[Step], start: u32, keys: &[u64], out: &mut [u32]) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: `has_avx2` said the CPU has AVX2 and the OS saves its state.
        unsafe { apply_avx2(steps, start, keys, out) };
        return;
    }
    apply(steps, start, keys, out);
}

/// Whether this CPU has AVX2 and the OS saves the AVX state (asked once, then cached).
#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    crate::cpu::has(crate::cpu::Feature::Avx2)
}

/// The AVX-512F forms: four vectors of addresses per pass over the steps, every load and
/// store masked to the caller's slices (a masked-off lane is never read or written).
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::Step;
    use core::arch::x86_64::{
        __mmask16, __mmask8, _mm512_cmpeq_epi64_mask, _mm512_cmple_epu32_mask,
        _mm512_cmple_epu64_mask, _mm512_mask_cvtepi64_storeu_epi32, _mm512_mask_storeu_epi32,
        _mm512_mask_xor_epi32, _mm512_mask_xor_epi64, _mm512_maskz_loadu_epi32,
        _mm512_maskz_loadu_epi64, _mm512_permutex2var_epi64, _mm512_set1_epi32, _mm512_set1_epi64,
        _mm512_setr_epi64, _mm512_setzero_si512, _mm512_srli_epi64,
    };

    /// Vectors per pass over the steps (independent compare chains for the CPU to overlap).
    const UNROLL: usize = 4;

    /// The lane mask for the `n` (any number) addresses left, at most `lanes`.
    #[inline(always)]
    fn lanes_left(n: usize, lanes: usize) -> u32 {
        if n >= lanes {
            u32::MAX
        } else {
            (1u32 << n) - 1
        }
    }

    /// IPv4: 16 addresses per vector, compared as u32 (every IPv4 step key fits 32 bits).
    ///
    /// # Safety
    /// The CPU must support AVX-512F and the OS save its state.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn answer_v4(steps: &[Step], start: u32, addrs: &[u32], out: &mut [u32]) {
        const LANES: usize = 16;
        let n = addrs.len().min(out.len());
        let start = _mm512_set1_epi32(start as i32);
        let mut at = 0usize;
        while at < n {
            let mut masks = [0 as __mmask16; UNROLL];
            let mut keys = [_mm512_setzero_si512(); UNROLL];
            for (u, (m, k)) in masks.iter_mut().zip(keys.iter_mut()).enumerate() {
                let from = at + u * LANES;
                *m = lanes_left(n.saturating_sub(from), LANES) as __mmask16;
                if *m != 0 {
                    // SAFETY: lanes at or past `n` are masked off, so only `addrs[..n]` is read.
                    *k = unsafe {
                        _mm512_maskz_loadu_epi32(*m, addrs.as_ptr().wrapping_add(from).cast())
                    };
                }
            }
            let mut acc = [start; UNROLL];
            for &(key, change) in steps {
                // Every IPv4 step key is an address (below 2^32): the truncation is exact.
                let key = _mm512_set1_epi32(key as u32 as i32);
                let change = _mm512_set1_epi32(change as i32);
                for (a, &k) in acc.iter_mut().zip(keys.iter()) {
                    let le = _mm512_cmple_epu32_mask(key, k);
                    *a = _mm512_mask_xor_epi32(*a, le, *a, change);
                }
            }
            for (u, (&m, &a)) in masks.iter().zip(acc.iter()).enumerate() {
                if m != 0 {
                    // SAFETY: lanes at or past `n` are masked off: only `out[..n]` is written.
                    unsafe {
                        _mm512_mask_storeu_epi32(
                            out.as_mut_ptr().wrapping_add(at + u * LANES).cast(),
                            m,
                            a,
                        )
                    };
                }
            }
            at += UNROLL * LANES;
        }
    }

    /// IPv6: 8 addresses per vector, their leading 64 bits compared as u64; IPv4-mapped
    /// addresses are found in the same pass and answered by `special`.
    ///
    /// # Safety
    /// The CPU must support AVX-512F and the OS save its state.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn answer_v6(
        steps: &[Step],
        start: u32,
        addrs: &[u128],
        out: &mut [u32],
        special: &impl Fn(u128) -> Option<u32>,
    ) {
        const LANES: usize = 8;
        let n = addrs.len().min(out.len());
        let start = _mm512_set1_epi64(i64::from(start));
        // Little-endian u128s: the low half of address i is qword 2i, the high half 2i + 1.
        let lows = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
        let highs = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
        let zero = _mm512_setzero_si512();
        let ffff = _mm512_set1_epi64(0xffff);
        let mut at = 0usize;
        while at < n {
            let mut masks = [0 as __mmask8; UNROLL];
            let mut keys = [zero; UNROLL];
            let mut mapped = [0 as __mmask8; UNROLL];
            for (u, ((m, k), s)) in masks
                .iter_mut()
                .zip(keys.iter_mut())
                .zip(mapped.iter_mut())
                .enumerate()
            {
                let from = at + u * LANES;
                let left = n.saturating_sub(from);
                *m = lanes_left(left, LANES) as __mmask8;
                if *m == 0 {
                    continue;
                }
                // Two qwords per address: the first vector holds addresses 0..4, the second 4..8.
                let q = lanes_left(left.saturating_mul(2), 2 * LANES);
                let base = addrs.as_ptr().wrapping_add(from).cast::<i64>();
                // SAFETY: qword lanes past the `left` addresses are masked off, so only
                // `addrs[from..n]` is read.
                let (a, b) = unsafe {
                    (
                        _mm512_maskz_loadu_epi64(q as __mmask8, base),
                        _mm512_maskz_loadu_epi64((q >> 8) as __mmask8, base.wrapping_add(LANES)),
                    )
                };
                let high = _mm512_permutex2var_epi64(a, highs, b);
                let low = _mm512_permutex2var_epi64(a, lows, b);
                *k = high;
                // `::ffff:a.b.c.d`: the high half zero, the low half's top 32 bits 0xffff.
                *s = _mm512_cmpeq_epi64_mask(high, zero)
                    & _mm512_cmpeq_epi64_mask(_mm512_srli_epi64::<32>(low), ffff)
                    & *m;
            }
            let mut acc = [start; UNROLL];
            for &(key, change) in steps {
                let key = _mm512_set1_epi64(key as i64);
                let change = _mm512_set1_epi64(i64::from(change));
                for (a, &k) in acc.iter_mut().zip(keys.iter()) {
                    let le = _mm512_cmple_epu64_mask(key, k);
                    *a = _mm512_mask_xor_epi64(*a, le, *a, change);
                }
            }
            for (u, ((&m, &a), &s)) in masks.iter().zip(acc.iter()).zip(mapped.iter()).enumerate() {
                let from = at + u * LANES;
                if m != 0 {
                    // SAFETY: lanes past `n` are masked off: only `out[from..n]` is written.
                    unsafe {
                        _mm512_mask_cvtepi64_storeu_epi32(
                            out.as_mut_ptr().wrapping_add(from).cast(),
                            m,
                            a,
                        )
                    };
                }
                let mut s = s;
                while s != 0 {
                    let i = from + s.trailing_zeros() as usize;
                    s &= s - 1;
                    if let (Some(o), Some(&a)) = (out.get_mut(i), addrs.get(i)) {
                        if let Some(t) = special(a) {
                            *o = t;
                        }
                    }
                }
            }
            at += UNROLL * LANES;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{vec, vec::Vec};

    /// A plain per-address evaluation: the oracle.
    fn plain<A: TinyAddr>(
        steps: &[Step],
        start: u32,
        a: A,
        special: &impl Fn(A) -> Option<u32>,
    ) -> u32 {
        special(a).unwrap_or_else(|| {
            steps
                .iter()
                .filter(|s| s.0 <= a.wide())
                .fold(start, |v, s| v ^ s.1)
        })
    }

    /// Both portable forms agree with a plain per-address evaluation, including keys with
    /// the top bit set and equal to a step.
    #[test]
    fn both_forms_agree_with_a_plain_evaluation() {
        let steps = [
            (0u64, 0u32),
            (5, 1),
            (1 << 63, 6),
            ((1 << 63) + 1, 2),
            (u64::MAX, 8),
        ];
        let keys: [u64; 11] = [
            0,
            4,
            5,
            6,
            (1 << 63) - 1,
            1 << 63,
            (1 << 63) + 1,
            (1 << 63) + 2,
            u64::MAX - 1,
            u64::MAX,
            77,
        ];
        let want: [u32; 11] = core::array::from_fn(|i| {
            steps
                .iter()
                .filter(|s| s.0 <= keys[i])
                .fold(0x10, |v, s| v ^ s.1)
        });
        let mut out = [0u32; 11];
        apply(&steps, 0x10, &keys, &mut out);
        assert_eq!(out, want);
        let mut best = [0u32; 11];
        apply_best(&steps, 0x10, &keys, &mut best);
        assert_eq!(best, want);
    }

    /// Ascending steps from `n` random keys (IPv4: below 2^32), with random changes.
    fn random_steps(rng: &mut impl FnMut() -> u64, n: usize, v4: bool) -> Vec<Step> {
        let mut steps: Vec<Step> = (0..n)
            .map(|_| {
                let k = rng();
                (if v4 { k >> 32 } else { k }, rng() as u32)
            })
            .collect();
        steps.sort();
        steps
    }

    /// Every length from 0 to past two unrolled passes, keys on, just below and just above
    /// steps, a special (IPv4-mapped) address or two per batch: the dispatched form (AVX-512
    /// on this CPU when it has it) and the block form both match the plain evaluation, and
    /// nothing past the common length is written.
    #[test]
    fn every_form_matches_the_plain_evaluation_at_every_length() {
        let mut rng = crate::net::tests::xorshift(0x9e37_79b9_7f4a_7c15);
        let mapped = |a: u128| ((a >> 32) == 0xffff).then_some(0xdead_0000 | (a as u32 & 0xff));
        for len in 0..140usize {
            for n_steps in [0usize, 1, 4, 16] {
                let s4 = random_steps(&mut rng, n_steps, true);
                let s6 = random_steps(&mut rng, n_steps, false);
                let pick = |rng: &mut dyn FnMut() -> u64, steps: &[Step]| -> u64 {
                    let r = rng();
                    match (steps.get(r as usize % steps.len().max(1)), r % 4) {
                        (Some(s), 0) => s.0,
                        (Some(s), 1) => s.0.wrapping_sub(1),
                        (Some(s), 2) => s.0.wrapping_add(1),
                        _ => rng(),
                    }
                };
                let a4: Vec<u32> = (0..len).map(|_| pick(&mut rng, &s4) as u32).collect();
                let a6: Vec<u128> = (0..len)
                    .map(|i| {
                        if i % 37 == 5 {
                            0xffff_0000_0000 | u128::from(rng() as u32)
                        } else {
                            (u128::from(pick(&mut rng, &s6)) << 64) | u128::from(rng())
                        }
                    })
                    .collect();
                let none = |_: u32| None;
                let want4: Vec<u32> = a4.iter().map(|&a| plain(&s4, 7, a, &none)).collect();
                let want6: Vec<u32> = a6.iter().map(|&a| plain(&s6, 7, a, &mapped)).collect();
                // One extra slot each, which must stay untouched.
                let mut out4 = vec![0x5555_5555u32; len + 1];
                u32::answer(&s4, 7, &a4, &mut out4[..len], &none);
                assert_eq!(&out4[..len], &want4[..], "v4 len {len} steps {n_steps}");
                assert_eq!(out4[len], 0x5555_5555);
                let mut out6 = vec![0x5555_5555u32; len + 1];
                u128::answer(&s6, 7, &a6, &mut out6[..len], &mapped);
                assert_eq!(&out6[..len], &want6[..], "v6 len {len} steps {n_steps}");
                assert_eq!(out6[len], 0x5555_5555);
                let mut blocks = vec![0u32; len];
                answer_blocks(&s6, 7, &a6, &mut blocks, &mapped);
                assert_eq!(blocks, want6, "v6 blocks len {len}");
                // A shorter output than input: only the common length is answered.
                if len > 0 {
                    let mut short = vec![0x5555_5555u32; len];
                    u128::answer(&s6, 7, &a6, &mut short[..len - 1], &mapped);
                    assert_eq!(&short[..len - 1], &want6[..len - 1]);
                    assert_eq!(short[len - 1], 0x5555_5555);
                }
            }
        }
    }
}
