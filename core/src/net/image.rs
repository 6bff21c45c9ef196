//! The table image format: a fixed header followed by plain arrays at offsets computed from
//! the header's counts (no pointers, so an image can be copied, written to a file and mapped
//! back). Also the checksum and the byte-to-array casts the table views use.
//!
//! Layout (native byte order; the magic number tells a foreign byte order apart):
//!
//! ```text
//! offset  field
//!  0      magic u32 = 0x7467_6970          4  version u32 = 6
//!  8      total_len u64                    16 checksum u64 (computed with this field = 0)
//! 24      prefix_count u64 (list entries the table was built from; informational)
//! 32      v4: cells u32, spills u32, dict u32, shape u32 (skip | cell_index << 8 |
//!             spill_index << 16 | code_bytes << 24 | size_bits << 28)
//! 48      v6: the same four fields
//! 64      v4 base u32, v6 longs u32 (long spill keys; IPv4 has none), reserved u64 (0)
//! 80      v6 base u128
//! 96      v4 arrays, then v6 arrays, each array padded to 16 bytes:
//!           index   [u32; 2^cell_index + 1]   (IPv6; IPv4: [[u8; 6]; 2^cell_index + 1],
//!                                              see below)
//!           digits  [D; cells + D::WINDOW]    (D = u32 entries for IPv4: digit << 16 |
//!                                              code; u32 digits for IPv6; padding 0)
//!           codes   [C; cells + 2]            (C = u8, u16 or u32: code_bytes; absent
//!                                              for IPv4 codes of up to 2 bytes, which the
//!                                              entries hold, `cells` and `cells + 1` in
//!                                              the padding)
//!           dict    [[u32; 2]; dict]          (mask inside, mask after: entry kinds,
//!                                              or mask pairs where codes hold sizes)
//!           sizes   [u8; dict]                (entry kinds: piece size sx, 64 = plain;
//!                                              absent where codes hold sizes)
//!           keys    [S; spills]               (short spill keys: S = u32 whole IPv4
//!                                              addresses, u64 IPv6 leads)
//!           scodes  [C; spills]
//!           sindex  [u32; 2^spill_index + 1]  (absent when spills = 0)
//!           longs   [K; longs]                (long spill keys: whole u128 addresses)
//!           lcodes  [C; longs]
//!           lindex  [u32; 2^spill_index + 1]  (absent when longs = 0)
//! ```
//!
//! A family's addresses are cut into disjoint intervals, each with one tag mask. Every
//! address but 0 at which the tag changes (a boundary) shares its leading `skip` bits with
//! `base` (the window). Inside the window the next `cell_index` bits pick a chunk, and the
//! `D::BITS` bits after them are the address's **digit**. Chunk `c`'s entries are
//! `index[c]..index[c + 1]`: ascending digits, each with a code that holds from its digit
//! until the next entry (in this chunk or a later one; chunk 0 starts with digit 0), so a
//! lookup reads one index slot and counts, in one fixed window of digits, those `<=` its
//! own: the answer is the entry before the first greater one (DXR's idea: only the key
//! bits below the index are stored). A code below `dict` names a
//! tag mask in `dict` (a few distinct masks serve millions of intervals, so a code is
//! usually one byte); the code `dict` itself ("spill") says that the cell (the addresses
//! sharing the digit) holds boundaries finer than a digit resolves, whose exact addresses
//! are in the sorted spill `keys`, searched through their own index (`sindex[c]` is the
//! last key at or before chunk `c`'s first address). `codes[cells]` and `codes[cells + 1]`
//! are the answers below and above the window.
//!
//! IPv4 codes of up to two bytes (format 4) live in the low half of the digit entries, so
//! the code a lookup needs is in the cache line it just searched (one memory access fewer
//! per lookup; about 12% of a 500k-prefix batch on AVX-512). An entry compares by its digit
//! first, and a search key is the digit with all code bits set.
//!
//! A code (format 5) can also carry its piece's size, so a lookup reads no size: the
//! shape's `size_bits` (0, or [`Digit::SIZE_BITS`]: 4 for IPv4, 5 for IPv6) low bits are
//! `sx - (64 - D::BITS)` (a piece of one digit to half a chunk's digits) and the bits above
//! them name a mask pair in `dict`, the spill code being `dict << size_bits`; the family
//! then has no sizes array. A plain entry is a pair of equal masks with size bits 0:
//! whatever its size, such an entry answers its one mask. The build chooses this wherever
//! it keeps the codes as narrow as entry kinds would make them: the dictionary holds about a
//! third as many pairs as kinds (500k IPv4 prefixes: 2,206 against 6,537).
//!
//! An IPv4 index slot (format 6) is 6 bytes: a u32 `start << 4 | min(entries, 15)` (the
//! chunk's first entry and its entry count) and a u16 **probe**, the digit of the seventh
//! entry of the chunk's search range (the range starts at the entry before the chunk, except
//! for chunk 0), or 0 where the range has fewer than 7 entries (the last slot: 0 and 0). One
//! 8-byte read of a slot then gives a batch lookup its range and its first search step (is
//! the answer before or after that entry?), so the search of a range of up to 12 entries
//! takes two reads of entry pairs after the index read instead of three: 4-8% of a
//! 500k-prefix batch on AVX-512, for 2 more bytes per slot (half a byte per prefix there).
//! An IPv4 family holds at most 2^28 - 1 entries (the build allows 2^25 prefixes).
//!
//! Spill keys (format 3) are **short** where they can be: an IPv6 key is stored as its
//! 64-bit lead ([`Key::lead`], the bits after `skip`) when it has no bits past those; an
//! IPv4 key is its u32 address. An IPv6 boundary finer than a lead (a /128 host, a /96) is
//! a **long** key, a whole u128 in `longs`, indexed like the short ones (`lindex[c]` is the
//! number of long keys before spill chunk `c`'s first address). A prefix finer than a lead
//! lies inside one lead block and the tag outside it there is the block's own, so an
//! address takes the last long key at or before it only when that key is in its own lead
//! block, and otherwise the last short key at or before it. A spilled cell's start is a
//! short key only when the last short key before it has a different answer (the first
//! spilled cell's always is): most spilled cells sit in space no prefix covers, where the
//! key before already says so.

