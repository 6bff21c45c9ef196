//! Port tables: which protocol and port ranges each tag bit of a compiled feed allows, so
//! that a table compiled from a feed answers `acs_allows`-style questions (may traffic from
//! this address, with these tags, reach me on UDP 3478?). A port table is a small relocatable
//! image of its own; `tollgate compile-ipset --m365` and `compile-hostset --m365` append one
//! right after the table image in the same file ([`PortTable::after`] finds it).
//!
//! Layout (native byte order):
//!
//! ```text
//! offset  field
//!  0      magic u32 = "tgpt"    4  version u32 = 1
//!  8      total_len u64         16 checksum u64 (as table images: this field read as 0)
//! 24      count u64
//! 32      ranges [[u32; 4]; count]   tags, protocol (6 or 17), first port, last port
//! ```

use super::acs::Protocol;
use super::image::{cast, cast_mut, checksum, read_u32, read_u64, write_bytes};
use crate::Error;

/// The magic number at offset 0 (`"tgpt"` in little-endian memory).
pub const PORTS_MAGIC: u32 = u32::from_le_bytes(*b"tgpt");
/// The port table format version.
pub const PORTS_FORMAT_VERSION: u32 = 1;
const HEADER: usize = 32;

/// One allowed range: traffic tagged with any bit of `tags` may use `protocol` ports
/// `first..=last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    /// The tag bits this range belongs to.
    pub tags: u32,
    /// TCP or UDP.
    pub protocol: Protocol,
    /// The first port.
    pub first: u16,
    /// The last port (`>= first`).
    pub last: u16,
}

/// The bytes a port table of `count` ranges takes.
pub fn port_table_len(count: usize) -> Option<usize> {
    count.checked_mul(16)?.checked_add(HEADER)
}

/// A validated port table.
#[derive(Clone, Copy, Debug)]
pub struct PortTable<'a> {
    ranges: &'a [[u32; 4]],
    len: usize,
}

