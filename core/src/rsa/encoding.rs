//! The EMSA-PKCS1-v1_5 encoding of a SHA-256 digest (RFC 8017, 9.2), built whole so that a
//! verifier compares it byte for byte and never parses padding.

use crate::Error;

/// DER of `DigestInfo { AlgorithmIdentifier { id-sha256, NULL }, OCTET STRING (32 bytes) }`
/// up to the digest itself.
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// Shortest padding string RFC 8017 allows.
const MIN_PADDING: usize = 8;

/// Fills `out` (the modulus length) with `0x00 0x01 FF..FF 0x00 || DigestInfo || digest`.
/// `Err(BadSignature)` when `out` is too short for it (never for 2048-bit moduli and up).
pub(crate) fn write_expected_encoding(digest: &[u8; 32], out: &mut [u8]) -> Result<(), Error> {
    // Fixed-size pieces split off both ends, so no copy has a length to get wrong.
    let (head, rest) = out
        .split_first_chunk_mut::<2>()
        .ok_or(Error::BadSignature)?;
    let (rest, digest_out) = rest
        .split_last_chunk_mut::<32>()
        .ok_or(Error::BadSignature)?;
    let (rest, prefix) = rest
        .split_last_chunk_mut::<{ SHA256_DIGEST_INFO_PREFIX.len() }>()
        .ok_or(Error::BadSignature)?;
    let (separator, padding) = rest.split_last_mut().ok_or(Error::BadSignature)?;
    if padding.len() < MIN_PADDING {
        return Err(Error::BadSignature);
    }
    *head = [0x00, 0x01];
    padding.fill(0xff);
    *separator = 0x00;
    *prefix = SHA256_DIGEST_INFO_PREFIX;
    *digest_out = *digest;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_a_2048_bit_encoding() {
        let digest = [0xabu8; 32];
        let mut em = [0x55u8; 256];
        write_expected_encoding(&digest, &mut em).unwrap();
        assert_eq!(&em[..2], &[0, 1]);
        assert!(em[2..256 - 52].iter().all(|&b| b == 0xff));
        assert_eq!(em[256 - 52], 0);
        assert_eq!(&em[256 - 51..256 - 32], &SHA256_DIGEST_INFO_PREFIX);
        assert_eq!(&em[256 - 32..], &digest);
    }

    #[test]
    fn too_short_for_minimum_padding() {
        let digest = [0u8; 32];
        assert!(write_expected_encoding(&digest, &mut [0u8; 62]).is_ok());
        assert_eq!(
            write_expected_encoding(&digest, &mut [0u8; 61]),
            Err(Error::BadSignature)
        );
    }
}
