//! Host-name image loading with mutated bytes: raw input as an image, or a valid image with
//! the input's edits applied and a length cut, must load or fail cleanly (never read out of
//! bounds or panic); whatever loads answers lookups, and views from a geometry over the
//! edited bytes (an image rewritten after load) stay in bounds too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_core::host::{build_hostset, host_required_size, HostSet};

const LIST: &str = "*.lync.com 2\nteams.microsoft.com 2\n*.teams.microsoft.com 4\nexample.org\n\
                    a.b.c.d 8\n*.xn--p1ai 16\n";
const PROBES: [&str; 6] = [
    "x.lync.com",
    "teams.microsoft.com",
    "a.teams.microsoft.com",
    "example.org",
    "a.b.c.d.",
    "q.xn--p1ai",
];

fn aligned_copy(bytes: &[u8]) -> Vec<u64> {
    let mut words = vec![0u64; bytes.len().div_ceil(8)];
    // SAFETY: u64 storage viewed as bytes.
    let dst =
        unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 8) };
    dst[..bytes.len()].copy_from_slice(bytes);
    words
}

fn exercise(set: &HostSet<'_>, extra: &[u8]) {
    for p in PROBES {
        let _ = set.lookup(p);
    }
    let _ = set.lookup_bytes(extra);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        let words = aligned_copy(rest);
        // SAFETY: as above.
        let bytes = unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), rest.len()) };
        if let Ok(set) = HostSet::load(bytes) {
            exercise(&set, rest);
        }
        exercise(&HostSet::from_trusted_image(bytes), rest);
        return;
    }
    let size = host_required_size(LIST).unwrap();
    let mut storage = vec![0u64; size.div_ceil(8)];
    // SAFETY: as above.
    let bytes = unsafe {
        std::slice::from_raw_parts_mut(storage.as_mut_ptr().cast::<u8>(), storage.len() * 8)
    };
    let (len, geometry) = {
        let set = build_hostset(bytes, LIST).unwrap();
        (set.image().len(), set.geometry())
    };
    let image = &mut bytes[..len];
    for edit in rest.chunks_exact(3) {
        let at = usize::from(u16::from_le_bytes([edit[0], edit[1]])) % len;
        image[at] = edit[2];
    }
    // The edited bytes through the geometry validated before the edits.
    exercise(&HostSet::from_geometry(image, &geometry), rest);
    let cut = if mode & 2 != 0 {
        len - usize::from(mode >> 2) % len
    } else {
        len
    };
    if let Ok(set) = HostSet::load(&image[..cut]) {
        exercise(&set, rest);
    }
});
