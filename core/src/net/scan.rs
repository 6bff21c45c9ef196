//! Counting, in one fixed-width window of sorted digits, how many are `<=` an address's digit
//! (the step every indexed lookup ends with), and the prefetch hint batch lookups read ahead
//! with. Counting instead of searching keeps the lookup free of a chain of dependent loads,
//! so many lookups of a batch overlap in the CPU.

/// How many of the first `n` (at most 16) of 16 sorted 32-bit digits are `<= d`.
#[inline(always)]
pub(crate) fn count_u32(window: &[u32; 16], d: u32, n: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        count_u32_sse2(window, d, n)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        count_scalar(window, d, n)
    }
}

/// The portable count: every digit compared, lanes past `n` ignored.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
fn count_scalar<T: Copy + Ord>(window: &[T], d: T, n: usize) -> usize {
    window.iter().take(n).map(|&x| usize::from(x <= d)).sum()
}

/// SSE2 (part of every x86_64 CPU): compare the 16 digits with `d` (unsigned, by flipping
/// the sign bits), make a mask of the lanes above `d`, and count the leading lanes not above
/// it (the digits are sorted, so those come first), stopping at `n`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn count_u32_sse2(window: &[u32; 16], d: u32, n: usize) -> usize {
    use core::arch::x86_64::{
        __m128i, _mm_cmpgt_epi32, _mm_loadu_si128, _mm_movemask_epi8, _mm_packs_epi16,
        _mm_packs_epi32, _mm_set1_epi32, _mm_xor_si128,
    };
    let p = window.as_ptr().cast::<__m128i>();
    // SAFETY: `window` is 64 readable bytes and `loadu` has no alignment requirement; SSE2
    // is part of the x86_64 baseline.
    let above = unsafe {
        let flip = _mm_set1_epi32(i32::MIN);
        let dv = _mm_set1_epi32((d ^ 0x8000_0000) as i32);
        let gt = |v: __m128i| _mm_cmpgt_epi32(_mm_xor_si128(v, flip), dv);
        let a0 = gt(_mm_loadu_si128(p));
        let a1 = gt(_mm_loadu_si128(p.add(1)));
        let a2 = gt(_mm_loadu_si128(p.add(2)));
        let a3 = gt(_mm_loadu_si128(p.add(3)));
        let w = _mm_packs_epi16(_mm_packs_epi32(a0, a1), _mm_packs_epi32(a2, a3));
        _mm_movemask_epi8(w) as u32
    };
    (above | 1u32 << (n & 31) | 1 << 16)
        .trailing_zeros()
        .min(n as u32) as usize
}

/// Ask the CPU to fetch the cache line holding `p` (a hint: any address is fine, nothing is
/// read, and on targets without a prefetch instruction it does nothing).
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and has no effect but on the caches; SSE is part of
    // the x86_64 baseline.
    unsafe {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorted windows (digits with the top bit set, the ends of the range, repeated
    /// padding) against every interesting digit and every `n`: each count agrees with a
    /// plain count of the first `n`.
    #[test]
    fn counts_agree_with_a_plain_count() {
        let mut next = crate::net::tests::xorshift(0x9e37_79b9_7f4a_7c15);
        for round in 0..400 {
            let mut w32 = [0u32; 16];
            for v in w32.iter_mut() {
                *v = match round % 3 {
                    0 => next() as u32,
                    1 => (next() % 20) as u32,
                    _ => 0x7fff_fff0 + (next() % 32) as u32,
                };
            }
            w32.sort_unstable();
            let probes32 = w32
                .iter()
                .flat_map(|&k| [k, k.wrapping_sub(1), k.wrapping_add(1)])
                .chain([0, u32::MAX, 0x8000_0000, 0x7fff_ffff]);
            for d in probes32 {
                for n in 0..=16 {
                    let want = w32[..n].iter().filter(|&&k| k <= d).count();
                    assert_eq!(count_u32(&w32, d, n), want, "{w32:x?} {d:#x} {n}");
                    assert_eq!(count_scalar(&w32, d, n), want);
                }
            }
        }
    }
}