use crate::Error;

/// The magic number at offset 0 (`"pigt"` in little-endian memory).
pub const MAGIC: u32 = 0x7467_6970;
/// The image format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 6;
/// The header length in bytes.
pub const HEADER_LEN: usize = 96;
/// The alignment, in bytes, that build storage and loaded images need.
pub const IMAGE_ALIGN: usize = 16;
/// The largest index width, in bits, a table uses.
pub const MAX_INDEX_BITS: u32 = 22;

/// Field offsets in the header.
pub(crate) mod field {
    pub const MAGIC: usize = 0;
    pub const VERSION: usize = 4;
    pub const TOTAL_LEN: usize = 8;
    pub const CHECKSUM: usize = 16;
    pub const PREFIX_COUNT: usize = 24;
    pub const V4: usize = 32;
    pub const V6: usize = 48;
    pub const V4_BASE: usize = 64;
    pub const V6_LONGS: usize = 68;
    pub const RESERVED: usize = 72;
    pub const V6_BASE: usize = 80;
}

/// A key type of a family table: `u32` for IPv4, `u128` for IPv6.
pub(crate) trait Key: Pod + Ord + Default + core::fmt::Debug {
    /// A short spill key: the whole address (`u32`) or its lead (`u64`).
    type Short: Pod + Ord + Default + core::fmt::Debug;
    const BITS: u32;
    const ZERO: Self;
    fn checked_shl(self, n: u32) -> Option<Self>;
    fn xor(self, other: Self) -> Self;
    fn and(self, other: Self) -> Self;
    fn not(self) -> Self;
    fn leading_zeros(self) -> u32;
    fn trailing_zeros(self) -> u32;
    fn count_ones(self) -> u32;
    fn wrapping_sub(self, other: Self) -> Self;
    fn plus_one(self) -> Option<Self>;
    fn from_u64(v: u64) -> Self;
    fn low_usize(self) -> usize;
    /// The 64 bits after the first `skip` (zeros past the end): where chunk and digit are.
    fn lead(self, skip: u32) -> u64;
    /// The inverse of [`Key::lead`] for a key whose leading `skip` bits are zero.
    fn from_lead(lead: u64, skip: u32) -> Self;
    /// The short spill key of this address (exact only when [`Key::from_short`] gives the
    /// address back).
    fn short(self, skip: u32) -> Self::Short;
    /// The address of a short spill key in the window of `base` (leading `skip` bits).
    fn from_short(s: Self::Short, skip: u32, base: Self) -> Self;
}

