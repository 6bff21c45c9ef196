//! `cargo bench -p tollgate-bench --bench ip`: tollgate's CIDR tables against
//! `ip_network_table` (a tree bitmap), `prefix_trie` and `poptrie` (Poptrie), each doing the
//! same batch of 1,024 lookups per iteration (criterion reports it as elements/s =
//! lookups/s).
//!
//! Groups: `ip_acs_v4`, `ip_acs_v6` (the built-in ACS ranges; random addresses, about half
//! inside), `ip_large_v4` (500,000 random IPv4 prefixes, lengths peaking at /24) and
//! `ip_large_v6` (200,000 IPv6 prefixes peaking at /48). Before the groups it prints build
//! times and bytes per prefix (heap bytes for the peers, image bytes for tollgate).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ip_network::{Ipv4Network, Ipv6Network};
use ip_network_table::IpNetworkTable;
use poptrie::Poptrie;
use prefix_trie::PrefixMap;
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tollgate_bench::ip_inputs::{
    large_v4_prefixes, large_v6_prefixes, machine, v4_batch, v6_batch,
};
use tollgate_core::aligned::AlignedBlock;
use tollgate_core::net::{self, IpNumber, IpSet, ListEntry, Prefix};

/// Counts live heap bytes, to report the peers' memory per prefix.
struct LiveBytes;
static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for LiveBytes {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n, Ordering::Relaxed);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        System.realloc(p, l, n)
    }
}

#[global_allocator]
static ALLOC: LiveBytes = LiveBytes;

const BATCH: usize = 1024;

/// Prefixes with tags: (address, length, tag mask).
type V4Rows = Vec<(u32, u8, u32)>;
/// Prefixes with tags: (address, length, tag mask).
type V6Rows = Vec<(u128, u8, u32)>;

/// Build time and heap growth of `f`.
fn measure<R>(f: impl FnOnce() -> R) -> (R, Duration, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    let t = Instant::now();
    let r = f();
    let elapsed = t.elapsed();
    let grown = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    (r, elapsed, grown)
}

/// 16-byte aligned storage for a tollgate image.
struct Storage(Vec<AlignedBlock>);

impl Storage {
    fn bytes(&mut self) -> &mut [u8] {
        AlignedBlock::as_bytes_mut(&mut self.0)
    }
}

/// Every table under test, built from the same prefixes and tags.
struct Tables {
    storage: Storage,
    image_len: usize,
    ip_network_table: IpNetworkTable<u32>,
    prefix_trie_v4: PrefixMap<(u32, u8), u32>,
    prefix_trie_v6: PrefixMap<(u128, u8), u32>,
    poptrie_v4: Poptrie<(u32, u8), u32>,
    poptrie_v6: Poptrie<(u128, u8), u32>,
}

impl Tables {
    fn tollgate(&self) -> IpSet<'_> {
        let bytes = &AlignedBlock::as_bytes(&self.storage.0)[..self.image_len];
        IpSet::load(bytes).expect("image")
    }
}

