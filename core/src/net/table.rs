//! [`IpSet`]: a read-only view of a table image and its lookups (binary address, text and
//! batch). Loading validates an image completely; lookups then touch only the image.

use super::addr::{ipv4_mapped, parse_ip, IpNumber};
use super::image::{
    cast, check_checksum, check_envelope, chunk_start, field, read_u128, read_u32, read_u64, Entry,
    FamilyShape, Key, Layout, HEADER_LEN, MAX_INDEX_BITS,
};
use super::scan::prefetch;
use crate::Error;

/// Tables up to this many entries are counted whole: every key is compared, without branches
/// (the built-in ACS IPv4 table is this small).
const LINEAR_TABLE: usize = 8;

/// Tables up to this many entries are binary-searched whole (a few steps in the L1 cache,
/// without the index or its data-dependent branches); larger ones go through the index.
const SMALL_TABLE: usize = 64;

/// The position of the last key `<= a` in `range`, whose first key is `<= a`: a binary search
/// without branches on the data (a constant number of steps for a given length).
#[inline(always)]
fn last_at_most<E: Entry>(range: &[E], a: E::Key) -> usize {
    let mut base = 0usize;
    let mut len = range.len();
    while len > 1 {
        let half = len / 2;
        let mid = base + half;
        // `mid < range.len()` always; the check only keeps this free of panics.
        let Some(&e) = range.get(mid) else { break };
        // The comparison result goes through `black_box`: otherwise the compiler turns this
        // select (for u128 keys) into a branch that mispredicts half the time.
        let below = core::hint::black_box(usize::from(e.at_most(a)));
        base += half & below.wrapping_neg();
        len -= half;
    }
    base
}

/// One family's entries and index geometry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FamilyTable<'a, E: Entry> {
    index: &'a [u32],
    entries: &'a [E],
    base: E::Key,
    /// The leading `skip` bits set: keys whose masked bits differ from `base` are outside the
    /// window.
    window_mask: E::Key,
    /// `!window_mask`: the bits of an address inside the window.
    chunk_mask: E::Key,
    /// `BITS - skip - index_bits`: the shift that leaves the chunk number.
    chunk_shift: u32,
}

impl<'a, E: Entry> FamilyTable<'a, E> {
    fn new(index: &'a [u32], entries: &'a [E], base: E::Key, shape: FamilyShape) -> Self {
        let bits = <E::Key as Key>::BITS;
        let window_mask = E::Key::ZERO
            .not()
            .checked_shl(bits.saturating_sub(shape.skip))
            .unwrap_or(E::Key::ZERO);
        FamilyTable {
            index,
            entries,
            base,
            window_mask,
            chunk_mask: window_mask.not(),
            chunk_shift: bits
                .saturating_sub(shape.skip)
                .saturating_sub(shape.index_bits),
        }
    }

    /// The position of the interval holding `a`: the last entry whose key is `<= a`.
    ///
    /// This is the hot path of every lookup, written for few instructions and loads so that
    /// the lookups of a batch overlap in the CPU: one index read, one window count, no
    /// data-dependent branch in the common case.
    #[inline(always)]
    fn position(&self, a: E::Key) -> usize {
        let len = self.entries.len();
        if len <= LINEAR_TABLE {
            // A tiny table (the ACS ranges): count every key <= a. The loop length never
            // changes for a table, so its branch is always predicted.
            let below = self
                .entries
                .iter()
                .fold(0usize, |n, &e| n + usize::from(e.at_most(a)));
            return below.saturating_sub(1);
        }
        if len <= SMALL_TABLE {
            return last_at_most(self.entries, a);
        }
        self.position_indexed(a)
    }

