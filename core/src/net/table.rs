//! [`IpSet`]: a read-only view of a table image and its lookups (binary address, text and
//! batch). Loading validates an image completely; lookups then touch only the image.

use super::addr::{ipv4_mapped, parse_ip, IpNumber};
use super::image::{
    cast, check_checksum, check_envelope, chunk_start, field, read_u128, read_u32, read_u64,
    ChunkIndex, Digit, FamilyLayout, FamilyShape, Key, Layout, Packed16, HEADER_LEN,
};
use super::scan::prefetch;
use super::tiny::{Step, TinyAddr};
use crate::Error;

#[cfg(target_arch = "x86_64")]
mod gather;

/// Tables of up to this many chunk entries, without spills, may be looked up in batches the
/// other way round (see [`FamilyTable::lookup_batch`]).
pub(super) const TINY_CELLS: usize = 128;

/// Batches use the turned-around loop when the table changes its tag at most this often.
const TINY_STEPS: usize = 16;

/// The position of the last element `<= a` in `range`, whose first element is `<= a`: a
/// binary search without branches on the data (a constant number of steps for a length).
#[inline(always)]
fn last_at_most<T: Copy + Ord>(range: &[T], a: T) -> usize {
    let mut base = 0usize;
    let mut len = range.len();
    while len > 1 {
        let half = len / 2;
        let mid = base + half;
        // `mid < range.len()` always; the check only keeps this free of panics.
        let Some(&e) = range.get(mid) else { break };
        // The comparison result goes through `black_box`: otherwise the compiler turns this
        // select (for u128 keys) into a branch that mispredicts half the time.
        let below = core::hint::black_box(usize::from(e <= a));
        base += half & below.wrapping_neg();
        len -= half;
    }
    base
}

/// A family's codes: one, two or four bytes each (the image says which), or the low halves
/// of IPv4 digit entries.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Codes<'a> {
    One(&'a [u8]),
    Two(&'a [u16]),
    Four(&'a [u32]),
    InDigits(&'a [Packed16]),
}

impl<'a> Codes<'a> {
    fn view(bytes: &'a [u8], code_bytes: u32) -> Option<Codes<'a>> {
        match code_bytes {
            1 => cast(bytes).map(Codes::One),
            2 => cast(bytes).map(Codes::Two),
            4 => cast(bytes).map(Codes::Four),
            _ => None,
        }
    }

    /// The code at `i` (`u32::MAX`, which names nothing, past the end).
    #[inline(always)]
    fn get(&self, i: usize) -> u32 {
        let v = match self {
            Codes::One(c) => c.get(i).map(|&v| u32::from(v)),
            Codes::Two(c) => c.get(i).map(|&v| u32::from(v)),
            Codes::Four(c) => c.get(i).copied(),
            Codes::InDigits(c) => c.get(i).map(|v| v.code()),
        };
        v.unwrap_or(u32::MAX)
    }

    fn len(&self) -> usize {
        match self {
            Codes::One(c) => c.len(),
            Codes::Two(c) => c.len(),
            Codes::Four(c) => c.len(),
            Codes::InDigits(c) => c.len(),
        }
    }

    /// The address of code `i`, for a prefetch hint.
    #[inline(always)]
    fn addr(&self, i: usize) -> *const u8 {
        match self {
            Codes::One(c) => c.as_ptr().wrapping_add(i),
            Codes::Two(c) => c.as_ptr().wrapping_add(i).cast(),
            Codes::Four(c) => c.as_ptr().wrapping_add(i).cast(),
            Codes::InDigits(c) => c.as_ptr().wrapping_add(i).cast(),
        }
    }
}

/// A slice of codes of one width, read as u32 (`u32::MAX`, which names nothing, past the
/// end): batches pick the width once, not per lookup.
trait CodeSlice: Copy {
    fn at(self, i: usize) -> u32;
}

impl CodeSlice for &[u8] {
    #[inline(always)]
    fn at(self, i: usize) -> u32 {
        self.get(i).map_or(u32::MAX, |&v| u32::from(v))
    }
}

impl CodeSlice for &[u16] {
    #[inline(always)]
    fn at(self, i: usize) -> u32 {
        self.get(i).map_or(u32::MAX, |&v| u32::from(v))
    }
}

impl CodeSlice for &[u32] {
    #[inline(always)]
    fn at(self, i: usize) -> u32 {
        self.get(i).copied().unwrap_or(u32::MAX)
    }
}

/// Codes held in the low halves of IPv4 digit entries.
#[derive(Clone, Copy)]
struct EntryCodes<'a>(&'a [Packed16]);

impl CodeSlice for EntryCodes<'_> {
    #[inline(always)]
    fn at(self, i: usize) -> u32 {
        self.0.get(i).map_or(u32::MAX, |v| v.code())
    }
}

/// One family's arrays and geometry (see the image format in `image.rs`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FamilyTable<'a, K: Key, D: Digit> {
    index: ChunkIndex<'a>,
    digits: &'a [D],
    codes: Codes<'a>,
    dict: &'a [[u32; 2]],
    sizes: &'a [u8],
    keys: &'a [K::Short],
    scodes: Codes<'a>,
    sindex: &'a [u32],
    longs: &'a [K],
    lcodes: Codes<'a>,
    lindex: &'a [u32],
    base: K,
    /// The leading `skip` bits set: keys whose masked bits differ from `base` are outside the
    /// window.
    window_mask: K,
    skip: u32,
    cell_index: u32,
    spill_index: u32,
    /// The low code bits holding the piece size (0: the sizes array holds it).
    size_bits: u32,
    /// Chunk entries (the positions of the below and above codes follow).
    cells: usize,
    /// Digits, codes and sizes with their padding, for the gathered batch path.
    #[cfg(target_arch = "x86_64")]
    padded: gather::Padded<'a>,
}

impl<K: Key, D: Digit> FamilyTable<'static, K, D> {
    /// A family that matches nothing: one chunk of one entry, every code naming the empty
    /// mask, over `digits` (a zero window: `D::WINDOW + 1` of them) and `index` (its two
    /// slots).
    const fn empty(digits: &'static [D], index: ChunkIndex<'static>) -> Self {
        FamilyTable {
            index,
            digits,
            codes: Codes::One(&[0, 0, 0]),
            dict: &[[0, 0]],
            sizes: &[64],
            keys: &[],
            scodes: Codes::One(&[]),
            sindex: &[],
            longs: &[],
            lcodes: Codes::One(&[]),
            lindex: &[],
            base: K::ZERO,
            window_mask: K::ZERO,
            skip: 0,
            cell_index: 0,
            spill_index: 0,
            size_bits: 0,
            cells: 1,
            #[cfg(target_arch = "x86_64")]
            padded: gather::Padded {
                digits: &[],
                codes: &[],
                sizes: &[],
            },
        }
    }
}

