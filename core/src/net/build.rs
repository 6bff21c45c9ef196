//! Building a table image into caller-provided storage: ask [`required_size`], then [`build`].
//! No allocation: the storage holds the image at its start and, behind it, the scratch space
//! the build sorts prefixes in.
//!
//! CIDR prefixes are nested or disjoint, so after sorting (start ascending, wider first) one
//! sweep with a stack no deeper than the address width turns any number of overlapping,
//! duplicated prefixes into disjoint intervals, each carrying the OR of the tags covering it.

use super::addr::IpNumber;
use super::image::{
    cast_mut, checksum, chunk_start, field, probed_slot, read_u32, write_bytes, ChunkIndex, Digit,
    FamilyLayout, FamilyShape, Key, Layout, Packed16, Pod, FORMAT_VERSION, IMAGE_ALIGN, MAGIC,
    MAX_INDEX_BITS,
};
use super::list::{entries, ListEntry, ListError};
use super::prefix::{mask_u128, mask_u32, Prefix};
use super::table::IpSet;
use crate::Error;

/// The most prefixes of one family a table may be built from (about 33 million: an IPv4
/// family's entries must fit the 28-bit starts of its index slots).
pub const MAX_PREFIXES_PER_FAMILY: usize = 1 << 25;

/// One prefix during the build: its first and last address and its tags (stored as `K` so the
/// record has no padding bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct Record<K> {
    start: K,
    end: K,
    tags: K,
}

// SAFETY: three fields of one integer type: no padding, every bit pattern valid.
unsafe impl<K: Key> Pod for Record<K> {}

/// A prefix as the family and interval it is stored in (IPv4-mapped IPv6 prefixes of length
/// 96 or more become IPv4 prefixes, matching how lookups treat mapped addresses).
enum Interval {
    V4(u32, u32),
    V6(u128, u128),
}

fn interval(prefix: &Prefix) -> Interval {
    let len = prefix.length();
    match prefix.address() {
        IpNumber::V4(a) => Interval::V4(a, a | !mask_u32(len)),
        IpNumber::V6(a) if len >= 96 && (a >> 32) == 0xffff => {
            let v4 = a as u32;
            Interval::V4(v4, v4 | !mask_u32(len - 96))
        }
        IpNumber::V6(a) => Interval::V6(a, a | !mask_u128(len)),
    }
}

/// How many prefixes of each family (after folding IPv4-mapped ones) the list has.
fn count_families<'e>(list: impl Iterator<Item = &'e Prefix>) -> (usize, usize) {
    list.fold((0, 0), |(v4, v6), p| match interval(p) {
        Interval::V4(..) => (v4 + 1, v6),
        Interval::V6(..) => (v4, v6 + 1),
    })
}

/// The bytes of storage [`build`] needs for this list text (it also checks the whole list).
pub fn required_size(list: &str) -> Result<usize, ListError> {
    let (v4, v6) = count_list(list)?;
    required_size_for(v4, v6).map_err(ListError::whole)
}

fn count_list(list: &str) -> Result<(usize, usize), ListError> {
    let mut counts = (0, 0);
    for entry in entries(list) {
        let (v4, v6) = count_families(core::iter::once(&entry?.prefix));
        counts = (counts.0 + v4, counts.1 + v6);
    }
    Ok(counts)
}

/// The floor of log2 of `n` (0 for 0).
fn log2(n: usize) -> u32 {
    usize::BITS - 1 - n.max(1).leading_zeros()
}

/// The widest chunk index a family of `intervals` intervals can get (see [`cell_index_for`]).
fn max_cell_index(intervals: usize, bits: u32) -> u32 {
    log2(intervals.saturating_mul(4).saturating_add(64))
        .min(MAX_INDEX_BITS)
        .min(bits)
}

/// The image shape no build of `prefixes` prefixes of a family can exceed.
fn bound_shape<K: Key>(prefixes: usize) -> FamilyShape {
    let intervals = 2 * prefixes + 1;
    let cell_index = max_cell_index(intervals, K::BITS);
    // Short spill keys: boundaries, spilled cells' starts and the keys after lead blocks
    // with long keys (at most one per long key); long keys: boundaries.
    FamilyShape {
        cells: (1 << cell_index) + 2 * intervals,
        spills: 2 * intervals,
        longs: if K::BITS > 64 { intervals } else { 0 },
        // A sizes array and codes for entry kinds: never smaller than codes holding sizes.
        dict: 2 * intervals,
        skip: 0,
        cell_index,
        spill_index: spill_index_for(2 * intervals, 0, K::BITS),
        code_bytes: FamilyShape::code_bytes_for(2 * intervals, 0),
        size_bits: 0,
    }
}

/// The spill index width for `spills` keys: about four keys per chunk (a shorter search for
/// the few lookups that spill; eight per chunk saved 0.16 bytes per prefix on the bench's
/// 200k IPv6 table but made its batches 4% slower).
fn spill_index_for(spills: usize, skip: u32, bits: u32) -> u32 {
    if spills == 0 {
        return 0;
    }
    log2(spills)
        .saturating_sub(2)
        .min(MAX_INDEX_BITS)
        .min(bits - skip)
}