macro_rules! impl_key {
    ($t:ty, $s:ty) => {
        impl Key for $t {
            type Short = $s;
            const BITS: u32 = <$t>::BITS;
            const ZERO: Self = 0;
            #[inline(always)]
            fn checked_shl(self, n: u32) -> Option<Self> {
                <$t>::checked_shl(self, n)
            }
            #[inline(always)]
            fn xor(self, other: Self) -> Self {
                self ^ other
            }
            #[inline(always)]
            fn and(self, other: Self) -> Self {
                self & other
            }
            #[inline(always)]
            fn not(self) -> Self {
                !self
            }
            #[inline(always)]
            fn leading_zeros(self) -> u32 {
                <$t>::leading_zeros(self)
            }
            #[inline(always)]
            fn trailing_zeros(self) -> u32 {
                <$t>::trailing_zeros(self)
            }
            #[inline(always)]
            fn count_ones(self) -> u32 {
                <$t>::count_ones(self)
            }
            #[inline(always)]
            fn wrapping_sub(self, other: Self) -> Self {
                <$t>::wrapping_sub(self, other)
            }
            #[inline(always)]
            fn plus_one(self) -> Option<Self> {
                self.checked_add(1)
            }
            #[inline(always)]
            fn from_u64(v: u64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn low_usize(self) -> usize {
                self as usize
            }
            #[inline(always)]
            fn lead(self, skip: u32) -> u64 {
                if <$t>::BITS > 64 {
                    // 64-bit halves: the test on `skip` is the same for every lookup of a
                    // table, so it is always predicted.
                    let w = u128::from(self);
                    let (hi, lo) = ((w >> 64) as u64, w as u64);
                    if skip < 64 {
                        hi.wrapping_shl(skip) | (lo >> 1).wrapping_shr(63 - skip)
                    } else {
                        lo.checked_shl(skip - 64).unwrap_or(0)
                    }
                } else {
                    // A u32 key on top of a u64, shifted by at most 32 (a larger `skip`,
                    // which validation refuses, gives a wrong chunk, never a bad read).
                    ((self as u64) << (64 - <$t>::BITS)).wrapping_shl(skip)
                }
            }
            #[inline(always)]
            fn from_lead(lead: u64, skip: u32) -> Self {
                let wide = (u128::from(lead) << 64).checked_shr(skip).unwrap_or(0);
                (wide >> (128 - <$t>::BITS)) as $t
            }
            #[inline(always)]
            fn short(self, skip: u32) -> $s {
                if <$t>::BITS > 64 {
                    self.lead(skip) as $s
                } else {
                    self as $s
                }
            }
            #[inline(always)]
            fn from_short(s: $s, skip: u32, base: Self) -> Self {
                if <$t>::BITS > 64 {
                    Self::from_lead(s as u64, skip) ^ base
                } else {
                    s as $t
                }
            }
        }
    };
}
impl_key!(u32, u32);
impl_key!(u128, u64);

/// A digit type: the key bits a chunk stores per entry ([`Packed16`] for IPv4, `u32` for
/// IPv6).
pub(crate) trait Digit: Pod + Ord + Default + core::fmt::Debug {
    const BITS: u32;
    /// How many digits a lookup counts at once (64 bytes); the digit array is padded by as
    /// many so that the window never runs past it.
    const WINDOW: usize;
    /// Whether an entry has room for a code of up to 16 bits beside its digit (see
    /// [`FamilyShape::codes_in_digits`]).
    const HOLDS_CODE: bool;
    /// How many low bits of a code hold its entry's piece size, as `sx - (64 - BITS)`, in a
    /// family whose codes hold sizes (every size a piece of this digit can have fits them;
    /// see the image format).
    const SIZE_BITS: u32;
    /// Bytes per chunk index slot: 4 (the chunk's first entry), or 6 for IPv4, whose slots
    /// also carry the chunk's entry count and its search's first probe (see [`ChunkIndex`]).
    const SLOT_BYTES: usize;
    /// The search key for the leading `BITS` bits of a 64-bit lead: `>=` every stored entry
    /// with that digit and `<` every entry with a greater one.
    fn from_top(lead: u64) -> Self;
    /// The stored entry for the digit `top` (as [`Digit::to_top`] gives it) and `code`
    /// (kept only where the entry [holds codes](Digit::HOLDS_CODE)).
    fn entry(top: u64, code: u32) -> Self;
    /// The digit as the leading bits of a 64-bit word.
    fn to_top(self) -> u64;
    /// The code an entry holds (0 for digit types without room for one).
    fn code(self) -> u32;
    /// How many of the first `n` (at most [`Digit::WINDOW`]) entries of `window` (sorted,
    /// [`Digit::WINDOW`] long; None otherwise) are `<= d`.
    fn count_at_most(window: &[Self], d: Self, n: usize) -> Option<usize>;
}

/// An IPv4 chunk entry: the 16-bit digit in the high half, and in the low half the entry's
/// code when the family's codes fit 16 bits (zero otherwise), so that a lookup finds its
/// code in the cache line it searched. Entries compare by digit first.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Packed16(pub(crate) u32);

impl Digit for Packed16 {
    const BITS: u32 = 16;
    const WINDOW: usize = 16;
    const HOLDS_CODE: bool = true;
    const SIZE_BITS: u32 = 4;
    const SLOT_BYTES: usize = 6;
    #[inline(always)]
    fn from_top(lead: u64) -> Self {
        Packed16(((lead >> 48) as u32) << 16 | 0xffff)
    }
    #[inline(always)]
    fn entry(top: u64, code: u32) -> Self {
        Packed16(((top >> 48) as u32) << 16 | (code & 0xffff))
    }
    #[inline(always)]
    fn to_top(self) -> u64 {
        u64::from(self.0 >> 16) << 48
    }
    #[inline(always)]
    fn code(self) -> u32 {
        self.0 & 0xffff
    }
    #[inline(always)]
    fn count_at_most(window: &[Self], d: Self, n: usize) -> Option<usize> {
        let window: &[Self; 16] = window.try_into().ok()?;
        // SAFETY: `Packed16` is a transparent u32, so the arrays have one layout.
        let words = unsafe { &*(window as *const [Self; 16]).cast::<[u32; 16]>() };
        Some(super::scan::count_u32(words, d.0, n))
    }
}

impl Digit for u32 {
    const BITS: u32 = 32;
    const WINDOW: usize = 16;
    const HOLDS_CODE: bool = false;
    const SIZE_BITS: u32 = 5;
    const SLOT_BYTES: usize = 4;
    #[inline(always)]
    fn from_top(lead: u64) -> Self {
        (lead >> 32) as u32
    }
    #[inline(always)]
    fn entry(top: u64, _: u32) -> Self {
        Self::from_top(top)
    }
    #[inline(always)]
    fn to_top(self) -> u64 {
        u64::from(self) << 32
    }
    #[inline(always)]
    fn code(self) -> u32 {
        0
    }
    #[inline(always)]
    fn count_at_most(window: &[Self], d: Self, n: usize) -> Option<usize> {
        window
            .try_into()
            .ok()
            .map(|w| super::scan::count_u32(w, d, n))
    }
}

/// Element types an image is made of: any bit pattern is a valid value, no padding.
///
/// # Safety
/// Implement only for integer types (and arrays of them).
pub(crate) unsafe trait Pod: Copy + 'static {}
// SAFETY: integers have no padding and every bit pattern is valid.
unsafe impl Pod for u8 {}
// SAFETY: as above.
unsafe impl Pod for u16 {}
// SAFETY: as above.
unsafe impl Pod for u32 {}
// SAFETY: as above.
unsafe impl Pod for u64 {}
// SAFETY: as above.
unsafe impl Pod for u128 {}
// SAFETY: a transparent u32: no padding, every bit pattern valid.
unsafe impl Pod for Packed16 {}
// SAFETY: an array of integers: no padding, every bit pattern valid.
unsafe impl Pod for [u128; 2] {}
// SAFETY: an array of integers: no padding, every bit pattern valid (host-name slots).
unsafe impl Pod for [u64; 3] {}
// SAFETY: an array of integers: no padding, every bit pattern valid (port ranges).
unsafe impl Pod for [u32; 4] {}
// SAFETY: an array of integers: no padding, every bit pattern valid (mask pairs).
unsafe impl Pod for [u32; 2] {}

/// View aligned bytes as a slice of `T` (None when misaligned or not a whole number of `T`).
pub(crate) fn cast<T: Pod>(bytes: &[u8]) -> Option<&[T]> {
    let size = core::mem::size_of::<T>();
    if bytes.as_ptr().align_offset(core::mem::align_of::<T>()) != 0
        || !bytes.len().is_multiple_of(size)
    {
        return None;
    }
    // SAFETY: the pointer is aligned for T, the length is a whole number of T within the
    // borrowed bytes, and T accepts every bit pattern (Pod).
    Some(unsafe { core::slice::from_raw_parts(bytes.as_ptr().cast::<T>(), bytes.len() / size) })
}

/// Mutable form of [`cast`].
pub(crate) fn cast_mut<T: Pod>(bytes: &mut [u8]) -> Option<&mut [T]> {
    let size = core::mem::size_of::<T>();
    if bytes.as_ptr().align_offset(core::mem::align_of::<T>()) != 0
        || !bytes.len().is_multiple_of(size)
    {
        return None;
    }
    // SAFETY: as in `cast`; the exclusive borrow of the bytes becomes one of the elements, and
    // every bit pattern written through T is a valid byte sequence.
    Some(unsafe {
        core::slice::from_raw_parts_mut(bytes.as_mut_ptr().cast::<T>(), bytes.len() / size)
    })
}

/// Round `n` up to a multiple of 16.
pub(crate) const fn pad16(n: usize) -> Option<usize> {
    match n.checked_add(15) {
        Some(v) => Some(v & !15),
        None => None,
    }
}

/// The shape of one family: its array lengths and index geometry (the header's four
/// fields).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FamilyShape {
    /// Entries of the chunked array (digits and codes).
    pub cells: usize,
    /// Short spill keys.
    pub spills: usize,
    /// Long spill keys (whole addresses finer than a short key; IPv6 only).
    pub longs: usize,
    /// Dictionary entries: entry kinds, or mask pairs where codes hold sizes.
    pub dict: usize,
    /// The leading bits every boundary shares with the base.
    pub skip: u32,
    /// The chunk index width in bits.
    pub cell_index: u32,
    /// The spill index width in bits.
    pub spill_index: u32,
    /// Bytes per code: 1, 2 or 4.
    pub code_bytes: u32,
    /// The low code bits holding the entry's piece size: 0 (a sizes array), or the digit
    /// type's [`Digit::SIZE_BITS`].
    pub size_bits: u32,
}