impl<'a, K: Key, D: Digit> FamilyTable<'a, K, D> {
    fn view(image: &'a [u8], l: &FamilyLayout, s: FamilyShape, base: K) -> Option<Self> {
        let part = |span: (usize, usize)| image.get(span.0..span.1);
        let window_mask = K::ZERO
            .not()
            .checked_shl(K::BITS.saturating_sub(s.skip))
            .unwrap_or(K::ZERO);
        let in_digits = s.codes_in_digits::<D>();
        let codes = if in_digits {
            Codes::InDigits(cast(part(l.digits)?)?)
        } else {
            Codes::view(part(l.codes)?, s.code_bytes)?
        };
        Some(FamilyTable {
            index: ChunkIndex::new::<D>(part(l.index)?)?,
            digits: cast(part(l.digits)?)?,
            codes,
            dict: cast(part(l.dict)?)?,
            sizes: part(l.sizes)?,
            keys: cast(part(l.keys)?)?,
            scodes: Codes::view(part(l.scodes)?, s.code_bytes)?,
            sindex: cast(part(l.sindex)?)?,
            longs: cast(part(l.longs)?)?,
            lcodes: Codes::view(part(l.lcodes)?, s.code_bytes)?,
            lindex: cast(part(l.lindex)?)?,
            base,
            window_mask,
            skip: s.skip,
            cell_index: s.cell_index,
            spill_index: s.spill_index,
            size_bits: s.size_bits,
            cells: s.cells,
            #[cfg(target_arch = "x86_64")]
            padded: gather::Padded {
                digits: image.get(l.digits.0..super::image::pad16(l.digits.1)?)?,
                // IPv4 codes held in the entries are read by the search itself.
                codes: if in_digits {
                    &[]
                } else {
                    image.get(l.codes.0..super::image::pad16(l.codes.1)?)?
                },
                sizes: image.get(l.sizes.0..super::image::pad16(l.sizes.1)?)?,
            },
        })
    }

    /// The chunk of an address inside the window, for an index `bits` wide.
    #[inline(always)]
    fn chunk(lead: u64, bits: u32) -> usize {
        // Two shifts, so that `bits = 0` gives chunk 0 without a branch.
        ((lead >> 1).wrapping_shr(63u32.wrapping_sub(bits))) as usize
    }

    /// The entry answering for `a`: its position in `codes`, whether it is in `a`'s own
    /// chunk, and `a`'s 64-bit coordinates in its chunk.
    ///
    /// This is the hot path of every lookup, written for few instructions and loads so that
    /// the lookups of a batch overlap in the CPU: one index read, one window count, no
    /// data-dependent branch in the common case.
    #[inline(always)]
    fn position(&self, a: K) -> (usize, bool, u64) {
        if a.xor(self.base).and(self.window_mask) != K::ZERO {
            // Outside the window: the answer below it or the one above it.
            return (self.cells + usize::from(a > self.base), false, 0);
        }
        let lead = a.lead(self.skip);
        let chunk = Self::chunk(lead, self.cell_index);
        let Some((lo, hi)) = self.index.bounds(chunk) else {
            return (0, false, 0);
        };
        let x = lead.wrapping_shl(self.cell_index);
        let d = D::from_top(x);
        let n = hi.wrapping_sub(lo);
        if n <= D::WINDOW {
            // Every entry of the chunk is in the window. None `<= d` means the entry before
            // the chunk holds (chunk 0 starts with digit 0, so `lo + count >= 1`).
            let window = self.digits.get(lo..lo + D::WINDOW);
            if let Some(count) = window.and_then(|w| D::count_at_most(w, d, n)) {
                return ((lo + count).wrapping_sub(1), count != 0, x);
            }
        }
        let (p, hit) = self.search(d, lo, hi);
        (p, hit, x)
    }

