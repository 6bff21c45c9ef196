//! [`HostSet`]: a read-only view of a host-name table image, its validated load and its
//! lookups. A lookup hashes every suffix of the name that starts at a label (one backwards
//! pass) and probes the slot array for each: its cost grows with the labels of the name, never
//! with the number of names in the table.

use super::image::{
    home, read_checked_header, HostHeader, HostLayout, Slot, HOST_HEADER_LEN, MAX_PROBE,
    MAX_SLOT_BITS,
};
use super::name::{check_name, name_hash, SuffixHash};
use crate::net::image::{cast, read_u64};
use crate::Error;

/// The validated geometry of a host-name table (lengths and counts from its header), kept
/// apart from the image so a view can be rebuilt without reading the header again
/// ([`HostSet::from_geometry`]), as a C handle does. Plain data of 32 bytes; any bit pattern
/// is safe (a nonsensical geometry gives a table that matches nothing).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostSetGeometry {
    total: u64,
    strings_len: u64,
    entry_count: u64,
    slot_bits: u32,
    max_probe: u32,
}

impl HostSetGeometry {
    /// The image length in bytes this geometry describes.
    pub fn image_len(&self) -> usize {
        usize::try_from(self.total).unwrap_or(0)
    }
}

/// A built or loaded host-name table: maps a host name to the tag mask of every entry
/// matching it (the OR of their tags; 0 when none). Borrows its image, is `Copy`, `Send` and
/// `Sync`, and never changes, so one table serves every thread.
///
/// Matching: an entry `d` matches the name `d`; an entry `*.d` matches every name with at
/// least one more label under `d`, at any depth, never `d` itself. Names compare ASCII
/// case-insensitively and one trailing dot is ignored. A name that is not a valid host name
/// (see [`check_name`](super::check_name)) is [`Error::InvalidHostName`], never a match.
#[derive(Clone, Copy, Debug)]
pub struct HostSet<'a> {
    image: &'a [u8],
    slots: &'a [[u64; 3]],
    strings: &'a [u8],
    geometry: HostSetGeometry,
}

