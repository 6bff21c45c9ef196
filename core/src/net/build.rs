//! Building a table image into caller-provided storage: ask [`required_size`], then [`build`].
//! No allocation: the storage holds the image at its start and, behind it, the scratch space
//! the build sorts prefixes in.
//!
//! CIDR prefixes are nested or disjoint, so after sorting (start ascending, wider first) one
//! sweep with a stack no deeper than the address width turns any number of overlapping,
//! duplicated prefixes into disjoint intervals, each carrying the OR of the tags covering it.

use super::addr::IpNumber;
use super::image::{
    cast, cast_mut, checksum, chunk_start, field, index_bits_for, write_bytes, Entry, FamilyShape,
    Key, Layout, Pod, FORMAT_VERSION, IMAGE_ALIGN, MAGIC,
};
use super::list::{entries, ListEntry, ListError};
use super::prefix::{mask_u128, mask_u32, Prefix};
use super::table::IpSet;
use crate::Error;

/// The most prefixes of one family a table may be built from.
pub const MAX_PREFIXES_PER_FAMILY: usize = 1 << 26;

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

/// The shapes no build of this many prefixes can exceed.
fn bound_shapes(
    v4_prefixes: usize,
    v6_prefixes: usize,
) -> Result<(FamilyShape, FamilyShape), Error> {
    if v4_prefixes > MAX_PREFIXES_PER_FAMILY || v6_prefixes > MAX_PREFIXES_PER_FAMILY {
        return Err(Error::TooManyPrefixes);
    }
    let (e4, e6) = (2 * v4_prefixes + 1, 2 * v6_prefixes + 1);
    let shape = |entries: usize, index_bits: u32| FamilyShape {
        entries,
        index_bits,
        skip: 0,
    };
    Ok((
        shape(e4, index_bits_for::<u64>(e4, 0)),
        shape(e6, index_bits_for::<[u128; 2]>(e6, 0)),
    ))
}

/// The bytes of storage a build from this many IPv4 and IPv6 prefixes needs (IPv4-mapped IPv6
/// prefixes of length 96 or more count as IPv4).
pub fn required_size_for(v4_prefixes: usize, v6_prefixes: usize) -> Result<usize, Error> {
    let (s4, s6) = bound_shapes(v4_prefixes, v6_prefixes)?;
    let image = Layout::new(s4, s6).ok_or(Error::TooManyPrefixes)?.total;
    let records = v6_prefixes * core::mem::size_of::<Record<u128>>()
        + v4_prefixes * core::mem::size_of::<Record<u32>>();
    image
        .checked_add(records)
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
    let (b4, b6) = bound_shapes(v4_count, v6_count)?;
    let bound = Layout::new(b4, b6).ok_or(Error::TooManyPrefixes)?;
    let (area, scratch) = storage
        .split_at_mut_checked(bound.total)
        .ok_or(Error::BufferTooSmall)?;

    // Scratch: the IPv6 records (16-aligned) then the IPv4 records.
    let r6_len = v6_count * core::mem::size_of::<Record<u128>>();
    let r4_len = v4_count * core::mem::size_of::<Record<u32>>();
    let (r6, rest) = scratch
        .split_at_mut_checked(r6_len)
        .ok_or(Error::BufferTooSmall)?;
    let r4 = rest.get_mut(..r4_len).ok_or(Error::BufferTooSmall)?;
    let r6: &mut [Record<u128>] = cast_mut(r6).ok_or(Error::Misaligned)?;
    let r4: &mut [Record<u32>] = cast_mut(r4).ok_or(Error::Misaligned)?;

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

    let e4 = sweep_into::<u64>(area, bound.v4_entries, r4)?;
    let e6 = sweep_into::<[u128; 2]>(area, bound.v6_entries, r6)?;

    // Final geometry from the real boundaries, then move the arrays down into place.
    let (s4, base4) = shape_of::<u64>(area, bound.v4_entries, e4)?;
    let (s6, base6) = shape_of::<[u128; 2]>(area, bound.v6_entries, e6)?;
    let layout = Layout::new(s4, s6).ok_or(Error::TooManyPrefixes)?;
    move_within(
        area,
        bound.v4_entries.0,
        e4.checked_mul(8),
        layout.v4_entries.0,
    )?;
    move_within(
        area,
        bound.v6_entries.0,
        e6.checked_mul(32),
        layout.v6_entries.0,
    )?;
    fill_index::<u64>(area, layout.v4_index, layout.v4_entries, base4, s4)?;
    fill_index::<[u128; 2]>(area, layout.v6_index, layout.v6_entries, base6, s6)?;
    for pad in [
        layout.v4_index.1..layout.v4_entries.0,
        layout.v4_entries.1..layout.v6_entries.0,
        layout.v6_index.1..layout.total,
    ] {
        if let Some(p) = area.get_mut(pad) {
            p.fill(0);
        }
    }

    let header = area.get_mut(..layout.total).ok_or(Error::BufferTooSmall)?;
    header
        .get_mut(..field::V6_BASE + 16)
        .ok_or(Error::BufferTooSmall)?
        .fill(0);
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
    for (at, shape) in [(field::V4, s4), (field::V6, s6)] {
        write_bytes(header, at, &(shape.entries as u32).to_ne_bytes());
        write_bytes(header, at + 4, &shape.index_bits.to_ne_bytes());
        write_bytes(header, at + 8, &shape.skip.to_ne_bytes());
    }
    write_bytes(header, field::V4 + 12, &base4.to_ne_bytes());
    write_bytes(header, field::V6_BASE, &base6.to_ne_bytes());
    let sum = checksum(header);
    write_bytes(header, field::CHECKSUM, &sum.to_ne_bytes());

    let storage: &'s [u8] = storage;
    IpSet::load(storage)
}