    /// The slow path of [`FamilyTable::position`]: a binary search of a chunk with more
    /// entries than one window holds.
    #[inline(never)]
    fn search(&self, d: D, lo: usize, hi: usize) -> (usize, bool) {
        match self.digits.get(lo..hi) {
            Some(range) => match range.first() {
                Some(&first) if first <= d => (lo + last_at_most(range, d), true),
                _ => (lo.wrapping_sub(1), false),
            },
            None => (0, false),
        }
    }

    /// The tag mask of `a`.
    #[inline(always)]
    fn lookup(&self, a: K) -> u32 {
        match self.codes {
            Codes::One(c) => self.lookup_with(a, c),
            Codes::Two(c) => self.lookup_with(a, c),
            Codes::Four(c) => self.lookup_with(a, c),
            Codes::InDigits(c) => self.lookup_with(a, EntryCodes(c)),
        }
    }

    /// [`FamilyTable::lookup`] with the code width known.
    #[inline(always)]
    fn lookup_with(&self, a: K, codes: impl CodeSlice) -> u32 {
        let (p, hit, x) = self.position(a);
        match self.entry_kind(codes.at(p)) {
            Some(([inner, outer], sx)) => {
                // Inside the entry's piece only in its own chunk and within 2^sx of it (sx
                // 64: a plain entry, one mask, always "inside"; a plain entry of any size
                // has one mask anyway). Selected without a branch: which side an address
                // falls on is random.
                let top = self.digits.get(p).map_or(0, |d| d.to_top());
                let off = x.wrapping_sub(top) | u64::from(!hit).wrapping_neg();
                let beyond = (off >> 1).wrapping_shr(sx.wrapping_sub(1));
                let inside = u32::from(beyond == 0);
                outer ^ ((inner ^ outer) & inside.wrapping_neg())
            }
            None => self.spilled(a),
        }
    }

    /// The tag mask of an address in a spilled cell: the last long spill key at or before
    /// it when that key is in its lead block, otherwise the last short key at or before it.
    #[inline(never)]
    fn spilled(&self, a: K) -> u32 {
        let short = a.short(self.skip);
        let chunk = Self::chunk(a.lead(self.skip), self.spill_index);
        let Some(&[lo, hi]) = self.sindex.get(chunk..chunk + 2) else {
            return 0;
        };
        let (lo, hi) = (lo as usize, hi as usize);
        let at = match self.keys.get(lo..hi.saturating_add(1)) {
            Some(range) => lo + last_at_most(range, short),
            None => return 0,
        };
        self.spill_answer(a, short, chunk, at)
    }

    /// The end of [`FamilyTable::spilled`] once the short key at or before `a` (at `at`, in
    /// spill chunk `chunk`) is found: its code, or a long key's in `a`'s own lead block, as
    /// a tag mask.
    #[inline(always)]
    fn spill_answer(&self, a: K, short: K::Short, chunk: usize, at: usize) -> u32 {
        let mut code = self.scodes.get(at);
        // Long keys are few: most chunks have none, and the test below is then one compare.
        if let Some(&[llo, lhi]) = self.lindex.get(chunk..chunk + 2) {
            let llo = llo as usize;
            if let Some(range) = self.longs.get(llo..lhi as usize) {
                if range.first().is_some_and(|&first| first <= a) {
                    let j = llo + last_at_most(range, a);
                    if self
                        .longs
                        .get(j)
                        .is_some_and(|l| l.short(self.skip) == short)
                    {
                        code = self.lcodes.get(j);
                    }
                }
            }
        }
        self.entry_kind(code).map_or(0, |(e, _)| e[0])
    }

    /// Look up many addresses; `mapped` answers for the addresses another table serves
    /// (IPv4-mapped IPv6 addresses), before this table is asked.
    ///
    /// Lookups are read ahead: while looking up address `i`, the index slot of address
    /// `i + INDEX_AHEAD` and the digit window and code of address `i + WINDOW_AHEAD` are
    /// prefetched, so the cache misses of many lookups overlap instead of following one
    /// another. A tiny table is turned around instead (see [`FamilyTable::tiny_batch`]).
    #[inline(always)]
    fn lookup_batch(&self, addrs: &[K], out: &mut [u32], mapped: impl Fn(K) -> Option<u32>)
    where
        K: TinyAddr,
    {
        if self.tiny_batch(addrs, out, &mapped) {
            return;
        }
        match self.codes {
            Codes::One(c) => self.batch_with(addrs, out, mapped, c),
            Codes::Two(c) => self.batch_with(addrs, out, mapped, c),
            Codes::Four(c) => self.batch_with(addrs, out, mapped, c),
            Codes::InDigits(c) => self.batch_with(addrs, out, mapped, EntryCodes(c)),
        }
    }