/// The scratch a build needs beside the image: the prefixes as records, then per family the
/// intervals (keys and tags) and a copy of the tags to make the dictionary from.
fn scratch_len(v4: usize, v6: usize) -> Option<usize> {
    let family = |n: usize, key: usize, record: usize| {
        let intervals = 2 * n + 1;
        n.checked_mul(record)?
            .checked_add(intervals.checked_mul(key + 8)?)?
            .checked_add((2 * intervals + 2).checked_mul(8)?)?
            .checked_add(16)
    };
    family(v6, 16, core::mem::size_of::<Record<u128>>())?.checked_add(family(
        v4,
        4,
        core::mem::size_of::<Record<u32>>(),
    )?)
}

/// The bytes of storage a build from this many IPv4 and IPv6 prefixes needs (IPv4-mapped IPv6
/// prefixes of length 96 or more count as IPv4).
pub fn required_size_for(v4_prefixes: usize, v6_prefixes: usize) -> Result<usize, Error> {
    if v4_prefixes > MAX_PREFIXES_PER_FAMILY || v6_prefixes > MAX_PREFIXES_PER_FAMILY {
        return Err(Error::TooManyPrefixes);
    }
    let bound = Layout::new(
        bound_shape::<u32>(v4_prefixes),
        bound_shape::<u128>(v6_prefixes),
    )
    .ok_or(Error::TooManyPrefixes)?;
    bound
        .total
        .checked_add(scratch_len(v4_prefixes, v6_prefixes).ok_or(Error::TooManyPrefixes)?)
        .and_then(|n| n.checked_add(IMAGE_ALIGN - 1))
        .map(|n| n & !(IMAGE_ALIGN - 1))
        .ok_or(Error::TooManyPrefixes)
}

/// Build a table from list text into `storage` (aligned to
/// [`IMAGE_ALIGN`](super::IMAGE_ALIGN) bytes, at least [`required_size`] long). The image
/// starts at `storage[0]`; the returned view borrows it.
pub fn build<'s>(storage: &'s mut [u8], list: &str) -> Result<IpSet<'s>, ListError> {
    let (v4, v6) = count_list(list)?;
    build_counted(storage, v4, v6, entries(list).filter_map(Result::ok)).map_err(ListError::whole)
}

/// Build a table from entries (iterated twice: once to count, once to fill) into `storage`,
/// which needs [`required_size_for`] bytes and [`IMAGE_ALIGN`](super::IMAGE_ALIGN) alignment.
pub fn build_from_entries<'s, I>(storage: &'s mut [u8], list: I) -> Result<IpSet<'s>, Error>
where
    I: IntoIterator<Item = ListEntry>,
    I::IntoIter: Clone,
{
    let iter = list.into_iter();
    let mut counts = (0, 0);
    for e in iter.clone() {
        let (v4, v6) = count_families(core::iter::once(&e.prefix));
        counts = (counts.0 + v4, counts.1 + v6);
    }
    build_counted(storage, counts.0, counts.1, iter)
}

/// Carve `len` elements of `T` off the front of `rest` (after aligning it for `T`).
fn take<'a, T: Pod>(rest: &mut &'a mut [u8], len: usize) -> Result<&'a mut [T], Error> {
    let bytes = core::mem::take(rest);
    let skip = bytes.as_ptr().align_offset(core::mem::align_of::<T>());
    let size = len
        .checked_mul(core::mem::size_of::<T>())
        .ok_or(Error::BufferTooSmall)?;
    let (_, bytes) = bytes
        .split_at_mut_checked(skip)
        .ok_or(Error::BufferTooSmall)?;
    let (head, tail) = bytes
        .split_at_mut_checked(size)
        .ok_or(Error::BufferTooSmall)?;
    *rest = tail;
    cast_mut(head).ok_or(Error::Misaligned)
}

