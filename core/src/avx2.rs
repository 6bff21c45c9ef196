//! AVX2 on x86_64: the proof that it may be used (asked once through `cpu.rs`) and the byte
//! scans the token path shares: finding a byte ([`find_byte`]) and classifying a text in one
//! pass ([`classify`]). Each has a portable twin the tests compare it with; the
//! base64url decoder's vector loop lives beside its portable code in `jwt/base64_avx2.rs`.

use core::arch::x86_64::{
    __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
    _mm256_or_si256, _mm256_set1_epi8, _mm256_setzero_si256, _mm256_testz_si256,
};

/// Proof that the CPU and OS support AVX2 (only [`Avx2::detect`] makes one).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2(());

impl Avx2 {
    /// `Some` when this CPU has AVX2 and the OS saves the AVX state.
    pub(crate) fn detect() -> Option<Avx2> {
        crate::cpu::has(crate::cpu::Feature::Avx2).then_some(Avx2(()))
    }
}

/// Bytes per vector.
const LANES: usize = 32;

/// The first position of `needle` in `bytes`, 32 bytes per step (the last partial block as the
/// text's last 32 bytes; only a text shorter than 32 byte by byte).
pub(crate) fn find_byte(_: Avx2, bytes: &[u8], needle: u8) -> Option<usize> {
    // SAFETY: an `Avx2` exists only once `cpuid`/`xgetbv` reported AVX2 with OS support.
    unsafe { find_byte_avx2(bytes, needle) }
}

#[target_feature(enable = "avx2")]
fn find_byte_avx2(bytes: &[u8], needle: u8) -> Option<usize> {
    let wanted = _mm256_set1_epi8(needle as i8);
    // 64 bytes per step (two compares, one test), then one 32-byte block, then the rest.
    let mut pairs = bytes.chunks_exact(2 * LANES);
    let mut start = 0;
    for pair in &mut pairs {
        let (Some(low), Some(high)) = (pair.get(..LANES), pair.get(LANES..)) else {
            break;
        };
        // SAFETY: `low` and `high` are 32 readable bytes each; the loads have no alignment
        // requirement.
        let (a, b) = unsafe {
            (
                _mm256_loadu_si256(low.as_ptr().cast()),
                _mm256_loadu_si256(high.as_ptr().cast()),
            )
        };
        let (a, b) = (_mm256_cmpeq_epi8(a, wanted), _mm256_cmpeq_epi8(b, wanted));
        if _mm256_testz_si256(_mm256_or_si256(a, b), _mm256_or_si256(a, b)) == 0 {
            let hits = u64::from(_mm256_movemask_epi8(a) as u32)
                | u64::from(_mm256_movemask_epi8(b) as u32) << 32;
            return Some(start + hits.trailing_zeros() as usize);
        }
        start += 2 * LANES;
    }
    let mut blocks = pairs.remainder().chunks_exact(LANES);
    for block in &mut blocks {
        // SAFETY: `block` is 32 readable bytes; the load has no alignment requirement.
        let v = unsafe { _mm256_loadu_si256(block.as_ptr().cast()) };
        let hits = _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, wanted)) as u32;
        if hits != 0 {
            return Some(start + hits.trailing_zeros() as usize);
        }
        start += LANES;
    }
    if blocks.remainder().is_empty() {
        return None;
    }
    match bytes.last_chunk::<LANES>() {
        // The last partial block as the text's last 32 bytes, which begin before `start`:
        // the bits of the bytes already searched are dropped.
        Some(last) => {
            // SAFETY: `last` is 32 readable bytes; the load has no alignment requirement.
            let v = unsafe { _mm256_loadu_si256(last.as_ptr().cast()) };
            let hits = _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, wanted)) as u32;
            let hits = hits >> (start - (bytes.len() - LANES));
            (hits != 0).then(|| start + hits.trailing_zeros() as usize)
        }
        None => {
            let at = blocks.remainder().iter().position(|&b| b == needle)?;
            Some(start + at)
        }
    }
}

/// What one pass over a text found ([`classify`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TextClass {
    /// Some byte is 0x80 or above (so the text is not plain ASCII).
    pub non_ascii: bool,
    /// Some byte is below 0x20 (a control character: JSON whitespace, or an error in a string).
    pub control: bool,
    /// Some byte is `\`.
    pub backslash: bool,
}