fn build_tables(name: &str, v4: &[(u32, u8, u32)], v6: &[(u128, u8, u32)]) -> Tables {
    let entries: Vec<ListEntry> = v4
        .iter()
        .map(|&(a, l, t)| (IpNumber::V4(a), l, t))
        .chain(v6.iter().map(|&(a, l, t)| (IpNumber::V6(a), l, t)))
        .map(|(a, l, tags)| ListEntry {
            prefix: Prefix::new(a, l).expect("canonical prefix"),
            tags,
        })
        .collect();
    let prefixes = entries.len();
    let ((storage, image_len), t_ours, _) = measure(|| {
        let size = net::required_size_for(v4.len(), v6.len()).expect("size");
        let mut storage = Storage(vec![AlignedBlock::ZERO; AlignedBlock::count_for(size)]);
        let len = net::build_from_entries(storage.bytes(), entries.iter().copied())
            .expect("build")
            .image()
            .len();
        (storage, len)
    });
    let (ip_network_table, t_int, m_int) = measure(|| {
        let mut t = IpNetworkTable::new();
        for &(a, l, tags) in v4 {
            let net = Ipv4Network::new(Ipv4Addr::from(a), l).expect("net");
            let old = t.exact_match(net).copied().unwrap_or(0);
            t.insert(net, old | tags);
        }
        for &(a, l, tags) in v6 {
            let net = Ipv6Network::new(Ipv6Addr::from(a), l).expect("net");
            let old = t.exact_match(net).copied().unwrap_or(0);
            t.insert(net, old | tags);
        }
        t
    });
    let ((prefix_trie_v4, prefix_trie_v6), t_pt, m_pt) = measure(|| {
        let mut m4 = PrefixMap::new();
        for &(a, l, tags) in v4 {
            *m4.entry((a, l)).or_insert(0) |= tags;
        }
        let mut m6 = PrefixMap::new();
        for &(a, l, tags) in v6 {
            *m6.entry((a, l)).or_insert(0) |= tags;
        }
        (m4, m6)
    });
    // Poptrie's bulk build (`collect`): one insert at a time costs O(n) each (its arrays are
    // kept contiguous), ten minutes for the 500k table.
    let ((poptrie_v4, poptrie_v6), t_pop, m_pop) = measure(|| {
        let mut m4: BTreeMap<(u32, u8), u32> = BTreeMap::new();
        for &(a, l, tags) in v4 {
            *m4.entry((a, l)).or_insert(0) |= tags;
        }
        let mut m6: BTreeMap<(u128, u8), u32> = BTreeMap::new();
        for &(a, l, tags) in v6 {
            *m6.entry((a, l)).or_insert(0) |= tags;
        }
        let p4: Poptrie<(u32, u8), u32> = m4.into_iter().collect();
        let p6: Poptrie<(u128, u8), u32> = m6.into_iter().collect();
        (p4, p6)
    });
    let per = |bytes: usize| bytes as f64 / prefixes.max(1) as f64;
    eprintln!(
        "{name}: {prefixes} prefixes | build: tollgate {:.1} ms, ip_network_table {:.1} ms, prefix_trie {:.1} ms, \
         poptrie {:.1} ms | bytes/prefix: tollgate {:.1} (image {} B), ip_network_table {:.1}, prefix_trie {:.1}, \
         poptrie {:.1}",
        t_ours.as_secs_f64() * 1e3,
        t_int.as_secs_f64() * 1e3,
        t_pt.as_secs_f64() * 1e3,
        t_pop.as_secs_f64() * 1e3,
        per(image_len),
        image_len,
        per(m_int),
        per(m_pt),
        per(m_pop),
    );
    Tables {
        storage,
        image_len,
        ip_network_table,
        prefix_trie_v4,
        prefix_trie_v6,
        poptrie_v4,
        poptrie_v6,
    }
}

/// The group `group`: the same batch of addresses looked up by tollgate (its batch API) and
/// by each peer (one lookup per address: they have no batch API). Closures are generic, not
/// `dyn`, so no side pays for an indirect call per lookup.
fn bench_family<A, One, Batch, Int, Trie, Pop>(
    c: &mut Criterion,
    group: &str,
    addrs: &[A],
    (ours_one, ours_batch): (One, Batch),
    (ip_network_table, prefix_trie, poptrie): (Int, Trie, Pop),
) where
    A: Copy + std::fmt::Debug,
    One: Fn(A) -> u32,
    Batch: Fn(&[A], &mut [u32]),
    Int: Fn(A) -> Option<u32>,
    Trie: Fn(A) -> Option<u32>,
    Pop: Fn(A) -> Option<u32>,
{
    // Every peer must agree on whether each address matches (a sanity check, not timed).
    for &a in addrs {
        let ours = ours_one(a) != 0;
        let peers = (
            ip_network_table(a).is_some(),
            prefix_trie(a).is_some(),
            poptrie(a).is_some(),
        );
        assert_eq!((ours, ours, ours), peers, "{group}: {a:?}");
    }
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(addrs.len() as u64));
    g.bench_function(BenchmarkId::from_parameter("tollgate"), |b| {
        let mut out = vec![0u32; addrs.len()];
        b.iter(|| {
            ours_batch(black_box(addrs), &mut out);
            out.iter().fold(0u32, |acc, &t| acc.wrapping_add(t))
        })
    });
    bench_peer(&mut g, "ip_network_table", addrs, ip_network_table);
    bench_peer(&mut g, "prefix_trie", addrs, prefix_trie);
    bench_peer(&mut g, "poptrie", addrs, poptrie);
    g.finish();
}