fn build_counted<'s>(
    storage: &'s mut [u8],
    v4_count: usize,
    v6_count: usize,
    list: impl Iterator<Item = ListEntry>,
) -> Result<IpSet<'s>, Error> {
    let need = required_size_for(v4_count, v6_count)?;
    if storage.as_ptr().align_offset(IMAGE_ALIGN) != 0 {
        return Err(Error::Misaligned);
    }
    if storage.len() < need {
        return Err(Error::BufferTooSmall);
    }
    let bound = Layout::new(bound_shape::<u32>(v4_count), bound_shape::<u128>(v6_count))
        .ok_or(Error::TooManyPrefixes)?;
    let (area, scratch) = storage
        .split_at_mut_checked(bound.total)
        .ok_or(Error::BufferTooSmall)?;

    let mut rest = scratch;
    let r6: &mut [Record<u128>] = take(&mut rest, v6_count)?;
    let k6: &mut [u128] = take(&mut rest, 2 * v6_count + 1)?;
    let r4: &mut [Record<u32>] = take(&mut rest, v4_count)?;
    let k4: &mut [u32] = take(&mut rest, 2 * v4_count + 1)?;
    let t6: &mut [u32] = take(&mut rest, 2 * v6_count + 1)?;
    let d6: &mut [u32] = take(&mut rest, 2 * v6_count + 1)?;
    let t4: &mut [u32] = take(&mut rest, 2 * v4_count + 1)?;
    let d4: &mut [u32] = take(&mut rest, 2 * v4_count + 1)?;
    let p6: &mut [u64] = take(&mut rest, 2 * (2 * v6_count + 1) + 2)?;
    let p4: &mut [u64] = take(&mut rest, 2 * (2 * v4_count + 1) + 2)?;

    let (mut n4, mut n6) = (0usize, 0usize);
    for entry in list {
        match interval(&entry.prefix) {
            Interval::V4(start, end) => {
                let slot = r4.get_mut(n4).ok_or(Error::InvalidArgument)?;
                *slot = Record {
                    start,
                    end,
                    tags: entry.tags,
                };
                n4 += 1;
            }
            Interval::V6(start, end) => {
                let slot = r6.get_mut(n6).ok_or(Error::InvalidArgument)?;
                *slot = Record {
                    start,
                    end,
                    tags: u128::from(entry.tags),
                };
                n6 += 1;
            }
        }
    }
    if (n4, n6) != (v4_count, v6_count) {
        return Err(Error::InvalidArgument);
    }

    let mut f4 = Family::<u32>::new(r4, k4, t4, d4)?;
    let mut f6 = Family::<u128>::new(r6, k6, t6, d6)?;
    let s4 = f4.shape::<Packed16>(p4)?;
    let s6 = f6.shape::<u32>(p6)?;
    let layout = Layout::new(s4.0, s6.0).ok_or(Error::TooManyPrefixes)?;
    let image = area.get_mut(..layout.total).ok_or(Error::BufferTooSmall)?;
    image.fill(0);
    f4.write::<Packed16>(image, &layout.v4, s4)?;
    f6.write::<u32>(image, &layout.v6, s6)?;

    let header = image;
    write_bytes(header, field::MAGIC, &MAGIC.to_ne_bytes());
    write_bytes(header, field::VERSION, &FORMAT_VERSION.to_ne_bytes());
    write_bytes(
        header,
        field::TOTAL_LEN,
        &(layout.total as u64).to_ne_bytes(),
    );
    write_bytes(
        header,
        field::PREFIX_COUNT,
        &((v4_count + v6_count) as u64).to_ne_bytes(),
    );
    for (at, shape) in [(field::V4, s4.0), (field::V6, s6.0)] {
        for (i, w) in shape.words().iter().enumerate() {
            write_bytes(header, at + 4 * i, &w.to_ne_bytes());
        }
    }
    write_bytes(header, field::V4_BASE, &s4.1.to_ne_bytes());
    write_bytes(header, field::V6_LONGS, &(s6.0.longs as u32).to_ne_bytes());
    write_bytes(header, field::V6_BASE, &s6.1.to_ne_bytes());
    let sum = checksum(header);
    write_bytes(header, field::CHECKSUM, &sum.to_ne_bytes());

    let storage: &'s [u8] = storage;
    IpSet::load(storage)
}

/// One family during the build: its intervals (first address and tag mask, ascending, the
/// first at 0, neighbours with different tags), its distinct tag masks (ascending), and the
/// dictionary (packed by [`pack`], ascending): entry kinds, or mask pairs where codes hold
/// sizes (`size_bits` > 0 of them, as `sx - size_base`).
struct Family<'a, K> {
    keys: &'a [K],
    tags: &'a [u32],
    masks: &'a [u32],
    dict: &'a [u64],
    size_bits: u32,
    size_base: u32,
}

/// What a chunk entry says: its cell spills, or the tags inside and after a piece of
/// `1 << sx` (in the entry's 64-bit chunk coordinates; `sx = 64`: up to the next entry).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Spill,
    Tags { inner: u32, outer: u32, sx: u32 },
}

/// A dictionary entry packed for sorting: the codes of its masks, then `sx` (0 for a mask
/// pair).
fn pack(inner: u32, outer: u32, sx: u32) -> u64 {
    u64::from(inner) << 36 | u64::from(outer) << 8 | u64::from(sx)
}

impl<'a, K: Key> Family<'a, K> {
    /// Sort the records, sweep them into intervals and make the dictionary.
    fn new(
        records: &mut [Record<K>],
        keys: &'a mut [K],
        tags: &'a mut [u32],
        dict: &'a mut [u32],
    ) -> Result<Self, Error> {
        crate::sort::sort_unstable_by(records, |a, b| {
            a.start.cmp(&b.start).then(b.end.cmp(&a.end))
        });
        let mut out = Boundaries {
            keys,
            tags,
            len: 0,
            overflow: false,
        };
        sweep(records, &mut out);
        if out.overflow {
            return Err(Error::TooManyPrefixes);
        }
        let n = out.len;
        let (keys, tags) = (out.keys, out.tags);
        let keys: &'a [K] = keys.get(..n).ok_or(Error::InvalidArgument)?;
        let tags: &'a [u32] = tags.get(..n).ok_or(Error::InvalidArgument)?;
        let copy = dict.get_mut(..n).ok_or(Error::InvalidArgument)?;
        copy.copy_from_slice(tags);
        crate::sort::sort_unstable_by(copy, |a, b| a.cmp(b));
        let d = crate::sort::dedup_sorted_by_key(copy, |v| v);
        let masks: &'a [u32] = dict.get(..d).ok_or(Error::InvalidArgument)?;
        Ok(Family {
            keys,
            tags,
            masks,
            dict: &[],
            size_bits: 0,
            size_base: 0,
        })
    }

    /// The code of a tag mask (its position among the masks).
    fn mask_code(&self, tags: u32) -> u32 {
        self.masks.binary_search(&tags).unwrap_or(0) as u32
    }

