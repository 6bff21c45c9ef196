//! Host-name sets: lists of names and `*.` wildcards (the guide's callback host names, TLS SNI,
//! HTTP `Host`, DNS names) compiled into precomputed tables in caller memory, and the built-in
//! ACS set. Same discipline as [`net`](crate::net) tables: ask the size, build into your own
//! storage (nothing allocates), or load a compiled image (validated completely first); a
//! lookup answers the OR of the tags of every entry matching the name.
//!
//! ```
//! use tollgate_core::host::{build_hostset, host_required_size, HostSet};
//!
//! let list = "*.lync.com 2\nteams.microsoft.com 2\n*.teams.microsoft.com 2\nexample.org 1\n";
//! let mut storage = vec![0u64; host_required_size(list).unwrap().div_ceil(8)];
//! let bytes = bytes_of(&mut storage);
//! let set = build_hostset(bytes, list).unwrap();
//! assert_eq!(set.lookup("a.b.LYNC.com."), Ok(2)); // any depth, any case, one trailing dot
//! assert_eq!(set.lookup("lync.com"), Ok(0)); // a wildcard never matches its own domain
//! assert_eq!(set.lookup("teams.microsoft.com"), Ok(2));
//! assert!(set.lookup("teams.microsoft.com:443").is_err()); // not a host name: invalid
//! let loaded = HostSet::load(set.image()).unwrap(); // relocatable: write it, map it back
//! assert_eq!(loaded.lookup("x.teams.microsoft.com"), Ok(2));
//! # fn bytes_of(words: &mut [u64]) -> &mut [u8] {
//! #     unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast(), words.len() * 8) }
//! # }
//! ```

mod acs;
mod acs_image;
mod build;
mod image;
mod list;
mod name;
mod table;

pub use acs::{acs_hostset, ACS_HOST_LIST};
pub use build::{
    build_from_host_entries, build_hostset, host_required_size, host_required_size_for,
};
pub use image::{
    HOST_FORMAT_VERSION, HOST_HEADER_LEN, HOST_IMAGE_ALIGN, HOST_MAGIC, MAX_HOST_NAMES, MAX_PROBE,
};
pub use list::{host_entries, HostEntries, HostEntry, HostListError};
pub use name::{check_name, MAX_LABEL_LEN, MAX_NAME_LEN};
pub use table::{HostSet, HostSetGeometry};

#[cfg(test)]
mod tests;
