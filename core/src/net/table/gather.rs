//! Batch lookups with AVX-512 gathers: sixteen addresses per vector (four vectors per pass)
//! go through the chunk index, the search of their digit window (for IPv4, the index slot's
//! probe and then two steps reading entries in pairs from the one before the chunk, which
//! leave the answering entry's code in hand; four halving steps for IPv6, then a read of
//! the code), its entry kind (with
//! the piece size its code carries, or read) and the piece check together, so the cache
//! misses of many lookups overlap and no lookup branches on the data. A family's front end
//! works out each address's window side, chunk and digit (IPv6 in 64-bit halves, then
//! narrowed); the rest is common.
//!
//! Every gathered position is checked against the view's array lengths before it is read (an
//! image rewritten after validation gives wrong answers, never a read outside it). Lanes on
//! spilled cells go on to the spill search; lanes the vector path does not cover — chunks of
//! more than 11 (IPv4: 12 with the entry before) or 15 (IPv6) entries, anything out of
//! range, IPv4-mapped IPv6 addresses — are answered by the scalar lookup, which is also the
//! oracle the tests compare with.

use super::super::image::{ChunkIndex, Digit, Key, Packed16};
use super::{Codes, FamilyTable};
use core::arch::x86_64::*;

/// Byte views of the arrays the gathers read (no codes view for IPv4 codes held in the
/// digit entries: the search reads those; an empty sizes view where codes hold the
/// sizes), each extended over its padding to 16 bytes (see the image layout): a read is
/// allowed when all its bytes lie inside the view.
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

/// Ranges of up to this many entries are searched in the vector: a four-step halving search
/// of an IPv6 chunk's 32-bit digits, or the probe and a two-step search of IPv4 entries
/// read in pairs (whose range takes in the entry before the chunk).
const MAX_ENTRIES: u32 = 15;
const MAX_PAIRED: u32 = ChunkIndex::PROBED_RANGE;

/// `v` broadcast to every lane.
#[target_feature(enable = "avx512f")]
#[inline]
fn splat(v: u32) -> __m512i {
    _mm512_set1_epi32(v as i32)
}

/// The element of `width_mask`'s width at byte offset `off` of `bytes`, in the lanes of `k`
/// (0 elsewhere): read as the (unaligned) 4 bytes from its start, the ones past it masked off.
///
/// # Safety
/// For every lane in `k`, `off + 4` must be at most `bytes.len()`.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn gather_small(k: __mmask16, off: __m512i, bytes: &[u8], width_mask: u32) -> __m512i {
    // SAFETY: the caller keeps every lane of `k` inside `bytes`; other lanes are not read.
    let w = unsafe {
        _mm512_mask_i32gather_epi32::<1>(_mm512_setzero_si512(), k, off, bytes.as_ptr().cast())
    };
    _mm512_and_si512(w, splat(width_mask))
}

/// One vector of addresses as a family's front end works them out.
#[derive(Clone, Copy)]
struct Vector {
    /// Lanes holding an address.
    live: __mmask16,
    /// Lanes left to the scalar lookup whatever the table says (IPv4-mapped IPv6).
    special: __mmask16,
    /// Lanes outside the window, and lanes above the window's base.
    outside: __mmask16,
    above: __mmask16,
    /// The chunk and the digit (as u32) of each lane.
    chunk: __m512i,
    digit: __m512i,
}

/// The lanes of a vector a pass leaves to scalar code: spilled cells, and the others.
#[derive(Clone, Copy)]
struct Rest {
    slow: __mmask16,
    spill: __mmask16,
}

/// A vector with no live lane.
const EMPTY: Vector = Vector {
    live: 0,
    special: 0,
    outside: 0,
    above: 0,
    chunk: ZERO,
    digit: ZERO,
};

/// An all-zero vector, as a constant.
// SAFETY: an all-zero bit pattern is a valid `__m512i` (plain integers).
const ZERO: __m512i = unsafe { core::mem::transmute::<[u64; 8], __m512i>([0; 8]) };

/// A vector's lookup state between the stages of [`FamilyTable::answer_pass`].
#[derive(Clone, Copy)]
struct Walk {
    /// The chunk's first entry and entry count.
    lo: __m512i,
    count: __m512i,
    /// Lanes whose chunk the vector search covers.
    searched: __mmask16,
    /// Searched lanes whose range starts at the entry before their chunk (`lo` and `count`
    /// take it in), which then compares as `<=`: the IPv4 search reads the answering
    /// entry, code and all, even when none of the chunk's own entries is `<=`.
    before: __mmask16,
    /// Digits `<=` the address's in its chunk, and the last of them.
    found: __m512i,
    top: __m512i,
    /// The code of the answering entry, and the lanes that have one.
    code: __m512i,
    placed: __mmask16,
}

