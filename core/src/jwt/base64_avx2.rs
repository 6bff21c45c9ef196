//! The bulk of base64url decoding with AVX2: 32 characters to 24 bytes per step (range
//! compares give each character's 6-bit value and flag any byte outside the alphabet; two
//! multiply-adds and a shuffle pack the sextets). Used by [`super::compact::decode`] for every
//! whole group of four characters of a segment when `cpuid` reports AVX2 and the OS saves its
//! state; the portable code there decodes the last 2 or 3 and is the oracle in the tests.

use core::arch::x86_64::{
    __m256i, _mm256_add_epi8, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_cmpgt_epi8,
    _mm256_loadu_si256, _mm256_madd_epi16, _mm256_maddubs_epi16, _mm256_movemask_epi8,
    _mm256_or_si256, _mm256_permutevar8x32_epi32, _mm256_set1_epi32, _mm256_set1_epi8,
    _mm256_setr_epi32, _mm256_setr_epi8, _mm256_shuffle_epi8, _mm256_storeu_si256,
};

use crate::avx2::Avx2;

/// Decodes every whole group of four characters of `segment` into `out` (which holds at least
/// the decoded length): 32-character blocks in place while `out` has 32 bytes of room at the
/// block's place (each step stores 32 bytes, the last 8 of which the next step or the caller
/// overwrites), the rest through a padded block. Returns how many characters were decoded (a
/// multiple of 4; 3/4 of it is the bytes written), or `None` when one of them is outside the
/// base64url alphabet. The last 2 or 3 characters, if any, are the caller's.
pub(super) fn decode_blocks(_: Avx2, segment: &[u8], out: &mut [u8]) -> Option<usize> {
    // SAFETY: an `Avx2` exists only once `cpuid`/`xgetbv` reported AVX2 with OS support.
    unsafe { decode_avx2(segment, out) }
}

/// Characters per step.
const BLOCK_IN: usize = 32;
/// Bytes decoded per step.
const BLOCK_OUT: usize = 24;

/// Mask bytes of `v` in `lo..=hi` (all bounds below 0x80; bytes from 0x80 up are negative as
/// signed bytes, so they never match).
#[target_feature(enable = "avx2")]
fn in_range(v: __m256i, lo: u8, hi: u8) -> __m256i {
    let above = _mm256_cmpgt_epi8(v, _mm256_set1_epi8((lo as i8).wrapping_sub(1)));
    let below = _mm256_cmpgt_epi8(_mm256_set1_epi8((hi as i8).wrapping_add(1)), v);
    _mm256_and_si256(above, below)
}

/// The body of [`decode_blocks`].
#[target_feature(enable = "avx2")]
fn decode_avx2(segment: &[u8], out: &mut [u8]) -> Option<usize> {
    let mut invalid = 0u32;
    let mut done = 0usize;
    for block in segment.chunks_exact(BLOCK_IN) {
        let Some(dst) = out
            .get_mut(done / BLOCK_IN * BLOCK_OUT..)
            .and_then(|rest| rest.get_mut(..BLOCK_IN))
        else {
            break;
        };
        // SAFETY: `block` is 32 readable bytes; the load has no alignment requirement.
        let v = unsafe { _mm256_loadu_si256(block.as_ptr().cast()) };
        let (bytes, bad) = decode_vector(v);
        invalid |= bad;
        // SAFETY: `dst` is 32 writable bytes; the store has no alignment requirement.
        unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast(), bytes) };
        done += BLOCK_IN;
    }
    // The whole groups of four left (too few for a block, or too little room to store one):
    // through the same code in a block padded with `A` (value 0), copied out exactly.
    let rest = segment.get(done..).unwrap_or_default();
    let whole = rest.get(..rest.len() / 4 * 4).unwrap_or_default();
    for chunk in whole.chunks(BLOCK_IN) {
        let mut block = [b'A'; BLOCK_IN];
        for (slot, &c) in block.iter_mut().zip(chunk) {
            *slot = c;
        }
        // SAFETY: `block` is 32 readable bytes; the load has no alignment requirement.
        let v = unsafe { _mm256_loadu_si256(block.as_ptr().cast()) };
        let (bytes, bad) = decode_vector(v);
        invalid |= bad;
        let mut decoded = [0u8; BLOCK_IN];
        // SAFETY: `decoded` is 32 writable bytes; the store has no alignment requirement.
        unsafe { _mm256_storeu_si256(decoded.as_mut_ptr().cast(), bytes) };
        let at = done / 4 * 3;
        let len = chunk.len() / 4 * 3;
        let dst = out.get_mut(at..at + len)?;
        dst.copy_from_slice(decoded.get(..len)?);
        done += chunk.len();
    }
    (invalid == 0).then_some(done)
}

/// One block: 32 characters to 24 bytes at the front of the result, and a mask of the
/// characters outside the base64url alphabet (bit i set: character i is invalid).
#[target_feature(enable = "avx2")]
fn decode_vector(v: __m256i) -> (__m256i, u32) {
    // Per 4-byte group of sextets a, b, c, d (a first): a·64 + b and c·64 + d as 16-bit
    // values, then (a·64 + b)·4096 + (c·64 + d) as a 24-bit value in each 32-bit lane.
    let pair_weights = _mm256_set1_epi32(0x0140_0140);
    let quad_weights = _mm256_set1_epi32(0x0001_1000);
    // The three value bytes of each lane, most significant first, packed to the front of each
    // 128-bit half (the last four bytes of each half are zeroed).
    let pack = _mm256_setr_epi8(
        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, //
        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
    );
    // Then the two 12-byte halves side by side: 24 bytes at the front.
    let join = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
    let upper = in_range(v, b'A', b'Z');
    let lower = in_range(v, b'a', b'z');
    let digit = in_range(v, b'0', b'9');
    let is_dash = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'-' as i8));
    let is_underscore = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'_' as i8));
    // What to add to each character to get its value: 'A' → 0, 'a' → 26, '0' → 52,
    // '-' → 62, '_' → 63 (wrapping byte arithmetic).
    let offset = _mm256_or_si256(
        _mm256_or_si256(
            _mm256_and_si256(upper, _mm256_set1_epi8(-65)),
            _mm256_and_si256(lower, _mm256_set1_epi8(-71)),
        ),
        _mm256_or_si256(
            _mm256_and_si256(digit, _mm256_set1_epi8(4)),
            _mm256_or_si256(
                _mm256_and_si256(is_dash, _mm256_set1_epi8(62 - 45)),
                _mm256_and_si256(is_underscore, _mm256_set1_epi8(63 - 95)),
            ),
        ),
    );
    let valid = _mm256_or_si256(
        _mm256_or_si256(upper, lower),
        _mm256_or_si256(digit, _mm256_or_si256(is_dash, is_underscore)),
    );
    let sextets = _mm256_add_epi8(v, offset);
    let pairs = _mm256_maddubs_epi16(sextets, pair_weights);
    let quads = _mm256_madd_epi16(pairs, quad_weights);
    let bytes = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(quads, pack), join);
    (bytes, !(_mm256_movemask_epi8(valid) as u32))
}
