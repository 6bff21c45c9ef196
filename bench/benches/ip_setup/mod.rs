//! The address tables shared by the `ip` (criterion) and `ip_ab` (alternating rounds)
//! benches: the four groups' prefixes, tollgate's image and the three peers built from the
//! same prefixes and tags, and one lookup function per peer and family.

#![allow(dead_code)] // each bench uses its part

use ip_network::{Ipv4Network, Ipv6Network};
use ip_network_table::IpNetworkTable;
use poptrie::Poptrie;
use prefix_trie::PrefixMap;
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tollgate_bench::ip_inputs::{large_v4_prefixes, large_v6_prefixes, v4_batch, v6_batch};
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

/// Addresses per batch (criterion reports lookups/s).
pub const BATCH: usize = 1024;

/// Prefixes with tags: (address, length, tag mask).
pub type V4Rows = Vec<(u32, u8, u32)>;
/// Prefixes with tags: (address, length, tag mask).
pub type V6Rows = Vec<(u128, u8, u32)>;

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
pub struct Tables {
    storage: Storage,
    image_len: usize,
    ip_network_table: IpNetworkTable<u32>,
    prefix_trie_v4: PrefixMap<(u32, u8), u32>,
    prefix_trie_v6: PrefixMap<(u128, u8), u32>,
    poptrie_v4: Poptrie<(u32, u8), u32>,
    poptrie_v6: Poptrie<(u128, u8), u32>,
}

impl Tables {
    pub fn tollgate(&self) -> IpSet<'_> {
        let bytes = &AlignedBlock::as_bytes(&self.storage.0)[..self.image_len];
        IpSet::load(bytes).expect("image")
    }
}

pub fn build_tables(name: &str, v4: &[(u32, u8, u32)], v6: &[(u128, u8, u32)]) -> Tables {
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

/// The ACS ranges from the built-in list text, split by family.
pub fn acs_prefixes() -> (V4Rows, V6Rows) {
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

impl Tables {
    /// The peers' IPv4 lookups: ip_network_table, prefix_trie, poptrie.
    pub fn ip_network_table_v4(&self, a: u32) -> Option<u32> {
        let t = self.ip_network_table.longest_match_ipv4(Ipv4Addr::from(a));
        t.map(|(_, &v)| v)
    }
    pub fn prefix_trie_v4(&self, a: u32) -> Option<u32> {
        self.prefix_trie_v4.get_lpm(&(a, 32)).map(|(_, &v)| v)
    }
    pub fn poptrie_v4(&self, a: u32) -> Option<u32> {
        self.poptrie_v4.lookup(a).copied()
    }
    /// The peers' IPv6 lookups.
    pub fn ip_network_table_v6(&self, a: u128) -> Option<u32> {
        let t = self.ip_network_table.longest_match_ipv6(Ipv6Addr::from(a));
        t.map(|(_, &v)| v)
    }
    pub fn prefix_trie_v6(&self, a: u128) -> Option<u32> {
        self.prefix_trie_v6.get_lpm(&(a, 128)).map(|(_, &v)| v)
    }
    pub fn poptrie_v6(&self, a: u128) -> Option<u32> {
        self.poptrie_v6.lookup(a).copied()
    }
}

/// One group's batch of addresses.
pub enum Addrs {
    V4(Vec<u32>),
    V6(Vec<u128>),
}

/// The four groups in bench order: `visit` gets each group's name, tables and addresses. The
/// ACS groups share one set of tables; each large table is built only when its turn comes
/// and dropped after it (the peers take hundreds of MB).
pub fn for_each_group(mut visit: impl FnMut(&str, &Tables, Addrs)) {
    let (acs4, acs6) = acs_prefixes();
    let p4: Vec<(u32, u8)> = acs4.iter().map(|&(a, l, _)| (a, l)).collect();
    let p6: Vec<(u128, u8)> = acs6.iter().map(|&(a, l, _)| (a, l)).collect();
    let acs = build_tables("ip_acs", &acs4, &acs6);
    // The built-in ACS image is exactly what the bench built from the same list.
    assert_eq!(acs.tollgate().image(), net::acs_ipset().image());
    visit("ip_acs_v4", &acs, Addrs::V4(v4_batch(&p4, BATCH, 11)));
    visit("ip_acs_v6", &acs, Addrs::V6(v6_batch(&p6, BATCH, 12)));
    drop(acs);

    let large4 = large_v4_prefixes(500_000, 21);
    // Tags vary (1, 2, 4, ..., 128) so nested prefixes stay distinct intervals.
    let t4: V4Rows = large4
        .iter()
        .enumerate()
        .map(|(i, &(a, l))| (a, l, 1 << (i % 8)))
        .collect();
    let tables = build_tables("ip_large_v4", &t4, &[]);
    visit(
        "ip_large_v4",
        &tables,
        Addrs::V4(v4_batch(&large4, BATCH, 22)),
    );
    drop(tables);

    let large6 = large_v6_prefixes(200_000, 31);
    let t6: V6Rows = large6
        .iter()
        .enumerate()
        .map(|(i, &(a, l))| (a, l, 1 << (i % 8)))
        .collect();
    let tables = build_tables("ip_large_v6", &[], &t6);
    visit(
        "ip_large_v6",
        &tables,
        Addrs::V6(v6_batch(&large6, BATCH, 32)),
    );
}
