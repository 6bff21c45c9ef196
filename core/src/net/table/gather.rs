//! IPv4 batch lookups with AVX-512 gathers: sixteen addresses per vector go through the
//! chunk index, a five-step search of their digit window, the code, its entry kind and the
//! piece check together, so the cache misses of sixteen lookups overlap and no lookup
//! branches on the data.
//!
//! Every gathered position is checked against the view's array lengths before it is read (an
//! image rewritten after validation gives wrong answers, never a read outside it). Lanes the
//! vector path does not cover — chunks of more than 31 entries, spilled cells, anything out of
//! range — are answered by the scalar lookup, which is also the oracle the tests compare with.

use super::{Codes, FamilyTable};
use core::arch::x86_64::{
    __m512i, __mmask16, _mm512_add_epi32, _mm512_and_si512, _mm512_cmpgt_epu32_mask,
    _mm512_cmplt_epu32_mask, _mm512_mask_blend_epi32, _mm512_mask_cmpeq_epi32_mask,
    _mm512_mask_cmple_epu32_mask, _mm512_mask_cmpneq_epi32_mask, _mm512_mask_i32gather_epi32,
    _mm512_mask_mov_epi32, _mm512_mask_storeu_epi32, _mm512_maskz_loadu_epi32, _mm512_mullo_epi32,
    _mm512_set1_epi32, _mm512_setzero_si512, _mm512_slli_epi32, _mm512_sllv_epi32,
    _mm512_srlv_epi32, _mm512_sub_epi32, _mm512_xor_si512,
};

/// Byte views of the arrays read by width smaller than four bytes, each extended over its
/// padding to 16 bytes (see the image layout), so the aligned 4-byte word holding any element
/// lies inside the view.
#[derive(Clone, Copy, Debug, Default)]
pub(in crate::net) struct Padded<'a> {
    pub(in crate::net) digits: &'a [u8],
    pub(in crate::net) codes: &'a [u8],
    pub(in crate::net) sizes: &'a [u8],
}

/// Addresses per vector.
const LANES: usize = 16;

/// Vectors in flight per pass.
const VECTORS: usize = 4;

/// Chunks of up to this many entries are searched in the vector (a five-step search).
const MAX_ENTRIES: u32 = 31;

/// `v` broadcast to every lane.
#[target_feature(enable = "avx512f")]
#[inline]
fn splat(v: u32) -> __m512i {
    _mm512_set1_epi32(v as i32)
}

/// The element of `width_mask`'s width at byte offset `off` of `bytes`, in the lanes of `k`
/// (0 elsewhere): read as the aligned 4-byte word that holds it.
///
/// # Safety
/// For every lane in `k`, `off & !3` plus 4 must be at most `bytes.len()`.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn gather_small(k: __mmask16, off: __m512i, bytes: &[u8], width_mask: u32) -> __m512i {
    let word = _mm512_and_si512(off, splat(!3));
    let shift = _mm512_slli_epi32::<3>(_mm512_and_si512(off, splat(3)));
    // SAFETY: the caller keeps every lane of `k` inside `bytes`; other lanes are not read.
    let w = unsafe {
        _mm512_mask_i32gather_epi32::<1>(_mm512_setzero_si512(), k, word, bytes.as_ptr().cast())
    };
    _mm512_and_si512(_mm512_srlv_epi32(w, shift), splat(width_mask))
}