    /// The code of an entry kind: its position in the dictionary (the spill code is the
    /// first past the end), shifted over its piece's size where codes hold sizes (0 for a
    /// plain entry).
    fn code(&self, kind: Kind) -> u32 {
        match kind {
            Kind::Spill => (self.dict.len() as u32) << self.size_bits,
            Kind::Tags { inner, outer, sx } => {
                let held = if self.size_bits > 0 { 0 } else { sx };
                let key = pack(self.mask_code(inner), self.mask_code(outer), held);
                let at = self.dict.binary_search(&key).unwrap_or(0) as u32;
                let size = if self.size_bits == 0 || inner == outer {
                    0
                } else {
                    sx.wrapping_sub(self.size_base)
                };
                at << self.size_bits | size
            }
        }
    }

    /// The window (skip and base), the chunk index width, the dictionary (made in `scratch`)
    /// and the array lengths.
    fn shape<D: Digit>(&mut self, scratch: &'a mut [u64]) -> Result<(FamilyShape, K), Error> {
        let bits = K::BITS;
        let n = self.keys.len();
        let (skip, base) = match (self.keys.get(1), self.keys.last()) {
            (Some(&first), Some(&last)) if n >= 2 => {
                let skip = first.xor(last).leading_zeros();
                let mask = K::ZERO.not().checked_shl(bits - skip).unwrap_or(K::ZERO);
                (skip, first.and(mask))
            }
            _ => (0, K::ZERO),
        };
        // About 8 intervals per chunk for IPv6 and 4 for IPv4 (pieces make it fewer entries;
        // one 64-byte window holds 16 entries of either, and the gathered batch search takes
        // the probe and two steps for up to 12 IPv4 entries with the one before, four steps
        // for up to 15 IPv6 ones); wider when
        // that avoids spills and the index stays small beside the entries. The narrower IPv4
        // chunks cost half a byte per prefix at 500k prefixes and make batches about 10%
        // faster; narrower still (2 per chunk) costs another byte and is slower.
        let chunk_log = if D::BITS == 16 { 2 } else { 3 };
        let cap = max_cell_index(n, bits).min(bits - skip);
        let mut cell_index = log2(n).saturating_sub(chunk_log).min(cap);
        let depth = self
            .keys
            .iter()
            .skip(1)
            .map(|k| bits - k.trailing_zeros().min(bits))
            .max()
            .unwrap_or(0);
        let no_spill = depth.saturating_sub(skip + D::BITS);
        if no_spill <= cap {
            cell_index = cell_index.max(no_spill);
        }
        let mut shape = FamilyShape {
            cells: 0,
            spills: 0,
            longs: 0,
            dict: 0,
            skip,
            cell_index,
            spill_index: 0,
            code_bytes: 1,
            size_bits: 0,
        };
        // Every mask as a plain entry, then every piece the walk makes.
        let mut collect = Collect {
            masks: self.masks,
            kinds: scratch,
            len: 0,
            cells: 0,
            spills: 0,
            longs: 0,
            overflow: false,
        };
        for &m in self.masks {
            let c = self.mask_code(m);
            collect.push(pack(c, c, 64));
        }
        self.emit::<D>(shape, base, &mut collect);
        if collect.overflow {
            return Err(Error::InvalidArgument);
        }
        let Collect {
            kinds,
            len,
            cells,
            spills,
            longs,
            ..
        } = collect;
        let kinds = kinds.get_mut(..len).ok_or(Error::InvalidArgument)?;
        crate::sort::sort_unstable_by(kinds, |a, b| a.cmp(b));
        let mut d = crate::sort::dedup_sorted_by_key(kinds, |v| v);
        // Codes hold sizes wherever that keeps them as narrow as codes of entry kinds: then
        // the dictionary is the distinct mask pairs (runs of the sorted kinds).
        let pairs = (0..d)
            .filter(|&i| i == 0 || kinds.get(i - 1).map(|v| v >> 8) != kinds.get(i).map(|v| v >> 8))
            .count();
        let by_kind = FamilyShape::code_bytes_for(d, 0);
        let by_pair = FamilyShape::code_bytes_for(pairs, D::SIZE_BITS);
        if by_pair <= by_kind && pairs <= FamilyShape::max_dict(D::SIZE_BITS) {
            let distinct = kinds.get_mut(..d).ok_or(Error::InvalidArgument)?;
            d = crate::sort::dedup_sorted_by_key(distinct, |v| v & !0xff);
            self.size_bits = D::SIZE_BITS;
            self.size_base = 64 - D::BITS;
        }
        let kinds: &'a [u64] = kinds;
        self.dict = kinds.get(..d).ok_or(Error::InvalidArgument)?;
        shape.cells = cells;
        shape.spills = spills;
        shape.longs = longs;
        shape.dict = d;
        shape.size_bits = self.size_bits;
        if d > FamilyShape::max_dict(self.size_bits) {
            return Err(Error::TooManyPrefixes);
        }
        shape.code_bytes = FamilyShape::code_bytes_for(d, self.size_bits);
        shape.spill_index = spill_index_for(spills, skip, bits);
        Ok((shape, base))
    }