impl<'a> HostSet<'a> {
    /// A table that matches nothing.
    pub const EMPTY: HostSet<'static> = HostSet {
        image: &[],
        slots: &[[0; 3]],
        strings: &[],
        geometry: HostSetGeometry {
            total: 0,
            strings_len: 0,
            entry_count: 0,
            slot_bits: 0,
            max_probe: 0,
        },
    };

    /// Validate an image completely (alignment of [`HOST_IMAGE_ALIGN`](super::HOST_IMAGE_ALIGN)
    /// bytes, magic, version, length, checksum, then every slot: a valid lower-case name
    /// inside the strings, its hash, its probe distance, no duplicate, the counts) and view it.
    /// The slice may be longer than the image. Time is linear in the image length.
    pub fn load(image: &'a [u8]) -> Result<HostSet<'a>, Error> {
        let h = read_checked_header(image)?;
        let layout = HostLayout::new(h.slot_bits, h.strings_len).ok_or(Error::ImageCorrupt)?;
        if layout.total != h.total || h.max_probe > MAX_PROBE {
            return Err(Error::ImageCorrupt);
        }
        let set = Self::view(image, &h, &layout).ok_or(Error::ImageCorrupt)?;
        set.validate(&h)?;
        Ok(set)
    }

    /// View an image through a geometry from an earlier [`HostSet::load`] or build
    /// ([`HostSet::geometry`]) without reading its header again: every read stays inside the
    /// first [`HostSetGeometry::image_len`] bytes of `image`. If the image changed since it was
    /// validated, lookups may answer wrongly but never read out of bounds or loop for long
    /// (each suffix probes at most `max_probe + 1 <= 256` slots).
    pub fn from_geometry(image: &'a [u8], g: &HostSetGeometry) -> HostSet<'a> {
        let h = HostHeader {
            total: g.image_len(),
            name_count: 0,
            slot_bits: g.slot_bits,
            max_probe: g.max_probe.min(MAX_PROBE),
            strings_len: usize::try_from(g.strings_len).unwrap_or(usize::MAX),
            entry_count: g.entry_count,
        };
        HostLayout::new(h.slot_bits, h.strings_len)
            .filter(|l| l.total == h.total)
            .and_then(|l| Self::view(image, &h, &l))
            .unwrap_or(HostSet::EMPTY)
    }

    /// View an image known to be valid (built by this library or loaded before) without
    /// checking it again. Lookups on a view of a bad image give wrong answers, never undefined
    /// behaviour: every access is bounds-checked.
    pub fn from_trusted_image(image: &'a [u8]) -> HostSet<'a> {
        let Some(total) = Self::declared_len(image) else {
            return HostSet::EMPTY;
        };
        let g = HostSetGeometry {
            total: total as u64,
            strings_len: read_u64(image, super::image::field::STRINGS_LEN),
            entry_count: read_u64(image, super::image::field::ENTRY_COUNT),
            slot_bits: crate::net::image::read_u32(image, super::image::field::SLOT_BITS),
            max_probe: crate::net::image::read_u32(image, super::image::field::MAX_PROBE),
        };
        Self::from_geometry(image, &g)
    }

    /// The validated geometry (see [`HostSet::from_geometry`]).
    pub fn geometry(&self) -> HostSetGeometry {
        self.geometry
    }

    /// The total length the header at the start of `image` declares (None when `image` is
    /// shorter than a header).
    pub fn declared_len(image: &[u8]) -> Option<usize> {
        if image.len() < HOST_HEADER_LEN {
            return None;
        }
        usize::try_from(read_u64(image, super::image::field::TOTAL_LEN)).ok()
    }

    fn view(image: &'a [u8], h: &HostHeader, layout: &HostLayout) -> Option<HostSet<'a>> {
        let image = image.get(..h.total)?;
        let slots: &[[u64; 3]] = cast(image.get(layout.slots.0..layout.slots.1)?)?;
        let strings = image.get(layout.strings.0..layout.strings.1)?;
        if h.slot_bits > MAX_SLOT_BITS {
            return None;
        }
        Some(HostSet {
            image,
            slots,
            strings,
            geometry: HostSetGeometry {
                total: h.total as u64,
                strings_len: h.strings_len as u64,
                entry_count: h.entry_count,
                slot_bits: h.slot_bits,
                max_probe: h.max_probe,
            },
        })
    }

    fn validate(&self, h: &HostHeader) -> Result<(), Error> {
        let corrupt = Err(Error::ImageCorrupt);
        let mask = self.slots.len() - 1;
        let mut used = 0u64;
        let mut max_seen = 0u32;
        // How many used slots run up to this one: a name's probe distance must be below it,
        // so no empty slot lies between any name and its home (lookups stop at empty slots).
        // Checked cyclically: start after an empty slot.
        let Some(start) = self.slots.iter().position(|w| Slot::decode(w).is_empty()) else {
            return corrupt;
        };
        let mut run = 0u32;
        for k in 1..=self.slots.len() {
            let at = (start + k) & mask;
            let Some(w) = self.slots.get(at) else {
                return corrupt;
            };
            let slot = Slot::decode(w);
            if slot.is_empty() {
                if *w != [0; 3] {
                    return corrupt;
                }
                run = 0;
                continue;
            }
            used += 1;
            run = run.saturating_add(1);
            let name = self.strings.get(
                slot.offset as usize..(slot.offset as usize).saturating_add(slot.len as usize),
            );
            let Some(name) = name else { return corrupt };
            if check_name(name) != Ok(name)
                || name.iter().any(u8::is_ascii_uppercase)
                || name_hash(name) != slot.hash
            {
                return corrupt;
            }
            let distance = (at.wrapping_sub(home(slot.hash, h.slot_bits)) & mask) as u32;
            if distance > h.max_probe || distance >= run {
                return corrupt;
            }
            // No earlier slot of the probe run holds the same name (each check is at most
            // `max_probe` slots back, so the whole pass stays linear).
            for back in 1..=distance as usize {
                let Some(other) = self.slots.get(at.wrapping_sub(back) & mask) else {
                    return corrupt;
                };
                let other = Slot::decode(other);
                if other.hash == slot.hash && self.name_of(&other) == Some(name) {
                    return corrupt;
                }
            }
            max_seen = max_seen.max(distance);
        }
        if used != h.name_count || used.saturating_mul(2) > self.slots.len() as u64 {
            return corrupt;
        }
        if max_seen != h.max_probe {
            return corrupt;
        }
        // The padding after the names is zero (so every byte of an image is checked).
        let tail = self
            .image
            .get(HOST_HEADER_LEN.saturating_add(self.slots.len() * 24) + self.strings.len()..);
        if !tail.is_some_and(|t| t.iter().all(|&b| b == 0)) {
            return corrupt;
        }
        Ok(())
    }

    fn name_of(&self, slot: &Slot) -> Option<&'a [u8]> {
        self.strings
            .get(slot.offset as usize..(slot.offset as usize).saturating_add(slot.len as usize))
    }

    /// The slot holding `name` (lower-case or not), whose hash is `hash`.
    #[inline(always)]
    fn find(&self, hash: u64, name: &[u8]) -> Option<Slot> {
        let mask = self.slots.len().wrapping_sub(1);
        let mut at = home(hash, self.geometry.slot_bits);
        for _ in 0..=self.geometry.max_probe {
            let slot = Slot::decode(self.slots.get(at & mask)?);
            if slot.is_empty() {
                return None;
            }
            if slot.hash == hash
                && self
                    .name_of(&slot)
                    .is_some_and(|s| s.eq_ignore_ascii_case(name))
            {
                return Some(slot);
            }
            at = at.wrapping_add(1);
        }
        None
    }

    /// The tag mask of a host name: the OR of the tags of every entry matching it (an exact
    /// entry for the name itself, a wildcard entry for each of its proper suffixes); 0 when
    /// none. [`Error::InvalidHostName`] when the text is not a valid host name.
    pub fn lookup(&self, name: &str) -> Result<u32, Error> {
        self.lookup_bytes(name.as_bytes())
    }

    /// [`HostSet::lookup`] of bytes (any bytes: non-ASCII is simply invalid).
    pub fn lookup_bytes(&self, name: &[u8]) -> Result<u32, Error> {
        let name = check_name(name)?;
        let mut hash = SuffixHash::new();
        let mut tags = 0u32;
        for (i, &b) in name.iter().enumerate().rev() {
            hash.push(b);
            let starts_label = match i.checked_sub(1) {
                None => true,
                Some(before) => name.get(before) == Some(&b'.'),
            };
            if !starts_label {
                continue;
            }
            let suffix = name.get(i..).unwrap_or_default();
            if let Some(slot) = self.find(hash.finish(), suffix) {
                tags |= if i == 0 { slot.exact } else { slot.wild };
            }
        }
        Ok(tags)
    }

    /// The image bytes, exactly as long as the header says.
    pub fn image(&self) -> &'a [u8] {
        self.image
    }

    /// How many list entries the table was built from.
    pub fn entry_count(&self) -> u64 {
        self.geometry.entry_count
    }

    /// How many distinct names (`d` for entries `d` and `*.d` alike) the table holds.
    pub fn name_count(&self) -> usize {
        self.slots
            .iter()
            .filter(|w| !Slot::decode(w).is_empty())
            .count()
    }
}
