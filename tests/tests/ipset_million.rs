//! A table of 1,000,000 prefixes (800,000 IPv4, 200,000 IPv6; overlapping, every length)
//! builds into caller storage and answers exactly like an independent oracle: a hash map from
//! (length, masked address) to tags, ORed over every prefix length of the address.

use std::collections::HashMap;
use std::time::Instant;
use tollgate_core::aligned::AlignedBlock;
use tollgate_core::net::{build_from_entries, required_size_for, IpNumber, ListEntry, Prefix};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic, good enough to spread prefixes.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn mask4(a: u32, len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        a & (u32::MAX << (32 - u32::from(len)))
    }
}
fn mask6(a: u128, len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        a & (u128::MAX << (128 - u32::from(len)))
    }
}

#[test]
fn one_million_prefixes_match_the_oracle() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut entries = Vec::with_capacity(1_000_000);
    let mut oracle4: HashMap<(u8, u32), u32> = HashMap::new();
    let mut oracle6: HashMap<(u8, u128), u32> = HashMap::new();
    for i in 0..1_000_000u32 {
        let tags = 1u32 << (i % 32);
        let r = rng.next();
        if i % 5 != 4 {
            let len = [8u8, 12, 16, 20, 22, 24, 24, 24, 28, 32][(r % 10) as usize];
            let addr = mask4((r >> 16) as u32, len);
            entries.push(ListEntry {
                prefix: Prefix::new(IpNumber::V4(addr), len).unwrap(),
                tags,
            });
            *oracle4.entry((len, addr)).or_default() |= tags;
        } else {
            let len = [16u8, 32, 40, 48, 48, 48, 56, 64, 96, 128][(r % 10) as usize];
            // Inside 2000::/3, away from the IPv4-mapped range.
            let raw = (u128::from(rng.next()) << 64 | u128::from(rng.next())) >> 3 | (1u128 << 125);
            let addr = mask6(raw, len);
            entries.push(ListEntry {
                prefix: Prefix::new(IpNumber::V6(addr), len).unwrap(),
                tags,
            });
            *oracle6.entry((len, addr)).or_default() |= tags;
        }
    }
    let size = required_size_for(800_000, 200_000).unwrap();
    let mut words = vec![AlignedBlock::ZERO; AlignedBlock::count_for(size)];
    let storage = AlignedBlock::as_bytes_mut(&mut words);
    let started = Instant::now();
    let set = build_from_entries(storage, entries.iter().copied()).unwrap();
    eprintln!(
        "built 1,000,000 prefixes in {:?} into {} bytes",
        started.elapsed(),
        size
    );

    let want4 = |a: u32| {
        (0..=32u8).fold(0, |t, l| {
            t | oracle4.get(&(l, mask4(a, l))).copied().unwrap_or(0)
        })
    };
    let want6 = |a: u128| {
        (0..=128u8).fold(0, |t, l| {
            t | oracle6.get(&(l, mask6(a, l))).copied().unwrap_or(0)
        })
    };
    // Addresses inside listed prefixes (their first and last address) and random ones.
    for e in entries.iter().step_by(97) {
        match (e.prefix.address(), e.prefix.length()) {
            (IpNumber::V4(a), len) => {
                let last = a | !mask4(u32::MAX, len);
                for x in [a, last] {
                    assert_eq!(set.lookup_v4(x), want4(x), "v4 {x:#x}");
                }
            }
            (IpNumber::V6(a), len) => {
                let last = a | !mask6(u128::MAX, len);
                for x in [a, last] {
                    assert_eq!(set.lookup_v6(x), want6(x), "v6 {x:#x}");
                }
            }
        }
    }
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for _ in 0..20_000 {
        let x = rng.next() as u32;
        assert_eq!(set.lookup_v4(x), want4(x), "v4 {x:#x}");
        let y = (u128::from(rng.next()) << 64 | u128::from(rng.next())) >> 3 | (1u128 << 125);
        assert_eq!(set.lookup_v6(y), want6(y), "v6 {y:#x}");
        xs.push(x);
        ys.push(y);
    }
    // The batch lookups (which read ahead) give the same answers over whole batches.
    let mut out = vec![0u32; xs.len()];
    set.lookup_v4_batch(&xs, &mut out);
    for (&x, &t) in xs.iter().zip(&out) {
        assert_eq!(t, want4(x), "v4 batch {x:#x}");
    }
    set.lookup_v6_batch(&ys, &mut out);
    for (&y, &t) in ys.iter().zip(&out) {
        assert_eq!(t, want6(y), "v6 batch {y:#x}");
    }
}
