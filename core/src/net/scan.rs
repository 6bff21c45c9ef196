//! Counting, in one fixed-width window of sorted entries, how many keys are `<=` an address:
//! the step every table lookup ends with; and the prefetch hint batch lookups read ahead with. Counting instead of searching keeps the lookup free
//! of a chain of dependent loads, so many lookups of a batch overlap in the CPU.

/// The count of keys `<= a` among eight sorted IPv4 entries (`key << 32 | tag`).
#[inline(always)]
pub(crate) fn count_v4(window: &[u64; 8], a: u32) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        count_v4_sse2(window, a)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        count_v4_scalar(window, a)
    }
}

/// The portable [`count_v4`]: an entry is `<=` the address's largest entry exactly when its
/// key is `<= a`.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
fn count_v4_scalar(window: &[u64; 8], a: u32) -> usize {
    let limit = (u64::from(a) << 32) | u64::from(u32::MAX);
    window.iter().map(|&e| usize::from(e <= limit)).sum()
}

/// SSE2 (part of every x86_64 CPU): gather the eight keys into two vectors, compare them with
/// `a` (unsigned, by flipping the sign bits), and count the leading lanes that are not above
/// `a` (the keys are sorted, so those lanes come first).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn count_v4_sse2(window: &[u64; 8], a: u32) -> usize {
    use core::arch::x86_64::{
        __m128i, _mm_castps_si128, _mm_castsi128_ps, _mm_cmpgt_epi32, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_packs_epi32, _mm_set1_epi32, _mm_shuffle_ps, _mm_xor_si128,
    };
    let p = window.as_ptr().cast::<__m128i>();
    // SAFETY: `window` is 64 readable bytes and `loadu` has no alignment requirement; SSE2
    // is part of the x86_64 baseline, so every intrinsic here is available.
    unsafe {
        let e01 = _mm_castsi128_ps(_mm_loadu_si128(p));
        let e23 = _mm_castsi128_ps(_mm_loadu_si128(p.add(1)));
        let e45 = _mm_castsi128_ps(_mm_loadu_si128(p.add(2)));
        let e67 = _mm_castsi128_ps(_mm_loadu_si128(p.add(3)));
        // The key is the high dword of each entry: dwords 1 and 3 of every vector.
        const KEYS: i32 = 0b11_01_11_01;
        let k0123 = _mm_castps_si128(_mm_shuffle_ps::<KEYS>(e01, e23));
        let k4567 = _mm_castps_si128(_mm_shuffle_ps::<KEYS>(e45, e67));
        let flip = _mm_set1_epi32(i32::MIN);
        let av = _mm_set1_epi32((a ^ 0x8000_0000) as i32);
        let above0 = _mm_cmpgt_epi32(_mm_xor_si128(k0123, flip), av);
        let above1 = _mm_cmpgt_epi32(_mm_xor_si128(k4567, flip), av);
        // Two mask bits per lane after packing to 16 bits.
        let above = _mm_movemask_epi8(_mm_packs_epi32(above0, above1)) as u32;
        ((above | 0x1_0000).trailing_zeros() / 2) as usize
    }
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

/// The count of keys `<=` `a` among four sorted IPv6 entries, without branches.
#[inline(always)]
pub(crate) fn count_v6(window: &[[u128; 2]; 4], a: u128) -> usize {
    // `a - key` borrows exactly when key > a: a subtract-with-borrow per key, no vector
    // shuffling (which is what the compiler makes of a plain `<=` count).
    window
        .iter()
        .fold(0usize, |n, e| n + usize::from(!a.overflowing_sub(e[0]).1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorted windows of distinct keys, including keys with the sign bit set and the ends of
    /// the range, against every interesting address: each count agrees with a plain count.
    #[test]
    fn counts_agree_with_a_plain_count() {
        let windows: [[u32; 8]; 4] = [
            [0, 1, 2, 3, 4, 5, 6, 7],
            [
                0,
                9,
                0x7fff_ffff,
                0x8000_0000,
                0x8000_0001,
                0xc000_0000,
                0xffff_fffe,
                0xffff_ffff,
            ],
            [10, 20, 30, 40, 50, 60, 70, 80],
            [
                0x0a00_0000,
                0x0a00_0100,
                0x0b00_0000,
                0x7f00_0000,
                0x8000_0000,
                0xc0a8_0000,
                0xc0a8_0100,
                0xe000_0000,
            ],
        ];
        for keys in windows {
            let entries =
                keys.map(|k| (u64::from(k) << 32) | u64::from(k.wrapping_mul(2_654_435_761)));
            let wide = keys.map(|k| [u128::from(k) << 96 | 0x1234, u128::from(k)]);
            let wide4: [[u128; 2]; 4] = [wide[0], wide[2], wide[5], wide[7]];
            let probes = keys
                .iter()
                .flat_map(|&k| [k, k.wrapping_sub(1), k.wrapping_add(1)])
                .chain([0, u32::MAX, 0x8000_0000, 0x7fff_ffff]);
            for a in probes {
                let want = keys.iter().filter(|&&k| k <= a).count();
                assert_eq!(count_v4(&entries, a), want, "{keys:x?} {a:#x}");
                assert_eq!(count_v4_scalar(&entries, a), want, "{keys:x?} {a:#x}");
                for low in [0u128, 0x1233, 0x1234, u128::MAX >> 32] {
                    let a6 = (u128::from(a) << 96) | low;
                    let want6 = wide4.iter().filter(|e| e[0] <= a6).count();
                    assert_eq!(count_v6(&wide4, a6), want6, "{a6:#x}");
                }
            }
        }
    }
}