    /// Walk the intervals cell by cell, giving `sink` every chunk entry and spill key in
    /// address order. An entry holds until the next one, across chunk ends, so a chunk
    /// whose start no boundary marks stores nothing for it; a plain entry whose mask the
    /// entry before already ends with is left out. An interval that is an aligned block
    /// inside one chunk, followed by a boundary with no finer ones in its cell, becomes one
    /// **piece** entry that also says the mask after it (most prefixes are such blocks, so
    /// they cost one entry rather than two). A spilled cell gives its boundaries as spill
    /// keys, long where a short key cannot say them; its start, and the start of the lead
    /// block after a long key's, become short keys only where the last short key before
    /// them answers differently (see the image format).
    fn emit<D: Digit>(&self, shape: FamilyShape, base: K, sink: &mut impl Sink<K>) {
        let bits = K::BITS;
        let chunk_shift = bits - shape.skip - shape.cell_index;
        let window_mask = K::ZERO
            .not()
            .checked_shl(bits - shape.skip)
            .unwrap_or(K::ZERO);
        let cell_bits = chunk_shift.saturating_sub(D::BITS);
        let cell_ones = K::ZERO
            .not()
            .checked_shl(cell_bits)
            .map_or(K::ZERO.not(), |m| m.not());
        let place = |k: K| {
            let lead = k.lead(shape.skip);
            let chunk = lead.checked_shr(64 - shape.cell_index).unwrap_or(0) as usize;
            (
                chunk,
                D::from_top(lead.wrapping_shl(shape.cell_index)).to_top(),
            )
        };
        let (keys, tags) = (self.keys, self.tags);
        // A spill key is long when its short form does not give it back; a lead block is
        // the addresses sharing a short key.
        let is_long = |k: K| K::from_short(k.short(shape.skip), shape.skip, base) != k;
        let block_bits = bits.saturating_sub(shape.skip + 64);
        let block_ones = K::ZERO
            .not()
            .checked_shl(block_bits)
            .map_or(K::ZERO.not(), |m| m.not());
        // The tag of the last short spill key.
        let mut last_short: Option<u32> = None;
        // What the entry before ends with: its outer mask, or None after a spill.
        let mut prev: Option<Option<u32>> = None;
        let mut entry = |sink: &mut dyn Sink<K>, k: K, kind: Kind| {
            let ends = match kind {
                Kind::Spill => None,
                Kind::Tags { outer, .. } => Some(outer),
            };
            let redundant = match kind {
                Kind::Spill => prev == Some(None),
                Kind::Tags { inner, outer, .. } => inner == outer && prev == Some(Some(inner)),
            };
            if !redundant {
                let (chunk, digit) = place(k);
                sink.cell(chunk, digit, kind);
                prev = Some(ends);
            }
        };
        let plain = |t: u32| Kind::Tags {
            inner: t,
            outer: t,
            sx: 64,
        };
        let mut j = 0usize;
        let mut cur = tags.first().copied().unwrap_or(0);
        while keys.get(j).is_some_and(|&k| k < base) {
            cur = tags.get(j).copied().unwrap_or(cur);
            j += 1;
        }
        let mut cell = base;
        loop {
            let last_in_cell = cell.xor(cell_ones);
            if keys.get(j) == Some(&cell) {
                cur = tags.get(j).copied().unwrap_or(cur);
                j += 1;
            }
            let at_start = cur;
            let inside = j;
            while keys.get(j).is_some_and(|&k| k <= last_in_cell) {
                cur = tags.get(j).copied().unwrap_or(cur);
                j += 1;
            }
            if j > inside {
                entry(sink, cell, Kind::Spill);
                // The cell's start needs a key unless the last short key already says so.
                if last_short != Some(at_start) {
                    sink.spill(cell, at_start, false);
                    last_short = Some(at_start);
                }
                // The start of the lead block after the last long key, and the tag after it.
                let mut after_long: Option<K> = None;
                let mut tag = at_start;
                for k in inside..j {
                    let (Some(&key), Some(&t)) = (keys.get(k), tags.get(k)) else {
                        break;
                    };
                    if let Some(next) = after_long.filter(|&next| key >= next) {
                        // Past that block, the last short key must answer again.
                        if key != next && last_short != Some(tag) {
                            sink.spill(next, tag, false);
                            last_short = Some(tag);
                        }
                        after_long = None;
                    }
                    if is_long(key) {
                        sink.spill(key, t, true);
                        after_long = key.and(block_ones.not()).xor(block_ones).plus_one();
                    } else {
                        sink.spill(key, t, false);
                        last_short = Some(t);
                    }
                    tag = t;
                }
                if let Some(next) = after_long {
                    if next <= last_in_cell && last_short != Some(tag) {
                        sink.spill(next, tag, false);
                        last_short = Some(tag);
                    }
                }
                // The cell after this one starts with the last tag, unless it is the next
                // boundary's cell or outside the window.
                if let Some(next) = last_in_cell.plus_one() {
                    let next_cell = keys.get(j).map(|&k| k.and(cell_ones.not()));
                    if next_cell != Some(next) && next.xor(base).and(window_mask) == K::ZERO {
                        entry(sink, next, plain(cur));
                    }
                }
            } else {
                match self.piece(cell, j, cell_ones, chunk_shift) {
                    Some((s, outer)) => {
                        let sx = s + 64 - chunk_shift;
                        entry(
                            sink,
                            cell,
                            Kind::Tags {
                                inner: at_start,
                                outer,
                                sx,
                            },
                        );
                        cur = outer;
                        j += 1;
                    }
                    None => entry(sink, cell, plain(at_start)),
                }
            }
            match keys.get(j) {
                Some(&k) => cell = k.and(cell_ones.not()),
                None => break,
            }
        }
    }