impl<'a> PortTable<'a> {
    /// Write a port table of `ranges` into `storage` (8-byte aligned, at least
    /// [`port_table_len`] bytes) and view it.
    pub fn build(storage: &'a mut [u8], ranges: &[PortRange]) -> Result<PortTable<'a>, Error> {
        let len = port_table_len(ranges.len()).ok_or(Error::InvalidArgument)?;
        let area = storage.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        if area.as_ptr().align_offset(8) != 0 {
            return Err(Error::Misaligned);
        }
        area.fill(0);
        let (head, body) = area
            .split_at_mut_checked(HEADER)
            .ok_or(Error::BufferTooSmall)?;
        let slots: &mut [[u32; 4]] = cast_mut(body).ok_or(Error::Misaligned)?;
        for (slot, r) in slots.iter_mut().zip(ranges) {
            if r.first > r.last {
                return Err(Error::InvalidArgument);
            }
            *slot = [
                r.tags,
                r.protocol as u32,
                u32::from(r.first),
                u32::from(r.last),
            ];
        }
        write_bytes(head, 0, &PORTS_MAGIC.to_ne_bytes());
        write_bytes(head, 4, &PORTS_FORMAT_VERSION.to_ne_bytes());
        write_bytes(head, 8, &(len as u64).to_ne_bytes());
        write_bytes(head, 24, &(ranges.len() as u64).to_ne_bytes());
        let sum = checksum(area);
        write_bytes(area, 16, &sum.to_ne_bytes());
        let area: &'a [u8] = area;
        PortTable::load(area)
    }

    /// Validate a port table at the start of `bytes` (magic, version, length, checksum, every
    /// range: a known protocol, `first <= last <= 65535`).
    pub fn load(bytes: &'a [u8]) -> Result<PortTable<'a>, Error> {
        if bytes.len() < HEADER {
            return Err(Error::ImageTruncated);
        }
        if bytes.as_ptr().align_offset(8) != 0 {
            return Err(Error::Misaligned);
        }
        if read_u32(bytes, 0) != PORTS_MAGIC {
            return Err(Error::ImageBadMagic);
        }
        if read_u32(bytes, 4) != PORTS_FORMAT_VERSION {
            return Err(Error::ImageUnsupportedVersion);
        }
        let count = usize::try_from(read_u64(bytes, 24)).map_err(|_| Error::ImageCorrupt)?;
        let len = port_table_len(count).ok_or(Error::ImageCorrupt)?;
        if read_u64(bytes, 8) != len as u64 {
            return Err(Error::ImageCorrupt);
        }
        let area = bytes.get(..len).ok_or(Error::ImageTruncated)?;
        if checksum(area) != read_u64(area, 16) {
            return Err(Error::ImageBadChecksum);
        }
        let ranges: &[[u32; 4]] = area
            .get(HEADER..)
            .and_then(cast)
            .ok_or(Error::ImageCorrupt)?;
        for &[_, protocol, first, last] in ranges {
            Protocol::from_number(protocol).map_err(|_| Error::ImageCorrupt)?;
            if first > last || last > 65535 {
                return Err(Error::ImageCorrupt);
            }
        }
        Ok(PortTable { ranges, len })
    }

    /// The port table stored right after a table image of `table_len` bytes in `file`
    /// (None when there is none: a table compiled from a plain list).
    pub fn after(file: &'a [u8], table_len: usize) -> Option<Result<PortTable<'a>, Error>> {
        let rest = file.get(table_len..).filter(|r| !r.is_empty())?;
        Some(PortTable::load(rest))
    }

    /// Whether traffic carrying `tags` (a lookup's tag mask) may use `protocol` and `port`:
    /// some range of a tag bit in `tags` holds the port.
    pub fn allows(&self, tags: u32, protocol: Protocol, port: u16) -> bool {
        let (p, port) = (protocol as u32, u32::from(port));
        self.ranges
            .iter()
            .any(|&[t, rp, first, last]| t & tags != 0 && rp == p && first <= port && port <= last)
    }

    /// The ranges, as stored.
    pub fn ranges(&self) -> impl Iterator<Item = PortRange> + 'a {
        self.ranges
            .iter()
            .filter_map(|&[tags, protocol, first, last]| {
                Some(PortRange {
                    tags,
                    protocol: Protocol::from_number(protocol).ok()?,
                    first: u16::try_from(first).ok()?,
                    last: u16::try_from(last).ok()?,
                })
            })
    }

    /// The table's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table holds no range.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    #[test]
    fn build_load_allow_and_reject_corruption() {
        let ranges = [
            PortRange {
                tags: 1,
                protocol: Protocol::Udp,
                first: 3478,
                last: 3481,
            },
            PortRange {
                tags: 2,
                protocol: Protocol::Tcp,
                first: 443,
                last: 443,
            },
            PortRange {
                tags: 2,
                protocol: Protocol::Tcp,
                first: 80,
                last: 80,
            },
            PortRange {
                tags: 2,
                protocol: Protocol::Udp,
                first: 443,
                last: 443,
            },
        ];
        let mut words = vec![0u64; port_table_len(ranges.len()).unwrap() / 8];
        // SAFETY: u64 storage viewed as bytes.
        let bytes = unsafe {
            std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 8)
        };
        let len = {
            let t = PortTable::build(bytes, &ranges).unwrap();
            assert!(t.allows(1, Protocol::Udp, 3479));
            assert!(!t.allows(1, Protocol::Tcp, 3479));
            assert!(!t.allows(2, Protocol::Udp, 3479));
            assert!(t.allows(3, Protocol::Tcp, 80));
            assert!(!t.allows(0, Protocol::Tcp, 80));
            assert!(!t.allows(1, Protocol::Udp, 3482));
            assert_eq!(t.ranges().count(), 4);
            t.len()
        };
        for cut in 0..len {
            assert!(PortTable::load(&bytes[..cut]).is_err());
        }
        for i in 0..len {
            bytes[i] ^= 4;
            assert!(PortTable::load(bytes).is_err(), "byte {i}");
            bytes[i] ^= 4;
        }
        assert!(PortTable::load(bytes).is_ok());
    }
}
