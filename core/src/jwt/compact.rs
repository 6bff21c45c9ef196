//! The compact serialization: exactly three `.`-separated segments of canonical, unpadded
//! base64url (RFC 7515 §7.1), decoded into the caller's scratch space.

use crate::Error;
use base64ct::{Base64UrlUnpadded, Encoding};

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
    let mut parts = token.split(|&b| b == b'.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::Malformed);
    };
    let signing_len = header.len() + 1 + payload.len();
    let signing_input = token.get(..signing_len).ok_or(Error::Malformed)?;
    Ok(Segments {
        header,
        payload,
        signature,
        signing_input,
    })
}

/// [`Error::HeaderTooLarge`] when the header segment (the bytes before the first `.`, or the
/// whole token without one) would decode to more than `max` bytes. Looks at no more than
/// the bytes such a header may take, so its cost does not grow with the token.
pub(super) fn check_header_len(token: &[u8], max: usize) -> Result<(), Error> {
    // Every header that fits is shorter than this (decoded_len(n) <= max implies
    // n <= max / 3 * 4 + 3), so the first `.` of an acceptable token lies inside the window.
    let longest = (max / 3).saturating_mul(4).saturating_add(4);
    let window = token.get(..longest).unwrap_or(token);
    let header_len = window
        .iter()
        .position(|&b| b == b'.')
        .unwrap_or(token.len());
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

/// Decodes `segment` into the front of `buf`: [`Error::BufferTooSmall`] when it cannot fit,
/// [`Error::Malformed`] when it is not canonical unpadded base64url (padding, whitespace or
/// other characters, non-zero trailing bits, an impossible length).
pub(super) fn decode<'b>(segment: &[u8], buf: &'b mut [u8]) -> Result<&'b [u8], Error> {
    if decoded_len(segment.len()) > buf.len() {
        return Err(Error::BufferTooSmall);
    }
    Base64UrlUnpadded::decode(segment, buf).map_err(|_| Error::Malformed)
}

#[cfg(test)]
mod tests {
    use super::{check_header_len, decode, decoded_len, split};
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
}
