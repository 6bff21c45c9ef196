//! Deterministic inputs for the `ip` bench: prefix sets shaped like real routing tables and
//! lookup batches with about half the addresses inside some prefix.

/// A small deterministic generator (xorshift64*), so every run measures the same inputs.
pub struct Rng(u64);

impl Rng {
    /// A generator from a non-zero seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// One item of `weights`' values, chosen with the given weights.
    fn weighted(&mut self, table: &[(u8, u32)]) -> u8 {
        let total: u32 = table.iter().map(|&(_, w)| w).sum();
        let mut pick = self.below(u64::from(total)) as u32;
        for &(v, w) in table {
            if pick < w {
                return v;
            }
            pick -= w;
        }
        table.last().map_or(0, |&(v, _)| v)
    }
}

/// IPv4 prefix lengths weighted roughly like a full routing table (most are /24; nothing
/// shorter than /16, so random prefixes do not blanket the address space).
const V4_LENGTHS: &[(u8, u32)] = &[
    (16, 15),
    (17, 8),
    (18, 15),
    (19, 30),
    (20, 40),
    (21, 40),
    (22, 120),
    (23, 100),
    (24, 600),
    (25, 5),
    (26, 5),
    (27, 5),
    (28, 5),
    (29, 5),
    (30, 5),
    (32, 2),
];

/// IPv6 prefix lengths weighted roughly like a full routing table (most are /48).
const V6_LENGTHS: &[(u8, u32)] = &[
    (19, 1),
    (24, 2),
    (28, 5),
    (29, 30),
    (32, 90),
    (36, 30),
    (40, 50),
    (44, 60),
    (46, 20),
    (47, 20),
    (48, 560),
    (52, 10),
    (56, 30),
    (60, 10),
    (64, 60),
    (96, 2),
    (128, 20),
];

/// `n` random IPv4 prefixes (address, length), host bits clear, lengths peaking at /24.
pub fn large_v4_prefixes(n: usize, seed: u64) -> Vec<(u32, u8)> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let len = rng.weighted(V4_LENGTHS);
            let a = rng.next_u64() as u32;
            (a & mask_u32(len), len)
        })
        .collect()
}

/// `n` random IPv6 prefixes inside 2000::/3 (global unicast), host bits clear, lengths
/// peaking at /48.
pub fn large_v6_prefixes(n: usize, seed: u64) -> Vec<(u128, u8)> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let len = rng.weighted(V6_LENGTHS);
            let a = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
            let a = (a >> 3) | (1u128 << 125);
            (a & mask_u128(len), len)
        })
        .collect()
}

/// `n` addresses: even positions inside a random prefix of `prefixes`, odd ones random.
pub fn v4_batch(prefixes: &[(u32, u8)], n: usize, seed: u64) -> Vec<u32> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let r = rng.next_u64() as u32;
            match prefixes.get(rng.below(prefixes.len().max(1) as u64) as usize) {
                Some(&(a, len)) if i % 2 == 0 => a | (r & !mask_u32(len)),
                _ => r,
            }
        })
        .collect()
}

/// `n` addresses: even positions inside a random prefix of `prefixes`, odd ones random in
/// 2000::/3.
pub fn v6_batch(prefixes: &[(u128, u8)], n: usize, seed: u64) -> Vec<u128> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let r = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
            match prefixes.get(rng.below(prefixes.len().max(1) as u64) as usize) {
                Some(&(a, len)) if i % 2 == 0 => a | (r & !mask_u128(len)),
                _ => (r >> 3) | (1u128 << 125),
            }
        })
        .collect()
}

/// The network mask of an IPv4 prefix length.
pub fn mask_u32(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

/// The network mask of an IPv6 prefix length.
pub fn mask_u128(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

/// A short description of this machine for the bench summary (CPU model and core count).
pub fn machine() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{model}, {cores} cores")
}
