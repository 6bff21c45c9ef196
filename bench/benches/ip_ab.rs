//! A/B companion of the `ip` criterion bench for a VM whose speed moves in phases of seconds:
//! in each group, tollgate's batch and the three peers' lookup loops over the same 1,024
//! addresses run in finely alternating rounds, so all of them see the same phases. A round
//! gives each participant one untimed batch (its table back in the caches the others used)
//! and then times [`PER_ROUND`] batches. Prints per-batch minimum, 10th percentile and median
//! of each participant, and the best peer ÷ tollgate at each of the three.
//! `cargo bench -p tollgate-bench --bench ip_ab`.

mod ip_setup;

use std::hint::black_box;
use std::time::Instant;

use ip_setup::{Addrs, Tables};
use tollgate_bench::ip_inputs::machine;

const ROUNDS: usize = 300;
const PER_ROUND: u32 = 8;

/// One participant: a name and one batch of lookups (returns the answers' sum).
type Participant<'a> = (&'static str, Box<dyn FnMut() -> u32 + 'a>);

/// Microseconds per batch of `f` in one round (after an untimed batch).
fn round(f: &mut dyn FnMut() -> u32) -> f64 {
    black_box(f());
    let start = Instant::now();
    for _ in 0..PER_ROUND {
        black_box(f());
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(PER_ROUND)
}

/// A peer's batch: one lookup per address, the values summed.
fn peer<A: Copy>(addrs: &[A], lookup: impl Fn(A) -> Option<u32>) -> u32 {
    black_box(addrs)
        .iter()
        .fold(0u32, |acc, &a| acc.wrapping_add(lookup(a).unwrap_or(0)))
}

/// Run the rounds of one group and print its table.
fn run(group: &str, mut participants: Vec<Participant<'_>>) {
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(ROUNDS); participants.len()];
    for _ in 0..ROUNDS {
        for ((_, f), s) in participants.iter_mut().zip(samples.iter_mut()) {
            s.push(round(f.as_mut()));
        }
    }
    let stats: Vec<[f64; 3]> = samples
        .iter_mut()
        .map(|s| tollgate_bench::min_p10_median(s))
        .collect();
    println!("{group}: µs per batch of 1,024 ({ROUNDS} alternating rounds of {PER_ROUND})");
    println!("{:<20}{:>9}{:>9}{:>9}", "", "min", "p10", "median");
    for ((name, _), s) in participants.iter().zip(&stats) {
        println!("{name:<20}{:>9.3}{:>9.3}{:>9.3}", s[0], s[1], s[2]);
    }
    let ours = stats[0];
    let ratio = |k: usize| {
        let (name, best) = participants
            .iter()
            .zip(&stats)
            .skip(1)
            .map(|((name, _), s)| (*name, s[k]))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("peers");
        format!("{:.1} ({name})", best / ours[k])
    };
    println!(
        "best peer ÷ tollgate: min {}, p10 {}, median {}\n",
        ratio(0),
        ratio(1),
        ratio(2)
    );
}

/// One group: every peer must agree with tollgate on whether each address matches, then the
/// rounds. Lookups are generic closures, not `dyn`, so no side pays an indirect call per
/// lookup (one per batch, as in every round).
fn family<A, Batch, Int, Trie, Pop>(
    group: &str,
    addrs: &[A],
    ours: Batch,
    (ip_network_table, prefix_trie, poptrie): (Int, Trie, Pop),
) where
    A: Copy + std::fmt::Debug,
    Batch: Fn(&[A], &mut [u32]),
    Int: Fn(A) -> Option<u32>,
    Trie: Fn(A) -> Option<u32>,
    Pop: Fn(A) -> Option<u32>,
{
    let mut out = vec![0u32; addrs.len()];
    ours(addrs, &mut out);
    for (&a, &tags) in addrs.iter().zip(&out) {
        let peers = [ip_network_table(a), prefix_trie(a), poptrie(a)];
        for p in peers {
            assert_eq!(tags != 0, p.is_some(), "{group}: {a:?}");
        }
    }
    run(
        group,
        vec![
            (
                "tollgate",
                Box::new(|| {
                    ours(black_box(addrs), &mut out);
                    out.iter().fold(0u32, |acc, &t| acc.wrapping_add(t))
                }),
            ),
            (
                "ip_network_table",
                Box::new(|| peer(addrs, &ip_network_table)),
            ),
            ("prefix_trie", Box::new(|| peer(addrs, &prefix_trie))),
            ("poptrie", Box::new(|| peer(addrs, &poptrie))),
        ],
    );
}

fn v4(group: &str, tables: &Tables, addrs: &[u32]) {
    let set = tables.tollgate();
    let peers = (
        |a| tables.ip_network_table_v4(a),
        |a| tables.prefix_trie_v4(a),
        |a| tables.poptrie_v4(a),
    );
    family(
        group,
        addrs,
        |a: &[u32], out: &mut [u32]| set.lookup_v4_batch(a, out),
        peers,
    );
}

fn v6(group: &str, tables: &Tables, addrs: &[u128]) {
    let set = tables.tollgate();
    let peers = (
        |a| tables.ip_network_table_v6(a),
        |a| tables.prefix_trie_v6(a),
        |a| tables.poptrie_v6(a),
    );
    family(
        group,
        addrs,
        |a: &[u128], out: &mut [u32]| set.lookup_v6_batch(a, out),
        peers,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument is a filter we do not support.
    println!("machine: {}", machine());
    ip_setup::for_each_group(|group, tables, addrs| match addrs {
        Addrs::V4(a) => v4(group, tables, &a),
        Addrs::V6(a) => v6(group, tables, &a),
    });
}
