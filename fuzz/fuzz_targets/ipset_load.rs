//! Image loading with mutated bytes: a valid image with the input's edits applied (or the raw
//! input) must load or fail cleanly, never read out of bounds or panic; whatever loads answers
//! lookups without panicking. The first byte's bit 0 picks raw bytes or edits, bit 1 a cut,
//! bit 7 the list with spill keys (short and long) to edit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_core::aligned::AlignedBlock;
use tollgate_core::net::{self, IpSet};

const LIST: &str = "10.0.0.0/8 1\n10.1.0.0/16 2\n192.0.2.7\n2001:db8::/32 4\n2001:db8:1::/48 8\n\
                    ::ffff:198.51.100.0/120 16\n0.0.0.0/0 32\n";

/// A list whose IPv6 family has spilled cells with short spill keys (the /60), long ones (the
/// /80, the /128s and the /96's end, finer than a lead) and a /96 starting a lead block.
const SPILLS: &str = "2000::/16 1\n3fff::/16 2\n2001:db8:1::/48 4\n2001:db8:1:10::/60 32\n\
                      2001:db8:1:0:1::/80 8\n2001:db8:1::5 16\n2001:db8:2::/96 1\n\
                      2001:db8:2::7 2\n10.0.0.0/8 1\n";

fn aligned_copy(bytes: &[u8]) -> Vec<AlignedBlock> {
    let mut words = vec![AlignedBlock::ZERO; AlignedBlock::count_for(bytes.len())];
    AlignedBlock::as_bytes_mut(&mut words)[..bytes.len()].copy_from_slice(bytes);
    words
}

fn exercise(image: &[u8], probes: &[u8]) {
    if let Ok(set) = IpSet::load(image) {
        for c in probes.chunks(4) {
            let mut b = [0u8; 16];
            b[..c.len()].copy_from_slice(c);
            let _ = set.lookup_bytes(&b[..4]);
            let _ = set.lookup_bytes(&b);
        }
    }
    let trusted = IpSet::from_trusted_image(image);
    let _ = trusted.lookup_v4(0x0a01_0203);
    let _ = trusted.lookup_v6(0x2001_0db8_0001 << 80);
    let _ = trusted.lookup_v6(0x2001_0db8_0001 << 80 | 5);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        // Raw bytes as an image.
        let words = aligned_copy(rest);
        let bytes = &AlignedBlock::as_bytes(&words)[..rest.len()];
        exercise(bytes, rest);
        return;
    }
    // A valid image with edits: (offset u16, value u8) triples; then a length cut.
    let list = if mode & 0x80 != 0 { SPILLS } else { LIST };
    let size = net::required_size(list).unwrap();
    let mut storage = vec![AlignedBlock::ZERO; AlignedBlock::count_for(size)];
    let bytes = AlignedBlock::as_bytes_mut(&mut storage);
    let len = net::build(bytes, list).unwrap().image().len();
    let image = &mut bytes[..len];
    for edit in rest.chunks_exact(3) {
        let at = usize::from(u16::from_le_bytes([edit[0], edit[1]])) % len;
        image[at] = edit[2];
    }
    let cut = if mode & 2 != 0 {
        len - usize::from(mode >> 2) % len
    } else {
        len
    };
    exercise(&image[..cut], rest);
});