/// The shift counts that make an IPv6 address's lead (the 64 bits after `skip`) from its
/// halves in 64-bit lanes: counts of 64 or more (and the wrapped "negative" ones) give 0, so
/// one formula serves every `skip`.
#[derive(Clone, Copy)]
struct LeadShifts {
    high_left: __m512i,
    low_right: __m512i,
    low_left: __m512i,
}

impl LeadShifts {
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn new(skip: u32) -> Self {
        let q = |v: u32| _mm512_set1_epi64(i64::from(v));
        LeadShifts {
            high_left: q(skip),
            low_right: q(64u32.wrapping_sub(skip)),
            low_left: q(skip.wrapping_sub(64)),
        }
    }

    /// The leads of the addresses whose halves are `high` and `low`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn lead(&self, high: __m512i, low: __m512i) -> __m512i {
        _mm512_or_si512(
            _mm512_or_si512(
                _mm512_sllv_epi64(high, self.high_left),
                _mm512_srlv_epi64(low, self.low_right),
            ),
            _mm512_sllv_epi64(low, self.low_left),
        )
    }
}

/// The lane mask for `left` (any number) addresses, at most `lanes` (<= 16).
#[inline(always)]
fn lanes_left(left: usize, lanes: usize) -> u32 {
    if left >= lanes {
        (1u32 << lanes) - 1
    } else {
        (1u32 << left) - 1
    }
}

/// Two adjacent u32s at `base + SCALE * off` for each lane of `k` (0 elsewhere): the first
/// and the second of each pair, read as one 8-byte element per lane (half the loads of two
/// 4-byte gathers).
///
/// # Safety
/// For every lane in `k`, the 8 bytes at `base + SCALE * off` must be readable.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn gather_pairs<const SCALE: i32>(
    k: __mmask16,
    off: __m512i,
    base: *const u8,
) -> (__m512i, __m512i) {
    let zero = _mm512_setzero_si512();
    let low_offsets = _mm512_castsi512_si256(off);
    let high_offsets = _mm512_extracti64x4_epi64::<1>(off);
    // SAFETY: the caller keeps every lane of `k` readable; other lanes are not read.
    let (a, b) = unsafe {
        (
            _mm512_mask_i32gather_epi64::<SCALE>(zero, k as __mmask8, low_offsets, base.cast()),
            _mm512_mask_i32gather_epi64::<SCALE>(
                zero,
                (k >> 8) as __mmask8,
                high_offsets,
                base.cast(),
            ),
        )
    };
    let firsts = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    let seconds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    (
        _mm512_permutex2var_epi32(a, firsts, b),
        _mm512_permutex2var_epi32(a, seconds, b),
    )
}

