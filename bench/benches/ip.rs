//! `cargo bench -p tollgate-bench --bench ip`: tollgate's CIDR tables against
//! `ip_network_table` (a tree bitmap), `prefix_trie` and `poptrie` (Poptrie), each doing the
//! same batch of 1,024 lookups per iteration (criterion reports it as elements/s =
//! lookups/s).
//!
//! Groups: `ip_acs_v4`, `ip_acs_v6` (the built-in ACS ranges; random addresses, about half
//! inside), `ip_large_v4` (500,000 random IPv4 prefixes, lengths peaking at /24) and
//! `ip_large_v6` (200,000 IPv6 prefixes peaking at /48). Before the groups it prints build
//! times and bytes per prefix (heap bytes for the peers, image bytes for tollgate).

mod ip_setup;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ip_setup::{Addrs, Tables};
use std::hint::black_box;
use tollgate_bench::ip_inputs::machine;

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
        |a| tables.ip_network_table_v4(a),
        |a| tables.prefix_trie_v4(a),
        |a| tables.poptrie_v4(a),
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
        |a| tables.ip_network_table_v6(a),
        |a| tables.prefix_trie_v6(a),
        |a| tables.poptrie_v6(a),
    );
    bench_family(c, group, addrs, ours, peers);
}

fn ip(c: &mut Criterion) {
    eprintln!("machine: {}", machine());
    ip_setup::for_each_group(|group, tables, addrs| match addrs {
        Addrs::V4(a) => bench_v4(c, group, tables, &a),
        Addrs::V6(a) => bench_v6(c, group, tables, &a),
    });
}

criterion_group!(benches, ip);
criterion_main!(benches);