    /// [`FamilyTable::position`] for a table wider than one window.
    #[inline(always)]
    fn position_indexed(&self, a: E::Key) -> usize {
        let len = self.entries.len();
        if a.xor(self.base).and(self.window_mask) != E::Key::ZERO {
            // Outside the window every key but the first shares: before it or after it.
            return if a < self.base { 0 } else { len - 1 };
        }
        let chunk = self.chunk(a);
        let Some(&[lo, hi]) = self.index.get(chunk..chunk + 2) else {
            return 0;
        };
        let (lo, hi) = (lo as usize, hi as usize);
        // The candidates are entries[lo..=hi]; `entries[lo] <= a`.
        if hi.wrapping_sub(lo) < E::SCAN_WIDTH {
            // Count in a fixed-width window holding every candidate: keys before `lo` are
            // <= a and keys after the candidates are > a, so the last key <= a in the window
            // is the answer (and `entries[lo] <= a` makes the count at least 1).
            let start = lo.min(len - E::SCAN_WIDTH);
            let window = self.entries.get(start..start + E::SCAN_WIDTH);
            if let Some(n) = window.and_then(|w| E::count_at_most(w, a)) {
                return start + n.saturating_sub(1);
            }
        }
        self.search(a, lo, hi)
    }

    /// The index slot of an address inside the window.
    #[inline(always)]
    fn chunk(&self, a: E::Key) -> usize {
        a.and(self.chunk_mask).shr_usize(self.chunk_shift)
    }

    /// The slow path of [`FamilyTable::position`]: a binary search of a chunk with more
    /// candidates than one window holds.
    #[inline(never)]
    fn search(&self, a: E::Key, lo: usize, hi: usize) -> usize {
        match self.entries.get(lo..hi.saturating_add(1)) {
            Some(range) => lo + last_at_most(range, a),
            None => 0,
        }
    }

    #[inline(always)]
    fn lookup(&self, a: E::Key) -> u32 {
        self.entries.get(self.position(a)).map_or(0, |e| e.tag())
    }

    /// Look up many addresses; `mapped` answers for the addresses another table serves
    /// (IPv4-mapped IPv6 addresses), before this table is asked.
    ///
    /// An indexed table is read ahead: while looking up address `i`, the index slot of address
    /// `i + INDEX_AHEAD` and the scan window of address `i + WINDOW_AHEAD` are prefetched, so
    /// the cache misses of many lookups overlap instead of following one another.
    ///
    /// For a tiny table the work is turned around: each interval is compared with every
    /// address (a loop the compiler vectorizes), counting per address the intervals that start
    /// at or before it.
    #[inline(always)]
    fn lookup_batch(
        &self,
        addrs: &[E::Key],
        out: &mut [u32],
        mapped: impl Fn(E::Key) -> Option<u32>,
    ) {
        const INDEX_AHEAD: usize = 16;
        const WINDOW_AHEAD: usize = 8;
        let line_entries = (64 / core::mem::size_of::<E>()).max(1);
        if self.entries.len() > SMALL_TABLE {
            for (i, (o, &a)) in out.iter_mut().zip(addrs).enumerate() {
                if let Some(&ahead) = addrs.get(i + INDEX_AHEAD) {
                    prefetch(self.index.as_ptr().wrapping_add(self.chunk(ahead)));
                }
                if let Some(&ahead) = addrs.get(i + WINDOW_AHEAD) {
                    if let Some(&lo) = self.index.get(self.chunk(ahead)) {
                        // Every cache line the window may span: one per 64 bytes from
                        // its start, and the line of its last entry.
                        let window = self.entries.as_ptr().wrapping_add(lo as usize);
                        for at in (0..E::SCAN_WIDTH).step_by(line_entries) {
                            prefetch(window.wrapping_add(at));
                        }
                        prefetch(window.wrapping_add(E::SCAN_WIDTH - 1));
                    }
                }
                *o = match mapped(a) {
                    Some(tags) => tags,
                    None => {
                        let position = self.position_indexed(a);
                        self.entries.get(position).map_or(0, |e| e.tag())
                    }
                };
            }
            return;
        }
        if self.entries.len() > LINEAR_TABLE {
            // A small table: the binary search `position` would pick, without asking again
            // for every address which kind of table this is.
            for (o, &a) in out.iter_mut().zip(addrs) {
                *o = mapped(a).unwrap_or_else(|| {
                    let position = last_at_most(self.entries, a);
                    self.entries.get(position).map_or(0, |e| e.tag())
                });
            }
            return;
        }
        let out = match out.get_mut(..addrs.len()) {
            Some(o) => o,
            None => out,
        };
        out.fill(0);
        for e in self.entries {
            let k = e.key();
            for (o, &a) in out.iter_mut().zip(addrs) {
                *o += u32::from(k <= a);
            }
        }
        for (o, &a) in out.iter_mut().zip(addrs) {
            let position = (*o as usize).saturating_sub(1);
            *o = mapped(a).unwrap_or_else(|| self.entries.get(position).map_or(0, |e| e.tag()));
        }
    }