impl<K: Key, D: Digit> FamilyTable<'_, K, D> {
    /// Whether the gathered batch path may serve this table: every byte offset it forms fits
    /// a signed 32-bit lane.
    pub(super) fn gather_fits(&self) -> bool {
        let limit = i32::MAX as usize;
        self.padded.digits.len() < limit
            && self.padded.codes.len() < limit
            && self.padded.sizes.len() < limit
            && self.index.bytes().len() < limit
            && self.dict.len() < limit / 8
    }

    /// The search of IPv4 entries (16-bit digits above their codes; ranges of at most
    /// [`MAX_PAIRED`] entries), the vectors of a pass step by step together: how many of a
    /// searched lane's entries are `<=` its own (the count), and the last of them, whole
    /// (digit and code). A range's first entry counts as `<=` whatever its digit: it is the
    /// entry before the chunk (lanes in `before`) or chunk 0's first, whose digit is 0. So
    /// every lane with an entry ends with a count of at least 1, and no lookup needs a read
    /// of its own for the code.
    ///
    /// The index slot's probe, the digit of entry 6, says whether the count is at least 7:
    /// the search goes on from `L` = 6 (entry 6 is `<=`) or 0 (entry 0 counts as `<=`). An
    /// 8-byte read at entry `i` gives entries `i` and `i + 1`, which tell whether the count
    /// is at most `i`, exactly `i + 1`, or at least `i + 2`. Read at `L + 2`, then `L` from
    /// the lowest count `L` still possible, that leaves 3 and then 1 of the 6 counts from
    /// `L + 1` to `L + 6`, and the read at `L` takes in entry `L` itself, which is `<=`: so
    /// two dependent reads after the index cover counts 1 to 12. Entries past the range's
    /// count read as larger than any address's. A count only grows by what is read, so a
    /// lane whose count is already known reads on without changing it. A lane whose count
    /// is still 0 reads entry 0 last, which is where it counts as `<=`.
    ///
    /// # Safety
    /// The CPU must support AVX-512F, and the searched lanes' chunks must end at `hi <=`
    /// the number of entries that start an 8-byte read inside the padded digits.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn count_paired(&self, walks: &mut [Walk; VECTORS], pass: &[Vector; VECTORS]) {
        let one = splat(1);
        // An entry is `<=` the key exactly when its digit is `<=` the address's.
        let keys = pass.map(|v| _mm512_or_si512(_mm512_slli_epi32::<16>(v.digit), splat(0xffff)));
        for first in [2u32, 0] {
            for (w, key) in walks.iter_mut().zip(&keys) {
                let i = _mm512_add_epi32(w.found, splat(first));
                let next = _mm512_add_epi32(i, one);
                let read = _mm512_mask_cmplt_epu32_mask(w.searched, i, w.count);
                // SAFETY: lanes of `read` read entry `lo + i < hi` and the one after it,
                // inside the padded view (the caller's promise); other lanes are not read.
                let (e0, e1) = unsafe {
                    gather_pairs::<4>(read, _mm512_add_epi32(w.lo, i), self.padded.digits.as_ptr())
                };
                let mut first_below = _mm512_mask_cmple_epu32_mask(read, e0, *key);
                if first == 0 {
                    first_below |= _mm512_mask_cmpeq_epi32_mask(read, i, ZERO);
                }
                let both_below = _mm512_mask_cmplt_epu32_mask(first_below, next, w.count)
                    & _mm512_cmple_epu32_mask(e1, *key);
                w.found = _mm512_mask_mov_epi32(w.found, first_below, next);
                w.found = _mm512_mask_add_epi32(w.found, both_below, w.found, one);
                w.top = _mm512_mask_mov_epi32(w.top, first_below, e0);
                w.top = _mm512_mask_mov_epi32(w.top, both_below, e1);
            }
        }
    }

    /// Answer one pass's live lanes into `out[at..]`, except the lanes returned per vector:
    /// spilled cells, which the caller answers with the spill search, and the rest
    /// (uncovered or special), which it answers with the scalar lookup.
    ///
    /// # Safety
    /// The CPU must support AVX-512F, [`FamilyTable::gather_fits`] must hold, and the live
    /// lanes of vector `u` must be positions `at + 16u + lane` below `out.len()`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn answer_pass(
        &self,
        pass: &[Vector; VECTORS],
        out: &mut [u32],
        at: usize,
    ) -> [Rest; VECTORS] {
        let (code_bytes, code_mask) = match self.codes {
            Codes::One(_) => (1, 0xff),
            Codes::Two(_) => (2, 0xffff),
            Codes::Four(_) => (4, u32::MAX),
            // The low halves of the digit entries: taken from the search, never gathered.
            Codes::InDigits(_) => (4, 0xffff),
        };
        // Code positions to byte offsets: a shift (a multiply would add its latency to the
        // dependent gathers).
        let code_shift = _mm_cvtsi32_si128(code_bytes.trailing_zeros() as i32);
        // The piece check of the scalar lookup, on digits: inside when
        // (digit - entry's digit) < 2^(sx - (64 - D::BITS)).
        let piece_base = splat(64 - D::BITS);
        let zero = _mm512_setzero_si512();
        let ones = splat(u32::MAX);
        // Chunks below this have both their index slots.
        let last_slot = splat((self.index.len() as u32).saturating_sub(1));
        let cells = splat(self.cells as u32);
        // How many elements of `width` bytes start a read of `read` bytes inside a padded
        // view.
        let readable_by =
            |bytes: &[u8], width: u32, read: usize| match bytes.len().checked_sub(read) {
                Some(last) => last as u32 / width + 1,
                None => 0,
            };
        let readable = |bytes: &[u8], width: u32| readable_by(bytes, width, 4);
        // The IPv4 search reads entries in pairs (8 bytes), the IPv6 one digit by digit.
        let digit_read = if D::BITS == 16 { 8 } else { 4 };
        let digit_limit = readable_by(self.padded.digits, 4, digit_read);
        let hi_limit = splat(digit_limit.min(self.cells as u32));
        let code_limit = splat(readable(self.padded.codes, code_bytes));
        let dict_len = splat(self.dict.len() as u32);
        // Dictionary entries whose size can be read too (all of them where codes hold sizes).
        let sized = self.size_bits > 0;
        let kinds = if sized {
            dict_len
        } else {
            splat((self.dict.len() as u32).min(readable(self.padded.sizes, 1)))
        };
        let size_bits = _mm_cvtsi32_si128(self.size_bits as i32);
        let size_low = splat((1 << self.size_bits) - 1);
        let dict = self.dict.as_ptr().cast::<u32>();
        let max_entries = if D::BITS == 16 {
            MAX_PAIRED
        } else {
            MAX_ENTRIES
        };
        let probe_at = splat(ChunkIndex::PROBE_AT as u32);
        let mut walks = [Walk {
            lo: zero,
            count: zero,
            searched: 0,
            before: 0,
            found: zero,
            top: zero,
            code: zero,
            placed: 0,
        }; VECTORS];
        for (w, v) in walks.iter_mut().zip(pass) {
            let indexed =
                v.live & !v.outside & !v.special & _mm512_cmplt_epu32_mask(v.chunk, last_slot);
            let slots = self.index.bytes().as_ptr();
            // The IPv4 slot's probe: the digit of the range's seventh entry, or 0.
            let mut probe = ones;
            let (lo, hi) = if D::SLOT_BYTES == 6 {
                // A probed slot: start << 4 | entries (saturated at 15), then the probe.
                let at = _mm512_add_epi32(
                    _mm512_slli_epi32::<2>(v.chunk),
                    _mm512_slli_epi32::<1>(v.chunk),
                );
                // SAFETY: lanes of `indexed` read the 8 bytes from slot `chunk`'s start,
                // inside the index: `chunk + 1` is a slot (6 bytes), and 8 <= 12.
                let (word, high) = unsafe { gather_pairs::<1>(indexed, at, slots) };
                probe = _mm512_and_si512(high, splat(0xffff));
                let lo = _mm512_srli_epi32::<4>(word);
                (lo, _mm512_add_epi32(lo, _mm512_and_si512(word, splat(15))))
            } else {
                // SAFETY: lanes of `indexed` read `index[chunk]` and `index[chunk + 1]`, both
                // below `index.len()`.
                unsafe { gather_pairs::<4>(indexed, v.chunk, slots) }
            };
            if D::BITS == 16 {
                // IPv4 ranges start one entry early (see [`Walk::before`]); chunk 0 has no
                // entry before it and starts with digit 0 instead.
                w.before = _mm512_mask_cmpneq_epi32_mask(indexed, lo, zero);
                w.lo = _mm512_mask_sub_epi32(lo, w.before, lo, splat(1));
            } else {
                w.lo = lo;
            }
            w.count = _mm512_sub_epi32(hi, w.lo);
            // The range's entries lie inside the digits (and the cells) and number at most
            // `max_entries` (`lo > hi` wraps the count far past it).
            w.searched = _mm512_mask_cmple_epu32_mask(indexed, hi, hi_limit)
                & _mm512_mask_cmple_epu32_mask(indexed, w.count, splat(max_entries));
            // The probe's step of the IPv4 search (see [`FamilyTable::count_paired`]): the
            // search goes on from entry 6 where that is `<=`.
            let probed = _mm512_mask_cmpgt_epu32_mask(w.searched, w.count, probe_at);
            let after = _mm512_mask_cmple_epu32_mask(probed, probe, v.digit);
            w.found = _mm512_maskz_mov_epi32(after, probe_at);
        }
        // How many of the chunk's digits are <= the address's (they ascend), and the last
        // such digit.
        if D::BITS == 16 {
            // SAFETY: searched lanes end at `hi <= digit_limit`, the entries that start an
            // 8-byte read inside the padded digits.
            unsafe { self.count_paired(&mut walks, pass) };
        } else {
            // Four halving steps over the 32-bit digits, each one gather per vector.
            for step in [8u32, 4, 2, 1] {
                for (w, v) in walks.iter_mut().zip(pass) {
                    let candidate = _mm512_add_epi32(w.found, splat(step));
                    let fits = _mm512_mask_cmple_epu32_mask(w.searched, candidate, w.count);
                    let at = _mm512_sub_epi32(_mm512_add_epi32(w.lo, candidate), splat(1));
                    // SAFETY: lanes of `fits` read digit `lo + candidate - 1 < hi`, whose 4 bytes
                    // lie inside the padded view (`hi <= digit_limit`).
                    let d = unsafe {
                        _mm512_mask_i32gather_epi32::<4>(
                            ZERO,
                            fits,
                            at,
                            self.padded.digits.as_ptr().cast(),
                        )
                    };
                    let below = _mm512_mask_cmple_epu32_mask(fits, d, v.digit);
                    w.found = _mm512_mask_mov_epi32(w.found, below, candidate);
                    w.top = _mm512_mask_mov_epi32(w.top, below, d);
                }
            }
        }
        // Codes held in the IPv4 entries need no read of their own: the search read the
        // answering entry whole, and outside the window the code is one of two constants.
        let in_entries = matches!(self.codes, Codes::InDigits(_));
        let below_code = splat(self.codes.get(self.cells));
        let above_code = splat(self.codes.get(self.cells + 1));
        for (w, v) in walks.iter_mut().zip(pass) {
            let outside = v.outside & !v.special;
            if in_entries {
                // A count of 0 (an empty range: only in an image rewritten after it was
                // loaded) answers nothing here.
                let answered = _mm512_mask_cmpneq_epi32_mask(w.searched, w.found, zero);
                w.placed = answered | outside;
                let code = _mm512_and_si512(w.top, splat(0xffff));
                let code = _mm512_mask_mov_epi32(code, outside, below_code);
                w.code = _mm512_mask_mov_epi32(code, outside & v.above, above_code);
            } else {
                // The answering entry: the last one <= the address's, or the entry before
                // the chunk; outside the window, `cells` (below) or `cells + 1` (above).
                let p = _mm512_sub_epi32(_mm512_add_epi32(w.lo, w.found), splat(1));
                let p = _mm512_mask_mov_epi32(p, outside, cells);
                let p =
                    _mm512_mask_mov_epi32(p, outside & v.above, _mm512_add_epi32(cells, splat(1)));
                // (`p < cells + 2` holds already: searched chunks end at `hi <= cells`.)
                w.placed = (w.searched | outside) & _mm512_cmplt_epu32_mask(p, code_limit);
                // SAFETY: lanes of `placed` read code `p < code_limit`, whose 4 bytes lie
                // inside the padded view.
                w.code = unsafe {
                    gather_small(
                        w.placed,
                        _mm512_sll_epi32(p, code_shift),
                        self.padded.codes,
                        code_mask,
                    )
                };
            }
            if D::BITS == 16 {
                // The digit of the answering entry (the search kept it whole).
                w.top = _mm512_srli_epi32::<16>(w.top);
            }
        }
        let mut rest = [Rest { slow: 0, spill: 0 }; VECTORS];
        for (u, ((r, w), v)) in rest.iter_mut().zip(&walks).zip(pass).enumerate() {
            // The dictionary entry: the code, or its bits above the size where codes hold
            // sizes. The spill code (and any code past the dictionary) sends the lookup to
            // the spill keys, as in the scalar lookup.
            let entry = _mm512_srl_epi32(w.code, size_bits);
            let known = w.placed & _mm512_cmplt_epu32_mask(entry, kinds);
            r.spill = w.placed & _mm512_cmpge_epu32_mask(entry, dict_len);
            // SAFETY: lanes of `known` read `dict[entry]` (8 bytes, both halves) with
            // `entry < dict.len()`.
            let (inner, outer) = unsafe { gather_pairs::<8>(known, entry, dict.cast()) };
            // The piece's size, as the shift that leaves a digit offset inside it 0: the
            // code's low bits, or read from the sizes array.
            let shift = if sized {
                _mm512_and_si512(w.code, size_low)
            } else {
                // SAFETY: lanes of `known` read `sizes[entry]`, inside the padded sizes
                // view (`entry < kinds`).
                let size = unsafe { gather_small(known, entry, self.padded.sizes, 0xff) };
                _mm512_sub_epi32(size, piece_base)
            };
            // The answering entry is in the lane's own chunk (past the entry before it).
            let own = _mm512_maskz_mov_epi32(w.before, splat(1));
            let hit = _mm512_mask_cmpgt_epu32_mask(w.searched, w.found, own);
            let offset = _mm512_mask_sub_epi32(ones, hit, v.digit, w.top);
            let beyond = _mm512_srlv_epi32(offset, shift);
            let within = _mm512_mask_cmpeq_epi32_mask(known, beyond, zero);
            let tags = _mm512_mask_blend_epi32(within, outer, inner);
            // SAFETY: only lanes of `known` (live lanes, below `out.len()`) are written.
            unsafe {
                _mm512_mask_storeu_epi32(
                    out.as_mut_ptr().wrapping_add(at + u * LANES).cast(),
                    known,
                    tags,
                )
            };
            r.slow = v.live & !known & !r.spill;
        }
        rest
    }

    /// Answer the lanes a pass left: spilled cells with `spilled`, the others with `scalar`.
    #[inline(always)]
    fn answer_rest(
        rest: [Rest; VECTORS],
        addrs: &[K],
        out: &mut [u32],
        at: usize,
        mut spilled: impl FnMut(usize, K, &mut [u32]),
        scalar: impl Fn(K) -> u32,
    ) {
        for (u, r) in rest.iter().enumerate() {
            let mut left = r.slow | r.spill;
            while left != 0 {
                let lane = left.trailing_zeros();
                left &= left - 1;
                let i = at + u * LANES + lane as usize;
                let Some(&a) = addrs.get(i) else { continue };
                if r.spill & (1 << lane) != 0 {
                    spilled(i, a, out);
                } else if let Some(o) = out.get_mut(i) {
                    *o = scalar(a);
                }
            }
        }
    }
}

