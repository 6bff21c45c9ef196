//! SHA-256 block compression with the x86 SHA extensions (SHA-NI), 3-4x faster than the
//! portable code. Used only after `cpuid` reported SHA, SSSE3 and SSE4.1 ([`detect`]); the
//! answer is cached by `cpu.rs`.

use core::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_blend_epi16, _mm_loadu_si128, _mm_set_epi64x,
    _mm_sha256msg1_epu32, _mm_sha256msg2_epu32, _mm_sha256rnds2_epu32, _mm_shuffle_epi32,
    _mm_shuffle_epi8, _mm_storeu_si128,
};

use super::{BLOCK, K};

/// Proof that the CPU has SHA, SSSE3 and SSE4.1 (only [`detect`] makes one).
#[derive(Clone, Copy)]
pub(super) struct ShaNi(());

/// `Some` when this CPU has the SHA extensions (and the SSSE3/SSE4.1 shuffles used here).
pub(super) fn detect() -> Option<ShaNi> {
    crate::cpu::has(crate::cpu::Feature::ShaNi).then_some(ShaNi(()))
}

impl ShaNi {
    /// Compresses every block into `state` (FIPS 180-4, 6.2.2).
    pub(super) fn compress_blocks(self, state: &mut [u32; 8], blocks: &[[u8; BLOCK]]) {
        // SAFETY: a `ShaNi` exists only when cpuid reported every feature `compress` enables.
        unsafe { compress(state, blocks) }
    }
}

/// Two rounds per `sha256rnds2`, four message words per register. The state is kept as
/// ABEF / CDGH register pairs, the layout the instructions use.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn compress(state: &mut [u32; 8], blocks: &[[u8; BLOCK]]) {
    let (halves, _) = state.as_chunks_mut::<4>();
    let [abcd, efgh] = halves else { return };
    // SAFETY: each load/store touches exactly the 16 bytes of one [u32; 4].
    let (mut abef, mut cdgh) = unsafe {
        let abcd_v = _mm_shuffle_epi32::<0xB1>(_mm_loadu_si128(abcd.as_ptr().cast())); // b a d c
        let efgh_v = _mm_shuffle_epi32::<0x1B>(_mm_loadu_si128(efgh.as_ptr().cast())); // h g f e
        (
            _mm_alignr_epi8::<8>(abcd_v, efgh_v),    // f e b a
            _mm_blend_epi16::<0xF0>(efgh_v, abcd_v), // h g d c
        )
    };
    // Bytes of each 32-bit word from big-endian to lane order.
    let byte_swap = _mm_set_epi64x(0x0c0d_0e0f_0809_0a0b, 0x0405_0607_0001_0203);
    let (round_constants, _) = K.as_chunks::<4>();
    for block in blocks {
        let (saved_abef, saved_cdgh) = (abef, cdgh);
        let (words, _) = block.as_chunks::<16>();
        let [w0, w1, w2, w3] = words else { return };
        // SAFETY: each load reads exactly one [u8; 16].
        let mut w: [__m128i; 4] = unsafe {
            [
                _mm_loadu_si128(w0.as_ptr().cast()),
                _mm_loadu_si128(w1.as_ptr().cast()),
                _mm_loadu_si128(w2.as_ptr().cast()),
                _mm_loadu_si128(w3.as_ptr().cast()),
            ]
        };
        for word in &mut w {
            *word = _mm_shuffle_epi8(*word, byte_swap);
        }
        for (group, k) in round_constants.iter().enumerate() {
            let words = if group < 4 {
                let [a, b, c, d] = w;
                match group {
                    0 => a,
                    1 => b,
                    2 => c,
                    _ => d,
                }
            } else {
                // W[t..t+4] from W[t-16..t]: sigma0 terms, + W[t-7..t-3], sigma1 terms.
                let [a, b, c, d] = w;
                let next = _mm_sha256msg2_epu32(
                    _mm_add_epi32(_mm_sha256msg1_epu32(a, b), _mm_alignr_epi8::<4>(d, c)),
                    d,
                );
                w = [b, c, d, next];
                next
            };
            // SAFETY: `k` is one [u32; 4], 16 readable bytes.
            let k = unsafe { _mm_loadu_si128(k.as_ptr().cast()) };
            let wk = _mm_add_epi32(words, k);
            // Two rounds with the low two words: the result is the new ABEF, and the old ABEF
            // is the new CDGH; then two rounds with the high two words swap them back.
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32::<0x0E>(wk));
        }
        abef = _mm_add_epi32(abef, saved_abef);
        cdgh = _mm_add_epi32(cdgh, saved_cdgh);
    }
    let feba = _mm_shuffle_epi32::<0x1B>(abef); // a b e f
    let ghcd = _mm_shuffle_epi32::<0xB1>(cdgh); // g h c d
                                                // SAFETY: each store writes exactly the 16 bytes of one [u32; 4].
    unsafe {
        _mm_storeu_si128(
            abcd.as_mut_ptr().cast(),
            _mm_blend_epi16::<0xF0>(feba, ghcd),
        );
        _mm_storeu_si128(efgh.as_mut_ptr().cast(), _mm_alignr_epi8::<8>(ghcd, feba));
    }
}