    /// Whether the interval from `cell` (whose only boundary is at its start) to boundary
    /// `j` is an aligned block of `2^s` addresses, `s` below `chunk_shift`, ending at the
    /// start of a cell with no other boundary: then `(s, the mask after it)`.
    fn piece(&self, cell: K, j: usize, cell_ones: K, chunk_shift: u32) -> Option<(u32, u32)> {
        let &end = self.keys.get(j)?;
        let size = end.wrapping_sub(cell);
        let s = size.trailing_zeros();
        if size.count_ones() != 1
            || s >= chunk_shift
            || (cell != K::ZERO && cell.trailing_zeros() < s)
            || end.and(cell_ones) != K::ZERO
            || self
                .keys
                .get(j + 1)
                .is_some_and(|&k| k <= end.xor(cell_ones))
        {
            return None;
        }
        self.tags.get(j).map(|&t| (s, t))
    }

    /// Write the family's arrays into `image` at `layout`.
    fn write<D: Digit>(
        &self,
        image: &mut [u8],
        layout: &FamilyLayout,
        (shape, base): (FamilyShape, K),
    ) -> Result<(), Error> {
        let region = image
            .get_mut(layout.index.0..layout.end)
            .ok_or(Error::BufferTooSmall)?;
        let at = layout.index.0;
        let mut rest = region;
        let mut part = |span: (usize, usize)| -> Result<&mut [u8], Error> {
            let bytes = core::mem::take(&mut rest);
            let offset = span.0.checked_sub(at).ok_or(Error::InvalidArgument)?;
            let len = span.1 - span.0;
            let consumed = layout.end - at - bytes.len();
            let skip = offset.checked_sub(consumed).ok_or(Error::InvalidArgument)?;
            let (_, b) = bytes
                .split_at_mut_checked(skip)
                .ok_or(Error::BufferTooSmall)?;
            let (head, tail) = b.split_at_mut_checked(len).ok_or(Error::BufferTooSmall)?;
            rest = tail;
            Ok(head)
        };
        let index: &mut [u8] = part(layout.index)?;
        let digits: &mut [D] = cast_mut(part(layout.digits)?).ok_or(Error::Misaligned)?;
        let codes = if shape.codes_in_digits::<D>() {
            CodesMut::InDigits
        } else {
            CodesMut::new(part(layout.codes)?, shape.code_bytes)?
        };
        let dict: &mut [[u32; 2]] = cast_mut(part(layout.dict)?).ok_or(Error::Misaligned)?;
        let sizes: &mut [u8] = part(layout.sizes)?;
        let keys: &mut [K::Short] = cast_mut(part(layout.keys)?).ok_or(Error::Misaligned)?;
        let scodes = CodesMut::new(part(layout.scodes)?, shape.code_bytes)?;
        let sindex: &mut [u32] = cast_mut(part(layout.sindex)?).ok_or(Error::Misaligned)?;
        let longs: &mut [K] = cast_mut(part(layout.longs)?).ok_or(Error::Misaligned)?;
        let lcodes = CodesMut::new(part(layout.lcodes)?, shape.code_bytes)?;
        let lindex: &mut [u32] = cast_mut(part(layout.lindex)?).ok_or(Error::Misaligned)?;
        for (slot, &packed) in dict.iter_mut().zip(self.dict) {
            let mask = |code: u64| self.masks.get(code as usize).copied().unwrap_or(0);
            *slot = [mask(packed >> 36), mask((packed >> 8) & 0x0fff_ffff)];
        }
        // (Empty where codes hold sizes.)
        for (size, &packed) in sizes.iter_mut().zip(self.dict) {
            *size = (packed & 0xff) as u8;
        }
        let mut w = Write::<K, D> {
            family: self,
            index,
            digits,
            codes,
            keys,
            scodes,
            longs,
            lcodes,
            cells: 0,
            spills: 0,
            nlongs: 0,
            skip: shape.skip,
            chunks: 0,
            overflow: false,
        };
        self.emit::<D>(shape, base, &mut w);
        w.start_chunks_to((w.index.len() / D::SLOT_BYTES).saturating_sub(1));
        w.finish_index();
        if w.overflow
            || w.cells != shape.cells
            || w.spills != shape.spills
            || w.nlongs != shape.longs
        {
            return Err(Error::InvalidArgument);
        }
        let plain = |t: u32| Kind::Tags {
            inner: t,
            outer: t,
            sx: 64,
        };
        let below = self.code(plain(self.tags.first().copied().unwrap_or(0)));
        let above = self.code(plain(self.tags.last().copied().unwrap_or(0)));
        // Past the entries; their digit entries are padding, zero but for codes held there.
        w.set_entry(shape.cells, 0, below);
        w.set_entry(shape.cells + 1, 0, above);
        let short = |s: &K::Short| K::from_short(*s, shape.skip, base);
        fill_spill_index(sindex, w.keys.iter().map(short), base, shape, false);
        fill_spill_index(lindex, w.longs.iter().copied(), base, shape, true);
        Ok(())
    }
}