impl FamilyTable<'_, u32, Packed16> {
    /// `out[i]` = the tag mask of `addrs[i]`, for the common length (see the file comment).
    ///
    /// # Safety
    /// The CPU must support AVX-512F (and the OS save its state), and
    /// [`FamilyTable::gather_fits`] must hold.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn gather_batch(&self, addrs: &[u32], out: &mut [u32]) {
        let n = addrs.len().min(out.len());
        let zero = _mm512_setzero_si512();
        let base = splat(self.base);
        let window_mask = splat(self.window_mask);
        let skip = splat(self.skip);
        let cell = splat(self.cell_index);
        // Shift counts of 32 or more give 0, so a zero-bit index gives chunk 0.
        let chunk_shift = splat(32u32.wrapping_sub(self.cell_index));
        let mut at = 0usize;
        while at < n {
            let mut pass = [EMPTY; VECTORS];
            for (u, v) in pass.iter_mut().enumerate() {
                let from = at + u * LANES;
                let live = lanes_left(n.saturating_sub(from), LANES) as __mmask16;
                // SAFETY: lanes at or past `n` are masked off: only `addrs[from..n]` is read.
                let a = unsafe {
                    _mm512_maskz_loadu_epi32(live, addrs.as_ptr().wrapping_add(from).cast())
                };
                let y = _mm512_sllv_epi32(a, skip);
                *v = Vector {
                    live,
                    special: 0,
                    outside: _mm512_mask_cmpneq_epi32_mask(
                        live,
                        _mm512_and_si512(_mm512_xor_si512(a, base), window_mask),
                        zero,
                    ),
                    above: _mm512_cmpgt_epu32_mask(a, base),
                    chunk: _mm512_srlv_epi32(y, chunk_shift),
                    // The 16 bits after the chunk (zeros past the address's end).
                    digit: _mm512_srli_epi32::<16>(_mm512_sllv_epi32(y, cell)),
                };
            }
            // SAFETY: the caller's promises, and live lanes are below `n`.
            let rest = unsafe { self.answer_pass(&pass, out, at) };
            let spilled = |i: usize, a: u32, out: &mut [u32]| {
                if let Some(o) = out.get_mut(i) {
                    *o = self.spilled(a);
                }
            };
            Self::answer_rest(rest, addrs, out, at, spilled, |a| self.lookup(a));
            at += VECTORS * LANES;
        }
    }
}

