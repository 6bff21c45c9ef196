//! The host-name table image format: a fixed header, an open-addressed slot array, then the
//! names' bytes. No pointers (offsets only), so an image can be copied, written to a file and
//! mapped back.
//!
//! Layout (native byte order; the magic number tells a foreign byte order apart):
//!
//! ```text
//! offset  field
//!  0      magic u32 = 0x7368_6774 ("tghs")  4  version u32 = 1
//!  8      total_len u64                    16 checksum u64 (computed with this field = 0)
//! 24      name_count u64 (used slots)      32 slot_bits u32, max_probe u32
//! 40      strings_len u64                  48 entry_count u64 (list entries; informational)
//! 56      reserved u64 (0)
//! 64      slots [[u64; 3]; 2^slot_bits]    hash | offset u32, len u32 | exact u32, wild u32
//!         strings [u8; strings_len]        lower-case names, no trailing dot (then 0 to 8)
//! ```
//!
//! A slot holds one distinct name `d` (its hash, where its bytes are, and two tag masks): the
//! tags of an entry `d` (`exact`) and of an entry `*.d` (`wild`). An empty slot is all zero.
//! Linear probing from the slot the hash's top `slot_bits` bits pick; no name sits more than
//! `max_probe` slots past its home, and at most half the slots are used.

use crate::net::image::{checksum, read_u32, read_u64};
use crate::Error;

/// The magic number at offset 0 (`"tghs"` in little-endian memory).
pub const HOST_MAGIC: u32 = u32::from_le_bytes(*b"tghs");
/// The image format version this build reads and writes.
pub const HOST_FORMAT_VERSION: u32 = 1;
/// The header length in bytes.
pub const HOST_HEADER_LEN: usize = 64;
/// The alignment, in bytes, build storage and loaded images need.
pub const HOST_IMAGE_ALIGN: usize = 8;
/// The most distinct names a table holds.
pub const MAX_HOST_NAMES: usize = 1 << 24;
/// The longest probe sequence a table may need (a list whose names crowd more slots than this
/// is refused with `too_many_host_names`).
pub const MAX_PROBE: u32 = 255;
/// The widest slot array.
pub(crate) const MAX_SLOT_BITS: u32 = 25;
/// Bytes per slot.
pub(crate) const SLOT_LEN: usize = 24;

/// Field offsets in the header.
pub(crate) mod field {
    pub const MAGIC: usize = 0;
    pub const VERSION: usize = 4;
    pub const TOTAL_LEN: usize = 8;
    pub const CHECKSUM: usize = 16;
    pub const NAME_COUNT: usize = 24;
    pub const SLOT_BITS: usize = 32;
    pub const MAX_PROBE: usize = 36;
    pub const STRINGS_LEN: usize = 40;
    pub const ENTRY_COUNT: usize = 48;
    pub const RESERVED: usize = 56;
}

/// One slot, decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Slot {
    pub hash: u64,
    pub offset: u32,
    pub len: u32,
    pub exact: u32,
    pub wild: u32,
}

impl Slot {
    #[inline(always)]
    pub fn decode(w: &[u64; 3]) -> Slot {
        Slot {
            hash: w[0],
            offset: w[1] as u32,
            len: (w[1] >> 32) as u32,
            exact: w[2] as u32,
            wild: (w[2] >> 32) as u32,
        }
    }

    pub fn encode(&self) -> [u64; 3] {
        [
            self.hash,
            u64::from(self.offset) | (u64::from(self.len) << 32),
            u64::from(self.exact) | (u64::from(self.wild) << 32),
        ]
    }

    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The home slot of a hash in a table of `2^bits` slots.
#[inline(always)]
pub(crate) fn home(hash: u64, bits: u32) -> usize {
    hash.checked_shr(64 - bits).unwrap_or(0) as usize
}

/// Round up to a multiple of 8.
pub(crate) fn pad8(n: usize) -> Option<usize> {
    Some(n.checked_add(7)? & !7)
}

/// The byte ranges of the slot array and the strings, and the total length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct HostLayout {
    pub slots: (usize, usize),
    pub strings: (usize, usize),
    pub total: usize,
}

impl HostLayout {
    pub fn new(slot_bits: u32, strings_len: usize) -> Option<HostLayout> {
        if slot_bits > MAX_SLOT_BITS {
            return None;
        }
        let slots_end =
            HOST_HEADER_LEN.checked_add((1usize << slot_bits).checked_mul(SLOT_LEN)?)?;
        let strings_end = slots_end.checked_add(strings_len)?;
        let total = pad8(strings_end)?;
        u64::try_from(total).ok()?;
        Some(HostLayout {
            slots: (HOST_HEADER_LEN, slots_end),
            strings: (slots_end, strings_end),
            total,
        })
    }
}

/// The slot-array width for `names` distinct names: at least twice as many slots.
pub(crate) fn slot_bits_for(names: usize) -> u32 {
    let want = names.saturating_mul(2).max(1);
    let bits = usize::BITS - (want - 1).leading_zeros();
    bits.min(MAX_SLOT_BITS)
}

/// The header fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct HostHeader {
    pub total: usize,
    pub name_count: u64,
    pub slot_bits: u32,
    pub max_probe: u32,
    pub strings_len: usize,
    pub entry_count: u64,
}

/// Check the envelope (length, alignment, magic, version, declared length, checksum) and read
/// the header.
pub(crate) fn read_checked_header(image: &[u8]) -> Result<HostHeader, Error> {
    if image.len() < HOST_HEADER_LEN {
        return Err(Error::ImageTruncated);
    }
    if image.as_ptr().align_offset(HOST_IMAGE_ALIGN) != 0 {
        return Err(Error::Misaligned);
    }
    if read_u32(image, field::MAGIC) != HOST_MAGIC {
        return Err(Error::ImageBadMagic);
    }
    if read_u32(image, field::VERSION) != HOST_FORMAT_VERSION {
        return Err(Error::ImageUnsupportedVersion);
    }
    let total =
        usize::try_from(read_u64(image, field::TOTAL_LEN)).map_err(|_| Error::ImageCorrupt)?;
    if total > image.len() {
        return Err(Error::ImageTruncated);
    }
    if total < HOST_HEADER_LEN || !total.is_multiple_of(HOST_IMAGE_ALIGN) {
        return Err(Error::ImageCorrupt);
    }
    let body = image.get(..total).ok_or(Error::ImageTruncated)?;
    if checksum(body) != read_u64(image, field::CHECKSUM) {
        return Err(Error::ImageBadChecksum);
    }
    if read_u64(image, field::RESERVED) != 0 {
        return Err(Error::ImageCorrupt);
    }
    Ok(HostHeader {
        total,
        name_count: read_u64(image, field::NAME_COUNT),
        slot_bits: read_u32(image, field::SLOT_BITS),
        max_probe: read_u32(image, field::MAX_PROBE),
        strings_len: usize::try_from(read_u64(image, field::STRINGS_LEN))
            .map_err(|_| Error::ImageCorrupt)?,
        entry_count: read_u64(image, field::ENTRY_COUNT),
    })
}
