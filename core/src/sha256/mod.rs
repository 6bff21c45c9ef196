//! SHA-256 (FIPS 180-4), one-shot and incremental. Written here rather than taken from ring because every
//! public ring digest function unwraps internally (input-too-long and state-mismatch checks the
//! optimiser cannot remove), and the shipped library must contain no panic path at all.
//! Tested against the FIPS 180-4 examples and against ring on many lengths. On x86_64 CPUs
//! with the SHA extensions the blocks go through `shani.rs` (tested against the portable code).

#[cfg(target_arch = "x86_64")]
mod shani;

/// Round constants: the first 32 bits of the fractional parts of the cube roots of the first
/// 64 primes (FIPS 180-4, 4.2.2).
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// Initial hash value (FIPS 180-4, 5.3.3).
const INITIAL: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Bytes per block.
const BLOCK: usize = 64;

/// The SHA-256 digest of `message`.
pub fn digest(message: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(message);
    hasher.finish()
}

/// The SHA-256 digest of `message`, in a time that depends on how many 64-byte blocks the
/// padded message fills but not on where in its last block it ends: the bytes after the
/// whole blocks are copied and padded by masking over the full block. For secrets whose
/// length must not show (accepted API keys, see `apikey::compare`).
pub fn digest_hiding_length(message: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    let (blocks, rest) = message.as_chunks::<BLOCK>();
    compress_blocks(&mut hasher.state, blocks);
    hasher.total = message.len() as u64;
    // `black_box` keeps the length opaque, so no loop below is split at it.
    let len = core::hint::black_box(rest.len());
    for (i, dst) in hasher.pending.iter_mut().enumerate() {
        let src = rest.get(i.min(len.saturating_sub(1))).copied().unwrap_or(0);
        *dst = select(i < len, src, 0);
    }
    hasher.pending_len = len;
    hasher.finish_padded::<true>()
}

/// An incremental SHA-256 computation: [`update`](Self::update) any number of times, then
/// [`finish`](Self::finish). Works on the stack; no data-dependent branches or table indexes.
#[derive(Clone)]
pub struct Sha256 {
    state: [u32; 8],
    /// Bytes of a block not yet compressed (`pending_len < BLOCK` between calls).
    pending: [u8; BLOCK],
    pending_len: usize,
    /// Message length so far, in bytes (modulo 2^64; the bit length wraps as FIPS allows
    /// only messages below 2^64 bits).
    total: u64,
}

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Sha256 {
    /// A computation over the empty message.
    pub const fn new() -> Self {
        Sha256 {
            state: INITIAL,
            pending: [0; BLOCK],
            pending_len: 0,
            total: 0,
        }
    }

    /// Appends `data` to the message.
    pub fn update(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        if self.pending_len > 0 {
            let room = self.pending.get_mut(self.pending_len..).unwrap_or(&mut []);
            let take = room.len().min(data.len());
            let (head, tail) = data.split_at_checked(take).unwrap_or((data, &[]));
            for (dst, src) in room.iter_mut().zip(head) {
                *dst = *src;
            }
            self.pending_len += take;
            data = tail;
            if self.pending_len < BLOCK {
                return;
            }
            compress_blocks(&mut self.state, core::slice::from_ref(&self.pending));
            self.pending_len = 0;
        }
        let (blocks, rest) = data.as_chunks::<BLOCK>();
        compress_blocks(&mut self.state, blocks);
        for (dst, src) in self.pending.iter_mut().zip(rest) {
            *dst = *src;
        }
        self.pending_len = rest.len();
    }

    /// The digest of everything passed to [`update`](Self::update).
    pub fn finish(self) -> [u8; 32] {
        self.finish_padded::<false>()
    }

    /// [`finish`](Self::finish); with `HIDE_LENGTH` the padding is built by masking over
    /// the whole block, so only the number of blocks depends on the pending length.
    fn finish_padded<const HIDE_LENGTH: bool>(mut self) -> [u8; 32] {
        // Padding: the pending bytes, 0x80, zeros, and the message length in bits
        // (big-endian u64) at the end of the last block; 56 pending bytes or more leave no
        // room for it, so a second block.
        let rest = self.pending.get(..self.pending_len).unwrap_or(&[]);
        let mut tail = [[0u8; BLOCK]; 2];
        let tail_blocks = if rest.len() < BLOCK - 8 { 1 } else { 2 };
        let bit_len = self.total.wrapping_mul(8).to_be_bytes();
        let tail_bytes = tail.as_flattened_mut();
        if HIDE_LENGTH {
            let len = core::hint::black_box(rest.len());
            for (i, (dst, &src)) in tail_bytes.iter_mut().zip(&self.pending).enumerate() {
                *dst = select(i < len, src, select(i == len, 0x80, 0));
            }
        } else {
            let padding = rest.iter().copied().chain(core::iter::once(0x80));
            for (dst, src) in tail_bytes.iter_mut().zip(padding) {
                *dst = src;
            }
        }
        let length_at = tail_blocks * BLOCK - 8;
        for (dst, src) in tail_bytes.iter_mut().skip(length_at).zip(bit_len) {
            *dst = src;
        }
        compress_blocks(&mut self.state, tail.get(..tail_blocks).unwrap_or(&[]));
        let mut out = [0u8; 32];
        for (dst, word) in out.as_chunks_mut::<4>().0.iter_mut().zip(self.state) {
            *dst = word.to_be_bytes();
        }
        out
    }
}