impl FamilyShape {
    /// The header word holding the four small fields.
    pub fn packed(&self) -> u32 {
        self.skip
            | self.cell_index << 8
            | self.spill_index << 16
            | self.code_bytes << 24
            | self.size_bits << 28
    }

    /// A shape from the header's four words (no check; [`Layout::new`] checks).
    pub fn from_words(w: [u32; 4]) -> FamilyShape {
        FamilyShape {
            cells: w[0] as usize,
            spills: w[1] as usize,
            dict: w[2] as usize,
            skip: w[3] & 0xff,
            cell_index: (w[3] >> 8) & 0xff,
            spill_index: (w[3] >> 16) & 0xff,
            code_bytes: (w[3] >> 24) & 0xf,
            size_bits: w[3] >> 28,
            longs: 0,
        }
    }

    /// [`FamilyShape::from_words`] with the long key count (the header keeps it apart).
    pub fn with_longs(self, longs: u32) -> FamilyShape {
        FamilyShape {
            longs: longs as usize,
            ..self
        }
    }

    /// The header's four words.
    pub fn words(&self) -> [u32; 4] {
        [
            self.cells as u32,
            self.spills as u32,
            self.dict as u32,
            self.packed(),
        ]
    }

    /// The code width that can name `dict` dictionary entries, with `size_bits` bits below
    /// each for a size, and the spill code (`dict << size_bits`).
    pub fn code_bytes_for(dict: usize, size_bits: u32) -> u32 {
        let spill = (dict as u64) << size_bits;
        if spill < 0x100 {
            1
        } else if spill < 0x1_0000 {
            2
        } else {
            4
        }
    }

    /// The most dictionary entries codes of 4 bytes with `size_bits` size bits can name
    /// beside their spill code.
    pub fn max_dict(size_bits: u32) -> usize {
        (u32::MAX >> size_bits) as usize
    }

    /// Whether the codes of a family with digit type `D` live in its digit entries (IPv4
    /// codes of up to two bytes) rather than in their own array.
    pub fn codes_in_digits<D: Digit>(&self) -> bool {
        D::HOLDS_CODE && self.code_bytes <= 2
    }