    /// [`FamilyTable::lookup_batch`] with the code width known.
    #[inline(always)]
    fn batch_with(
        &self,
        addrs: &[K],
        out: &mut [u32],
        mapped: impl Fn(K) -> Option<u32>,
        codes: impl CodeSlice,
    ) {
        const INDEX_AHEAD: usize = 16;
        const WINDOW_AHEAD: usize = 8;
        for (i, (o, &a)) in out.iter_mut().zip(addrs).enumerate() {
            if let Some(&ahead) = addrs.get(i + INDEX_AHEAD) {
                let chunk = Self::chunk(ahead.lead(self.skip), self.cell_index);
                let slot = chunk.wrapping_mul(D::SLOT_BYTES);
                prefetch(self.index.bytes().as_ptr().wrapping_add(slot));
            }
            if let Some(&ahead) = addrs.get(i + WINDOW_AHEAD) {
                let chunk = Self::chunk(ahead.lead(self.skip), self.cell_index);
                if let Some(lo) = self.index.start(chunk) {
                    let window = self.digits.as_ptr().wrapping_add(lo);
                    prefetch(window);
                    prefetch(window.wrapping_add(D::WINDOW - 1));
                    prefetch(self.codes.addr(lo));
                }
            }
            *o = match mapped(a) {
                Some(tags) => tags,
                None => self.lookup_with(a, codes),
            };
        }
    }

    /// Batch lookups in a tiny table (no spills, at most [`TINY_STEPS`] changes of tag, and
    /// every boundary in the leading 64 bits that [`TinyAddr::wide`] gives): each boundary
    /// is compared with every address (see `tiny.rs`), and an address's answer is built by
    /// xor-ing in the change of tag at every boundary at or before it; `mapped` answers
    /// first where it can. Returns false (having written nothing) for any other table.
    #[inline(always)]
    fn tiny_batch(&self, addrs: &[K], out: &mut [u32], mapped: &impl Fn(K) -> Option<u32>) -> bool
    where
        K: TinyAddr,
    {
        if self.cells > TINY_CELLS
            || !self.keys.is_empty()
            || (K::BITS > 64 && self.skip + self.cell_index + D::BITS > 64)
        {
            return false;
        }
        // The boundaries as (leading 64 bits, change of tag), from the start of the window:
        // one for a plain entry, two for a piece (its start and its end).
        let mut steps: [Step; TINY_STEPS] = [(0, 0); TINY_STEPS];
        let mut n = 0usize;
        let mut step = |key: u64, change: u32| {
            if change != 0 {
                match steps.get_mut(n) {
                    Some(s) => *s = (key, change),
                    None => return false,
                }
                n += 1;
            }
            true
        };
        let Some((below, ..)) = self.kind(self.codes.get(self.cells)) else {
            return false;
        };
        let mut prev = below;
        let chunk_shift = 64u32.saturating_sub(self.cell_index);
        for (c, (lo, hi)) in self.index.ranges().enumerate() {
            let chunk_top = (c as u64).checked_shl(chunk_shift).unwrap_or(0);
            for p in lo..hi {
                let (Some(&d), Some((inner, outer, sx))) =
                    (self.digits.get(p), self.kind(self.codes.get(p)))
                else {
                    return false;
                };
                let lead = chunk_top | d.to_top().checked_shr(self.cell_index).unwrap_or(0);
                let key = |lead: u64| K::from_lead(lead, self.skip).xor(self.base).wide();
                if !step(key(lead), inner ^ prev) {
                    return false;
                }
                prev = inner;
                if inner != outer {
                    // The piece's end, unless it is the end of the address space.
                    let size = 1u64 << (sx.saturating_sub(self.cell_index) & 63);
                    if let Some(end) = lead.checked_add(size) {
                        if !step(key(end), outer ^ inner) {
                            return false;
                        }
                    }
                    prev = outer;
                }
            }
        }
        let steps = steps.get(..n).unwrap_or(&[]);
        K::answer(steps, below, addrs, out, mapped);
        true
    }