/// A peer's function in the group: one lookup per address, values summed.
fn bench_peer<A: Copy>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    addrs: &[A],
    lookup: impl Fn(A) -> Option<u32>,
) {
    g.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter(|| {
            black_box(addrs)
                .iter()
                .fold(0u32, |acc, &a| acc.wrapping_add(lookup(a).unwrap_or(0)))
        })
    });
}

fn bench_v4(c: &mut Criterion, group: &str, tables: &Tables, addrs: &[u32]) {
    let set = tables.tollgate();
    let ours = (
        |a| set.lookup_v4(a),
        |a: &[u32], out: &mut [u32]| set.lookup_v4_batch(a, out),
    );
    let peers = (
        |a| {
            let t = tables
                .ip_network_table
                .longest_match_ipv4(Ipv4Addr::from(a));
            t.map(|(_, &v)| v)
        },
        |a| tables.prefix_trie_v4.get_lpm(&(a, 32)).map(|(_, &v)| v),
        |a: u32| tables.poptrie_v4.lookup(a).copied(),
    );
    bench_family(c, group, addrs, ours, peers);
}

fn bench_v6(c: &mut Criterion, group: &str, tables: &Tables, addrs: &[u128]) {
    let set = tables.tollgate();
    let ours = (
        |a| set.lookup_v6(a),
        |a: &[u128], out: &mut [u32]| set.lookup_v6_batch(a, out),
    );
    let peers = (
        |a| {
            let t = tables
                .ip_network_table
                .longest_match_ipv6(Ipv6Addr::from(a));
            t.map(|(_, &v)| v)
        },
        |a| tables.prefix_trie_v6.get_lpm(&(a, 128)).map(|(_, &v)| v),
        |a: u128| tables.poptrie_v6.lookup(a).copied(),
    );
    bench_family(c, group, addrs, ours, peers);
}

/// The ACS ranges from the built-in list text, split by family.
fn acs_prefixes() -> (V4Rows, V6Rows) {
    let (mut v4, mut v6) = (Vec::new(), Vec::new());
    for e in net::entries(net::ACS_LIST) {
        let e = e.expect("ACS list");
        match e.prefix.address() {
            IpNumber::V4(a) => v4.push((a, e.prefix.length(), e.tags)),
            IpNumber::V6(a) => v6.push((a, e.prefix.length(), e.tags)),
        }
    }
    (v4, v6)
}

fn ip(c: &mut Criterion) {
    eprintln!("machine: {}", machine());
    let (acs4, acs6) = acs_prefixes();
    let acs = build_tables("ip_acs", &acs4, &acs6);
    // The built-in ACS image is exactly what the bench built from the same list.
    assert_eq!(acs.tollgate().image(), net::acs_ipset().image());
    let p4: Vec<(u32, u8)> = acs4.iter().map(|&(a, l, _)| (a, l)).collect();
    let p6: Vec<(u128, u8)> = acs6.iter().map(|&(a, l, _)| (a, l)).collect();
    bench_v4(c, "ip_acs_v4", &acs, &v4_batch(&p4, BATCH, 11));
    bench_v6(c, "ip_acs_v6", &acs, &v6_batch(&p6, BATCH, 12));
    drop(acs);

    let large4 = large_v4_prefixes(500_000, 21);
    // Tags vary (1, 2, 4, ..., 128) so nested prefixes stay distinct intervals.
    let t4: V4Rows = large4
        .iter()
        .enumerate()
        .map(|(i, &(a, l))| (a, l, 1 << (i % 8)))
        .collect();
    let tables = build_tables("ip_large_v4", &t4, &[]);
    bench_v4(c, "ip_large_v4", &tables, &v4_batch(&large4, BATCH, 22));
    drop(tables);

    let large6 = large_v6_prefixes(200_000, 31);
    let t6: V6Rows = large6
        .iter()
        .enumerate()
        .map(|(i, &(a, l))| (a, l, 1 << (i % 8)))
        .collect();
    let tables = build_tables("ip_large_v6", &[], &t6);
    bench_v6(c, "ip_large_v6", &tables, &v6_batch(&large6, BATCH, 32));
}

criterion_group!(benches, ip);
criterion_main!(benches);