/// [`TextClass`] of `bytes`, 32 bytes per step.
pub(crate) fn classify(_: Avx2, bytes: &[u8]) -> TextClass {
    // SAFETY: an `Avx2` exists only once `cpuid`/`xgetbv` reported AVX2 with OS support.
    unsafe { classify_avx2(bytes) }
}

/// [`classify`] byte by byte (the portable twin and the tests' oracle).
pub(crate) fn classify_bytes(bytes: &[u8]) -> TextClass {
    let mut class = TextClass::default();
    for &b in bytes {
        class.non_ascii |= b >= 0x80;
        class.control |= b < 0x20;
        class.backslash |= b == b'\\';
    }
    class
}

#[target_feature(enable = "avx2")]
fn classify_avx2(bytes: &[u8]) -> TextClass {
    let mut high = _mm256_setzero_si256();
    let mut control = _mm256_setzero_si256();
    let mut backslash = _mm256_setzero_si256();
    let below_space = _mm256_set1_epi8(0x1f);
    let escape = _mm256_set1_epi8(b'\\' as i8);
    let mut blocks = bytes.chunks_exact(LANES);
    for block in &mut blocks {
        // SAFETY: `block` is 32 readable bytes; the load has no alignment requirement.
        let v = unsafe { _mm256_loadu_si256(block.as_ptr().cast()) };
        high = _mm256_or_si256(high, v);
        // v <= 0x1f (unsigned) exactly when min(v, 0x1f) == v.
        control = _mm256_or_si256(
            control,
            _mm256_cmpeq_epi8(_mm256_min_epu8(v, below_space), v),
        );
        backslash = _mm256_or_si256(backslash, _mm256_cmpeq_epi8(v, escape));
    }
    // The last partial block: the text's last 32 bytes again when there are that many (the
    // flags only accumulate, so bytes seen twice change nothing), else byte by byte.
    let tail = match bytes.last_chunk::<LANES>() {
        Some(last) if !blocks.remainder().is_empty() => {
            // SAFETY: `last` is 32 readable bytes; the load has no alignment requirement.
            let v = unsafe { _mm256_loadu_si256(last.as_ptr().cast()) };
            high = _mm256_or_si256(high, v);
            control = _mm256_or_si256(
                control,
                _mm256_cmpeq_epi8(_mm256_min_epu8(v, below_space), v),
            );
            backslash = _mm256_or_si256(backslash, _mm256_cmpeq_epi8(v, escape));
            TextClass::default()
        }
        _ => classify_bytes(blocks.remainder()),
    };
    let any = |v: __m256i| _mm256_movemask_epi8(v) != 0;
    TextClass {
        non_ascii: any(high) || tail.non_ascii,
        control: any(control) || tail.control,
        backslash: any(backslash) || tail.backslash,
    }
}

#[cfg(test)]
mod tests {
    use super::{classify, classify_bytes, find_byte, Avx2};

    fn avx2() -> Option<Avx2> {
        let found = Avx2::detect();
        assert_eq!(found.is_some(), std::is_x86_feature_detected!("avx2"));
        found
    }

    proptest::proptest! {
        #[test]
        fn scans_match_byte_loops(
            bytes in proptest::collection::vec(proptest::sample::select(
                [b'a', b'"', b'\\', b'.', 0x1f, 0x20, 0x00, 0x7f, 0x80, 0xff, 0x0a, 0x5c ^ 0x80].as_slice()), 0..100),
            needle in proptest::sample::select([b'"', b'.', b'a', 0x80].as_slice()),
        ) {
            if let Some(avx2) = avx2() {
                proptest::prop_assert_eq!(
                    find_byte(avx2, &bytes, needle),
                    bytes.iter().position(|&b| b == needle)
                );
                proptest::prop_assert_eq!(classify(avx2, &bytes), classify_bytes(&bytes));
            }
        }
    }

    #[test]
    fn every_byte_at_every_position_is_classified() {
        let Some(avx2) = avx2() else { return };
        for len in [1usize, 31, 32, 33, 64, 70] {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut bytes = std::vec![b'x'; len];
                    bytes[at] = byte;
                    assert_eq!(
                        classify(avx2, &bytes),
                        classify_bytes(&bytes),
                        "{len} {at} {byte}"
                    );
                    let want = bytes.iter().position(|&b| b == byte);
                    assert_eq!(find_byte(avx2, &bytes, byte), want, "{len} {at} {byte}");
                }
            }
        }
    }
}