    /// Every structural invariant lookups rely on for correct answers, checked in one pass
    /// over each array.
    fn validate(&self) -> Result<(), Error> {
        let corrupt = Err(Error::ImageCorrupt);
        let spill = self.spill_code();
        if self.base.and(self.window_mask.not()) != K::ZERO {
            return corrupt;
        }
        // The dictionary: distinct entry kinds, ascending by (inner, outer, size), or
        // distinct mask pairs, ascending, where codes hold sizes; a plain entry has equal
        // masks and size 64 (size bits 0), a piece two different masks and a size from one
        // cell to less than a chunk.
        let chunk_shift = K::BITS - self.skip - self.cell_index;
        let min_sx = 64 - D::BITS.min(chunk_shift);
        let sorted = (1..self.dict.len()).all(|i| {
            let key = |i: usize| (self.dict.get(i), self.sizes.get(i));
            key(i - 1) < key(i)
        });
        let sizes = if self.size_bits > 0 {
            0
        } else {
            self.dict.len()
        };
        if !sorted || self.sizes.len() != sizes {
            return corrupt;
        }
        let good = |code: u32| match self.kind(code) {
            Some((inner, outer, sx)) => {
                if inner == outer {
                    sx == 64
                } else {
                    (min_sx..64).contains(&sx)
                }
            }
            None => code == spill,
        };
        let plain = |code: u32| self.kind(code).is_some_and(|(i, o, sx)| i == o && sx == 64);
        if !plain(self.codes.get(self.cells)) || !plain(self.codes.get(self.cells + 1)) {
            return corrupt;
        }
        // The chunk index: starts at 0, ascends, ends at the entry count; chunk 0 starts
        // with digit 0 (the answer at the start of the window); probed slots as the entries
        // say.
        let slots = self.index.len();
        if self.index.start(0) != Some(0)
            || self.index.start(slots.wrapping_sub(1)) != Some(self.cells)
            || !self.index.ranges().all(|(lo, hi)| lo <= hi)
            || self.index.start(1).is_none_or(|v| v == 0)
            || self.digits.first().is_none_or(|d| d.to_top() != 0)
            || !self.probes_hold()
        {
            return corrupt;
        }
        // Digits ascend within each chunk, with nothing below the bits a digit resolves;
        // codes name a mask or spill and differ from the code before; the window padding is
        // zero.
        let resolved = D::BITS.min(K::BITS - self.skip - self.cell_index);
        let low = (1u64 << (D::BITS - resolved)) - 1;
        let mut spilled = false;
        // What the entry before ends with: its outer mask, or None after a spill.
        let mut prev_ends: Option<Option<u32>> = None;
        for (lo, hi) in self.index.ranges() {
            let digits = self.digits.get(lo..hi).unwrap_or(&[]);
            // The end of the entry before in this chunk (a piece's end, or just past it).
            let mut free_from: Option<u128> = None;
            for (i, &d) in digits.iter().enumerate() {
                let code = self.codes.get(lo + i);
                let top = d.to_top();
                if (top >> (64 - D::BITS)) & low != 0
                    || !good(code)
                    || free_from.is_some_and(|f| u128::from(top) < f)
                {
                    return corrupt;
                }
                let ends = match self.kind(code) {
                    None => {
                        spilled = true;
                        if prev_ends == Some(None) {
                            return corrupt;
                        }
                        free_from = Some(u128::from(top) + 1);
                        None
                    }
                    Some((inner, outer, sx)) => {
                        if inner == outer && prev_ends == Some(Some(inner)) {
                            return corrupt;
                        }
                        let size = if inner == outer { 1 } else { 1u128 << sx };
                        if inner != outer && top & ((1u64 << sx) - 1) != 0 {
                            return corrupt;
                        }
                        free_from = Some(u128::from(top) + size);
                        Some(outer)
                    }
                };
                prev_ends = Some(ends);
            }
        }
        // Above the window the last entry's mask goes on.
        if let Some(Some(last)) = prev_ends {
            let above = self.codes.get(self.cells + 1);
            if self.kind(above).map(|k| k.1) != Some(last) {
                return corrupt;
            }
        }
        if self
            .digits
            .get(self.cells..)
            .is_none_or(|pad| pad.iter().any(|d| d.to_top() != 0))
        {
            return corrupt;
        }
        // Code bits in digit entries only where codes live there: in the entries and the
        // below and above slots after them.
        let codes_end = match self.codes {
            Codes::InDigits(_) => self.cells + 2,
            _ => 0,
        };
        if self
            .digits
            .iter()
            .enumerate()
            .any(|(p, d)| p >= codes_end && d.code() != 0)
        {
            return corrupt;
        }
        // Spills: present exactly when some cell spills; ascending keys inside the window,
        // codes naming masks, the indexes as the keys describe. A short key is exact (its
        // address gives it back); a long key is one no short key can say.
        if spilled == self.keys.is_empty()
            || self.scodes.len() != self.keys.len()
            || self.lcodes.len() != self.longs.len()
        {
            return corrupt;
        }
        let in_window = |k: K| k.xor(self.base).and(self.window_mask) == K::ZERO;
        let short = |s: &K::Short| K::from_short(*s, self.skip, self.base);
        if !self.keys.windows(2).all(|w| matches!(w, [a, b] if a < b))
            || self
                .keys
                .iter()
                .any(|s| !in_window(short(s)) || short(s).short(self.skip) != *s)
            || (0..self.keys.len()).any(|i| !plain(self.scodes.get(i)))
        {
            return corrupt;
        }
        if !self.longs.windows(2).all(|w| matches!(w, [a, b] if a < b))
            || self.longs.iter().any(|&k| {
                !in_window(k) || K::from_short(k.short(self.skip), self.skip, self.base) == k
            })
            || (0..self.longs.len()).any(|i| !plain(self.lcodes.get(i)))
        {
            return corrupt;
        }
        self.validate_spill_index(self.keys.iter().map(short), self.sindex, false)?;
        self.validate_spill_index(self.longs.iter().copied(), self.lindex, true)?;
        self.validate_first_spill()
    }

    /// Whether every probed index slot (IPv4) holds its chunk's entry count (up to 15) and
    /// the digit of its search range's seventh entry (0 where the range is shorter, and in
    /// the last slot); true for plain slots.
    fn probes_hold(&self) -> bool {
        (0..self.index.len()).all(|c| match self.index.probe(c) {
            None => true,
            Some(held) => {
                let want = match self.index.bounds(c) {
                    Some((lo, hi)) => ChunkIndex::probed_fields(self.digits, c, lo, hi),
                    None => (0, 0),
                };
                held == want
            }
        })
    }

