//! `cargo bench -p tollgate-bench --bench host`: host-name set lookups, tollgate's precomputed
//! table against a naive peer (a std `HashMap` of every entry, asked for the name and each of
//! its label suffixes, as most proxies do), each doing the same batch of 1,024 lookups per
//! iteration (criterion reports elements/s = lookups/s).
//!
//! Group `host_lookup`: tables of 1,000, 10,000 and 100,000 names (half wildcards), queries of
//! 3 to 5 labels, about half of them matching. A flat line across the sizes shows that a
//! lookup costs the same whatever the table holds. The peer skips name validation (tollgate
//! checks every query: LDH labels, lengths) and lowercases into a stack buffer.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::collections::HashMap;
use std::hint::black_box;
use tollgate_bench::ip_inputs::machine;
use tollgate_core::host::{build_hostset, host_required_size, HostSet};

const BATCH: usize = 1024;
const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

/// A deterministic generator (xorshift), so every run measures the same names.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn label(&mut self) -> String {
        let len = 3 + (self.next() % 8) as usize;
        (0..len)
            .map(|_| (b'a' + (self.next() % 26) as u8) as char)
            .collect()
    }
}

/// `n` distinct entries (`(domain, wildcard)`), half wildcards, two or three labels each.
fn entries(n: usize, rng: &mut Rng) -> Vec<(String, bool)> {
    let tlds = ["com", "net", "org", "microsoft", "io"];
    (0..n)
        .map(|i| {
            let mut d = format!("{}{i}.{}", rng.label(), tlds[i % tlds.len()]);
            if rng.next().is_multiple_of(3) {
                d = format!("{}.{d}", rng.label());
            }
            (d, i % 2 == 0)
        })
        .collect()
}

/// A batch of queries: about half under or equal to an entry, the rest unknown names.
fn queries(list: &[(String, bool)], rng: &mut Rng) -> Vec<String> {
    (0..BATCH)
        .map(|_| {
            let (d, wild) = &list[(rng.next() as usize) % list.len()];
            match rng.next() % 4 {
                0 | 1 if *wild => format!("{}.{}", rng.label(), d),
                0 | 1 => d.to_uppercase(),
                2 => format!("{}.{}.example.com", rng.label(), rng.label()),
                _ => format!("www.{}.{}.net", rng.label(), rng.label()),
            }
        })
        .collect()
}

/// The naive peer: every entry in a HashMap (exact tags, wildcard tags).
struct Naive(HashMap<Vec<u8>, (u32, u32)>);

impl Naive {
    fn new(list: &[(String, bool)]) -> Self {
        let mut m: HashMap<Vec<u8>, (u32, u32)> = HashMap::new();
        for (d, wild) in list {
            let e = m.entry(d.as_bytes().to_ascii_lowercase()).or_default();
            if *wild {
                e.1 |= 1;
            } else {
                e.0 |= 1;
            }
        }
        Naive(m)
    }
    fn lookup(&self, name: &str) -> u32 {
        let mut buf = [0u8; 256];
        let name = name.strip_suffix('.').unwrap_or(name).as_bytes();
        let Some(q) = buf.get_mut(..name.len()) else {
            return 0;
        };
        for (d, s) in q.iter_mut().zip(name) {
            *d = s.to_ascii_lowercase();
        }
        let mut tags = self.0.get(&q[..]).map_or(0, |e| e.0);
        for (i, &b) in q.iter().enumerate() {
            if b == b'.' {
                tags |= self.0.get(&q[i + 1..]).map_or(0, |e| e.1);
            }
        }
        tags
    }
}

fn host_lookup(c: &mut Criterion) {
    println!("host_lookup on {}", machine());
    let mut group = c.benchmark_group("host_lookup");
    group.throughput(Throughput::Elements(BATCH as u64));
    for n in SIZES {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ n as u64);
        let list = entries(n, &mut rng);
        let text: String = list
            .iter()
            .map(|(d, w)| format!("{}{d}\n", if *w { "*." } else { "" }))
            .collect();
        let size = host_required_size(&text).unwrap();
        let mut words = vec![0u64; size.div_ceil(8)];
        // SAFETY: u64 storage viewed as bytes (8-byte aligned as builds need).
        let storage =
            unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), size) };
        let t = std::time::Instant::now();
        let set: HostSet<'_> = build_hostset(storage, &text).unwrap();
        println!(
            "host_lookup: {n} names: built in {:?}, {} image bytes ({:.1} per name)",
            t.elapsed(),
            set.image().len(),
            set.image().len() as f64 / n as f64
        );
        let naive = Naive::new(&list);
        let qs = queries(&list, &mut rng);
        // Both answer the same (a check, not a measurement).
        let matched = qs
            .iter()
            .filter(|q| {
                let ours = set.lookup(q).unwrap();
                assert_eq!(ours != 0, naive.lookup(q) != 0, "{q}");
                ours != 0
            })
            .count();
        println!("host_lookup: {n} names: {matched} of {BATCH} queries match");
        group.bench_with_input(BenchmarkId::new("tollgate", n), &qs, |b, qs| {
            b.iter(|| {
                let mut acc = 0u32;
                for q in qs {
                    acc ^= set.lookup(black_box(q)).unwrap_or(0);
                }
                acc
            })
        });
        group.bench_with_input(BenchmarkId::new("hashmap_suffixes", n), &qs, |b, qs| {
            b.iter(|| {
                let mut acc = 0u32;
                for q in qs {
                    acc ^= naive.lookup(black_box(q));
                }
                acc
            })
        });
    }
    group.finish();
}

criterion_group!(benches, host_lookup);
criterion_main!(benches);