/// Where [`Family::emit`] puts chunk entries and spill keys: counted, then written.
trait Sink<K> {
    /// A chunk entry: its chunk, its digit (as the leading bits of a u64) and its kind.
    fn cell(&mut self, chunk: usize, digit: u64, kind: Kind);
    /// A spill key, its tag mask and whether it is long.
    fn spill(&mut self, key: K, tags: u32, long: bool);
}

/// Counts the entries and collects the pieces' dictionary entries (packed).
struct Collect<'a> {
    masks: &'a [u32],
    kinds: &'a mut [u64],
    len: usize,
    cells: usize,
    spills: usize,
    longs: usize,
    overflow: bool,
}

impl Collect<'_> {
    fn push(&mut self, packed: u64) {
        match self.kinds.get_mut(self.len) {
            Some(slot) => *slot = packed,
            None => self.overflow = true,
        }
        self.len += 1;
    }
}

impl<K> Sink<K> for Collect<'_> {
    fn cell(&mut self, _: usize, _: u64, kind: Kind) {
        self.cells += 1;
        if let Kind::Tags { inner, outer, sx } = kind {
            if inner != outer {
                let code = |m: u32| self.masks.binary_search(&m).unwrap_or(0) as u32;
                let packed = pack(code(inner), code(outer), sx);
                self.push(packed);
            }
        }
    }
    fn spill(&mut self, _: K, _: u32, long: bool) {
        if long {
            self.longs += 1;
        } else {
            self.spills += 1;
        }
    }
}

/// Codes being written, one, two or four bytes each, or into the digit entries.
enum CodesMut<'a> {
    One(&'a mut [u8]),
    Two(&'a mut [u16]),
    Four(&'a mut [u32]),
    InDigits,
}

impl<'a> CodesMut<'a> {
    fn new(bytes: &'a mut [u8], code_bytes: u32) -> Result<Self, Error> {
        let codes = match code_bytes {
            1 => cast_mut(bytes).map(CodesMut::One),
            2 => cast_mut(bytes).map(CodesMut::Two),
            _ => cast_mut(bytes).map(CodesMut::Four),
        };
        codes.ok_or(Error::Misaligned)
    }

    fn set(&mut self, i: usize, v: u32) -> bool {
        match self {
            CodesMut::One(c) => c.get_mut(i).map(|s| *s = v as u8).is_some(),
            CodesMut::Two(c) => c.get_mut(i).map(|s| *s = v as u16).is_some(),
            CodesMut::Four(c) => c.get_mut(i).map(|s| *s = v).is_some(),
            // Written with the entry (see `Write::set_entry`).
            CodesMut::InDigits => true,
        }
    }
}

struct Write<'a, 'f, K: Key, D> {
    family: &'f Family<'f, K>,
    /// Slots of [`Digit::SLOT_BYTES`]: the starts written plain, then finished.
    index: &'a mut [u8],
    digits: &'a mut [D],
    codes: CodesMut<'a>,
    keys: &'a mut [K::Short],
    scodes: CodesMut<'a>,
    longs: &'a mut [K],
    lcodes: CodesMut<'a>,
    cells: usize,
    spills: usize,
    nlongs: usize,
    skip: u32,
    /// Chunks whose start entry is written.
    chunks: usize,
    overflow: bool,
}

impl<K: Key, D: Digit> Write<'_, '_, K, D> {
    /// Entry `i`'s digit (the leading bits of `top`) and code.
    fn set_entry(&mut self, i: usize, top: u64, code: u32) {
        let in_digits = matches!(self.codes, CodesMut::InDigits);
        match self.digits.get_mut(i) {
            Some(slot) => *slot = D::entry(top, if in_digits { code } else { 0 }),
            None => self.overflow = true,
        }
        self.overflow |= !self.codes.set(i, code);
    }

    /// Slot `c`'s bytes.
    fn slot(&mut self, c: usize) -> Option<&mut [u8]> {
        let at = c.checked_mul(D::SLOT_BYTES)?;
        self.index.get_mut(at..at.checked_add(D::SLOT_BYTES)?)
    }

    /// Every chunk before `chunk` (not yet started) starts at the current entry (its start
    /// written as a plain u32 until [`Write::finish_index`]).
    fn start_chunks_to(&mut self, chunk: usize) {
        while self.chunks <= chunk {
            let start = (self.cells as u32).to_ne_bytes();
            match self.slot(self.chunks).and_then(|s| s.get_mut(..4)) {
                Some(slot) => slot.iter_mut().zip(start).for_each(|(b, v)| *b = v),
                None => {
                    self.overflow = true;
                    return;
                }
            }
            self.chunks += 1;
        }
    }

    /// Probed slots (IPv4) from their plain starts: each start with its chunk's count field
    /// and probe ([`ChunkIndex::probed_fields`]).
    fn finish_index(&mut self) {
        if D::SLOT_BYTES != 6 {
            return;
        }
        let slots = self.index.len() / 6;
        let plain = |index: &[u8], c: usize| read_u32(index, c.wrapping_mul(6));
        let mut start = plain(self.index, 0);
        for c in 0..slots {
            let next = if c + 1 < slots {
                plain(self.index, c + 1)
            } else {
                start
            };
            let fields = ChunkIndex::probed_fields(self.digits, c, start as usize, next as usize);
            let bytes = probed_slot(start, fields);
            match self.slot(c) {
                Some(slot) => slot.iter_mut().zip(bytes).for_each(|(b, v)| *b = v),
                None => self.overflow = true,
            }
            start = next;
        }
    }
}

impl<K: Key, D: Digit> Sink<K> for Write<'_, '_, K, D> {
    fn cell(&mut self, chunk: usize, digit: u64, kind: Kind) {
        let code = self.family.code(kind);
        self.start_chunks_to(chunk);
        self.set_entry(self.cells, digit, code);
        self.cells += 1;
    }
    fn spill(&mut self, key: K, tags: u32, long: bool) {
        let code = self.family.code(Kind::Tags {
            inner: tags,
            outer: tags,
            sx: 64,
        });
        if long {
            match self.longs.get_mut(self.nlongs) {
                Some(slot) => *slot = key,
                None => self.overflow = true,
            }
            self.overflow |= !self.lcodes.set(self.nlongs, code);
            self.nlongs += 1;
        } else {
            match self.keys.get_mut(self.spills) {
                Some(slot) => *slot = key.short(self.skip),
                None => self.overflow = true,
            }
            self.overflow |= !self.scodes.set(self.spills, code);
            self.spills += 1;
        }
    }
}

/// A spill index. Short keys (`before` false): entry `c` is the position of the last key
/// at or before chunk `c`'s first address (0 when none), the extra final entry the last
/// position. Long keys (`before` true): entry `c` counts the keys before chunk `c`'s first
/// address, the final entry all of them.
fn fill_spill_index<K: Key>(
    index: &mut [u32],
    keys: impl Iterator<Item = K> + Clone,
    base: K,
    shape: FamilyShape,
    before: bool,
) {
    let shift = K::BITS - shape.skip - shape.spill_index;
    let chunks = index.len().saturating_sub(1);
    let len = keys.clone().count();
    let mut keys = keys.peekable();
    // Keys consumed so far: short keys stop at the last one at or before a start.
    let mut pos = 0usize;
    if !before {
        keys.next();
    }
    for (c, slot) in index.iter_mut().enumerate() {
        if c == chunks {
            *slot = if before { len } else { len.saturating_sub(1) } as u32;
        } else {
            let start = chunk_start(base, c, shift);
            while keys
                .peek()
                .is_some_and(|&k| if before { k < start } else { k <= start })
            {
                keys.next();
                pos += 1;
            }
            *slot = pos as u32;
        }
    }
}

/// The growing list of intervals (first address and tags); merges equal neighbours.
struct Boundaries<'a, K> {
    keys: &'a mut [K],
    tags: &'a mut [u32],
    len: usize,
    overflow: bool,
}

impl<K: Key> Boundaries<'_, K> {
    fn emit(&mut self, key: K, tag: u32) {
        if let Some(last) = self.len.checked_sub(1) {
            let (Some(&pk), Some(&pt)) = (self.keys.get(last), self.tags.get(last)) else {
                self.overflow = true;
                return;
            };
            if pk == key {
                // A later start at the same address replaces the earlier one.
                if let Some(t) = self.tags.get_mut(last) {
                    *t = tag;
                }
                if last > 0 && self.tags.get(last - 1) == Some(&tag) {
                    self.len = last;
                }
                return;
            }
            if pt == tag {
                return;
            }
        }
        match (self.keys.get_mut(self.len), self.tags.get_mut(self.len)) {
            (Some(k), Some(t)) => {
                *k = key;
                *t = tag;
                self.len += 1;
            }
            _ => self.overflow = true,
        }
    }
}

