//! The compact serialization: exactly three `.`-separated segments of canonical, unpadded
//! base64url (RFC 7515 §7.1), decoded into the caller's scratch space: whole groups of four
//! characters with AVX2 where the CPU has it (`base64_avx2.rs`), the rest by a table-driven
//! decoder (the segments are public, so unlike `base64ct` neither need be constant-time; both
//! accept exactly what `base64ct` accepts, see the tests). Dots are found 32 bytes per step
//! with AVX2, else eight.

use crate::Error;

/// The three raw segments of a compact JWS.
pub(super) struct Segments<'t> {
    pub header: &'t [u8],
    pub payload: &'t [u8],
    pub signature: &'t [u8],
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'t [u8],
}

/// Splits `token` into exactly three segments ([`Error::Malformed`] otherwise).
pub(super) fn split(token: &[u8]) -> Result<Segments<'_>, Error> {
    let (header, rest) = split_at_dot(token).ok_or(Error::Malformed)?;
    let (payload, signature) = split_at_dot(rest).ok_or(Error::Malformed)?;
    if find_dot(signature).is_some() {
        return Err(Error::Malformed);
    }
    let signing_len = header.len() + 1 + payload.len();
    let signing_input = token.get(..signing_len).ok_or(Error::Malformed)?;
    Ok(Segments {
        header,
        payload,
        signature,
        signing_input,
    })
}

/// The text before and after the first `.` of `bytes`.
fn split_at_dot(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = find_dot(bytes)?;
    Some((bytes.get(..at)?, bytes.get(at.checked_add(1)?..)?))
}

/// The position of the first `.` in `bytes` (32 bytes per step with AVX2).
fn find_dot(bytes: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if let Some(avx2) = crate::avx2::Avx2::detect() {
        return crate::avx2::find_byte(avx2, bytes, b'.');
    }
    find_dot_portable(bytes)
}

/// [`find_dot`] eight bytes per step (a word is stepped over only when none of its bytes is a
/// dot), then byte by byte.
fn find_dot_portable(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut start = 0;
    for chunk in bytes.chunks_exact(8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_le_bytes(word) ^ (ONES * u64::from(b'.'));
        // High bit set in a byte iff some byte of `w` is zero (exact as a whole, and the
        // lowest flagged byte is exact: a borrow only runs upward from a real zero).
        let hits = w.wrapping_sub(ONES) & !w & HIGH;
        if hits != 0 {
            return Some(start + (hits.trailing_zeros() / 8) as usize);
        }
        start += 8;
    }
    let at = bytes.get(start..)?.iter().position(|&b| b == b'.')?;
    Some(start + at)
}

/// [`Error::HeaderTooLarge`] when the header segment (the bytes before the first `.`, or the
/// whole token without one) would decode to more than `max` bytes. Looks at no more than
/// the bytes such a header may take, so its cost does not grow with the token.
pub(super) fn check_header_len(token: &[u8], max: usize) -> Result<(), Error> {
    // Every header that fits is shorter than this (decoded_len(n) <= max implies
    // n <= max / 3 * 4 + 3), so the first `.` of an acceptable token lies inside the window.
    let longest = (max / 3).saturating_mul(4).saturating_add(4);
    let window = token.get(..longest).unwrap_or(token);
    let header_len = find_dot(window).unwrap_or(token.len());
    if decoded_len(header_len) > max {
        return Err(Error::HeaderTooLarge);
    }
    Ok(())
}

/// The decoded length of a base64url segment of `encoded_len` characters (an upper bound when
/// the length itself is invalid).
pub(super) const fn decoded_len(encoded_len: usize) -> usize {
    encoded_len / 4 * 3 + (encoded_len % 4) * 3 / 4
}

/// Marks a byte outside the base64url alphabet in [`SEXTETS`] (its high bit flags it).
const INVALID: u8 = 0xFF;