    /// Whether the small fields are in range for keys of `K` and digits of `D`.
    fn fits<K: Key, D: Digit>(&self) -> bool {
        let bits = K::BITS;
        self.skip <= bits
            && self.cell_index <= MAX_INDEX_BITS
            && self.spill_index <= MAX_INDEX_BITS
            && self.skip + self.cell_index <= bits
            && self.skip + self.spill_index <= bits
            && (self.size_bits == 0 || self.size_bits == D::SIZE_BITS)
            && self.dict <= Self::max_dict(self.size_bits)
            && self.code_bytes == Self::code_bytes_for(self.dict, self.size_bits)
            && (self.spills > 0 || self.spill_index == 0)
            && (self.spills > 0 || self.longs == 0)
            && (bits > 64 || self.longs == 0)
            && self.cells >= 1
            && self.dict >= 1
            && (D::SLOT_BYTES == 4 || self.cells <= ChunkIndex::MAX_PROBED_START)
    }
}

/// Byte ranges of one family's arrays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FamilyLayout {
    pub index: (usize, usize),
    pub digits: (usize, usize),
    pub codes: (usize, usize),
    pub dict: (usize, usize),
    pub sizes: (usize, usize),
    pub keys: (usize, usize),
    pub scodes: (usize, usize),
    pub sindex: (usize, usize),
    pub longs: (usize, usize),
    pub lcodes: (usize, usize),
    pub lindex: (usize, usize),
    pub end: usize,
}

impl FamilyLayout {
    /// The arrays of a family of key type `K` and digit type `D` laid out from `at` (a
    /// multiple of 16); None when the shape is out of range or the sizes overflow.
    pub fn new<K: Key, D: Digit>(at: usize, s: FamilyShape) -> Option<FamilyLayout> {
        if !s.fits::<K, D>()
            || s.cells > u32::MAX as usize - 2
            || s.spills > u32::MAX as usize
            || s.longs > u32::MAX as usize
            || s.dict > u32::MAX as usize - 1
        {
            return None;
        }
        fn span(at: usize, count: usize, size: usize) -> Option<(usize, usize)> {
            let at = pad16(at)?;
            Some((at, at.checked_add(count.checked_mul(size)?)?))
        }
        let cb = s.code_bytes as usize;
        let index = span(at, (1usize << s.cell_index) + 1, D::SLOT_BYTES)?;
        let digits = span(
            index.1,
            s.cells.checked_add(D::WINDOW)?,
            core::mem::size_of::<D>(),
        )?;
        // Codes held in the digit entries take no array: the digit padding (at least two
        // entries) holds the below and above codes.
        let own_codes = if s.codes_in_digits::<D>() {
            0
        } else {
            s.cells + 2
        };
        let codes = span(digits.1, own_codes, cb)?;
        let dict = span(codes.1, s.dict, 8)?;
        let own_sizes = if s.size_bits > 0 { 0 } else { s.dict };
        let sizes = span(dict.1, own_sizes, 1)?;
        let keys = span(sizes.1, s.spills, core::mem::size_of::<K::Short>())?;
        let scodes = span(keys.1, s.spills, cb)?;
        let index_len = |n: usize| {
            if n > 0 {
                (1usize << s.spill_index) + 1
            } else {
                0
            }
        };
        let sindex = span(scodes.1, index_len(s.spills), 4)?;
        let longs = span(sindex.1, s.longs, core::mem::size_of::<K>())?;
        let lcodes = span(longs.1, s.longs, cb)?;
        let lindex = span(lcodes.1, index_len(s.longs), 4)?;
        let end = pad16(lindex.1)?;
        Some(FamilyLayout {
            index,
            digits,
            codes,
            dict,
            sizes,
            keys,
            scodes,
            sindex,
            longs,
            lcodes,
            lindex,
            end,
        })
    }

    /// The padding gaps between arrays (and after the last), which must be zero.
    pub fn gaps(&self, start: usize) -> [(usize, usize); 12] {
        [
            (start, self.index.0),
            (self.index.1, self.digits.0),
            (self.digits.1, self.codes.0),
            (self.codes.1, self.dict.0),
            (self.dict.1, self.sizes.0),
            (self.sizes.1, self.keys.0),
            (self.keys.1, self.scodes.0),
            (self.scodes.1, self.sindex.0),
            (self.sindex.1, self.longs.0),
            (self.longs.1, self.lcodes.0),
            (self.lcodes.1, self.lindex.0),
            (self.lindex.1, self.end),
        ]
    }
}

/// Byte ranges of both families.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Layout {
    pub v4: FamilyLayout,
    pub v6: FamilyLayout,
    pub total: usize,
}

impl Layout {
    /// The layout for these shapes; None when a shape is out of range or too large.
    pub fn new(v4: FamilyShape, v6: FamilyShape) -> Option<Layout> {
        let l4 = FamilyLayout::new::<u32, Packed16>(HEADER_LEN, v4)?;
        let l6 = FamilyLayout::new::<u128, u32>(l4.end, v6)?;
        let total = l6.end;
        if u64::try_from(total).is_err() {
            return None;
        }
        Some(Layout {
            v4: l4,
            v6: l6,
            total,
        })
    }
}

/// The first address of chunk `c` of a family whose chunks are `shift` bits wide.
pub(crate) fn chunk_start<K: Key>(base: K, c: usize, chunk_shift: u32) -> K {
    base.xor(
        K::from_u64(c as u64)
            .checked_shl(chunk_shift)
            .unwrap_or(K::ZERO),
    )
}