/// `a` when `take`, else `b`, by masking (no branch on `take`).
#[inline(always)]
fn select(take: bool, a: u8, b: u8) -> u8 {
    let mask = u8::from(take).wrapping_neg();
    (a & mask) | (b & !mask)
}

/// Compresses `blocks` into `state`: with the SHA extensions when the CPU has them.
fn compress_blocks(state: &mut [u32; 8], blocks: &[[u8; BLOCK]]) {
    #[cfg(target_arch = "x86_64")]
    if let Some(sha) = shani::detect() {
        sha.compress_blocks(state, blocks);
        return;
    }
    for block in blocks {
        compress(state, block);
    }
}

/// One application of the compression function (FIPS 180-4, 6.2.2).
// Every index is a constant-bounded loop counter into a fixed-size array: the optimiser removes
// each bounds check, which the link-time panic proof (ffi/src/runtime.rs) confirms.
#[allow(clippy::indexing_slicing)]
fn compress(state: &mut [u32; 8], block: &[u8; BLOCK]) {
    let mut w = [0u32; 64];
    for (word, bytes) in w.iter_mut().zip(block.as_chunks::<4>().0) {
        *word = u32::from_be_bytes(*bytes);
    }
    for t in 16..64 {
        let s0 = w[t - 15].rotate_right(7) ^ w[t - 15].rotate_right(18) ^ (w[t - 15] >> 3);
        let s1 = w[t - 2].rotate_right(17) ^ w[t - 2].rotate_right(19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16]
            .wrapping_add(s0)
            .wrapping_add(w[t - 7])
            .wrapping_add(s1);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for (k, wt) in K.iter().zip(w) {
        let big_s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = h
            .wrapping_add(big_s1)
            .wrapping_add(ch)
            .wrapping_add(*k)
            .wrapping_add(wt);
        let big_s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = big_s0.wrapping_add(maj);
        h = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

#[cfg(test)]
mod tests {
    use super::{digest, digest_hiding_length, Sha256};
    use proptest::prelude::*;
    use std::vec::Vec;

    fn hex(bytes: &[u8]) -> std::string::String {
        bytes.iter().map(|b| std::format!("{b:02x}")).collect()
    }

    #[test]
    fn fips_180_examples() {
        let cases: [(&[u8], &str); 3] = [
            (
                b"",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (
                b"abc",
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
            (
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            ),
        ];
        for (message, expected) in cases {
            assert_eq!(hex(&digest(message)), expected);
        }
        let million_a = std::vec![b'a'; 1_000_000];
        assert_eq!(
            hex(&digest(&million_a)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    #[test]
    fn every_length_around_the_block_boundaries_matches_ring() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 131 + 7) as u8).collect();
        for len in 0..=data.len() {
            let message = &data[..len];
            let oracle = ring::digest::digest(&ring::digest::SHA256, message);
            assert_eq!(&digest(message)[..], oracle.as_ref(), "length {len}");
            assert_eq!(
                &digest_hiding_length(message)[..],
                oracle.as_ref(),
                "hiding length {len}"
            );
        }
    }

    #[cfg(target_arch = "x86_64")]
    proptest! {
        #[test]
        fn sha_extensions_compress_like_the_portable_code(
            blocks in proptest::collection::vec(any::<[u8; 32]>(), 0..12),
            start: [u32; 8],
        ) {
            let Some(sha) = super::shani::detect() else { return Ok(()) };
            let blocks: Vec<[u8; 64]> = blocks
                .chunks(2)
                .map(|p| {
                    let mut b = [0u8; 64];
                    b[..32].copy_from_slice(&p[0]);
                    b[32..].copy_from_slice(p.get(1).unwrap_or(&p[0]));
                    b
                })
                .collect();
            let mut portable = start;
            for block in &blocks {
                super::compress(&mut portable, block);
            }
            let mut accelerated = start;
            sha.compress_blocks(&mut accelerated, &blocks);
            prop_assert_eq!(accelerated, portable);
        }
    }

    proptest! {
        #[test]
        fn pieces_hash_like_the_whole(
            message in proptest::collection::vec(any::<u8>(), 0..700),
            cuts in proptest::collection::vec(0usize..700, 0..6),
        ) {
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(message.len())).collect();
            cuts.sort();
            let mut hasher = Sha256::new();
            let mut at = 0;
            for cut in cuts.into_iter().chain([message.len()]) {
                hasher.update(&message[at..cut]);
                at = cut;
            }
            prop_assert_eq!(hasher.finish(), digest(&message));
        }

        #[test]
        fn matches_ring(message in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let oracle = ring::digest::digest(&ring::digest::SHA256, &message);
            prop_assert_eq!(&digest(&message)[..], oracle.as_ref());
        }
    }
}