impl FamilyTable<'_, u32, u16> {
    /// Whether [`FamilyTable::gather_batch`] may serve this table: every byte offset it
    /// forms fits a signed 32-bit lane.
    pub(super) fn gather_fits(&self) -> bool {
        let limit = i32::MAX as usize;
        self.padded.digits.len() < limit
            && self.padded.codes.len() < limit
            && self.padded.sizes.len() < limit
            && self.index.len() < limit / 4
            && self.dict.len() < limit / 8
    }

    /// `out[i]` = the tag mask of `addrs[i]`, for the common length (see the file comment).
    ///
    /// # Safety
    /// The CPU must support AVX-512F (and the OS save its state), and
    /// [`FamilyTable::gather_fits`] must hold.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn gather_batch(&self, addrs: &[u32], out: &mut [u32]) {
        let n = addrs.len().min(out.len());
        let (code_bytes, code_mask) = match self.codes {
            Codes::One(_) => (1, 0xff),
            Codes::Two(_) => (2, 0xffff),
            Codes::Four(_) => (4, u32::MAX),
        };
        let zero = _mm512_setzero_si512();
        let ones = splat(u32::MAX);
        let base = splat(self.base);
        let window_mask = splat(self.window_mask);
        let skip = splat(self.skip);
        let cell = splat(self.cell_index);
        // Shift counts of 32 or more give 0, so a zero-bit index gives chunk 0.
        let chunk_shift = splat(32u32.wrapping_sub(self.cell_index));
        let index_len = splat(self.index.len() as u32);
        let cells = splat(self.cells as u32);
        let ends = splat(self.cells as u32 + 2);
        // Elements whose aligned 4-byte word lies inside each padded view.
        let words = |bytes: &[u8]| (bytes.len() & !3) as u32;
        let digit_limit = splat(words(self.padded.digits) / 2);
        let code_limit = splat(words(self.padded.codes) / code_bytes);
        let kinds = splat((self.dict.len() as u32).min(words(self.padded.sizes)));
        let dict = self.dict.as_ptr().cast::<u32>();
        let mut at = 0usize;
        while at < n {
            // VECTORS independent vectors per pass, each stage done for all of them before
            // the next, so their gathers' latencies overlap.
            let mut m = [0 as __mmask16; VECTORS];
            let mut a = [zero; VECTORS];
            for (u, (m, a)) in m.iter_mut().zip(a.iter_mut()).enumerate() {
                let from = at + u * LANES;
                let left = n.saturating_sub(from);
                *m = if left >= LANES {
                    0xffff
                } else {
                    ((1u32 << left) - 1) as __mmask16
                };
                // SAFETY: lanes at or past `n` are masked off: only `addrs[from..n]` is read.
                *a = unsafe {
                    _mm512_maskz_loadu_epi32(*m, addrs.as_ptr().wrapping_add(from).cast())
                };
            }
            let mut outside = [0 as __mmask16; VECTORS];
            let mut above = [0 as __mmask16; VECTORS];
            let mut rest = [zero; VECTORS];
            let mut digit = [zero; VECTORS];
            let mut lo = [zero; VECTORS];
            let mut count = [zero; VECTORS];
            let mut searched = [0 as __mmask16; VECTORS];
            for u in 0..VECTORS {
                // Outside the window: the answer below it or above it.
                outside[u] = _mm512_mask_cmpneq_epi32_mask(
                    m[u],
                    _mm512_and_si512(_mm512_xor_si512(a[u], base), window_mask),
                    zero,
                );
                above[u] = _mm512_cmpgt_epu32_mask(a[u], base);
                let y = _mm512_sllv_epi32(a[u], skip);
                let chunk = _mm512_srlv_epi32(y, chunk_shift);
                // The bits after the chunk, top-aligned: the digit is their top 16.
                rest[u] = _mm512_sllv_epi32(y, cell);
                digit[u] = _mm512_srlv_epi32(rest[u], splat(16));
                let next = _mm512_add_epi32(chunk, splat(1));
                let indexed = m[u] & !outside[u] & _mm512_cmplt_epu32_mask(next, index_len);
                // SAFETY: lanes of `indexed` read `index[chunk]` and `index[chunk + 1]`,
                // both below `index.len()`.
                let (l, h) = unsafe {
                    let ptr = self.index.as_ptr().cast();
                    (
                        _mm512_mask_i32gather_epi32::<4>(zero, indexed, chunk, ptr),
                        _mm512_mask_i32gather_epi32::<4>(zero, indexed, next, ptr),
                    )
                };
                lo[u] = l;
                count[u] = _mm512_sub_epi32(h, l);
                // The chunk's entries lie inside the digits and number at most MAX_ENTRIES.
                searched[u] = _mm512_mask_cmple_epu32_mask(indexed, l, h)
                    & _mm512_mask_cmple_epu32_mask(indexed, h, cells)
                    & _mm512_mask_cmple_epu32_mask(indexed, h, digit_limit)
                    & _mm512_mask_cmple_epu32_mask(indexed, count[u], splat(MAX_ENTRIES));
            }
            // How many of the chunk's digits are <= the address's (they ascend), and the
            // last such digit.
            let mut found = [zero; VECTORS];
            let mut top = [zero; VECTORS];
            for step in [16u32, 8, 4, 2, 1] {
                for u in 0..VECTORS {
                    let candidate = _mm512_add_epi32(found[u], splat(step));
                    let fits = _mm512_mask_cmple_epu32_mask(searched[u], candidate, count[u]);
                    let at_byte = _mm512_slli_epi32::<1>(_mm512_sub_epi32(
                        _mm512_add_epi32(lo[u], candidate),
                        splat(1),
                    ));
                    // SAFETY: lanes of `fits` read digit `lo + candidate - 1 < hi`, whose
                    // word lies inside the padded view (`hi <= digit_limit`).
                    let d = unsafe { gather_small(fits, at_byte, self.padded.digits, 0xffff) };
                    let below = _mm512_mask_cmple_epu32_mask(fits, d, digit[u]);
                    found[u] = _mm512_mask_mov_epi32(found[u], below, candidate);
                    top[u] = _mm512_mask_mov_epi32(top[u], below, d);
                }
            }
            let mut hit = [0 as __mmask16; VECTORS];
            let mut code = [zero; VECTORS];
            let mut placed = [0 as __mmask16; VECTORS];
            for u in 0..VECTORS {
                hit[u] = _mm512_mask_cmpneq_epi32_mask(searched[u], found[u], zero);
                // The answering entry: the last digit <= the address's, or the entry before
                // the chunk; outside the window, `cells` (below) or `cells + 1` (above).
                let p = _mm512_sub_epi32(_mm512_add_epi32(lo[u], found[u]), splat(1));
                let p = _mm512_mask_mov_epi32(p, outside[u], cells);
                let p = _mm512_mask_mov_epi32(
                    p,
                    outside[u] & above[u],
                    _mm512_add_epi32(cells, splat(1)),
                );
                placed[u] = (searched[u] | outside[u])
                    & _mm512_cmplt_epu32_mask(p, ends)
                    & _mm512_cmplt_epu32_mask(p, code_limit);
                // SAFETY: lanes of `placed` read code `p < code_limit`, whose word lies
                // inside the padded view.
                code[u] = unsafe {
                    gather_small(
                        placed[u],
                        _mm512_mullo_epi32(p, splat(code_bytes)),
                        self.padded.codes,
                        code_mask,
                    )
                };
            }
            for u in 0..VECTORS {
                // Codes naming no mask (spills) go to the scalar lookup.
                let known = placed[u] & _mm512_cmplt_epu32_mask(code[u], kinds);
                // SAFETY: lanes of `known` read `dict[code]` (8 bytes, both halves) and
                // `sizes[code]` with `code < dict.len()` and inside the padded sizes view.
                let (inner, outer, size) = unsafe {
                    (
                        _mm512_mask_i32gather_epi32::<8>(zero, known, code[u], dict.cast()),
                        _mm512_mask_i32gather_epi32::<8>(
                            zero,
                            known,
                            code[u],
                            dict.wrapping_add(1).cast(),
                        ),
                        gather_small(known, code[u], self.padded.sizes, 0xff),
                    )
                };
                // Inside the entry's piece only in its own chunk and within 2^sx of its
                // digit, in 64-bit coordinates whose low 32 bits are zero for IPv4:
                // (rest - top) < 2^(sx - 32).
                let offset = _mm512_sub_epi32(rest[u], _mm512_slli_epi32::<16>(top[u]));
                let offset = _mm512_mask_mov_epi32(ones, hit[u], offset);
                let beyond = _mm512_srlv_epi32(offset, _mm512_sub_epi32(size, splat(32)));
                let within = _mm512_mask_cmpeq_epi32_mask(known, beyond, zero);
                let tags = _mm512_mask_blend_epi32(within, outer, inner);
                let from = at + u * LANES;
                // SAFETY: only lanes of `known` (a subset of `m`, below `n`) are written.
                unsafe {
                    _mm512_mask_storeu_epi32(
                        out.as_mut_ptr().wrapping_add(from).cast(),
                        known,
                        tags,
                    )
                };
                let mut slow = m[u] & !known;
                while slow != 0 {
                    let i = from + slow.trailing_zeros() as usize;
                    slow &= slow - 1;
                    if let (Some(o), Some(&a)) = (out.get_mut(i), addrs.get(i)) {
                        *o = self.lookup(a);
                    }
                }
            }
            at += VECTORS * LANES;
        }
    }
}