    /// Every structural invariant lookups rely on for correct answers.
    fn validate(&self, shape: FamilyShape) -> Result<(), Error> {
        let bits = <E::Key as Key>::BITS;
        let n = self.entries.len();
        if n == 0 || self.entries.first().map(|e| e.key()) != Some(E::Key::ZERO) {
            return Err(Error::ImageCorrupt);
        }
        if !self
            .entries
            .windows(2)
            .all(|w| matches!(w, [a, b] if a.key() < b.key()))
        {
            return Err(Error::ImageCorrupt);
        }
        // Tags are u32 values; in wider entries the unused bits are zero.
        if !self.entries.iter().all(|&e| E::new(e.key(), e.tag()) == e) {
            return Err(Error::ImageCorrupt);
        }
        if shape.skip > bits
            || shape.index_bits > MAX_INDEX_BITS
            || shape.skip + shape.index_bits > bits
            || self.base.and(self.window_mask.not()) != E::Key::ZERO
        {
            return Err(Error::ImageCorrupt);
        }
        // Every key but the first lies inside the window (checking the ends suffices).
        if n > 1 {
            for e in [self.entries.get(1), self.entries.last()]
                .into_iter()
                .flatten()
            {
                if e.key().xor(self.base).and(self.window_mask) != E::Key::ZERO {
                    return Err(Error::ImageCorrupt);
                }
            }
        }
        // index[c] is the last key <= the chunk's first address; the final entry is n - 1.
        let chunks = self.index.len().saturating_sub(1);
        let mut pos = 0usize;
        for (c, &at) in self.index.iter().enumerate() {
            let want = if c == chunks {
                n - 1
            } else {
                let start = chunk_start(self.base, c, self.chunk_shift);
                while self.entries.get(pos + 1).is_some_and(|e| e.key() <= start) {
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
    v4: FamilyTable<'a, u64>,
    v6: FamilyTable<'a, [u128; 2]>,
}

/// The validated geometry of a table (its header's lengths, counts and index shapes), kept
/// apart from the image so that a view can be rebuilt from it without reading the header
/// again: [`IpSet::from_geometry`]. A C handle stores this beside the image pointer, so an image
/// rewritten after it was loaded (a memory-mapped file replaced in place) can give wrong
/// answers but can never steer a lookup outside the bytes that were validated.
///
/// Plain data of 64 bytes, 8-byte aligned; any bit pattern is safe (a nonsensical geometry
/// gives a table that matches nothing).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IpSetGeometry {
    total: u64,
    prefix_count: u64,
    v4: [u32; 4],
    v6: [u32; 4],
    v6_base: [u64; 2],
}

impl IpSetGeometry {
    fn from_header(h: &Header) -> IpSetGeometry {
        let shape = |s: FamilyShape, base: u32| [s.entries as u32, s.index_bits, s.skip, base];
        IpSetGeometry {
            total: h.total as u64,
            prefix_count: h.prefix_count,
            v4: shape(h.v4, h.v4_base),
            v6: shape(h.v6, 0),
            v6_base: [h.v6_base as u64, (h.v6_base >> 64) as u64],
        }
    }

    fn header(&self) -> Header {
        let shape = |f: [u32; 4]| FamilyShape {
            entries: f[0] as usize,
            index_bits: f[1],
            skip: f[2],
        };
        Header {
            total: usize::try_from(self.total).unwrap_or(0),
            prefix_count: self.prefix_count,
            v4: shape(self.v4),
            v4_base: self.v4[3],
            v6: shape(self.v6),
            v6_base: u128::from(self.v6_base[0]) | (u128::from(self.v6_base[1]) << 64),
            reserved: self.v6[3],
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
    reserved: u32,
}

fn read_header(image: &[u8]) -> Header {
    let shape = |at: usize| FamilyShape {
        entries: read_u32(image, at) as usize,
        index_bits: read_u32(image, at + 4),
        skip: read_u32(image, at + 8),
    };
    Header {
        total: usize::try_from(read_u64(image, field::TOTAL_LEN)).unwrap_or(0),
        prefix_count: read_u64(image, field::PREFIX_COUNT),
        v4: shape(field::V4),
        v4_base: read_u32(image, field::V4 + 12),
        v6: shape(field::V6),
        v6_base: read_u128(image, field::V6_BASE),
        reserved: read_u32(image, field::V6 + 12),
    }
}

fn slice<T: super::image::Pod>(image: &[u8], span: (usize, usize)) -> Option<&[T]> {
    cast(image.get(span.0..span.1)?)
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
        if layout.total != total
            || header.v4.index_bits > MAX_INDEX_BITS
            || header.v6.index_bits > MAX_INDEX_BITS
        {
            return Err(Error::ImageCorrupt);
        }
        check_checksum(image, total)?;
        let set = Self::view(image, &header, &layout).ok_or(Error::ImageCorrupt)?;
        set.v4.validate(header.v4)?;
        set.v6.validate(header.v6)?;
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
            v6_base: [0; 2],
        },
        v4: FamilyTable {
            index: &[0, 0],
            entries: &[0],
            base: 0,
            window_mask: 0,
            chunk_mask: !0,
            chunk_shift: 32,
        },
        v6: FamilyTable {
            index: &[0, 0],
            entries: &[[0, 0]],
            base: 0,
            window_mask: 0,
            chunk_mask: !0,
            chunk_shift: 128,
        },
    };

    fn view(image: &'a [u8], header: &Header, layout: &Layout) -> Option<IpSet<'a>> {
        let image = image.get(..header.total)?;
        if layout.total != header.total || header.total < HEADER_LEN {
            return None;
        }
        let v4_entries: &[u64] = slice(image, layout.v4_entries)?;
        let v6_entries: &[[u128; 2]] = slice(image, layout.v6_entries)?;
        let v4_index: &[u32] = slice(image, layout.v4_index)?;
        let v6_index: &[u32] = slice(image, layout.v6_index)?;
        let v4 = FamilyTable::new(v4_index, v4_entries, header.v4_base, header.v4);
        let v6 = FamilyTable::new(v6_index, v6_entries, header.v6_base, header.v6);
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

    /// How many intervals each family (IPv4, IPv6) stores.
    pub fn interval_counts(&self) -> (usize, usize) {
        (self.v4.entries.len(), self.v6.entries.len())
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
        self.v4.lookup_batch(addrs, out, |_| None);
    }

    /// Look up many IPv6 addresses (mapped ones as IPv4), like [`IpSet::lookup_v4_batch`].
    pub fn lookup_v6_batch(&self, addrs: &[u128], out: &mut [u32]) {
        self.v6
            .lookup_batch(addrs, out, |a| ipv4_mapped(a).map(|v4| self.v4.lookup(v4)));
    }
}