impl FamilyTable<'_, u128, u32> {
    /// `out[i]` = `special(addrs[i])` for IPv4-mapped addresses, else the tag mask of
    /// `addrs[i]`, for the common length (see the file comment).
    ///
    /// # Safety
    /// The CPU must support AVX-512F (and the OS save its state), and
    /// [`FamilyTable::gather_fits`] must hold.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn gather_batch_v6(
        &self,
        addrs: &[u128],
        out: &mut [u32],
        mapped: impl Fn(u128) -> Option<u32>,
    ) {
        let n = addrs.len().min(out.len());
        let zero = _mm512_setzero_si512();
        let q = |v: u64| _mm512_set1_epi64(v as i64);
        let (base_hi, base_lo) = (q((self.base >> 64) as u64), q(self.base as u64));
        let (mask_hi, mask_lo) = (
            q((self.window_mask >> 64) as u64),
            q(self.window_mask as u64),
        );
        let lead_of = LeadShifts::new(self.skip);
        let chunk_shift = q(u64::from(64u32.wrapping_sub(self.cell_index)));
        let cell = q(u64::from(self.cell_index));
        let ffff = q(0xffff);
        // Little-endian u128s: the low half of address i is qword 2i, the high half 2i + 1.
        let lows = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
        let highs = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
        let mut queue = SpillQueue {
            at: [0; SPILL_LANES],
            addrs: [0; SPILL_LANES],
            len: 0,
        };
        let mut at = 0usize;
        while at < n {
            let mut pass = [EMPTY; VECTORS];
            for (u, v) in pass.iter_mut().enumerate() {
                let mut halves = [EMPTY; 2];
                let mut wide = [(zero, zero); 2];
                for (h, (half, wide)) in halves.iter_mut().zip(wide.iter_mut()).enumerate() {
                    let from = at + u * LANES + h * 8;
                    let left = n.saturating_sub(from);
                    let live = lanes_left(left, 8) as __mmask8;
                    let qwords = lanes_left(left.saturating_mul(2), 16);
                    let ptr = addrs.as_ptr().wrapping_add(from).cast::<i64>();
                    // SAFETY: qword lanes past the `left` addresses are masked off, so only
                    // `addrs[from..n]` is read.
                    let (a, b) = unsafe {
                        (
                            _mm512_maskz_loadu_epi64(qwords as __mmask8, ptr),
                            _mm512_maskz_loadu_epi64(
                                (qwords >> 8) as __mmask8,
                                ptr.wrapping_add(8),
                            ),
                        )
                    };
                    let high = _mm512_permutex2var_epi64(a, highs, b);
                    let low = _mm512_permutex2var_epi64(a, lows, b);
                    let off = _mm512_or_si512(
                        _mm512_and_si512(_mm512_xor_si512(high, base_hi), mask_hi),
                        _mm512_and_si512(_mm512_xor_si512(low, base_lo), mask_lo),
                    );
                    let above = _mm512_cmpgt_epu64_mask(high, base_hi)
                        | (_mm512_cmpeq_epi64_mask(high, base_hi)
                            & _mm512_cmpgt_epu64_mask(low, base_lo));
                    // `::ffff:a.b.c.d`: the high half zero, the low half's top 32 bits 0xffff.
                    let special = _mm512_mask_cmpeq_epi64_mask(live, high, zero)
                        & _mm512_cmpeq_epi64_mask(_mm512_srli_epi64::<32>(low), ffff);
                    let lead = lead_of.lead(high, low);
                    *half = Vector {
                        live: live.into(),
                        special: special.into(),
                        outside: _mm512_mask_cmpneq_epi64_mask(live, off, zero).into(),
                        above: above.into(),
                        chunk: zero,
                        digit: zero,
                    };
                    *wide = (
                        _mm512_srlv_epi64(lead, chunk_shift),
                        _mm512_srli_epi64::<32>(_mm512_sllv_epi64(lead, cell)),
                    );
                }
                let [h0, h1] = halves;
                let [(c0, d0), (c1, d1)] = wide;
                // Narrow the 64-bit lanes (chunk < 2^22, digit < 2^32) to one 32-bit vector.
                let join = |x: __m512i, y: __m512i| {
                    _mm512_inserti64x4::<1>(
                        _mm512_castsi256_si512(_mm512_cvtepi64_epi32(x)),
                        _mm512_cvtepi64_epi32(y),
                    )
                };
                *v = Vector {
                    live: h0.live | h1.live << 8,
                    special: h0.special | h1.special << 8,
                    outside: h0.outside | h1.outside << 8,
                    above: h0.above | h1.above << 8,
                    chunk: join(c0, c1),
                    digit: join(d0, d1),
                };
            }
            // SAFETY: the caller's promises, and live lanes are below `n`.
            let rest = unsafe { self.answer_pass(&pass, out, at) };
            let spilled = |i: usize, a: u128, out: &mut [u32]| {
                if let (Some(p), Some(q)) =
                    (queue.at.get_mut(queue.len), queue.addrs.get_mut(queue.len))
                {
                    (*p, *q) = (i, a);
                    queue.len += 1;
                }
                if queue.len == SPILL_LANES {
                    // SAFETY: the caller's promise (AVX-512F).
                    unsafe { self.spill_search(&mut queue, out) };
                }
            };
            Self::answer_rest(rest, addrs, out, at, spilled, |a| {
                mapped(a).unwrap_or_else(|| self.lookup(a))
            });
            at += VECTORS * LANES;
        }
        // SAFETY: the caller's promise (AVX-512F).
        unsafe { self.spill_search(&mut queue, out) };
    }
}

