//! List parse + build + lookup against a naive oracle: any text either fails to parse (and
//! the build fails the same way) or builds a table whose every answer matches the OR of the
//! tags of the prefixes containing the address.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_core::aligned::AlignedBlock;
use tollgate_core::net::{self, IpNumber, IpSet, ListEntry, Prefix};

fn fold(p: Prefix) -> Prefix {
    match p.address() {
        IpNumber::V6(a) if p.length() >= 96 && (a >> 32) == 0xffff => {
            Prefix::new(IpNumber::V4(a as u32), p.length() - 96).unwrap_or(p)
        }
        _ => p,
    }
}

fn oracle(list: &[ListEntry], addr: IpNumber) -> u32 {
    let addr = addr.unmap();
    list.iter()
        .filter(|e| fold(e.prefix).contains(addr))
        .fold(0, |t, e| t | e.tags)
}

fuzz_target!(|data: &[u8]| {
    // The first 32 bytes choose probe addresses; the rest is the list text.
    let (probe_bytes, text) = data.split_at(data.len().min(32));
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let parsed: Result<Vec<ListEntry>, _> = net::entries(text).collect();
    let size = net::required_size(text);
    let list = match parsed {
        Ok(list) => list,
        Err(e) => {
            assert_eq!(size.unwrap_err(), e);
            return;
        }
    };
    let size = size.expect("a list that parses has a size");
    let mut storage = vec![AlignedBlock::ZERO; AlignedBlock::count_for(size)];
    let bytes = AlignedBlock::as_bytes_mut(&mut storage);
    let set = net::build(bytes, text).expect("a list that parses builds");
    let set = IpSet::load(set.image()).expect("a built image loads");

    let mut probes: Vec<IpNumber> = Vec::new();
    for e in &list {
        let p = fold(e.prefix);
        match p.address() {
            IpNumber::V4(a) => {
                let last = a | (u32::MAX.checked_shr(u32::from(p.length())).unwrap_or(0));
                probes.extend([a, last, a.wrapping_sub(1), last.wrapping_add(1)].map(IpNumber::V4));
                probes.push(IpNumber::V6(0xffff_0000_0000 | u128::from(a)));
            }
            IpNumber::V6(a) => {
                let last = a | (u128::MAX.checked_shr(u32::from(p.length())).unwrap_or(0));
                probes.extend([a, last, a.wrapping_sub(1), last.wrapping_add(1)].map(IpNumber::V6));
            }
        }
    }
    for chunk in probe_bytes.chunks(16) {
        let mut b = [0u8; 16];
        b[..chunk.len()].copy_from_slice(chunk);
        probes.push(IpNumber::V6(u128::from_be_bytes(b)));
        probes.push(IpNumber::V4(u32::from_be_bytes([b[0], b[1], b[2], b[3]])));
    }
    for addr in probes {
        let want = oracle(&list, addr);
        assert_eq!(set.lookup(addr), want, "{addr}");
        assert_eq!(set.lookup_text(&addr.to_string()), Ok(want), "{addr}");
        let mut out = [0u32];
        match addr {
            IpNumber::V4(a) => set.lookup_v4_batch(&[a], &mut out),
            IpNumber::V6(a) => set.lookup_v6_batch(&[a], &mut out),
        }
        assert_eq!(out[0], want, "{addr}");
    }
});