/// A family's chunk index, `2^cell_index + 1` slots of [`Digit::SLOT_BYTES`] bytes (see the
/// image format): chunk `c`'s entries are `start(c)..start(c + 1)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChunkIndex<'a> {
    bytes: &'a [u8],
    /// Slot bytes: 4, or 6 for slots with a count and a probe.
    stride: usize,
}

impl<'a> ChunkIndex<'a> {
    /// The largest start a slot with a count can hold (28 bits).
    pub const MAX_PROBED_START: usize = (1 << 28) - 1;
    /// The entries a probed search range may hold (the gathered batch's reach).
    pub const PROBED_RANGE: u32 = 12;
    /// The range position whose digit a probe holds.
    pub const PROBE_AT: usize = 6;

    /// The index of a family of one chunk with one entry (the empty table's).
    pub const fn one_entry<D: Digit>() -> ChunkIndex<'static> {
        const fn word(v: u32) -> [u8; 4] {
            v.to_ne_bytes()
        }
        const PROBED: [u8; 12] = {
            let [a0, a1, a2, a3] = word(1);
            let [b0, b1, b2, b3] = word(1 << 4);
            [a0, a1, a2, a3, 0, 0, b0, b1, b2, b3, 0, 0]
        };
        const PLAIN: [u8; 8] = {
            let [b0, b1, b2, b3] = word(1);
            [0, 0, 0, 0, b0, b1, b2, b3]
        };
        if D::SLOT_BYTES == 6 {
            ChunkIndex {
                bytes: &PROBED,
                stride: 6,
            }
        } else {
            ChunkIndex {
                bytes: &PLAIN,
                stride: 4,
            }
        }
    }

    /// The index in `bytes`, slots of `D`'s width (None unless a whole number of them).
    pub fn new<D: Digit>(bytes: &'a [u8]) -> Option<Self> {
        let stride = D::SLOT_BYTES;
        bytes
            .len()
            .is_multiple_of(stride)
            .then_some(ChunkIndex { bytes, stride })
    }

    /// The slots.
    pub fn len(&self) -> usize {
        // Constant divisors: a division by the field would keep a panic path.
        if self.stride == 6 {
            self.bytes.len() / 6
        } else {
            self.bytes.len() / 4
        }
    }

    /// The image bytes (for the gathered batch).
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Slot `c`'s first word (the start, with the count below it in probed slots).
    #[inline(always)]
    fn word(&self, c: usize) -> Option<u32> {
        let at = c.checked_mul(self.stride)?;
        let b: &[u8; 4] = self.bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(u32::from_ne_bytes(*b))
    }

    /// Chunk `c`'s first entry (None past the last slot).
    #[inline(always)]
    pub fn start(&self, c: usize) -> Option<usize> {
        let shift = if self.stride == 6 { 4 } else { 0 };
        self.word(c).map(|w| (w >> shift) as usize)
    }

    /// Chunk `c`'s entries, `start(c)..start(c + 1)`.
    #[inline(always)]
    pub fn bounds(&self, c: usize) -> Option<(usize, usize)> {
        Some((self.start(c)?, self.start(c.checked_add(1)?)?))
    }

    /// Every chunk's entries, in order.
    pub fn ranges(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (0..self.len().saturating_sub(1)).map_while(|c| self.bounds(c))
    }

    /// What chunk `c`'s probed slot holds beside its start, for its entries `lo..hi` of
    /// `digits`: the entry count (saturated at 15) and the probe, the digit of the search
    /// range's entry [`ChunkIndex::PROBE_AT`] (the range starts at the entry before the
    /// chunk, but for chunk 0), or 0 where the range is shorter. The build writes these
    /// fields and validation checks them against it.
    pub fn probed_fields<D: Digit>(digits: &[D], c: usize, lo: usize, hi: usize) -> (u32, u16) {
        let first = if c == 0 { lo } else { lo.wrapping_sub(1) };
        let at = first.wrapping_add(Self::PROBE_AT);
        let probe = match digits.get(at) {
            Some(d) if at < hi => (d.to_top() >> 48) as u16,
            _ => 0,
        };
        (hi.wrapping_sub(lo).min(15) as u32, probe)
    }

    /// A probed slot's count field and probe (None for plain slots or past the end).
    pub fn probe(&self, c: usize) -> Option<(u32, u16)> {
        if self.stride != 6 {
            return None;
        }
        let at = c.checked_mul(6)?.checked_add(4)?;
        let b: &[u8; 2] = self.bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some((self.word(c)? & 15, u16::from_ne_bytes(*b)))
    }
}

/// The bytes of a probed (IPv4) index slot: the chunk's first entry `start`, then its count
/// field (at most 15) and probe (see [`ChunkIndex::probed_fields`]).
pub(crate) fn probed_slot(start: u32, (count, probe): (u32, u16)) -> [u8; 6] {
    let [w0, w1, w2, w3] = (start << 4 | count.min(15)).to_ne_bytes();
    let [p0, p1] = probe.to_ne_bytes();
    [w0, w1, w2, w3, p0, p1]
}

/// Read a native-endian u32 at `at` (0 when out of range; callers check lengths first).
pub(crate) fn read_u32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at.wrapping_add(4))
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_ne_bytes)
}

/// Read a native-endian u64 at `at` (0 when out of range).
pub(crate) fn read_u64(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at.wrapping_add(8))
        .and_then(|b| b.try_into().ok())
        .map_or(0, u64::from_ne_bytes)
}

