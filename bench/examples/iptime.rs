use tollgate_bench::ip_inputs::*;
use tollgate_core::net::{self, IpNumber, ListEntry, Prefix};
fn main() {
    let reps: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    let mode = std::env::args().nth(2).unwrap_or_default();
    let v6 = mode.contains("v6");
    let acs = mode.contains("acs");
    let large4 = large_v4_prefixes(500_000, 21);
    let large6 = large_v6_prefixes(200_000, 31);
    let entries: Vec<ListEntry> = if v6 {
        large6.iter().enumerate().map(|(i, &(a, l))| ListEntry { prefix: Prefix::new(IpNumber::V6(a), l).unwrap(), tags: 1 << (i % 8) }).collect()
    } else {
        large4.iter().enumerate().map(|(i, &(a, l))| ListEntry { prefix: Prefix::new(IpNumber::V4(a), l).unwrap(), tags: 1 << (i % 8) }).collect()
    };
    let size = if v6 { net::required_size_for(0, entries.len()) } else { net::required_size_for(entries.len(), 0) }.unwrap();
    let mut st = vec![0u128; size.div_ceil(16)];
    let bytes = unsafe { std::slice::from_raw_parts_mut(st.as_mut_ptr().cast::<u8>(), st.len() * 16) };
    let set = if acs { net::acs_ipset() } else { net::build_from_entries(bytes, entries.iter().copied()).unwrap() };
    let (a4, a6) = if acs {
        (v4_batch(&[(0x3470_0000, 14), (0x347a_0000, 15)], 1024, 11), v6_batch(&[(0x2603_1063u128 << 96, 38), (0x2620_01ec_0006u128 << 80, 48)], 1024, 12))
    } else {
        (v4_batch(&large4, 1024, 22), v6_batch(&large6, 1024, 32))
    };
    let mut out = vec![0u32; 1024];
    let mut acc = 0u32;
    for _ in 0..reps {
        if v6 { set.lookup_v6_batch(std::hint::black_box(&a6), &mut out) } else { set.lookup_v4_batch(std::hint::black_box(&a4), &mut out) };
        acc = acc.wrapping_add(out[7]);
    }
    println!("{acc} {:?}", set.interval_counts());
}