    /// A spill index (see the image format). Short keys (`before` false): `index[c]` is the
    /// last key at or before chunk `c`'s first address (0 when none), the final entry the
    /// last position. Long keys (`before` true): `index[c]` counts the keys before chunk
    /// `c`'s first address, the final entry all of them.
    fn validate_spill_index(
        &self,
        keys: impl Iterator<Item = K> + Clone,
        index: &[u32],
        before: bool,
    ) -> Result<(), Error> {
        let chunks = index.len().saturating_sub(1);
        let shift = K::BITS - self.skip - self.spill_index;
        let len = keys.clone().count();
        let mut keys = keys.peekable();
        let mut pos = 0usize;
        if !before {
            keys.next();
        }
        for (c, &at) in index.iter().enumerate() {
            let want = if c == chunks {
                if before {
                    len
                } else {
                    len.saturating_sub(1)
                }
            } else {
                let start = chunk_start(self.base, c, shift);
                while keys
                    .peek()
                    .is_some_and(|&k| if before { k < start } else { k <= start })
                {
                    keys.next();
                    pos += 1;
                }
                pos
            };
            if at as usize != want {
                return Err(Error::ImageCorrupt);
            }
        }
        Ok(())
    }

    /// The first spilled cell's first address is the first short spill key, so every
    /// spilled address has a short key at or before it (a later spilled cell's start is a
    /// key only when the key before it answers differently).
    fn validate_first_spill(&self) -> Result<(), Error> {
        let spill = self.spill_code();
        let chunk_shift = 64u32.saturating_sub(self.cell_index);
        for (c, (lo, hi)) in self.index.ranges().enumerate() {
            let chunk_top = (c as u64).checked_shl(chunk_shift).unwrap_or(0);
            for p in lo..hi {
                if self.codes.get(p) != spill {
                    continue;
                }
                let d = self.digits.get(p).map_or(0, |d| d.to_top());
                let lead = chunk_top | d.checked_shr(self.cell_index).unwrap_or(0);
                let start = K::from_lead(lead, self.skip).xor(self.base);
                let first = self
                    .keys
                    .first()
                    .map(|&s| K::from_short(s, self.skip, self.base));
                return if first == Some(start) {
                    Ok(())
                } else {
                    Err(Error::ImageCorrupt)
                };
            }
        }
        Ok(())
    }

    /// The masks inside and after an entry of this code, and its piece's size `sx` as the
    /// lookup uses it (a plain entry's size is 64, or any where codes hold sizes); None for
    /// the spill code and codes naming nothing.
    #[inline(always)]
    fn entry_kind(&self, code: u32) -> Option<([u32; 2], u32)> {
        if self.size_bits > 0 {
            let masks = self.dict.get((code >> self.size_bits) as usize)?;
            let size = code & ((1 << self.size_bits) - 1);
            Some((*masks, size + 64 - D::BITS))
        } else {
            let code = code as usize;
            Some((*self.dict.get(code)?, u32::from(*self.sizes.get(code)?)))
        }
    }

    /// The masks inside and after an entry of this code and its piece's size (`sx`; 64
    /// for a plain entry, which has equal masks and, where codes hold sizes, size bits 0:
    /// anything else with equal masks has a size below 64 and is not valid); None for the
    /// spill code and codes naming nothing.
    fn kind(&self, code: u32) -> Option<(u32, u32, u32)> {
        let ([inner, outer], sx) = self.entry_kind(code)?;
        // Size bits 0 read as the smallest size.
        let plain = self.size_bits > 0 && inner == outer && sx == 64 - D::BITS;
        Some((inner, outer, if plain { 64 } else { sx }))
    }

    /// The spill code: the first code past the dictionary.
    fn spill_code(&self) -> u32 {
        (self.dict.len() as u32) << self.size_bits
    }

    /// Chunk entries plus spill keys.
    fn entry_count(&self) -> usize {
        self.cells + self.keys.len() + self.longs.len()
    }
}

/// A built or loaded CIDR table: maps an address to the tag mask of every prefix containing
/// it (the OR of their tags; 0 when none).
///
/// It borrows its image (from [`build`](super::build) storage, a loaded file or the built-in
/// ACS data), is `Copy`, `Send` and `Sync`, and never changes, so one table serves every
/// thread. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are looked up as their IPv4 address —
/// dual-stack sockets report IPv4 clients that way — in binary and text lookups alike.
#[derive(Clone, Copy, Debug)]
pub struct IpSet<'a> {
    image: &'a [u8],
    geometry: IpSetGeometry,
    v4: FamilyTable<'a, u32, Packed16>,
    v6: FamilyTable<'a, u128, u32>,
}

/// The validated geometry of a table (its header's lengths, counts and shapes), kept apart
/// from the image so that a view can be rebuilt from it without reading the header again:
/// [`IpSet::from_geometry`]. A C handle stores this beside the image pointer, so an image
/// rewritten after it was loaded (a memory-mapped file replaced in place) can give wrong
/// answers but can never steer a lookup outside the bytes that were validated.
///
/// Plain data of 72 bytes, 8-byte aligned; any bit pattern is safe (a nonsensical geometry
/// gives a table that matches nothing).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IpSetGeometry {
    total: u64,
    prefix_count: u64,
    v4: [u32; 4],
    v6: [u32; 4],
    v4_base: u32,
    v6_longs: u32,
    v6_base: [u64; 2],
}