/// Sort the records and sweep them into the (bound-sized) entry array at `span`; returns how
/// many boundaries were written.
fn sweep_into<E: Entry>(
    area: &mut [u8],
    span: (usize, usize),
    records: &mut [Record<E::Key>],
) -> Result<usize, Error> {
    crate::sort::sort_unstable_by(records, |a, b| {
        a.start.cmp(&b.start).then(b.end.cmp(&a.end))
    });
    let mut out = Boundaries {
        entries: area
            .get_mut(span.0..span.1)
            .and_then(cast_mut::<E>)
            .ok_or(Error::Misaligned)?,
        len: 0,
        overflow: false,
    };
    sweep(records, &mut out);
    if out.overflow {
        return Err(Error::TooManyPrefixes);
    }
    Ok(out.len)
}

/// The growing list of intervals (first address and tags); merges equal neighbours.
struct Boundaries<'a, E> {
    entries: &'a mut [E],
    len: usize,
    overflow: bool,
}

impl<E: Entry> Boundaries<'_, E> {
    fn emit(&mut self, key: E::Key, tag: u32) {
        if let Some(last) = self.len.checked_sub(1) {
            let Some(&prev) = self.entries.get(last) else {
                self.overflow = true;
                return;
            };
            if prev.key() == key {
                // A later start at the same address replaces the earlier one.
                if let Some(e) = self.entries.get_mut(last) {
                    *e = E::new(key, tag);
                }
                if last > 0 && self.entries.get(last - 1).map(|e| e.tag()) == Some(tag) {
                    self.len = last;
                }
                return;
            }
            if prev.tag() == tag {
                return;
            }
        }
        match self.entries.get_mut(self.len) {
            Some(e) => {
                *e = E::new(key, tag);
                self.len += 1;
            }
            None => self.overflow = true,
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

fn sweep<K: Key, E: Entry<Key = K>>(records: &[Record<K>], out: &mut Boundaries<'_, E>) {
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

/// The index geometry for the `entries` intervals at `span`: the leading bits shared by every
/// key but the first (`skip`, with their value as `base`) and the index width.
fn shape_of<E: Entry>(
    area: &[u8],
    span: (usize, usize),
    entries: usize,
) -> Result<(FamilyShape, E::Key), Error> {
    let list: &[E] = area
        .get(span.0..span.0 + entries * core::mem::size_of::<E>())
        .and_then(cast)
        .ok_or(Error::Misaligned)?;
    let bits = <E::Key as Key>::BITS;
    let (skip, base) = match (list.get(1), list.last()) {
        (Some(&first), Some(&last)) if entries >= 2 => {
            let skip = first.key().xor(last.key()).leading_zeros();
            let mask = E::Key::ZERO
                .not()
                .checked_shl(bits - skip)
                .unwrap_or(E::Key::ZERO);
            (skip, first.key().and(mask))
        }
        _ => (0, E::Key::ZERO),
    };
    Ok((
        FamilyShape {
            entries,
            index_bits: index_bits_for::<E>(entries, skip),
            skip,
        },
        base,
    ))
}

/// Write the chunk index: entry `c` is the position of the last key at or before chunk `c`'s
/// first address; the extra final entry is the last position.
fn fill_index<E: Entry>(
    area: &mut [u8],
    index_span: (usize, usize),
    entries_span: (usize, usize),
    base: E::Key,
    shape: FamilyShape,
) -> Result<(), Error> {
    let entries_len = entries_span.1 - entries_span.0;
    let index_len = index_span.1 - index_span.0;
    let (index_bytes, entry_bytes) = if index_span.1 <= entries_span.0 {
        let (front, back) = area
            .split_at_mut_checked(entries_span.0)
            .ok_or(Error::BufferTooSmall)?;
        (
            front.get_mut(index_span.0..index_span.1),
            back.get(..entries_len),
        )
    } else {
        let (front, back) = area
            .split_at_mut_checked(index_span.0)
            .ok_or(Error::BufferTooSmall)?;
        (
            back.get_mut(..index_len),
            front.get(entries_span.0..entries_span.1),
        )
    };
    let index: &mut [u32] = index_bytes.and_then(cast_mut).ok_or(Error::Misaligned)?;
    let entries: &[E] = entry_bytes.and_then(cast).ok_or(Error::Misaligned)?;
    let chunk_shift = <E::Key as Key>::BITS.saturating_sub(shape.skip + shape.index_bits);
    let chunks = index.len().saturating_sub(1);
    let mut pos = 0usize;
    for (c, slot) in index.iter_mut().enumerate() {
        if c == chunks {
            *slot = entries.len().saturating_sub(1) as u32;
        } else {
            let start = chunk_start(base, c, chunk_shift);
            while entries.get(pos + 1).is_some_and(|e| e.key() <= start) {
                pos += 1;
            }
            *slot = pos as u32;
        }
    }
    Ok(())
}

/// `area.copy_within(start..start + len, dest)` with every bound checked first, so a broken
/// layout is an error rather than a panic.
fn move_within(
    area: &mut [u8],
    start: usize,
    len: Option<usize>,
    dest: usize,
) -> Result<(), Error> {
    let len = len.ok_or(Error::InvalidArgument)?;
    let end = start.checked_add(len).ok_or(Error::InvalidArgument)?;
    // The very conditions copy_within asserts, so the optimiser drops its panic.
    if start > end || end > area.len() || dest > area.len() - (end - start) {
        return Err(Error::InvalidArgument);
    }
    area.copy_within(start..end, dest);
    Ok(())
}