/// Each byte's 6-bit value in the base64url alphabet (RFC 4648 §5), or [`INVALID`].
// Built at compile time: an index out of range would fail the build, it cannot panic.
#[allow(clippy::indexing_slicing)]
static SEXTETS: [u8; 256] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// The 6-bit value of `byte`, or [`INVALID`].
#[inline(always)]
fn sextet(byte: u8) -> u8 {
    // Never misses: the table has an entry for every byte.
    SEXTETS.get(usize::from(byte)).copied().unwrap_or(INVALID)
}

/// Decodes `segment` into the front of `buf`: [`Error::BufferTooSmall`] when it cannot fit,
/// [`Error::Malformed`] when it is not canonical unpadded base64url (padding, whitespace or
/// other characters, non-zero trailing bits, an impossible length). On an error `buf` may
/// have been partly written.
pub(super) fn decode<'b>(segment: &[u8], buf: &'b mut [u8]) -> Result<&'b [u8], Error> {
    decode_with(segment, buf, true)
}

/// [`decode`], with the AVX2 bulk loop (when the CPU has it) only if `simd` (the tests compare
/// both paths).
fn decode_with<'b>(segment: &[u8], buf: &'b mut [u8], simd: bool) -> Result<&'b [u8], Error> {
    let out_len = decoded_len(segment.len());
    let out = buf.get_mut(..out_len).ok_or(Error::BufferTooSmall)?;
    if segment.len() % 4 == 1 {
        return Err(Error::Malformed);
    }
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    if simd {
        if let Some(avx2) = crate::avx2::Avx2::detect() {
            done = super::base64_avx2::decode_blocks(avx2, segment, out).ok_or(Error::Malformed)?;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = simd;
    // `done` is a multiple of 4 characters, so the rest keeps the segment's length rules.
    match (segment.get(done..), out.get_mut(done / 4 * 3..)) {
        // After the vector loop only the last 2 or 3 characters are left, if any.
        (Some(rest), Some(rest_out)) if rest.len() < 4 => decode_tail(rest, rest_out)?,
        (Some(rest), Some(rest_out)) => decode_portable(rest, rest_out)?,
        _ => return Err(Error::Malformed), // impossible: `done` lies inside both
    }
    Ok(out)
}

/// The portable decoder: `segment` (a length not of the form 4k + 1) into `out`, exactly
/// [`decoded_len`] of it long.
fn decode_portable(segment: &[u8], out: &mut [u8]) -> Result<(), Error> {
    // The OR of every sextet: its high bit is set once any byte was outside the alphabet,
    // so the loop has no branch per character.
    let mut seen = 0u8;
    // Eight characters to six bytes per step, then the rest four to three.
    let mut octets = segment.chunks_exact(8);
    let mut sextuples = out.chunks_exact_mut(6);
    for (octet, sextuple) in (&mut octets).zip(&mut sextuples) {
        if let (Ok(octet), Ok(sextuple)) = (
            <&[u8; 8]>::try_from(octet),
            <&mut [u8; 6]>::try_from(sextuple),
        ) {
            let mut n = 0u64;
            for &byte in octet {
                let value = sextet(byte);
                seen |= value;
                n = n << 6 | u64::from(value);
            }
            let [_, _, bytes @ ..] = n.to_be_bytes();
            *sextuple = bytes;
        }
    }
    let mut quads = octets.remainder().chunks_exact(4);
    let mut triples = sextuples.into_remainder().chunks_exact_mut(3);
    for (quad, triple) in (&mut quads).zip(&mut triples) {
        if let ([a, b, c, d], [x, y, z]) = (quad, triple) {
            let (a, b, c, d) = (sextet(*a), sextet(*b), sextet(*c), sextet(*d));
            seen |= a | b | c | d;
            let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
            let [_, hi, mid, lo] = n.to_be_bytes();
            (*x, *y, *z) = (hi, mid, lo);
        }
    }
    if seen & 0x80 != 0 {
        return Err(Error::Malformed);
    }
    decode_tail(quads.remainder(), triples.into_remainder())
}

/// The end of a segment: `rest` (0, 2 or 3 characters) into `out` (0, 1 or 2 bytes); the
/// bits left over must be zero.
fn decode_tail(rest: &[u8], out: &mut [u8]) -> Result<(), Error> {
    let (seen, trailing_bits_clear) = match (rest, out) {
        ([], []) => (0, true),
        ([a, b], [x]) => {
            let (a, b) = (sextet(*a), sextet(*b));
            *x = a << 2 | b >> 4;
            (a | b, b & 0x0F == 0)
        }
        ([a, b, c], [x, y]) => {
            let (a, b, c) = (sextet(*a), sextet(*b), sextet(*c));
            *x = a << 2 | b >> 4;
            *y = b << 4 | c >> 2;
            (a | b | c, c & 0x03 == 0)
        }
        _ => (0, false), // impossible: a length of 4k + 1 was rejected above
    };
    if seen & 0x80 != 0 || !trailing_bits_clear {
        return Err(Error::Malformed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{check_header_len, decode, decode_with, decoded_len, split};
    use crate::Error;

    #[test]
    fn exactly_three_segments() {
        assert!(split(b"a.b.c").is_ok());
        assert!(split(b"..").is_ok());
        let s = split(b"ab.cd.ef").unwrap();
        assert_eq!(s.signing_input, b"ab.cd");
        assert_eq!(s.signature, b"ef");
        for bad in [&b"a.b"[..], b"a.b.c.d", b"abc", b"", b"a..b.c"] {
            assert_eq!(split(bad).err(), Some(Error::Malformed));
        }
    }

    #[test]
    fn find_dot_matches_a_byte_loop() {
        // Every length up to 40 with a dot (or none) at every position, among bytes that
        // sit next to `.` (0x2e) in value, so a word-level false hit would show.
        for len in 0..40usize {
            for dot in 0..=len {
                let mut bytes: std::vec::Vec<u8> = (0..len)
                    .map(|i| [0x2d, 0x2f, 0xae, 0x00, 0x2e ^ 0x80][i % 5])
                    .collect();
                if let Some(slot) = bytes.get_mut(dot) {
                    *slot = b'.';
                }
                let naive = bytes.iter().position(|&b| b == b'.');
                assert_eq!(super::find_dot(&bytes), naive, "{bytes:?}");
                assert_eq!(super::find_dot_portable(&bytes), naive, "{bytes:?}");
            }
        }
    }

    #[test]
    fn header_length_is_judged_before_decoding() {
        // 4096 decoded bytes take 5462 base64url characters; 5463 decode to 4097.
        let mut token = std::vec![b'A'; 5462];
        token.extend_from_slice(b".e30.sig");
        assert_eq!(check_header_len(&token, 4096), Ok(()));
        token.insert(0, b'A');
        assert_eq!(check_header_len(&token, 4096), Err(Error::HeaderTooLarge));
        assert_eq!(
            check_header_len(&[b'A'; 1 << 20], 4096),
            Err(Error::HeaderTooLarge)
        );
        assert_eq!(check_header_len(&[b'A'; 100], 4096), Ok(()));
        assert_eq!(check_header_len(b"", 4096), Ok(()));
        for max in 0..40 {
            for len in 0..60 {
                let mut t = std::vec![b'x'; len];
                t.extend_from_slice(b".p.s");
                let fits = decoded_len(len) <= max;
                assert_eq!(check_header_len(&t, max).is_ok(), fits, "{max} {len}");
            }
        }
    }

    #[test]
    fn decode_is_strict_and_sized() {
        let mut buf = [0u8; 8];
        assert_eq!(decode(b"eyJ9", &mut buf), Ok(&b"{\"}"[..]));
        assert_eq!(decode(b"YQ", &mut buf), Ok(&b"a"[..]));
        for bad in [
            &b"YQ=="[..],
            b"YR",
            b"Y Q",
            b"Y",
            b"YQ\n",
            b"Y+/A",
            b"YQ%3D",
        ] {
            assert_eq!(decode(bad, &mut buf), Err(Error::Malformed), "{bad:?}");
        }
        let mut small = [0u8; 2];
        assert_eq!(decode(b"YWJj", &mut small), Err(Error::BufferTooSmall));
        for n in 0..40usize {
            assert!(decoded_len(n) <= n);
        }
    }

    /// What `base64ct` (constant-time, the decoder used before) says about `input`.
    fn oracle(input: &[u8]) -> Result<std::vec::Vec<u8>, Error> {
        use base64ct::{Base64UrlUnpadded, Encoding};
        let mut buf = std::vec![0u8; input.len()];
        Base64UrlUnpadded::decode(input, &mut buf)
            .map(|d| d.to_vec())
            .map_err(|_| Error::Malformed)
    }

    #[test]
    fn every_short_input_agrees_with_base64ct() {
        // Every string of up to 3 characters over a mixed alphabet (valid, padding, the
        // standard alphabet's `+/`, a dot, a space, a high byte), at every position of a
        // longer valid prefix, so both the block loop and the tail are covered.
        let alphabet = b"AQgw_-9z=+/. \xff\x00";
        for prefix in [&b""[..], b"eyJh", b"eyJhb", b"eyJhbG", b"eyJhbGci"] {
            for len in 0..=3 {
                let mut idx = [0usize; 3];
                loop {
                    let mut input = prefix.to_vec();
                    input.extend(idx[..len].iter().map(|&i| alphabet[i]));
                    let mut buf = [0u8; 16];
                    let got = decode(&input, &mut buf).map(|d| d.to_vec());
                    assert_eq!(got, oracle(&input), "{input:?}");
                    let mut carry = 0;
                    while carry < len {
                        idx[carry] += 1;
                        if idx[carry] < alphabet.len() {
                            break;
                        }
                        idx[carry] = 0;
                        carry += 1;
                    }
                    if carry == len {
                        break;
                    }
                }
            }
        }
    }

    #[test]
    fn every_byte_at_every_block_position_agrees_with_base64ct() {
        // A 70-character valid segment (two 32-character blocks for the AVX2 loop, then a
        // tail), each position replaced by every byte value: the vector path (on CPUs with
        // AVX2), the portable path and base64ct must agree.
        let valid = b"eyJhbGciOiJSUzI1NiIsImtpZCI6ImFjczEiLCJ0eXAiOiJKV1QifQ-_09azAZaz09-_";
        for at in 0..valid.len() {
            for byte in 0..=255u8 {
                let mut input = valid.to_vec();
                input[at] = byte;
                let mut buf = [0u8; 80];
                let want = oracle(&input);
                let got = decode(&input, &mut buf).map(|d| d.to_vec());
                assert_eq!(got, want, "{at} {byte}");
                let got = decode_with(&input, &mut buf, false).map(|d| d.to_vec());
                assert_eq!(got, want, "portable {at} {byte}");
            }
        }
    }

    #[test]
    fn the_avx2_loop_runs_on_this_machine_when_it_can() {
        // Make sure the vector path is what the other tests exercised here.
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            assert!(crate::avx2::Avx2::detect().is_some());
        }
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_base64ct(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            flip in proptest::option::of((0usize..400, proptest::prelude::any::<u8>())),
        ) {
            use base64ct::{Base64UrlUnpadded, Encoding};
            let mut encoded = [0u8; 400];
            let mut input = Base64UrlUnpadded::encode(&data, &mut encoded)
                .unwrap()
                .as_bytes()
                .to_vec();
            if let Some((at, byte)) = flip {
                if let Some(slot) = input.get_mut(at) {
                    *slot = byte;
                }
            }
            let mut buf = std::vec![0u8; input.len()];
            let got = decode(&input, &mut buf).map(|d| d.to_vec());
            proptest::prop_assert_eq!(got.clone(), oracle(&input));
            let portable = decode_with(&input, &mut buf, false).map(|d| d.to_vec());
            proptest::prop_assert_eq!(&portable, &got);
            if flip.is_none() {
                proptest::prop_assert_eq!(got, Ok(data));
            }
        }
    }
}
