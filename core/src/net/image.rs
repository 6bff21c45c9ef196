//! The table image format: a fixed header followed by plain arrays at offsets computed from
//! the header's counts (no pointers, so an image can be copied, written to a file and mapped
//! back). Also the checksum and the byte-to-array casts the table views use.
//!
//! Layout (native byte order; the magic number tells a foreign byte order apart):
//!
//! ```text
//! offset  field
//!  0      magic u32 = 0x7467_6970          4  version u32 = 1
//!  8      total_len u64                    16 checksum u64 (computed with this field = 0)
//! 24      prefix_count u64 (list entries the table was built from; informational)
//! 32      v4 entries u32, index_bits u32, skip u32, base u32
//! 48      v6 entries u32, index_bits u32, skip u32, reserved u32 (0)
//! 64      v6 base u128
//! 80      v4 index   [u32; 2^index_bits + 1]            (then padding to 16)
//!         v4 entries [u64; entries]      key << 32 | tag  (then padding to 16)
//!         v6 entries [[u128; 2]; entries] [key, tag]
//!         v6 index   [u32; 2^index_bits + 1]            (then padding to 16)
//! ```
//!
//! Each family is a sorted array of intervals: the interval's first address (its key; the
//! first is always 0) next to its tag mask, so a lookup reads both from one cache line. Keys
//! whose leading `skip` bits differ from `base` lie outside every stored boundary but the
//! first; inside that window the next `index_bits` bits select a chunk, and
//! `index[c]..=index[c + 1]` are its candidates. Builds size the index for about two IPv4
//! entries (one IPv6 entry) per chunk, so nearly every chunk's candidates fit the fixed
//! window a lookup counts in (8 IPv4 or 4 IPv6 entries); the rare larger chunk is
//! binary-searched. Any `index_bits` up to [`MAX_INDEX_BITS`] loads.

use crate::Error;

/// The magic number at offset 0 (`"pigt"` in little-endian memory).
pub const MAGIC: u32 = 0x7467_6970;
/// The image format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// The header length in bytes.
pub const HEADER_LEN: usize = 80;
/// The alignment, in bytes, that build storage and loaded images need.
pub const IMAGE_ALIGN: usize = 16;
/// The largest index width, in bits, a table uses (4 MiB of index at most per family... x4).
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
    pub const V6_BASE: usize = 64;
}

/// A key type of a family table: `u32` for IPv4, `u128` for IPv6.
pub(crate) trait Key: Pod + Ord + Default + core::fmt::Debug {
    const BITS: u32;
    const ZERO: Self;
    fn checked_shl(self, n: u32) -> Option<Self>;
    fn xor(self, other: Self) -> Self;
    fn and(self, other: Self) -> Self;
    fn not(self) -> Self;
    fn leading_zeros(self) -> u32;
    fn plus_one(self) -> Option<Self>;
    fn from_u64(v: u64) -> Self;
    fn low_usize(self) -> usize;
    /// `self >> n` as a usize, the shift taken modulo `BITS` (one instruction; callers keep
    /// `n < BITS`, and a larger `n` gives a wrong chunk, never undefined behaviour).
    fn shr_usize(self, n: u32) -> usize;
}

macro_rules! impl_key {
    ($t:ty) => {
        impl Key for $t {
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
            fn shr_usize(self, n: u32) -> usize {
                if <$t>::BITS > 64 && n >= 64 {
                    // Only the high word matters: one 64-bit shift, not a double-word one.
                    ((self >> 64) as u64).wrapping_shr(n - 64) as usize
                } else {
                    self.wrapping_shr(n) as usize
                }
            }
        }
    };
}
impl_key!(u32);
impl_key!(u128);

/// Element types an image is made of: any bit pattern is a valid value, no padding.
///
/// # Safety
/// Implement only for integer types (and arrays of them).
pub(crate) unsafe trait Pod: Copy + 'static {}
// SAFETY: integers have no padding and every bit pattern is valid.
unsafe impl Pod for u32 {}
// SAFETY: as above.
unsafe impl Pod for u64 {}
// SAFETY: as above.
unsafe impl Pod for u128 {}
// SAFETY: an array of integers: no padding, every bit pattern valid.
unsafe impl Pod for [u128; 2] {}
// SAFETY: an array of integers: no padding, every bit pattern valid (host-name slots).
unsafe impl Pod for [u64; 3] {}
// SAFETY: an array of integers: no padding, every bit pattern valid (port ranges).
unsafe impl Pod for [u32; 4] {}

/// One interval of a family table: its first address (key) and its tag mask, stored together.
pub(crate) trait Entry: Pod + PartialEq + core::fmt::Debug {
    /// The address type.
    type Key: Key;
    /// The width of the window a lookup searches before falling back to a full binary search
    /// (one 64-byte line of IPv4 entries, two of IPv6).
    const SCAN_WIDTH: usize;
    /// The log2 of the average number of entries per index chunk.
    const CHUNK_LOG: u32;
    fn new(key: Self::Key, tag: u32) -> Self;
    fn key(self) -> Self::Key;
    fn tag(self) -> u32;
    /// Whether this entry's key is `<= a`.
    fn at_most(self, a: Self::Key) -> bool;
    /// How many keys of `window` (sorted, [`Entry::SCAN_WIDTH`] long; None otherwise) are
    /// `<= a`.
    fn count_at_most(window: &[Self], a: Self::Key) -> Option<usize>;
}

