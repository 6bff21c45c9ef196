//! Image loading with mutated bytes: a valid image with the input's edits applied (or the raw
//! input) must load or fail cleanly, never read out of bounds or panic; whatever loads answers
//! lookups without panicking, and a loaded table's batch lookups (the AVX-512 paths where the
//! CPU has them) answer as its single lookups. The first byte's bit 0 picks raw bytes or
//! edits, bit 1 a cut, bit 7 the list with spill keys (short and long) to edit, bit 6 a list
//! large enough for the gathered batch path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::fmt::Write;
use std::sync::OnceLock;
use tollgate_core::aligned::AlignedBlock;
use tollgate_core::net::{self, IpSet};

const LIST: &str = "10.0.0.0/8 1\n10.1.0.0/16 2\n192.0.2.7\n2001:db8::/32 4\n2001:db8:1::/48 8\n\
                    ::ffff:198.51.100.0/120 16\n0.0.0.0/0 32\n";

/// A list whose IPv6 family has spilled cells with short spill keys (the /60), long ones (the
/// /80, the /128s and the /96's end, finer than a lead) and a /96 starting a lead block.
const SPILLS: &str = "2000::/16 1\n3fff::/16 2\n2001:db8:1::/48 4\n2001:db8:1:10::/60 32\n\
                      2001:db8:1:0:1::/80 8\n2001:db8:1::5 16\n2001:db8:2::/96 1\n\
                      2001:db8:2::7 2\n10.0.0.0/8 1\n";

/// A list past the tiny-table size in both families (a few hundred prefixes of assorted
/// lengths, IPv4 to /32 and IPv6 to /128, so both have pieces and spilled cells), made once.
fn large_list() -> &'static str {
    static LIST: OnceLock<String> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut text = String::new();
        for _ in 0..300 {
            let r = next();
            let len4 = 12 + (r % 21) as u32;
            let a4 = (0x0a00_0000 | (r >> 8) as u32 & 0x00ff_ffff) & (u32::MAX << (32 - len4));
            let len6 = 40 + (r >> 40) as u32 % 89;
            let a6 =
                (0x2001_0db8u128 << 96 | u128::from(next()) << 32) & (u128::MAX << (128 - len6));
            let tag = 1u32 << (r % 7);
            let _ = writeln!(
                text,
                "{}/{len4} {tag}\n{}/{len6} {tag}",
                std::net::Ipv4Addr::from(a4),
                std::net::Ipv6Addr::from(a6)
            );
        }
        text
    })
}

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
    // Batches of the probes (IPv6 ones also as IPv4-mapped addresses).
    let v4: Vec<u32> = probes
        .chunks(4)
        .map(|c| c.iter().fold(0x0a00_0000, |a, &b| a << 8 | u32::from(b)))
        .collect();
    let v6: Vec<u128> = probes
        .chunks(16)
        .map(|c| {
            c.iter()
                .fold(0x2001_0db8u128 << 96, |a, &b| a << 8 | u128::from(b))
        })
        .chain(v4.iter().map(|&a| 0xffff_0000_0000 | u128::from(a)))
        .collect();
    let mut out = vec![0u32; v4.len().max(v6.len())];
    if let Ok(set) = IpSet::load(image) {
        set.lookup_v4_batch(&v4, &mut out);
        for (&a, &t) in v4.iter().zip(&out) {
            assert_eq!(t, set.lookup_v4(a), "v4 batch {a:#x}");
        }
        set.lookup_v6_batch(&v6, &mut out);
        for (&a, &t) in v6.iter().zip(&out) {
            assert_eq!(t, set.lookup_v6(a), "v6 batch {a:#x}");
        }
    }
    let trusted = IpSet::from_trusted_image(image);
    let _ = trusted.lookup_v4(0x0a01_0203);
    let _ = trusted.lookup_v6(0x2001_0db8_0001 << 80);
    let _ = trusted.lookup_v6(0x2001_0db8_0001 << 80 | 5);
    trusted.lookup_v4_batch(&v4, &mut out);
    trusted.lookup_v6_batch(&v6, &mut out);
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
    let list = if mode & 0x40 != 0 {
        large_list()
    } else if mode & 0x80 != 0 {
        SPILLS
    } else {
        LIST
    };
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
