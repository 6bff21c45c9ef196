//! Addresses, CIDR prefixes and lists, precomputed lookup tables, and the built-in Azure
//! Communication Services (ACS) ranges and ports.
//!
//! A table maps an address to a **tag mask**: the OR of the tags of every prefix containing
//! it, 0 when none. Build one from list text into your own memory (ask the size, then build;
//! nothing allocates), or load a compiled image (validated completely first):
//!
//! ```
//! use tollgate_core::net::{build, required_size, IpSet};
//!
//! let list = "10.0.0.0/8 1\n10.1.0.0/16 2\n2001:db8::/32 4\n";
//! let size = required_size(list).unwrap();
//! let mut storage = vec![0u128; size.div_ceil(16)]; // 16-byte aligned
//! let bytes = bytemuck_free(&mut storage);
//! let set = build(bytes, list).unwrap();
//! assert_eq!(set.lookup_text("10.1.2.3"), Ok(3));
//! assert_eq!(set.lookup_text("::ffff:10.9.9.9"), Ok(1)); // IPv4-mapped: looked up as IPv4
//! assert_eq!(set.lookup_text("2001:db8::1"), Ok(4));
//! assert_eq!(set.lookup_text("192.0.2.1"), Ok(0));
//!
//! // The image is relocatable: copy it anywhere (16-byte aligned) and load it back.
//! let mut copy = vec![0u128; set.image().len() / 16];
//! let copy = bytemuck_free(&mut copy);
//! copy.copy_from_slice(set.image());
//! let loaded = IpSet::load(copy).unwrap();
//! assert_eq!(loaded.lookup_text("10.1.2.3"), Ok(3));
//! # fn bytemuck_free(words: &mut [u128]) -> &mut [u8] {
//! #     unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast(), words.len() * 16) }
//! # }
//! ```
//!
//! IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are looked up as their IPv4 address, in
//! binary and text lookups alike: dual-stack sockets report IPv4 clients that way. List
//! entries inside `::ffff:0:0/96` likewise count as IPv4 prefixes.

mod acs;
mod acs_image;
mod addr;
mod build;
pub(crate) mod image;
mod list;
mod ports;
mod prefix;
mod scan;
mod table;
mod tiny;

pub use acs::{
    acs_allows, acs_categories_for_port, acs_ipset, Protocol, ACS_CALLBACK, ACS_LIST, ACS_MEDIA,
};
pub use addr::{ipv4_mapped, parse_ip, parse_ipv4, parse_ipv6, IpNumber};
pub use build::{
    build, build_from_entries, required_size, required_size_for, MAX_PREFIXES_PER_FAMILY,
};
pub use image::{FORMAT_VERSION, HEADER_LEN, IMAGE_ALIGN, MAGIC};
pub use list::{entries, ListEntries, ListEntry, ListError};
pub use ports::{port_table_len, PortRange, PortTable, PORTS_FORMAT_VERSION, PORTS_MAGIC};
pub use prefix::{Prefix, PrefixError};
pub use table::{IpSet, IpSetGeometry};

#[cfg(test)]
mod tests;