impl Entry for u64 {
    type Key = u32;
    const SCAN_WIDTH: usize = 8;
    const CHUNK_LOG: u32 = 1;
    #[inline(always)]
    fn new(key: u32, tag: u32) -> Self {
        (u64::from(key) << 32) | u64::from(tag)
    }
    #[inline(always)]
    fn key(self) -> u32 {
        (self >> 32) as u32
    }
    #[inline(always)]
    fn tag(self) -> u32 {
        self as u32
    }
    #[inline(always)]
    fn at_most(self, a: u32) -> bool {
        (self >> 32) as u32 <= a
    }
    #[inline(always)]
    fn count_at_most(window: &[Self], a: u32) -> Option<usize> {
        window.try_into().ok().map(|w| super::scan::count_v4(w, a))
    }
}

impl Entry for [u128; 2] {
    type Key = u128;
    const SCAN_WIDTH: usize = 4;
    const CHUNK_LOG: u32 = 0;
    #[inline(always)]
    fn new(key: u128, tag: u32) -> Self {
        [key, u128::from(tag)]
    }
    #[inline(always)]
    fn key(self) -> u128 {
        self[0]
    }
    #[inline(always)]
    fn tag(self) -> u32 {
        self[1] as u32
    }
    #[inline(always)]
    fn at_most(self, a: u128) -> bool {
        self[0] <= a
    }
    #[inline(always)]
    fn count_at_most(window: &[Self], a: u128) -> Option<usize> {
        window.try_into().ok().map(|w| super::scan::count_v6(w, a))
    }
}

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
const fn pad16(n: usize) -> Option<usize> {
    match n.checked_add(15) {
        Some(v) => Some(v & !15),
        None => None,
    }
}

/// The shape of one family: its entry count and index geometry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FamilyShape {
    pub entries: usize,
    pub index_bits: u32,
    pub skip: u32,
}

impl FamilyShape {
    pub fn index_len(&self) -> Option<usize> {
        1usize.checked_shl(self.index_bits)?.checked_add(1)
    }
}

/// Byte ranges of every array, computed from the two shapes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Layout {
    pub v4_index: (usize, usize),
    pub v4_entries: (usize, usize),
    pub v6_entries: (usize, usize),
    pub v6_index: (usize, usize),
    pub total: usize,
}

impl Layout {
    /// The layout for these shapes; None when it would not fit in `usize`/`u32` limits.
    pub fn new(v4: FamilyShape, v6: FamilyShape) -> Option<Layout> {
        fn span(at: usize, count: usize, size: usize) -> Option<(usize, usize)> {
            Some((at, at.checked_add(count.checked_mul(size)?)?))
        }
        if v4.entries > u32::MAX as usize || v6.entries > u32::MAX as usize {
            return None;
        }
        let v4_index = span(HEADER_LEN, v4.index_len()?, 4)?;
        let v4_entries = span(pad16(v4_index.1)?, v4.entries, 8)?;
        let v6_entries = span(pad16(v4_entries.1)?, v6.entries, 32)?;
        let v6_index = span(v6_entries.1, v6.index_len()?, 4)?;
        let total = pad16(v6_index.1)?;
        if u64::try_from(total).is_err() {
            return None;
        }
        Some(Layout {
            v4_index,
            v4_entries,
            v6_entries,
            v6_index,
            total,
        })
    }
}

/// The index width for a family of `entries` boundaries whose keys share `skip` leading bits:
/// about 2^[`Entry::CHUNK_LOG`] entries per chunk, so that nearly every chunk's candidates fit
/// one scan window; capped by [`MAX_INDEX_BITS`] and the bits left.
pub(crate) fn index_bits_for<E: Entry>(entries: usize, skip: u32) -> u32 {
    let log = usize::BITS - 1 - entries.max(1).leading_zeros();
    log.saturating_sub(E::CHUNK_LOG)
        .min(MAX_INDEX_BITS)
        .min(<E::Key as Key>::BITS.saturating_sub(skip))
}

/// The first address of chunk `c` of a family.
pub(crate) fn chunk_start<K: Key>(base: K, c: usize, chunk_shift: u32) -> K {
    base.xor(
        K::from_u64(c as u64)
            .checked_shl(chunk_shift)
            .unwrap_or(K::ZERO),
    )
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
    fn index_bits_grow_with_entries_and_respect_caps() {
        // IPv4: about two entries per chunk.
        assert_eq!(index_bits_for::<u64>(1, 0), 0);
        assert_eq!(index_bits_for::<u64>(4, 0), 1);
        assert_eq!(index_bits_for::<u64>(1 << 20, 0), 19);
        assert_eq!(index_bits_for::<u64>(1 << 20, 28), 4);
        assert_eq!(index_bits_for::<u64>(usize::MAX, 0), MAX_INDEX_BITS);
        // IPv6: about one entry per chunk.
        assert_eq!(index_bits_for::<[u128; 2]>(16, 0), 4);
        assert_eq!(index_bits_for::<[u128; 2]>(1 << 20, 120), 8);
        assert_eq!(index_bits_for::<[u128; 2]>(usize::MAX, 0), MAX_INDEX_BITS);
    }

    #[test]
    fn layout_is_aligned_and_ordered() {
        let l = Layout::new(
            FamilyShape {
                entries: 3,
                index_bits: 0,
                skip: 0,
            },
            FamilyShape {
                entries: 5,
                index_bits: 2,
                skip: 3,
            },
        )
        .unwrap();
        assert_eq!(l.v4_index, (80, 88));
        assert_eq!(l.v4_entries, (96, 120));
        assert_eq!(l.v6_entries, (128, 288));
        assert_eq!(l.v6_index, (288, 308));
        assert_eq!(l.total, 320);
    }
}
