//! `cargo run --release -p tollgate-bench --example ipprobe [acs|v4|v6]`: the shapes of the
//! `ip` bench's tables (image bytes per prefix, chunk entries, spill keys, long spill keys for
//! IPv6, dictionary size, window, index widths, code width) and the minimum, 10th percentile
//! and median time of 20,000 single batches of 1,024 lookups. Minimums of many short batches
//! stay steady on a shared, loaded machine where criterion's means move by 2x; no peers here
//! (see the bench).

use std::time::Instant;
use tollgate_bench::ip_inputs::{large_v4_prefixes, large_v6_prefixes, v4_batch, v6_batch};
use tollgate_core::aligned::AlignedBlock;
use tollgate_core::net::{self, IpNumber, IpSet, ListEntry, Prefix};

fn build(rows: Vec<(IpNumber, u8, u32)>) -> (Vec<AlignedBlock>, usize, f64) {
    let (mut c4, mut c6) = (0, 0);
    let entries: Vec<ListEntry> = rows
        .iter()
        .map(|&(a, l, tags)| {
            match a {
                IpNumber::V4(_) => c4 += 1,
                _ => c6 += 1,
            }
            ListEntry {
                prefix: Prefix::new(a, l).unwrap(),
                tags,
            }
        })
        .collect();
    let t = Instant::now();
    let size = net::required_size_for(c4, c6).unwrap();
    let mut st = vec![AlignedBlock::ZERO; AlignedBlock::count_for(size)];
    let len = net::build_from_entries(AlignedBlock::as_bytes_mut(&mut st), entries.iter().copied())
        .unwrap()
        .image()
        .len();
    (st, len, t.elapsed().as_secs_f64() * 1e3)
}

fn words(img: &[u8], at: usize) -> [u32; 4] {
    let w = |o: usize| u32::from_ne_bytes(img[o..o + 4].try_into().unwrap());
    [w(at), w(at + 4), w(at + 8), w(at + 12)]
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or("all".into());
    if which == "all" || which == "acs" {
        let set = net::acs_ipset();
        let (mut p4, mut p6) = (Vec::new(), Vec::new());
        for e in net::entries(net::ACS_LIST) {
            let e = e.unwrap();
            match e.prefix.address() {
                IpNumber::V4(a) => p4.push((a, e.prefix.length())),
                IpNumber::V6(a) => p6.push((a, e.prefix.length())),
            }
        }
        let img = set.image();
        let w = words(img, 48);
        println!(
            "acs v6: cells {} spills {} dict {} skip {} idx {} cb {} size bits {}",
            w[0],
            w[1],
            w[2],
            w[3] & 255,
            (w[3] >> 8) & 255,
            (w[3] >> 24) & 15,
            w[3] >> 28
        );
        let a4 = v4_batch(&p4, 1024, 11);
        let a6 = v6_batch(&p6, 1024, 12);
        let mut out = vec![0u32; 1024];
        let mut t4 = Vec::new();
        let mut t6 = Vec::new();
        for _ in 0..20000 {
            let t = Instant::now();
            set.lookup_v4_batch(std::hint::black_box(&a4), &mut out);
            t4.push(t.elapsed().as_secs_f64() * 1e6);
            let t = Instant::now();
            set.lookup_v6_batch(std::hint::black_box(&a6), &mut out);
            t6.push(t.elapsed().as_secs_f64() * 1e6);
        }
        t4.sort_by(|a, b| a.partial_cmp(b).unwrap());
        t6.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "  acs v4 min {:.2} median {:.2} us; v6 min {:.2} median {:.2} us",
            t4[0], t4[10000], t6[0], t6[10000]
        );
    }
    if which == "all" || which == "v4" {
        let p = large_v4_prefixes(500_000, 21);
        let rows = p
            .iter()
            .enumerate()
            .map(|(i, &(a, l))| (IpNumber::V4(a), l, 1u32 << (i % 8)))
            .collect();
        let (st, len, ms) = build(rows);
        let img = &AlignedBlock::as_bytes(&st)[..len];
        let set = IpSet::load(img).unwrap();
        let w = words(img, 32);
        println!("v4: build {ms:.1} ms, {len} B = {:.2} B/prefix, cells {} spills {} dict {} skip {} idx {} sidx {} cb {} size bits {}", len as f64 / 5e5, w[0], w[1], w[2], w[3] & 255, (w[3] >> 8) & 255, (w[3] >> 16) & 255, (w[3] >> 24) & 15, w[3] >> 28);
        let addrs = v4_batch(&p, 1024, 22);
        let mut out = vec![0u32; 1024];
        let mut ts = Vec::new();
        for _ in 0..20000 {
            let t = Instant::now();
            set.lookup_v4_batch(std::hint::black_box(&addrs), &mut out);
            ts.push(t.elapsed().as_secs_f64() * 1e6);
        }
        ts.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "  v4 batch min {:.2} p10 {:.2} median {:.2} us",
            ts[0], ts[2000], ts[10000]
        );
    }
    if which == "all" || which == "v6" {
        let p = large_v6_prefixes(200_000, 31);
        let rows = p
            .iter()
            .enumerate()
            .map(|(i, &(a, l))| (IpNumber::V6(a), l, 1u32 << (i % 8)))
            .collect();
        let (st, len, ms) = build(rows);
        let img = &AlignedBlock::as_bytes(&st)[..len];
        let set = IpSet::load(img).unwrap();
        let w = words(img, 48);
        let longs = u32::from_ne_bytes(img[68..72].try_into().unwrap());
        println!("v6: build {ms:.1} ms, {len} B = {:.2} B/prefix, cells {} spills {} longs {longs} dict {} skip {} idx {} sidx {} cb {} size bits {}", len as f64 / 2e5, w[0], w[1], w[2], w[3] & 255, (w[3] >> 8) & 255, (w[3] >> 16) & 255, (w[3] >> 24) & 15, w[3] >> 28);
        let addrs = v6_batch(&p, 1024, 32);
        let mut out = vec![0u32; 1024];
        let mut ts = Vec::new();
        for _ in 0..20000 {
            let t = Instant::now();
            set.lookup_v6_batch(std::hint::black_box(&addrs), &mut out);
            ts.push(t.elapsed().as_secs_f64() * 1e6);
        }
        ts.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "  v6 batch min {:.2} p10 {:.2} median {:.2} us",
            ts[0], ts[2000], ts[10000]
        );
    }
}
