//! Building a host-name table into caller storage: ask [`host_required_size`], then
//! [`build_hostset`]. No allocation and no scratch space: names are hashed straight into the
//! slot array of the image, their bytes appended behind it.

use super::image::{
    field, home, slot_bits_for, HostLayout, Slot, HOST_FORMAT_VERSION, HOST_IMAGE_ALIGN,
    HOST_MAGIC, MAX_HOST_NAMES, MAX_PROBE,
};
use super::list::{host_entries, HostEntry, HostListError};
use super::name::name_hash;
use super::table::HostSet;
use crate::net::image::{cast_mut, checksum, write_bytes};
use crate::Error;

/// The entry count and the bytes of names an image for `entries` needs at most.
fn measure<'a>(
    entries: impl Iterator<Item = Result<HostEntry<'a>, HostListError>>,
) -> Result<(usize, usize), HostListError> {
    let (mut count, mut bytes) = (0usize, 0usize);
    for e in entries {
        let e = e?;
        count += 1;
        bytes = bytes.saturating_add(e.name.len());
        if count > MAX_HOST_NAMES {
            return Err(HostListError::whole(Error::TooManyHostNames));
        }
    }
    Ok((count, bytes))
}

fn layout_for(count: usize, bytes: usize) -> Result<HostLayout, HostListError> {
    HostLayout::new(slot_bits_for(count), bytes)
        .ok_or(HostListError::whole(Error::TooManyHostNames))
}

/// Check a host-name list (see [`host_entries`](super::host_entries)) and return the bytes of
/// storage [`build_hostset`] needs for it.
pub fn host_required_size(text: &str) -> Result<usize, HostListError> {
    let (count, bytes) = measure(host_entries(text))?;
    Ok(layout_for(count, bytes)?.total)
}

/// Build a host-name table from list text into `storage` (aligned to
/// [`HOST_IMAGE_ALIGN`](super::HOST_IMAGE_ALIGN) bytes, at least [`host_required_size`] long).
/// The table is the first [`HostSet::image`] bytes of `storage`: a relocatable image.
pub fn build_hostset<'a>(storage: &'a mut [u8], text: &str) -> Result<HostSet<'a>, HostListError> {
    let (count, bytes) = measure(host_entries(text))?;
    build_from_host_entries(storage, host_entries(text), count, bytes)
}

/// [`build_hostset`] from entries already parsed (e.g. from a feed): `count` entries whose
/// names total at most `bytes` bytes (the storage needed is [`host_required_size_for`]).
pub fn build_from_host_entries<'a, 'n>(
    storage: &'a mut [u8],
    entries: impl Iterator<Item = Result<HostEntry<'n>, HostListError>>,
    count: usize,
    bytes: usize,
) -> Result<HostSet<'a>, HostListError> {
    let whole = HostListError::whole;
    let layout = layout_for(count, bytes)?;
    if storage.as_ptr().align_offset(HOST_IMAGE_ALIGN) != 0 {
        return Err(whole(Error::Misaligned));
    }
    let area = storage
        .get_mut(..layout.total)
        .ok_or(whole(Error::BufferTooSmall))?;
    area.fill(0);
    let bits = slot_bits_for(count);
    let mask = (1usize << bits) - 1;
    let (head, strings) = area
        .split_at_mut_checked(layout.strings.0)
        .ok_or(whole(Error::BufferTooSmall))?;
    let slots: &mut [[u64; 3]] = head
        .get_mut(layout.slots.0..layout.slots.1)
        .and_then(cast_mut)
        .ok_or(whole(Error::Misaligned))?;
    let (mut used, mut seen, mut cursor, mut max_probe) = (0usize, 0usize, 0usize, 0u32);
    for (i, e) in entries.enumerate() {
        let e = e?;
        seen = i + 1;
        let name = e.name.as_bytes();
        let line = HostListError {
            line: 0,
            error: Error::TooManyHostNames,
        };
        if seen > count {
            return Err(line);
        }
        let hash = name_hash(name);
        let mut at = home(hash, bits);
        let mut probe = 0u32;
        loop {
            let w = slots.get_mut(at & mask).ok_or(line)?;
            let mut slot = Slot::decode(w);
            if slot.is_empty() {
                let end = cursor.checked_add(name.len()).ok_or(line)?;
                let dst = strings.get_mut(cursor..end).ok_or(line)?;
                for (d, &s) in dst.iter_mut().zip(name) {
                    *d = s.to_ascii_lowercase();
                }
                slot = Slot {
                    hash,
                    offset: u32::try_from(cursor).map_err(|_| line)?,
                    len: name.len() as u32,
                    exact: 0,
                    wild: 0,
                };
                cursor = end;
                used += 1;
                max_probe = max_probe.max(probe);
            } else if slot.hash != hash
                || !strings
                    .get(slot.offset as usize..(slot.offset + slot.len) as usize)
                    .is_some_and(|s| s.eq_ignore_ascii_case(name))
            {
                probe += 1;
                if probe > MAX_PROBE {
                    return Err(line);
                }
                at += 1;
                continue;
            }
            if e.wildcard {
                slot.wild |= e.tags;
            } else {
                slot.exact |= e.tags;
            }
            *w = slot.encode();
            break;
        }
    }
    let total = layout_for(count, cursor)?.total;
    let area = storage
        .get_mut(..total)
        .ok_or(whole(Error::BufferTooSmall))?;
    write_bytes(area, field::MAGIC, &HOST_MAGIC.to_ne_bytes());
    write_bytes(area, field::VERSION, &HOST_FORMAT_VERSION.to_ne_bytes());
    write_bytes(area, field::TOTAL_LEN, &(total as u64).to_ne_bytes());
    write_bytes(area, field::NAME_COUNT, &(used as u64).to_ne_bytes());
    write_bytes(area, field::SLOT_BITS, &bits.to_ne_bytes());
    write_bytes(area, field::MAX_PROBE, &max_probe.to_ne_bytes());
    write_bytes(area, field::STRINGS_LEN, &(cursor as u64).to_ne_bytes());
    write_bytes(area, field::ENTRY_COUNT, &(seen as u64).to_ne_bytes());
    let sum = checksum(area);
    write_bytes(area, field::CHECKSUM, &sum.to_ne_bytes());
    let image: &'a [u8] = area;
    HostSet::load(image).map_err(whole)
}

/// The storage [`build_from_host_entries`] needs for `count` entries of at most `bytes` bytes
/// of names in all.
pub fn host_required_size_for(count: usize, bytes: usize) -> Result<usize, Error> {
    if count > MAX_HOST_NAMES {
        return Err(Error::TooManyHostNames);
    }
    Ok(layout_for(count, bytes).map_err(Error::from)?.total)
}