/// Read a native-endian u128 at `at` (0 when out of range).
pub(crate) fn read_u128(bytes: &[u8], at: usize) -> u128 {
    bytes
        .get(at..at.wrapping_add(16))
        .and_then(|b| b.try_into().ok())
        .map_or(0, u128::from_ne_bytes)
}

/// Write native-endian bytes at `at` (ignored when out of range; callers size buffers first).
pub(crate) fn write_bytes(bytes: &mut [u8], at: usize, value: &[u8]) {
    if let Some(dst) = bytes.get_mut(at..at.wrapping_add(value.len())) {
        dst.copy_from_slice(value);
    }
}

/// The image checksum: every 8-byte word folded by xor-then-multiply (each step is a
/// bijection, so changing any one word always changes the result), with the checksum field
/// itself read as zero.
pub(crate) fn checksum(image: &[u8]) -> u64 {
    const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h: u64 = 0x6a09_e667_f3bc_c909 ^ image.len() as u64;
    for (i, word) in image.chunks(8).enumerate() {
        let mut w = [0u8; 8];
        if let Some(dst) = w.get_mut(..word.len()) {
            dst.copy_from_slice(word);
        }
        let w = if i * 8 == field::CHECKSUM {
            0
        } else {
            u64::from_ne_bytes(w)
        };
        h = (h ^ w).wrapping_mul(MULTIPLIER);
    }
    h ^ (h >> 29)
}

/// Check the header fields that need no family data: length, alignment, magic, version,
/// and declared length. Returns the declared total length.
pub(crate) fn check_envelope(image: &[u8]) -> Result<usize, Error> {
    if image.len() < HEADER_LEN {
        return Err(Error::ImageTruncated);
    }
    if image.as_ptr().align_offset(IMAGE_ALIGN) != 0 {
        return Err(Error::Misaligned);
    }
    if read_u32(image, field::MAGIC) != MAGIC {
        return Err(Error::ImageBadMagic);
    }
    if read_u32(image, field::VERSION) != FORMAT_VERSION {
        return Err(Error::ImageUnsupportedVersion);
    }
    let total =
        usize::try_from(read_u64(image, field::TOTAL_LEN)).map_err(|_| Error::ImageCorrupt)?;
    if total > image.len() {
        return Err(Error::ImageTruncated);
    }
    if total < HEADER_LEN || !total.is_multiple_of(IMAGE_ALIGN) {
        return Err(Error::ImageCorrupt);
    }
    Ok(total)
}

