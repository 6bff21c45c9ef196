//! Comparing a presented API key with the accepted keys without a timing side channel.
//!
//! How timing reveals neither content nor length:
//! - Keys are never compared directly. The presented key is hashed with SHA-256 while it is
//!   percent-decoded (in 64-byte chunks on the stack, so there is no length limit and no
//!   buffer), each accepted key is hashed, and the 32-byte digests are compared.
//! - An accepted key is hashed by `sha256::digest_hiding_length`: its bytes after the whole
//!   64-byte blocks are copied and padded by masking over a full block, so its length shows
//!   only as the number of blocks (a key of 32 bytes and one of 33 take the same time; the
//!   plain copy's length-dependent loop was measurable with 40,000 samples).
//! - The digest comparison XORs all 32 bytes and folds the result without a branch
//!   (`core::hint::black_box` keeps the compiler from short-cutting it); a mismatch in the
//!   first byte costs as much as one in the last. Even a leak there would only tell an
//!   attacker about a digest, not about a key.
//! - Every accepted key is hashed and compared on every call; the loop never stops at the
//!   first match, so the position of the matching key (rotation) does not show either.
//! - What does vary is the time to decode and hash the *presented* value, which the sender
//!   already knows, and the total time to hash the accepted keys, which is the same for every
//!   request and so cannot be correlated with guesses.

use crate::apikey::query::find_query_parameter;
use crate::sha256::Sha256;
use crate::Error;
use core::hint::black_box;

/// Length of the SHA-256 digests compared.
const DIGEST_LEN: usize = 32;

/// Size of the stack chunk decoded bytes are gathered in before hashing.
const CHUNK_LEN: usize = 64;

/// A presented API key, kept only as its SHA-256 digest.
#[derive(Clone, Copy)]
pub struct PresentedKey {
    digest: [u8; DIGEST_LEN],
}

impl core::fmt::Debug for PresentedKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PresentedKey(..)")
    }
}

impl PresentedKey {
    /// The key as given (already decoded), e.g. from a header.
    pub fn from_bytes(key: &[u8]) -> Self {
        Self::from_digest(crate::sha256::digest_hiding_length(key))
    }

    /// The percent-decoded value of the one query parameter `name` of `target`, hashed while
    /// decoding. Errors as for [`find_query_parameter`].
    pub fn from_query(target: &[u8], name: &[u8]) -> Result<Self, Error> {
        let value = find_query_parameter(target, name)?;
        let mut context = Sha256::new();
        let mut chunk = [0u8; CHUNK_LEN];
        let mut filled = 0usize;
        for byte in value.decoded() {
            if let Some(slot) = chunk.get_mut(filled) {
                *slot = byte;
                filled = filled.saturating_add(1);
            }
            if filled == CHUNK_LEN {
                context.update(&chunk);
                filled = 0;
            }
        }
        context.update(chunk.get(..filled).unwrap_or(&[]));
        Ok(Self::from_digest(context.finish()))
    }

    fn from_digest(digest: [u8; DIGEST_LEN]) -> Self {
        PresentedKey { digest }
    }

    /// `Ok(())` when this key equals one of `accepted`, comparing every one of them in
    /// constant time (see the [module docs](self)).
    ///
    /// Errors: [`Error::InvalidArgument`] when `accepted` is empty or holds an empty key
    /// (configuration errors, reported even if another key matched);
    /// [`Error::KeyMismatch`] when no key matches.
    pub fn matches_any<I>(&self, accepted: I) -> Result<(), Error>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut matched = 0u8;
        let mut count = 0usize;
        let mut saw_empty = false;
        for key in accepted {
            count = count.saturating_add(1);
            let key = key.as_ref();
            saw_empty |= key.is_empty();
            let candidate = Self::from_bytes(key);
            matched |= black_box(digests_equal(&self.digest, &candidate.digest));
        }
        if count == 0 || saw_empty {
            return Err(Error::InvalidArgument);
        }
        if black_box(matched) == 1 {
            Ok(())
        } else {
            Err(Error::KeyMismatch)
        }
    }
}

/// `1` when the digests are equal, `0` otherwise, touching every byte without branching.
fn digests_equal(a: &[u8; DIGEST_LEN], b: &[u8; DIGEST_LEN]) -> u8 {
    let mut difference = 0u8;
    for (x, y) in a.iter().zip(b) {
        difference |= x ^ y;
    }
    let difference = u16::from(black_box(difference));
    // 0 - 1 underflows to 0xFFFF (bit 8 set); 1..=255 minus 1 stays below 0x100.
    ((difference.wrapping_sub(1) >> 8) & 1) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_equality_is_exact() {
        let a = [7u8; DIGEST_LEN];
        assert_eq!(digests_equal(&a, &a), 1);
        for i in 0..DIGEST_LEN {
            for bit in 0..8 {
                let mut b = a;
                b[i] ^= 1 << bit;
                assert_eq!(digests_equal(&a, &b), 0, "byte {i} bit {bit}");
            }
        }
        assert_eq!(digests_equal(&[0; 32], &[0xFF; 32]), 0);
    }

    #[test]
    fn matches_any_checks_every_key_and_configuration() {
        let k = PresentedKey::from_bytes(b"secret");
        let keys: [&[u8]; 3] = [b"a", b"secret", b"b"];
        assert_eq!(k.matches_any(keys), Ok(()));
        assert_eq!(k.matches_any([&b"secret"[..]]), Ok(()));
        assert_eq!(
            k.matches_any([&b"secreT"[..], b"secre", b"secret\0"]),
            Err(Error::KeyMismatch)
        );
        assert_eq!(
            k.matches_any(core::iter::empty::<&[u8]>()),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            k.matches_any([&b"secret"[..], b""]),
            Err(Error::InvalidArgument)
        );
    }

    #[test]
    fn hashing_while_decoding_equals_hashing_the_decoded_key() {
        // Values around the chunk size exercise the partial and full chunk paths.
        for len in [0usize, 1, 63, 64, 65, 127, 128, 129, 1000] {
            let key: std::vec::Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let mut target = std::string::String::from("/w?token=");
            for b in &key {
                target.push_str(&std::format!("%{b:02X}"));
            }
            let from_query = PresentedKey::from_query(target.as_bytes(), b"token").unwrap();
            assert_eq!(
                from_query.digest,
                PresentedKey::from_bytes(&key).digest,
                "len {len}"
            );
        }
    }

    #[test]
    fn debug_does_not_print_the_digest() {
        let k = PresentedKey::from_bytes(b"x");
        assert_eq!(std::format!("{k:?}"), "PresentedKey(..)");
    }
}