impl IpSetGeometry {
    fn from_header(h: &Header) -> IpSetGeometry {
        IpSetGeometry {
            total: h.total as u64,
            prefix_count: h.prefix_count,
            v4: h.v4.words(),
            v6: h.v6.words(),
            v4_base: h.v4_base,
            v6_longs: h.v6.longs as u32,
            v6_base: [h.v6_base as u64, (h.v6_base >> 64) as u64],
        }
    }

    fn header(&self) -> Header {
        Header {
            total: usize::try_from(self.total).unwrap_or(0),
            prefix_count: self.prefix_count,
            v4: FamilyShape::from_words(self.v4),
            v4_base: self.v4_base,
            v6: FamilyShape::from_words(self.v6).with_longs(self.v6_longs),
            v6_base: u128::from(self.v6_base[0]) | (u128::from(self.v6_base[1]) << 64),
            reserved: 0,
        }
    }

    /// The image length in bytes this geometry describes.
    pub fn image_len(&self) -> usize {
        usize::try_from(self.total).unwrap_or(0)
    }
}

/// The header fields of both families.
struct Header {
    total: usize,
    prefix_count: u64,
    v4: FamilyShape,
    v4_base: u32,
    v6: FamilyShape,
    v6_base: u128,
    reserved: u64,
}

fn read_header(image: &[u8]) -> Header {
    let words = |at: usize| {
        [
            read_u32(image, at),
            read_u32(image, at + 4),
            read_u32(image, at + 8),
            read_u32(image, at + 12),
        ]
    };
    Header {
        total: usize::try_from(read_u64(image, field::TOTAL_LEN)).unwrap_or(0),
        prefix_count: read_u64(image, field::PREFIX_COUNT),
        v4: FamilyShape::from_words(words(field::V4)),
        v4_base: read_u32(image, field::V4_BASE),
        v6: FamilyShape::from_words(words(field::V6)).with_longs(read_u32(image, field::V6_LONGS)),
        v6_base: read_u128(image, field::V6_BASE),
        reserved: read_u64(image, field::RESERVED),
    }
}

/// Padding between and after the arrays is zero (so that every image has one byte form).
fn padding_is_zero(image: &[u8], layout: &Layout) -> bool {
    let starts = [HEADER_LEN, layout.v4.end];
    [layout.v4, layout.v6]
        .iter()
        .zip(starts)
        .flat_map(|(l, start)| l.gaps(start))
        .all(|(a, b)| image.get(a..b).is_some_and(|g| g.iter().all(|&x| x == 0)))
}

