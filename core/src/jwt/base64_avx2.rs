//! The bulk of base64url decoding with AVX2: 32 characters to 24 bytes per step (nibble table
//! lookups flag any byte outside the alphabet and give each character's 6-bit value; two
//! multiply-adds and a shuffle pack the sextets). Used by [`super::compact::decode`] for every
//! whole group of four characters of a segment when `cpuid` reports AVX2 and the OS saves its
//! state; the portable code there decodes the last 2 or 3 and is the oracle in the tests.

use core::arch::x86_64::{
    __m256i, _mm256_add_epi8, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256,
    _mm256_madd_epi16, _mm256_maddubs_epi16, _mm256_movemask_epi8, _mm256_permutevar8x32_epi32,
    _mm256_set1_epi32, _mm256_set1_epi8, _mm256_setr_epi32, _mm256_setr_epi8, _mm256_setzero_si256,
    _mm256_shuffle_epi8, _mm256_srli_epi32, _mm256_storeu_si256,
};

use crate::avx2::Avx2;

/// Decodes every whole group of four characters of `segment` into `out` (which holds at least
/// the decoded length): 32-character blocks in place while `out` has 32 bytes of room at the
/// block's place (each step stores 32 bytes, the last 8 of which the next step or the caller
/// overwrites), the rest through a buffer (see the body). Returns how many characters were
/// decoded (a multiple of 4; 3/4 of it is the bytes written), or `None` when one of them is
/// outside the base64url alphabet. The last 2 or 3 characters, if any, are the caller's.
pub(super) fn decode_blocks(_: Avx2, segment: &[u8], out: &mut [u8]) -> Option<usize> {
    // SAFETY: an `Avx2` exists only once `cpuid`/`xgetbv` reported AVX2 with OS support.
    unsafe { decode_avx2(segment, out) }
}

/// Characters per step.
const BLOCK_IN: usize = 32;
/// Bytes decoded per step.
const BLOCK_OUT: usize = 24;

/// The body of [`decode_blocks`].
#[target_feature(enable = "avx2")]
fn decode_avx2(segment: &[u8], out: &mut [u8]) -> Option<usize> {
    let mut invalid = 0u32;
    // Block i reads characters 32i..32i+32 and stores bytes 24i..24i+32: `blocks` is the
    // number of blocks for which both lie inside `segment` and `out`.
    let room = out
        .len()
        .checked_sub(BLOCK_IN)
        .map_or(0, |r| r / BLOCK_OUT + 1);
    let blocks = (segment.len() / BLOCK_IN).min(room);
    let (src, dst) = (segment.as_ptr(), out.as_mut_ptr());
    for i in 0..blocks {
        // SAFETY: `i < blocks`, so 32i + 32 <= segment.len() and 24i + 32 <= out.len(): the
        // 32 bytes read and the 32 written lie inside their slices; neither access needs
        // alignment.
        let bytes = unsafe {
            let v = _mm256_loadu_si256(src.add(i * BLOCK_IN).cast());
            let (bytes, bad) = decode_vector(v);
            invalid |= bad;
            bytes
        };
        // SAFETY: as above.
        unsafe { _mm256_storeu_si256(dst.add(i * BLOCK_OUT).cast(), bytes) };
    }
    let mut done = blocks * BLOCK_IN;
    // The whole groups of four left (too little room to store a block in place, or fewer
    // than 32 characters): whole blocks through a buffer, then the last 32 characters that
    // end with the last whole group (they overlap what is decoded, which is decoded again to
    // the same bytes); only a segment shorter than 32 through a block padded with `A`.
    let whole_end = segment.len() / 4 * 4;
    while done < whole_end {
        let (at, block) = match segment.get(done..whole_end)?.first_chunk::<BLOCK_IN>() {
            Some(block) => (done, *block),
            None => match segment.get(..whole_end)?.last_chunk::<BLOCK_IN>() {
                Some(block) => (whole_end - BLOCK_IN, *block),
                None => {
                    let mut block = [b'A'; BLOCK_IN];
                    let rest = segment.get(done..whole_end)?;
                    block.get_mut(..rest.len())?.copy_from_slice(rest);
                    (done, block)
                }
            },
        };
        // SAFETY: `block` is 32 readable bytes; the load has no alignment requirement.
        let v = unsafe { _mm256_loadu_si256(block.as_ptr().cast()) };
        let (bytes, bad) = decode_vector(v);
        let len = (whole_end - at).min(BLOCK_IN);
        invalid |= bad & (u32::MAX >> (BLOCK_IN - len));
        let mut decoded = [0u8; BLOCK_IN];
        // SAFETY: `decoded` is 32 writable bytes; the store has no alignment requirement.
        unsafe { _mm256_storeu_si256(decoded.as_mut_ptr().cast(), bytes) };
        let out_len = len / 4 * 3;
        let dst = out.get_mut(at / 4 * 3..)?.get_mut(..out_len)?;
        dst.copy_from_slice(decoded.get(..out_len)?);
        done = at + len;
    }
    (invalid == 0).then_some(done)
}