/// IPv6 lookups that landed on spilled cells, searched [`SPILL_LANES`] at a time.
struct SpillQueue {
    /// Positions in the batch, and the addresses.
    at: [usize; SPILL_LANES],
    addrs: [u128; SPILL_LANES],
    len: usize,
}

/// Spilled lookups per vector search (64-bit lanes).
const SPILL_LANES: usize = 8;

impl FamilyTable<'_, u128, u32> {
    /// The queued lookups' answers (as [`FamilyTable::spilled`]): the spill index slots and
    /// the search of the short keys in vectors of 8, the rest per lookup; empties the queue.
    ///
    /// # Safety
    /// The CPU must support AVX-512F (and the OS save its state).
    #[target_feature(enable = "avx512f")]
    unsafe fn spill_search(&self, queue: &mut SpillQueue, out: &mut [u32]) {
        let n = queue.len.min(SPILL_LANES);
        queue.len = 0;
        if n == 0 {
            return;
        }
        let live = lanes_left(n, SPILL_LANES) as __mmask8;
        let mut highs = [0u64; SPILL_LANES];
        let mut lows = [0u64; SPILL_LANES];
        for ((h, l), &a) in highs
            .iter_mut()
            .zip(lows.iter_mut())
            .zip(&queue.addrs)
            .take(n)
        {
            (*h, *l) = ((a >> 64) as u64, a as u64);
        }
        // SAFETY: two arrays of 8 u64 are 64 readable bytes each.
        let (high, low) = unsafe {
            (
                _mm512_loadu_epi64(highs.as_ptr().cast()),
                _mm512_loadu_epi64(lows.as_ptr().cast()),
            )
        };
        let q = |v: u64| _mm512_set1_epi64(v as i64);
        // The short key: the lead, as the front end works it out.
        let short = LeadShifts::new(self.skip).lead(high, low);
        let chunk = _mm512_srlv_epi64(short, q(u64::from(64u32.wrapping_sub(self.spill_index))));
        let one = q(1);
        let indexed = _mm512_mask_cmplt_epu64_mask(
            live,
            _mm512_add_epi64(chunk, one),
            q(self.sindex.len() as u64),
        );
        // SAFETY: lanes of `indexed` read `sindex[chunk]` and `sindex[chunk + 1]`, both below
        // `sindex.len()`; other lanes are not read.
        let pair = unsafe {
            _mm512_mask_i64gather_epi64::<4>(
                _mm512_setzero_si512(),
                indexed,
                chunk,
                self.sindex.as_ptr().cast(),
            )
        };
        let lo = _mm512_and_si512(pair, q(u64::from(u32::MAX)));
        let end = _mm512_add_epi64(_mm512_srli_epi64::<32>(pair), one);
        let found = _mm512_mask_cmple_epu64_mask(indexed, lo, end)
            & _mm512_mask_cmple_epu64_mask(indexed, end, q(self.keys.len() as u64));
        // The last short key <= each lookup's in `keys[lo..end]` (the range's first is, by the
        // index's definition): `last_at_most`'s halving steps, every lane together.
        let mut base = lo;
        let mut len = _mm512_sub_epi64(end, lo);
        for _ in 0..64 {
            let more = _mm512_mask_cmpgt_epu64_mask(found, len, one);
            if more == 0 {
                break;
            }
            let half = _mm512_srli_epi64::<1>(len);
            let probe = _mm512_add_epi64(base, half);
            // SAFETY: lanes of `more` read `keys[probe]` with `probe < end <= keys.len()`.
            let key = unsafe {
                _mm512_mask_i64gather_epi64::<8>(
                    _mm512_setzero_si512(),
                    more,
                    probe,
                    self.keys.as_ptr().cast(),
                )
            };
            let below = _mm512_mask_cmple_epu64_mask(more, key, short);
            base = _mm512_mask_add_epi64(base, below, base, half);
            len = _mm512_mask_sub_epi64(len, more, len, half);
        }
        let mut lanes = [[0u64; SPILL_LANES]; 3];
        // SAFETY: three arrays of 8 u64 are 64 writable bytes each.
        unsafe {
            _mm512_storeu_epi64(lanes[0].as_mut_ptr().cast(), base);
            _mm512_storeu_epi64(lanes[1].as_mut_ptr().cast(), short);
            _mm512_storeu_epi64(lanes[2].as_mut_ptr().cast(), chunk);
        }
        for (lane, (&i, &a)) in queue.at.iter().zip(&queue.addrs).enumerate().take(n) {
            let tags = match (lanes[0].get(lane), lanes[1].get(lane), lanes[2].get(lane)) {
                (Some(&at), Some(&s), Some(&c)) if found & (1 << lane) != 0 => {
                    self.spill_answer(a, s, c as usize, at as usize)
                }
                _ => 0,
            };
            if let Some(o) = out.get_mut(i) {
                *o = tags;
            }
        }
    }
}