impl<'a> IpSet<'a> {
    /// Validate an image completely (alignment of [`IMAGE_ALIGN`](super::IMAGE_ALIGN) bytes,
    /// magic, version, length, checksum, then every structural invariant) and view it. The
    /// slice may be longer than the image (e.g. build storage); see [`IpSet::image`].
    pub fn load(image: &'a [u8]) -> Result<IpSet<'a>, Error> {
        let total = check_envelope(image)?;
        let header = read_header(image);
        if header.reserved != 0 {
            return Err(Error::ImageCorrupt);
        }
        let layout = Layout::new(header.v4, header.v6).ok_or(Error::ImageCorrupt)?;
        if layout.total != total {
            return Err(Error::ImageCorrupt);
        }
        check_checksum(image, total)?;
        if !padding_is_zero(image, &layout) {
            return Err(Error::ImageCorrupt);
        }
        let set = Self::view(image, &header, &layout).ok_or(Error::ImageCorrupt)?;
        set.v4.validate()?;
        set.v6.validate()?;
        Ok(set)
    }

    /// View an image that is known to be valid (built by this library or loaded before)
    /// without checking it again. Lookups on a view of a bad image give wrong answers, never
    /// undefined behaviour: every access is bounds-checked.
    pub fn from_trusted_image(image: &'a [u8]) -> IpSet<'a> {
        Self::from_header(image, &read_header(image))
    }

    /// View an image through a geometry taken from an earlier [`IpSet::load`] or build
    /// ([`IpSet::geometry`]), without reading the image's header again. Every read stays
    /// inside the first [`IpSetGeometry::image_len`] bytes of `image` (and inside `image`):
    /// if the image changed since it was validated, lookups give wrong answers, never reads
    /// out of bounds. A geometry that does not fit `image` gives a table that matches nothing.
    pub fn from_geometry(image: &'a [u8], geometry: &IpSetGeometry) -> IpSet<'a> {
        Self::from_header(image, &geometry.header())
    }

    /// The validated geometry of this table (see [`IpSet::from_geometry`]).
    pub fn geometry(&self) -> IpSetGeometry {
        self.geometry
    }

    fn from_header(image: &'a [u8], header: &Header) -> IpSet<'a> {
        Layout::new(header.v4, header.v6)
            .and_then(|layout| Self::view(image, header, &layout))
            .unwrap_or(IpSet::EMPTY)
    }

    /// The total length the header at the start of `image` declares (None when `image` is
    /// shorter than a header). Lets C callers that hold only a pointer find the image's end.
    pub fn declared_len(image: &[u8]) -> Option<usize> {
        if image.len() < HEADER_LEN {
            return None;
        }
        usize::try_from(read_u64(image, field::TOTAL_LEN)).ok()
    }

    /// A table that matches nothing.
    pub const EMPTY: IpSet<'static> = IpSet {
        image: &[],
        geometry: IpSetGeometry {
            total: 0,
            prefix_count: 0,
            v4: [0; 4],
            v6: [0; 4],
            v4_base: 0,
            v6_longs: 0,
            v6_base: [0; 2],
        },
        v4: FamilyTable::empty(&[Packed16(0); 17], ChunkIndex::one_entry::<Packed16>()),
        v6: FamilyTable::empty(&[0; 17], ChunkIndex::one_entry::<u32>()),
    };

    fn view(image: &'a [u8], header: &Header, layout: &Layout) -> Option<IpSet<'a>> {
        let image = image.get(..header.total)?;
        if layout.total != header.total || header.total < HEADER_LEN {
            return None;
        }
        let v4 = FamilyTable::view(image, &layout.v4, header.v4, header.v4_base)?;
        let v6 = FamilyTable::view(image, &layout.v6, header.v6, header.v6_base)?;
        Some(IpSet {
            image,
            geometry: IpSetGeometry::from_header(header),
            v4,
            v6,
        })
    }
    /// The image bytes, exactly as long as the header says (write these to a file to load
    /// them later).
    pub fn image(&self) -> &'a [u8] {
        self.image
    }

    /// How many list entries the table was built from.
    pub fn prefix_count(&self) -> u64 {
        self.geometry.prefix_count
    }

    /// How many entries each family (IPv4, IPv6) stores: chunk entries plus spill keys
    /// (about one per interval).
    pub fn interval_counts(&self) -> (usize, usize) {
        (self.v4.entry_count(), self.v6.entry_count())
    }

    /// The tag mask of an IPv4 address (given as a number, `10.0.0.1` = `0x0a000001`).
    #[inline]
    pub fn lookup_v4(&self, addr: u32) -> u32 {
        self.v4.lookup(addr)
    }

    /// The tag mask of an IPv6 address; IPv4-mapped addresses are looked up as IPv4.
    #[inline]
    pub fn lookup_v6(&self, addr: u128) -> u32 {
        match ipv4_mapped(addr) {
            Some(v4) => self.v4.lookup(v4),
            None => self.v6.lookup(addr),
        }
    }

    /// The tag mask of an address of either family.
    #[inline]
    pub fn lookup(&self, addr: IpNumber) -> u32 {
        match addr {
            IpNumber::V4(a) => self.lookup_v4(a),
            IpNumber::V6(a) => self.lookup_v6(a),
        }
    }

    /// The tag mask of 4 or 16 bytes in network order; 0 for any other length.
    #[inline]
    pub fn lookup_bytes(&self, addr: &[u8]) -> u32 {
        if let Ok(b) = <[u8; 4]>::try_from(addr) {
            self.lookup_v4(u32::from_be_bytes(b))
        } else if let Ok(b) = <[u8; 16]>::try_from(addr) {
            self.lookup_v6(u128::from_be_bytes(b))
        } else {
            0
        }
    }

    /// Parse an address strictly (see [`parse_ip`]) and look it up.
    pub fn lookup_text(&self, addr: &str) -> Result<u32, Error> {
        parse_ip(addr).map(|a| self.lookup(a))
    }

    /// Look up many IPv4 addresses: `out[i]` = `lookup_v4(addrs[i])` for the common length.
    pub fn lookup_v4_batch(&self, addrs: &[u32], out: &mut [u32]) {
        #[cfg(target_arch = "x86_64")]
        if self.v4.cells > TINY_CELLS
            && self.v4.gather_fits()
            && crate::cpu::has(crate::cpu::Feature::Avx512)
        {
            // SAFETY: the CPU has AVX-512F and the OS saves its state (`has`), and the
            // table's offsets fit the gather's lanes (`gather_fits`).
            unsafe { self.v4.gather_batch(addrs, out) };
            return;
        }
        self.v4.lookup_batch(addrs, out, |_| None);
    }

    /// Look up many IPv6 addresses (mapped ones as IPv4), like [`IpSet::lookup_v4_batch`].
    pub fn lookup_v6_batch(&self, addrs: &[u128], out: &mut [u32]) {
        let mapped = |a| ipv4_mapped(a).map(|v4| self.v4.lookup(v4));
        #[cfg(target_arch = "x86_64")]
        if self.v6.cells > TINY_CELLS
            && self.v6.gather_fits()
            && crate::cpu::has(crate::cpu::Feature::Avx512)
        {
            // SAFETY: the CPU has AVX-512F and the OS saves its state (`has`), and the
            // table's offsets fit the gather's lanes (`gather_fits`).
            unsafe { self.v6.gather_batch_v6(addrs, out, mapped) };
            return;
        }
        self.v6.lookup_batch(addrs, out, mapped);
    }
}