/// A prefix still open during the sweep: its start, end and the OR of its tags and those of
/// every prefix around it.
#[derive(Clone, Copy)]
struct Open<K> {
    start: K,
    end: K,
    tags: u32,
}

fn sweep<K: Key>(records: &[Record<K>], out: &mut Boundaries<'_, K>) {
    // Nested prefixes strictly grow in length, so at most BITS + 1 are open at once.
    let mut stack = [Open {
        start: K::ZERO,
        end: K::ZERO,
        tags: 0,
    }; 130];
    let mut depth = 0usize;
    let outer_tags = |stack: &[Open<K>], depth: usize| {
        depth
            .checked_sub(1)
            .and_then(|d| stack.get(d))
            .map_or(0, |o| o.tags)
    };
    out.emit(K::ZERO, 0);
    for r in records {
        let tags = r.tags.low_usize() as u32;
        while let Some(top) = depth.checked_sub(1).and_then(|d| stack.get(d)).copied() {
            if top.end >= r.start {
                break;
            }
            depth -= 1;
            if let Some(after) = top.end.plus_one() {
                out.emit(after, outer_tags(&stack, depth));
            }
        }
        let top = depth.checked_sub(1).and_then(|d| stack.get_mut(d));
        match top {
            Some(top) if top.start == r.start && top.end == r.end => {
                top.tags |= tags;
                let t = top.tags;
                out.emit(r.start, t);
            }
            _ => {
                let t = outer_tags(&stack, depth) | tags;
                match stack.get_mut(depth) {
                    Some(slot) => {
                        *slot = Open {
                            start: r.start,
                            end: r.end,
                            tags: t,
                        };
                        depth += 1;
                    }
                    None => out.overflow = true,
                }
                out.emit(r.start, t);
            }
        }
    }
    while let Some(top) = depth.checked_sub(1).and_then(|d| stack.get(d)).copied() {
        depth -= 1;
        if let Some(after) = top.end.plus_one() {
            out.emit(after, outer_tags(&stack, depth));
        }
    }
}