/// Check the checksum of the first `total` bytes (after the layout has been checked).
pub(crate) fn check_checksum(image: &[u8], total: usize) -> Result<(), Error> {
    let body = image.get(..total).ok_or(Error::ImageTruncated)?;
    if checksum(body) != read_u64(image, field::CHECKSUM) {
        return Err(Error::ImageBadChecksum);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_sees_every_single_byte_change() {
        let mut data = [0u8; 64];
        for (i, b) in data.iter_mut().enumerate() {
            *b = i as u8;
        }
        let base = checksum(&data);
        for i in 0..data.len() {
            if (field::CHECKSUM..field::CHECKSUM + 8).contains(&i) {
                continue;
            }
            for bit in 0..8 {
                let mut m = data;
                m[i] ^= 1 << bit;
                assert_ne!(checksum(&m), base, "byte {i} bit {bit}");
            }
        }
        // The checksum field itself does not take part.
        let mut m = data;
        m[field::CHECKSUM] ^= 0xff;
        assert_eq!(checksum(&m), base);
    }

    #[test]
    fn layout_is_aligned_and_ordered() {
        let shape = |cells, spills, dict, skip, cell_index, spill_index| FamilyShape {
            cells,
            spills,
            dict,
            skip,
            cell_index,
            spill_index,
            code_bytes: FamilyShape::code_bytes_for(dict, 0),
            size_bits: 0,
            longs: 0,
        };
        // IPv4 codes hold sizes in their low 4 bits.
        let shape4 = |cells, spills, dict, skip, cell_index, spill_index| FamilyShape {
            code_bytes: FamilyShape::code_bytes_for(dict, 4),
            size_bits: 4,
            ..shape(cells, spills, dict, skip, cell_index, spill_index)
        };
        assert_eq!(FamilyShape::code_bytes_for(0xf, 4), 1);
        assert_eq!(FamilyShape::code_bytes_for(0x10, 4), 2);
        assert_eq!(FamilyShape::code_bytes_for(0xfff, 4), 2);
        assert_eq!(FamilyShape::code_bytes_for(0x1000, 4), 4);
        assert_eq!(FamilyShape::code_bytes_for(0xffff, 0), 2);
        let l = Layout::new(shape4(3, 0, 2, 5, 1, 0), shape(5, 2, 300, 3, 2, 1)).unwrap();
        // IPv4 index slots are 6 bytes (start and count, probe).
        assert_eq!(l.v4.index, (96, 96 + 6 * 3));
        // IPv4 entries are 4 bytes and hold codes of up to two bytes: no codes array.
        assert_eq!(l.v4.digits, (128, 128 + 4 * 19));
        assert_eq!(l.v4.codes, (208, 208));
        assert_eq!(l.v4.dict, (208, 224));
        // IPv4 sizes are in the codes: no sizes array.
        assert_eq!(l.v4.sizes, (224, 224));
        assert_eq!(l.v4.keys, (224, 224));
        assert_eq!(l.v4.sindex, (224, 224));
        // IPv6 slots are plain u32 starts.
        assert_eq!(l.v6.index, (224, 224 + 4 * 5));
        // IPv6 entry kinds have their sizes array.
        assert_eq!(l.v6.sizes.1 - l.v6.sizes.0, 300);
        assert_eq!(l.v6.codes.1 - l.v6.codes.0, 2 * 7);
        // IPv6 short keys are 8-byte leads; no long keys, no long index.
        assert_eq!(l.v6.keys.1 - l.v6.keys.0, 16);
        assert_eq!(l.v6.sindex.1 - l.v6.sindex.0, 12);
        assert_eq!(l.v6.lindex.0, l.v6.lindex.1);
        assert_eq!(l.total % 16, 0);
        // Four-byte IPv4 codes (4,096 pairs and up) have their own array.
        let l = Layout::new(shape4(3, 0, 0x1000, 5, 1, 0), shape(5, 2, 300, 3, 2, 1)).unwrap();
        assert_eq!(l.v4.digits, (128, 128 + 4 * 19));
        assert_eq!(l.v4.codes, (208, 208 + 4 * 5));
        // Long keys are whole u128s with their own codes and index.
        let l = Layout::new(
            shape4(3, 0, 2, 5, 1, 0),
            shape(5, 2, 300, 3, 2, 1).with_longs(3),
        )
        .unwrap();
        assert_eq!(l.v6.longs.0 % 16, 0);
        assert_eq!(l.v6.longs.1 - l.v6.longs.0, 48);
        assert_eq!(l.v6.lcodes.1 - l.v6.lcodes.0, 6);
        assert_eq!(l.v6.lindex.1 - l.v6.lindex.0, 12);
        // IPv4 has no long keys, and long keys need short ones.
        assert!(Layout::new(
            shape4(3, 2, 2, 5, 1, 1).with_longs(1),
            shape(1, 0, 1, 0, 0, 0)
        )
        .is_none());
        assert!(Layout::new(
            shape4(3, 0, 2, 5, 1, 0),
            shape(5, 0, 300, 3, 2, 0).with_longs(1)
        )
        .is_none());
        // Out-of-range shapes have no layout.
        assert!(Layout::new(shape4(3, 0, 2, 33, 0, 0), shape(1, 0, 1, 0, 0, 0)).is_none());
        assert!(Layout::new(shape4(0, 0, 1, 0, 1, 0), shape(1, 0, 1, 0, 0, 0)).is_none());
        assert!(Layout::new(shape4(2, 0, 1, 0, 0, 1), shape(1, 0, 1, 0, 0, 0)).is_none());
        let mut bad = shape4(2, 0, 1, 0, 0, 0);
        bad.code_bytes = 2;
        assert!(Layout::new(bad, shape(1, 0, 1, 0, 0, 0)).is_none());
        // Size bits are 0 or the digit type's: 4 for IPv4, 5 for IPv6 (no sizes array then).
        let mut wrong = shape4(2, 0, 1, 0, 0, 0);
        wrong.size_bits = 5;
        wrong.code_bytes = FamilyShape::code_bytes_for(1, 5);
        assert!(Layout::new(wrong, shape(1, 0, 1, 0, 0, 0)).is_none());
        let mut v6 = shape(5, 2, 300, 3, 2, 1);
        v6.size_bits = 5;
        v6.code_bytes = FamilyShape::code_bytes_for(300, 5);
        let l = Layout::new(shape(3, 0, 2, 5, 1, 0), v6).unwrap();
        assert_eq!(l.v6.sizes.0, l.v6.sizes.1);
        assert_eq!(l.v4.sizes.1 - l.v4.sizes.0, 2);
        let mut v6_wrong = v6;
        v6_wrong.size_bits = 4;
        assert!(Layout::new(shape(3, 0, 2, 5, 1, 0), v6_wrong).is_none());
        // A shape word keeps the size bits above the code width.
        assert_eq!(
            FamilyShape::from_words(v6.words()),
            FamilyShape { longs: 0, ..v6 }
        );
        // More IPv4 pairs than 4-byte codes can name beside the spill code.
        let mut big = shape4(2, 0, 1 << 28, 0, 0, 0);
        assert_eq!(big.code_bytes, 4);
        assert!(Layout::new(big, shape(1, 0, 1, 0, 0, 0)).is_none());
        big.dict -= 1;
        assert!(Layout::new(big, shape(1, 0, 1, 0, 0, 0)).is_some());
    }

    #[test]
    fn leads_round_trip() {
        for (a, skip) in [
            (0x0a01_0203u32, 0),
            (0xffff_ffff, 5),
            (0x8000_0001, 31),
            (7, 32),
        ] {
            let lead = a.lead(skip);
            let masked = if skip == 32 {
                0
            } else {
                a & (u32::MAX >> skip)
            };
            assert_eq!(u32::from_lead(lead, skip), masked, "{a:#x} {skip}");
        }
        let a: u128 = 0x2001_0db8_1234_5678_9abc_def0_1122_3344;
        assert_eq!(a.lead(0), (a >> 64) as u64);
        assert_eq!(a.lead(16), (a >> 48) as u64);
        assert_eq!(a.lead(128), 0);
        assert_eq!(u128::from_lead(a.lead(16), 16), (a << 16 >> 16) >> 48 << 48);
    }
}