/// One block: 32 characters to 24 bytes at the front of the result, and a mask of the
/// characters outside the base64url alphabet (bit i set: character i is invalid).
///
/// Validity is two table lookups: each high nibble (`2`..`7`) has a class bit, and each low
/// nibble a set of the classes in which it is *not* a character of the alphabet; a byte is
/// valid when the two share no bit (high nibbles `0`, `1` and `8` up have a class no low
/// nibble lacks). The value is the character plus an offset chosen by the high nibble (`_`,
/// the one character whose offset differs from its nibble's, is fixed up apart).
#[target_feature(enable = "avx2")]
fn decode_vector(v: __m256i) -> (__m256i, u32) {
    // Classes: high nibble 2 (`-`) 1, 3 (digits) 2, 4 and 6 (letters from 1) 4,
    // 5 (P..Z, `_`) 8, 7 (p..z) 16, anything else 32.
    let class_of_high = _mm256_setr_epi8(
        32, 32, 1, 2, 4, 8, 4, 16, 32, 32, 32, 32, 32, 32, 32, 32, //
        32, 32, 1, 2, 4, 8, 4, 16, 32, 32, 32, 32, 32, 32, 32, 32,
    );
    // Per low nibble, the classes where it is not in the alphabet (always 32): 0 is not
    // `-` nor a letter from 1; 1..9 are not `-`; A is not `-` nor a digit; B, C and E only
    // letters from 1; D only `-` and letters from 1; F not `-`, a digit nor p..z.
    let bad_low = _mm256_setr_epi8(
        37, 33, 33, 33, 33, 33, 33, 33, 33, 33, 35, 59, 59, 58, 59, 51, //
        37, 33, 33, 33, 33, 33, 33, 33, 33, 33, 35, 59, 59, 58, 59, 51,
    );
    // Offsets by high nibble: `-` → 62, `0` → 52, `A` → 0, `a` → 26 (wrapping bytes).
    let offset_of_high = _mm256_setr_epi8(
        0, 0, 17, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0, //
        0, 0, 17, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,
    );
    let nibble = _mm256_set1_epi8(0x0f);
    let high = _mm256_and_si256(_mm256_srli_epi32::<4>(v), nibble);
    let low = _mm256_and_si256(v, nibble);
    let clash = _mm256_and_si256(
        _mm256_shuffle_epi8(class_of_high, high),
        _mm256_shuffle_epi8(bad_low, low),
    );
    let valid = _mm256_cmpeq_epi8(clash, _mm256_setzero_si256());
    // `_` (0x5f) takes -65 from its nibble; it needs -32.
    let underscore = _mm256_and_si256(
        _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'_' as i8)),
        _mm256_set1_epi8(33),
    );
    let offset = _mm256_add_epi8(_mm256_shuffle_epi8(offset_of_high, high), underscore);
    let sextets = _mm256_add_epi8(v, offset);
    // Per 4-byte group of sextets a, b, c, d (a first): a·64 + b and c·64 + d as 16-bit
    // values, then (a·64 + b)·4096 + (c·64 + d) as a 24-bit value in each 32-bit lane.
    let pairs = _mm256_maddubs_epi16(sextets, _mm256_set1_epi32(0x0140_0140));
    let quads = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x0001_1000));
    // The three value bytes of each lane, most significant first, packed to the front of each
    // 128-bit half (the last four bytes of each half are zeroed), then the two 12-byte halves
    // side by side: 24 bytes at the front.
    let pack = _mm256_setr_epi8(
        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, //
        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
    );
    let join = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
    let bytes = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(quads, pack), join);
    (bytes, !(_mm256_movemask_epi8(valid) as u32))
}
