//! Table tests: every lookup path against a naive oracle (random IPv4, IPv6 and mapped
//! addresses; overlapping, duplicate, /0, /32 and /128 prefixes), build errors, and the loader
//! against truncated, mutated and re-sealed corrupt images.

use super::image::{checksum, field};
use super::table::TINY_CELLS;
use super::*;
use crate::Error;
use proptest::prelude::*;
use std::format;
use std::string::String;
use std::vec;
use std::vec::Vec;

/// Zeroed storage with the alignment images need.
pub(crate) struct Aligned(Vec<u128>);

impl Aligned {
    pub(crate) fn new(len: usize) -> Self {
        Aligned(vec![0u128; len.div_ceil(16)])
    }
    pub(crate) fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: u128 storage viewed as its bytes.
        unsafe { std::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast(), self.0.len() * 16) }
    }
    pub(crate) fn from_bytes(b: &[u8]) -> Self {
        let mut a = Aligned::new(b.len());
        a.bytes()[..b.len()].copy_from_slice(b);
        a
    }
}

/// A small xorshift generator: deterministic test data without a dependency.
pub(crate) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

/// `count` random IPv4 prefixes from `next`: lengths from `shortest` to 32, addresses with
/// the bits of `mask` random and those of `top` set, tags chosen by `tag` from a random
/// number.
fn random_v4_list(
    next: &mut impl FnMut() -> u64,
    count: usize,
    shortest: u8,
    (mask, top): (u32, u32),
    tag: impl Fn(u64) -> u32,
) -> Vec<ListEntry> {
    (0..count)
        .map(|_| {
            let len = shortest + (next() % u64::from(33 - shortest)) as u8;
            let a = (next() as u32 & mask | top) & prefix::mask_u32(len);
            ListEntry {
                prefix: Prefix::new(IpNumber::V4(a), len).unwrap(),
                tags: tag(next()),
            }
        })
        .collect()
}

/// A batch answers `probes` as `want` (the single lookups) whole and at every length up to
/// past one vector, writing nothing past its output.
fn check_batches<A: Copy>(
    probes: &[A],
    want: &[u32],
    batch: impl Fn(&[A], &mut [u32]),
    what: &str,
) {
    let mut out = vec![0u32; probes.len()];
    batch(probes, &mut out);
    assert_eq!(out, want, "{what}");
    for len in 0..40.min(probes.len()) {
        let mut out = vec![0x5a5a_5a5a; len + 1];
        batch(&probes[..len], &mut out[..len]);
        assert_eq!(&out[..len], &want[..len], "{what}, length {len}");
        assert_eq!(out[len], 0x5a5a_5a5a);
    }
}

/// The oracle: OR of the tags of every entry containing the address, with IPv4-mapped
/// addresses and prefixes treated as IPv4.
fn oracle(list: &[ListEntry], addr: IpNumber) -> u32 {
    let addr = addr.unmap();
    list.iter()
        .filter(|e| fold(e.prefix).contains(addr))
        .fold(0, |acc, e| acc | e.tags)
}

fn fold(p: Prefix) -> Prefix {
    match p.address() {
        IpNumber::V6(a) if p.length() >= 96 && (a >> 32) == 0xffff => {
            Prefix::new(IpNumber::V4(a as u32), p.length() - 96).unwrap()
        }
        _ => p,
    }
}

fn list_text(list: &[ListEntry]) -> String {
    list.iter()
        .map(|e| format!("{} {}\n", e.prefix, e.tags))
        .collect()
}

/// Addresses worth asking about: each prefix's first and last address and their neighbours.
fn edges(list: &[ListEntry]) -> Vec<IpNumber> {
    let mut out = Vec::new();
    for e in list {
        match e.prefix.address() {
            IpNumber::V4(a) => {
                let last = a | !prefix::mask_u32(e.prefix.length());
                for v in [a, last, a.wrapping_sub(1), last.wrapping_add(1)] {
                    out.push(IpNumber::V4(v));
                    out.push(IpNumber::V6(0xffff_0000_0000 | u128::from(v)));
                }
            }
            IpNumber::V6(a) => {
                let last = a | !prefix::mask_u128(e.prefix.length());
                for v in [a, last, a.wrapping_sub(1), last.wrapping_add(1)] {
                    out.push(IpNumber::V6(v));
                }
            }
        }
    }
    out
}

fn check_all_paths(
    set: &IpSet<'_>,
    list: &[ListEntry],
    addr: IpNumber,
) -> Result<(), TestCaseError> {
    let want = oracle(list, addr);
    prop_assert_eq!(set.lookup(addr), want, "lookup {}", addr);
    let bytes: Vec<u8> = match addr {
        IpNumber::V4(a) => a.to_be_bytes().to_vec(),
        IpNumber::V6(a) => a.to_be_bytes().to_vec(),
    };
    prop_assert_eq!(set.lookup_bytes(&bytes), want, "lookup_bytes {}", addr);
    let text = format!("{addr}");
    prop_assert_eq!(set.lookup_text(&text), Ok(want), "lookup_text {}", text);
    let mut out = [0u32; 1];
    match addr {
        IpNumber::V4(a) => set.lookup_v4_batch(&[a], &mut out),
        IpNumber::V6(a) => set.lookup_v6_batch(&[a], &mut out),
    }
    prop_assert_eq!(out[0], want, "batch {}", addr);
    Ok(())
}

fn v4_addr() -> impl Strategy<Value = u32> {
    prop_oneof![
        any::<u32>(),
        // Clustered, so prefixes overlap and nest.
        (0u32..4, any::<u16>()).prop_map(|(hi, lo)| (hi << 30) | u32::from(lo)),
        Just(0u32),
        Just(u32::MAX),
    ]
}

fn v6_addr() -> impl Strategy<Value = u128> {
    prop_oneof![
        any::<u128>(),
        (0u128..4, any::<u32>())
            .prop_map(|(hi, lo)| (0x2001_0db8u128 << 96) | (hi << 126 >> 30) | u128::from(lo)),
        any::<u32>().prop_map(|v| 0xffff_0000_0000 | u128::from(v)),
        Just(0u128),
        Just(u128::MAX),
    ]
}

fn entry() -> impl Strategy<Value = ListEntry> {
    let tags = prop_oneof![1u32..4, any::<u32>(), Just(0u32)];
    let v4 = (
        v4_addr(),
        prop_oneof![0u8..=32, Just(0u8), Just(32u8), 16u8..=32],
    )
        .prop_map(|(a, l)| IpNumber::V4(a & prefix::mask_u32(l)).to_prefix(l));
    let v6 = (
        v6_addr(),
        prop_oneof![0u8..=128, Just(0u8), Just(128u8), 96u8..=128, 30u8..=64],
    )
        .prop_map(|(a, l)| IpNumber::V6(a & prefix::mask_u128(l)).to_prefix(l));
    (prop_oneof![v4, v6], tags).prop_map(|(prefix, tags)| ListEntry { prefix, tags })
}

/// Entries without short prefixes and with one-bit tags, so that many distinct intervals
/// remain (tables big enough to be indexed).
fn narrow_entry() -> impl Strategy<Value = ListEntry> {
    let v4 = (v4_addr(), 12u8..=32)
        .prop_map(|(a, l)| IpNumber::V4(a & prefix::mask_u32(l)).to_prefix(l));
    let v6 = (v6_addr(), prop_oneof![24u8..=64, 96u8..=128])
        .prop_map(|(a, l)| IpNumber::V6(a & prefix::mask_u128(l)).to_prefix(l));
    (prop_oneof![v4, v6], 0u32..8).prop_map(|(prefix, bit)| ListEntry {
        prefix,
        tags: 1 << bit,
    })
}

trait ToPrefix {
    fn to_prefix(self, len: u8) -> Prefix;
}
impl ToPrefix for IpNumber {
    fn to_prefix(self, len: u8) -> Prefix {
        Prefix::new(self, len).unwrap()
    }
}

fn build_entries(list: &[ListEntry]) -> Aligned {
    let (v4, v6) = list
        .iter()
        .fold((0, 0), |(a, b), e| match fold(e.prefix).address() {
            IpNumber::V4(_) => (a + 1, b),
            IpNumber::V6(_) => (a, b + 1),
        });
    let mut storage = Aligned::new(required_size_for(v4, v6).unwrap());
    let len = build_from_entries(storage.bytes(), list.iter().copied())
        .unwrap()
        .image()
        .len();
    Aligned::from_bytes(&storage.bytes()[..len])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn lookups_match_the_oracle(
        list in prop::collection::vec(entry(), 0..40),
        v4 in prop::collection::vec(v4_addr(), 0..40),
        v6 in prop::collection::vec(v6_addr(), 0..40),
    ) {
        let mut image = build_entries(&list);
        let set = IpSet::load(image.bytes()).unwrap();
        let probes = edges(&list).into_iter()
            .chain(v4.into_iter().map(IpNumber::V4))
            .chain(v6.into_iter().map(IpNumber::V6));
        for addr in probes {
            check_all_paths(&set, &list, addr)?;
        }
    }

    /// Lists long enough for indexed tables (more than 64 intervals), looked up in whole
    /// batches, so the read-ahead of batch lookups and IPv4-mapped addresses inside IPv6
    /// batches are exercised beside single lookups.
    #[test]
    fn batch_lookups_of_indexed_tables_match_the_oracle(
        list in prop::collection::vec(narrow_entry(), 60..300),
        v4 in prop::collection::vec(v4_addr(), 0..100),
        v6 in prop::collection::vec(v6_addr(), 0..100),
    ) {
        let mut image = build_entries(&list);
        let set = IpSet::load(image.bytes()).unwrap();
        let probes: Vec<IpNumber> = edges(&list).into_iter()
            .chain(v4.into_iter().map(IpNumber::V4))
            .chain(v6.into_iter().map(IpNumber::V6))
            .collect();
        let a4: Vec<u32> = probes.iter().filter_map(|p| match p { IpNumber::V4(a) => Some(*a), _ => None }).collect();
        // IPv6 probes interleaved with the IPv4 ones as mapped addresses.
        let a6: Vec<u128> = probes.iter().map(|p| match p {
            IpNumber::V6(a) => *a,
            IpNumber::V4(a) => 0xffff_0000_0000 | u128::from(*a),
        }).collect();
        let mut out = vec![0u32; a4.len().max(a6.len())];
        set.lookup_v4_batch(&a4, &mut out);
        for (&a, &t) in a4.iter().zip(&out) {
            prop_assert_eq!(t, oracle(&list, IpNumber::V4(a)), "v4 batch {:#x}", a);
            prop_assert_eq!(set.lookup_v4(a), t);
        }
        set.lookup_v6_batch(&a6, &mut out);
        for (&a, &t) in a6.iter().zip(&out) {
            prop_assert_eq!(t, oracle(&list, IpNumber::V6(a)), "v6 batch {:#x}", a);
            prop_assert_eq!(set.lookup_v6(a), t);
        }
    }

    /// Tables small enough for the turned-around batch loop, asked in batches longer than
    /// one of its blocks (the probes repeated), against the oracle and single lookups.
    #[test]
    fn batch_lookups_of_tiny_tables_match_the_oracle(
        list in prop::collection::vec(entry(), 0..8),
        v4 in prop::collection::vec(v4_addr(), 0..40),
        v6 in prop::collection::vec(v6_addr(), 0..40),
    ) {
        let mut image = build_entries(&list);
        let set = IpSet::load(image.bytes()).unwrap();
        let probes: Vec<IpNumber> = edges(&list).into_iter()
            .chain(v4.into_iter().map(IpNumber::V4))
            .chain(v6.into_iter().map(IpNumber::V6))
            .collect();
        let a4: Vec<u32> = probes.iter().filter_map(|p| match p { IpNumber::V4(a) => Some(*a), _ => None }).cycle().take(600).collect();
        let a6: Vec<u128> = probes.iter().map(|p| match p {
            IpNumber::V6(a) => *a,
            IpNumber::V4(a) => 0xffff_0000_0000 | u128::from(*a),
        }).cycle().take(600).collect();
        let mut out = vec![0u32; 600];
        set.lookup_v4_batch(&a4, &mut out);
        for (&a, &t) in a4.iter().zip(&out) {
            prop_assert_eq!(t, oracle(&list, IpNumber::V4(a)), "v4 batch {:#x}", a);
        }
        set.lookup_v6_batch(&a6, &mut out);
        for (&a, &t) in a6.iter().zip(&out) {
            prop_assert_eq!(t, oracle(&list, IpNumber::V6(a)), "v6 batch {:#x}", a);
        }
    }

    #[test]
    fn text_build_equals_entry_build(list in prop::collection::vec(entry(), 0..30)) {
        let text = list_text(&list);
        let mut storage = Aligned::new(required_size(&text).unwrap());
        let from_text = build(storage.bytes(), &text).unwrap().image().to_vec();
        let mut from_entries = build_entries(&list);
        prop_assert_eq!(&from_text[..], &from_entries.bytes()[..from_text.len()]);
        // The image does not depend on the order of the list.
        let mut reversed = list.clone();
        reversed.reverse();
        let mut again = build_entries(&reversed);
        prop_assert_eq!(&from_text[..], &again.bytes()[..from_text.len()]);
    }

    #[test]
    fn any_single_byte_change_is_rejected(list in prop::collection::vec(entry(), 1..20), at: prop::sample::Index, flip in 1u8..=255) {
        let mut image = build_entries(&list);
        let len = IpSet::load(image.bytes()).unwrap().image().len();
        let at = at.index(len);
        image.bytes()[at] ^= flip;
        prop_assert!(IpSet::load(&image.bytes()[..len]).is_err());
    }

    #[test]
    fn resealed_corruption_is_rejected_or_harmless(
        list in prop::collection::vec(entry(), 1..20),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        probes in prop::collection::vec(any::<u128>(), 8),
    ) {
        let mut image = build_entries(&list);
        let len = IpSet::load(image.bytes()).unwrap().image().len();
        let bytes = &mut image.bytes()[..len];
        for (at, v) in edits {
            bytes[at.index(len)] = v;
        }
        reseal(bytes);
        if let Ok(set) = IpSet::load(bytes) {
            // Whatever passed validation must still answer without panicking.
            for p in probes {
                let _ = set.lookup_v6(p);
                let _ = set.lookup_v4(p as u32);
            }
        }
        // The unchecked view never panics either.
        let set = IpSet::from_trusted_image(bytes);
        let _ = set.lookup_v4(0x0a00_0001);
        let _ = set.lookup_v6(1);
    }
}

/// Recompute the checksum of an edited image, so the structural checks are what is tested.
fn reseal(image: &mut [u8]) {
    let sum = checksum(image);
    image[field::CHECKSUM..field::CHECKSUM + 8].copy_from_slice(&sum.to_ne_bytes());
}

/// A copy of `original` with `edit` applied and the checksum resealed fails to load as
/// corrupt (`what` names the edit).
fn refused(original: &[u8], what: &str, edit: &dyn Fn(&mut [u8])) {
    let mut a = Aligned::from_bytes(original);
    let b = &mut a.bytes()[..original.len()];
    edit(b);
    reseal(b);
    assert_eq!(IpSet::load(b).unwrap_err(), Error::ImageCorrupt, "{what}");
}

fn sample_image() -> Aligned {
    let text = "10.0.0.0/8 1\n10.1.0.0/16 2\n192.0.2.0/24\n2001:db8::/32 4\n2001:db8:1::/48 8\n::ffff:198.51.100.0/120 16\n";
    let mut storage = Aligned::new(required_size(text).unwrap());
    let len = build(storage.bytes(), text).unwrap().image().len();
    Aligned::from_bytes(&storage.bytes()[..len])
}

#[test]
fn truncated_images_are_rejected() {
    let mut image = sample_image();
    let len = IpSet::load(image.bytes()).unwrap().image().len();
    let bytes = image.bytes();
    for cut in 0..len {
        let err = IpSet::load(&bytes[..cut]).unwrap_err();
        assert_eq!(err, Error::ImageTruncated, "cut at {cut}");
    }
    assert!(IpSet::load(&bytes[..len]).is_ok());
}

#[test]
fn header_fields_are_checked() {
    let mut image = sample_image();
    let len = IpSet::load(image.bytes()).unwrap().image().len();
    let original = image.bytes()[..len].to_vec();
    let case = |edit: &dyn Fn(&mut [u8]), want: Error| {
        let mut a = Aligned::from_bytes(&original);
        let b = &mut a.bytes()[..len];
        edit(b);
        reseal(b);
        assert_eq!(IpSet::load(b).unwrap_err(), want);
    };
    case(&|b| b[0] ^= 1, Error::ImageBadMagic);
    case(
        &|b| b[..4].copy_from_slice(&image::MAGIC.to_be_bytes()),
        Error::ImageBadMagic,
    );
    case(&|b| b[4] = 1, Error::ImageUnsupportedVersion);
    case(&|b| b[4] = 2, Error::ImageUnsupportedVersion);
    // Format 3 kept IPv4 codes in their own array.
    case(&|b| b[4] = 3, Error::ImageUnsupportedVersion);
    // Format 4 kept IPv4 piece sizes in an array.
    case(&|b| b[4] = 4, Error::ImageUnsupportedVersion);
    // Format 5 had plain 4-byte IPv4 index slots.
    case(&|b| b[4] = 5, Error::ImageUnsupportedVersion);
    case(&|b| b[4] = 7, Error::ImageUnsupportedVersion);
    let total = |b: &mut [u8], delta: i64| {
        let t = u64::from_ne_bytes(b[8..16].try_into().unwrap());
        b[8..16].copy_from_slice(&t.wrapping_add_signed(delta).to_ne_bytes());
    };
    case(&|b| total(b, 16), Error::ImageTruncated);
    case(&|b| total(b, -16), Error::ImageCorrupt);
    case(&|b| total(b, -1), Error::ImageCorrupt);
    case(
        &|b| b[field::V4] = b[field::V4].wrapping_add(1),
        Error::ImageCorrupt,
    );
    // Counts, widths and the window that do not fit the length or the arrays.
    case(&|b| b[field::V4 + 4] = 30, Error::ImageCorrupt);
    case(&|b| b[field::V6 + 8] = 200, Error::ImageCorrupt);
    case(&|b| b[field::V4 + 12] = 33, Error::ImageCorrupt);
    // A window narrower than the base's bits (the sample's IPv6 base is not 0).
    case(&|b| b[field::V6 + 12] = 0, Error::ImageCorrupt);
    case(&|b| b[field::V4 + 13] = 23, Error::ImageCorrupt);
    // Any code width but the one the dictionary's size calls for.
    case(
        &|b| b[field::V4 + 15] = if b[field::V4 + 15] == 1 { 2 } else { 1 },
        Error::ImageCorrupt,
    );
    case(&|b| b[field::V4 + 15] = 3, Error::ImageCorrupt);
    case(&|b| b[field::V4 + 15] = 4, Error::ImageCorrupt);
    case(&|b| b[field::V4_BASE] ^= 1, Error::ImageCorrupt);
    case(&|b| b[field::RESERVED] = 1, Error::ImageCorrupt);
    case(&|b| b[field::RESERVED + 7] = 1, Error::ImageCorrupt);
    // Long keys the arrays do not hold (the sample has none, and no short ones).
    case(&|b| b[field::V6_LONGS] = 1, Error::ImageCorrupt);
    case(&|b| b[field::V6_LONGS + 3] = 1, Error::ImageCorrupt);
    // A checksum that does not match.
    let mut a = Aligned::from_bytes(&original);
    a.bytes()[field::CHECKSUM] ^= 1;
    assert_eq!(
        IpSet::load(&a.bytes()[..len]).unwrap_err(),
        Error::ImageBadChecksum
    );
    // Misaligned start.
    let mut big = Aligned::new(len + 16);
    big.bytes()[4..4 + len].copy_from_slice(&original);
    assert_eq!(
        IpSet::load(&big.bytes()[4..4 + len]).unwrap_err(),
        Error::Misaligned
    );
}

/// The v4 family's layout in the sample image (from its header).
fn v4_layout(bytes: &[u8]) -> image::FamilyLayout {
    let word = |at: usize| u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap());
    let shape = image::FamilyShape::from_words([
        word(field::V4),
        word(field::V4 + 4),
        word(field::V4 + 8),
        word(field::V4 + 12),
    ]);
    image::FamilyLayout::new::<u32, image::Packed16>(HEADER_LEN, shape).unwrap()
}

/// Flip one structural detail of the first family and reseal: every one is refused.
#[test]
fn structural_edits_are_corrupt() {
    let mut image = sample_image();
    let set = IpSet::load(image.bytes()).unwrap();
    let len = set.image().len();
    assert!(set.interval_counts().0 >= 3);
    let original = image.bytes()[..len].to_vec();
    let l = v4_layout(&original);
    let word = |at: usize| u32::from_ne_bytes(original[at..at + 4].try_into().unwrap());
    // IPv4 codes of up to two bytes are the low halves of the 4-byte digit entries (native
    // byte order), the digits the high halves; no codes array.
    assert!((word(field::V4 + 12) >> 24) & 0xf <= 2);
    // Few mask pairs: the codes hold the sizes (4 bits), and there is no sizes array.
    assert_eq!(word(field::V4 + 12) >> 28, 4);
    assert_eq!(l.codes.0, l.codes.1);
    let cells = word(field::V4) as usize;
    assert!(cells >= 3, "{cells}");
    let case = |what: &str, edit: &dyn Fn(&mut [u8])| refused(&original, what, edit);
    let d = l.digits.0;
    let entry =
        |b: &[u8], i: usize| u32::from_ne_bytes(b[d + 4 * i..d + 4 * i + 4].try_into().unwrap());
    let set_entry = |b: &mut [u8], i: usize, v: u32| {
        b[d + 4 * i..d + 4 * i + 4].copy_from_slice(&v.to_ne_bytes())
    };
    let code = |i: usize| entry(&original, i) & 0xffff;
    let set_code = |b: &mut [u8], i: usize, v: u32| {
        let e = entry(b, i);
        set_entry(b, i, (e & !0xffff) | (v & 0xffff));
    };
    let set_digit = |b: &mut [u8], i: usize, v: u32| {
        let e = entry(b, i);
        set_entry(b, i, (e & 0xffff) | v << 16);
    };
    case("digits swapped", &|b| {
        let (d1, d2) = (entry(b, 1) >> 16, entry(b, 2) >> 16);
        set_digit(b, 1, d2);
        set_digit(b, 2, d1);
    });
    case("first digit not 0", &|b| set_digit(b, 0, 1));
    case("digit in the below slot", &|b| set_digit(b, cells, 1));
    case("window padding", &|b| set_digit(b, cells + 2, 1));
    case("code in the window padding", &|b| set_code(b, cells + 2, 1));
    case("code past the dictionary", &|b| set_code(b, 0, u32::MAX));
    case("equal neighbouring codes", &|b| set_code(b, 1, code(0)));
    case("below code", &|b| set_code(b, cells, u32::MAX));
    case("above code", &|b| {
        set_code(b, cells + 1, code(cells + 1) ^ 1)
    });
    case("index start", &|b| b[l.index.0] = 1);
    case("index end", &|b| b[l.index.1 - 4] ^= 1);
    let t = l.dict.0;
    case("dictionary order", &|b| {
        let tmp: [u8; 8] = b[t..t + 8].try_into().unwrap();
        b.copy_within(t + 8..t + 16, t);
        b[t + 8..t + 16].copy_from_slice(&tmp);
    });
    // IPv4 codes hold the piece size in their low 4 bits and name a mask pair above them:
    // a plain entry (equal masks) has size bits 0, and a piece ends before the next entry.
    assert_eq!(l.sizes.0, l.sizes.1, "no IPv4 sizes array: {l:?}");
    let pair = |c: u32| {
        let at = t + 8 * (c >> 4) as usize;
        let mask = |i: usize| u32::from_ne_bytes(original[i..i + 4].try_into().unwrap());
        (mask(at), mask(at + 4))
    };
    let plain = (0..cells)
        .find(|&i| matches!(pair(code(i)), (a, b) if a == b))
        .expect("a plain entry");
    assert_eq!(code(plain) & 15, 0);
    case("plain entry with a size", &|b| {
        set_code(b, plain, code(plain) | 3)
    });
    let piece = (0..cells)
        .find(|&i| matches!(pair(code(i)), (a, b) if a != b))
        .expect("a piece");
    assert!(code(piece) & 15 < 8, "{:#x}", code(piece));
    case("piece reaching past the next entry", &|b| {
        set_code(b, piece, code(piece) + 8)
    });
    case("piece code naming a plain pair", &|b| {
        set_code(b, piece, code(plain) | (code(piece) & 15))
    });
    assert!(l.dict.1 < l.keys.0, "{l:?}");
    case("padding", &|b| b[l.dict.1] = 1);
}

/// IPv4 index slots (6 bytes each) read from an image: the start, the entry count field and
/// the probe.
fn v4_slots(bytes: &[u8]) -> Vec<(usize, u32, u16)> {
    let l = v4_layout(bytes);
    bytes[l.index.0..l.index.1]
        .chunks_exact(6)
        .map(|s| {
            let word = u32::from_ne_bytes(s[..4].try_into().unwrap());
            let probe = u16::from_ne_bytes(s[4..].try_into().unwrap());
            ((word >> 4) as usize, word & 15, probe)
        })
        .collect()
}

/// Every IPv4 index slot holds its chunk's entry count (saturated at 15) and the digit of
/// its search range's seventh entry (the range starts at the entry before the chunk, but
/// for chunk 0), computed here from the entries; and an image whose counts or probes say
/// otherwise is refused.
#[test]
fn probed_index_slots_match_their_chunks() {
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    let list = random_v4_list(&mut next, 20_000, 8, (u32::MAX, 0), |r| 1 << (r % 4));
    let mut image = build_entries(&list);
    let len = IpSet::load(image.bytes()).unwrap().image().len();
    let original = image.bytes()[..len].to_vec();
    let l = v4_layout(&original);
    let slots = v4_slots(&original);
    let digit = |i: usize| {
        let at = l.digits.0 + 4 * i;
        (u32::from_ne_bytes(original[at..at + 4].try_into().unwrap()) >> 16) as u16
    };
    let mut ranges = Vec::new();
    for (c, pair) in slots.windows(2).enumerate() {
        let ((lo, count, probe), (hi, ..)) = (pair[0], pair[1]);
        let first = if c == 0 { lo } else { lo - 1 };
        assert_eq!(count as usize, (hi - lo).min(15), "slot {c}");
        let want = if hi - first > 6 { digit(first + 6) } else { 0 };
        assert_eq!(probe, want, "slot {c}");
        ranges.push(hi - first);
    }
    assert_eq!(slots.last().map(|s| (s.1, s.2)), Some((0, 0)));
    // The table has ranges the probe splits, and ranges past the vector search's reach.
    assert!(ranges.iter().any(|&r| (7..=12).contains(&r)), "{ranges:?}");
    assert!(ranges.iter().any(|&r| r > 12), "{ranges:?}");
    let slot_at = |c: usize| l.index.0 + 6 * c;
    let probed = ranges.iter().position(|&r| r > 6).unwrap();
    let short = ranges.iter().position(|&r| r <= 6).unwrap();
    let case = |what: &str, edit: &dyn Fn(&mut [u8])| refused(&original, what, edit);
    case("count off by one", &|b| b[slot_at(short)] ^= 1);
    case("count of the last slot", &|b| {
        b[slot_at(slots.len() - 1)] |= 1
    });
    case("probe off by one", &|b| b[slot_at(probed) + 4] ^= 1);
    case("probe of a short range", &|b| b[slot_at(short) + 4] ^= 1);
    case("probe of the last slot", &|b| {
        b[slot_at(slots.len() - 1) + 5] = 1
    });
}

/// Flip one structural detail of an IPv6 family whose sizes are in their own array and
/// reseal: every one is refused.
#[test]
fn sizes_array_edits_are_corrupt() {
    // IPv6 entry kinds of a table whose mask pairs would need wider codes keep their sizes
    // in an array: a plain entry has size 64; a piece's size lies between one cell and less
    // than a chunk, and the piece ends before the next entry.
    let text: String = (0..8)
        .map(|i| format!("2001:db{i:x}::/32 {}\n", 1 << i))
        .chain([String::from("2001:db8:1::/48 1024\n")])
        .collect();
    let mut storage = Aligned::new(required_size(&text).unwrap());
    let len = build(storage.bytes(), &text).unwrap().image().len();
    let original = storage.bytes()[..len].to_vec();
    let case = |what: &str, edit: &dyn Fn(&mut [u8])| refused(&original, what, edit);
    let (shape6, l6) = v6_shape_layout(&original);
    assert_eq!((shape6.size_bits, shape6.code_bytes), (0, 1), "{shape6:?}");
    let z = l6.sizes.0;
    let kinds = l6.sizes.1 - z;
    let plain = (0..kinds).find(|&k| original[z + k] == 64).unwrap();
    case("plain IPv6 entry with a size", &|b| b[z + plain] = 50);
    let piece = (0..kinds)
        .find(|&k| original[z + k] != 64)
        .expect("an IPv6 piece");
    case("IPv6 piece without a size", &|b| b[z + piece] = 64);
    case("IPv6 piece finer than a digit", &|b| b[z + piece] = 10);
    case("IPv6 piece reaching past the next entry", &|b| {
        b[z + piece] += 8
    });
    assert!(l6.sizes.1 < l6.keys.0, "{l6:?}");
    case("IPv6 sizes padding", &|b| b[l6.sizes.1] = 1);
}

/// The v6 family's shape (with its long key count) and layout in an image.
fn v6_shape_layout(bytes: &[u8]) -> (image::FamilyShape, image::FamilyLayout) {
    let word = |at: usize| u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap());
    let shape = image::FamilyShape::from_words([
        word(field::V6),
        word(field::V6 + 4),
        word(field::V6 + 8),
        word(field::V6 + 12),
    ])
    .with_longs(word(field::V6_LONGS));
    let start = v4_layout(bytes).end;
    (
        shape,
        image::FamilyLayout::new::<u128, u32>(start, shape).unwrap(),
    )
}

/// A table with spilled cells (boundaries finer than a digit resolves), short keys (the /80s)
/// and long ones (the /128s): keys out of order, a first spilled cell whose start is no key,
/// a long key a short one could say, bad codes and bad indexes are refused.
#[test]
fn spill_edits_are_corrupt() {
    // 2001:db8::/32 splits into cells by 32-bit digits; /80 and /128 prefixes spill, and
    // the /128s are finer than a 64-bit lead.
    let text: String = (0..40u32)
        .map(|i| format!("2001:db8:{i:x}::/48 1\n2001:db8:{i:x}:0:1::/80 2\n2001:db8:{i:x}::5 4\n"))
        .collect();
    let mut storage = Aligned::new(required_size(&text).unwrap());
    let len = build(storage.bytes(), &text).unwrap().image().len();
    let original = storage.bytes()[..len].to_vec();
    let (shape, l) = v6_shape_layout(&original);
    assert!(shape.spills >= 4, "{shape:?}");
    assert_eq!(shape.longs, 80, "{shape:?}");
    let case = |what: &str, edit: &dyn Fn(&mut [u8])| refused(&original, what, edit);
    let swap = |b: &mut [u8], at: usize, size: usize| {
        let tmp = b[at..at + size].to_vec();
        b.copy_within(at + size..at + 2 * size, at);
        b[at + size..at + 2 * size].copy_from_slice(&tmp);
    };
    // The spill code: the first past the dictionary (shifted over the size bits).
    let spill = (shape.dict as u32) << shape.size_bits;
    // Short keys are 8-byte leads.
    let k = l.keys.0;
    assert_eq!(l.keys.1 - k, 8 * shape.spills);
    case("spill keys swapped", &|b| swap(b, k, 8));
    // Moving the first key up by one leaves the first spilled cell's start without a key.
    case("first spilled cell start", &|b| b[k] ^= 1);
    // Long keys are whole addresses.
    let g = l.longs.0;
    assert_eq!(l.longs.1 - g, 16 * shape.longs);
    case("long keys swapped", &|b| swap(b, g, 16));
    case("long keys equal", &|b| b.copy_within(g..g + 16, g + 16));
    // Clearing the low bits of a long key makes one a short key could say.
    case("long key that is short", &|b| b[g..g + 8].fill(0));
    case("long key outside the window", &|b| b[g + 15] ^= 0x80);
    // Codes are read as `cb`-byte numbers.
    let cb = shape.code_bytes as usize;
    let read = |b: &[u8], at: usize| {
        b[at..at + cb]
            .iter()
            .rev()
            .fold(0u32, |v, &x| v << 8 | u32::from(x))
    };
    let write = |b: &mut [u8], at: usize, v: u32| {
        for (i, x) in b[at..at + cb].iter_mut().enumerate() {
            *x = (v >> (8 * i)) as u8;
        }
    };
    case("spill code naming a spill", &|b| {
        write(b, l.scodes.0, spill)
    });
    case("spill code past the dictionary", &|b| {
        write(b, l.scodes.0, u32::MAX)
    });
    case("long code naming a spill", &|b| write(b, l.lcodes.0, spill));
    case("long code past the dictionary", &|b| {
        write(b, l.lcodes.0 + cb, u32::MAX)
    });
    case("spill index", &|b| b[l.sindex.1 - 4] ^= 1);
    case("long index end", &|b| b[l.lindex.1 - 4] ^= 1);
    case("long index start", &|b| b[l.lindex.0] ^= 1);
    // Dropping every spill code from a chunk entry leaves spill keys no cell uses.
    case("spills without a spilled cell", &|b| {
        for at in (l.codes.0..l.codes.1 - 2 * cb).step_by(cb) {
            if read(b, at) == spill {
                write(b, at, 0);
            }
        }
    });
}

/// A window narrower than 64 bits past its first (skip 65 here): a short key is a lead whose
/// last bit no address can set, so a short key with it set is refused.
#[test]
fn short_keys_of_a_narrow_window_are_exact() {
    let text = "2001:db8::8000:0:0:0/80 1\n2001:db8::c000:0:0:0/80 2\n\
                2001:db8::8000:0:0:5 4\n2001:db8::c000:0:0:9 8\n";
    let mut storage = Aligned::new(required_size(text).unwrap());
    let len = build(storage.bytes(), text).unwrap().image().len();
    let original = storage.bytes()[..len].to_vec();
    let (shape, l) = v6_shape_layout(&original);
    assert!(
        shape.skip > 64 && shape.spills >= 2 && shape.longs == 0,
        "{shape:?}"
    );
    let set = IpSet::load(&original).unwrap();
    for (addr, want) in [
        ("2001:db8::8000:0:0:4", 1),
        ("2001:db8::8000:0:0:5", 5),
        ("2001:db8::8000:0:0:6", 1),
        ("2001:db8::c000:0:0:9", 10),
        ("2001:db8::c000:0:0:a", 2),
        ("2001:db8::c001:0:0:0", 0),
    ] {
        assert_eq!(set.lookup_text(addr), Ok(want), "{addr}");
    }
    let last = l.keys.1 - 8;
    assert_eq!(original[last] & 1, 0);
    let mut a = Aligned::from_bytes(&original);
    let b = &mut a.bytes()[..len];
    b[last] |= 1;
    reseal(b);
    assert_eq!(IpSet::load(b).unwrap_err(), Error::ImageCorrupt);
}

/// Real allowlists hold single hosts: one /128 among many /48s makes a long key, and the
/// table still answers exactly around it; without it every spill key is a short lead.
#[test]
fn one_host_among_many_48s() {
    let mut list: Vec<ListEntry> = (0..300u128)
        .map(|i| ListEntry {
            prefix: IpNumber::V6((0x2001_0db8u128 << 96) | (i * 7919 % 4096) << 80).to_prefix(48),
            tags: 1,
        })
        .chain((0..40u128).map(|i| {
            ListEntry {
                // /96s spill (finer than a 32-bit digit of this window) but fit a lead.
                prefix: IpNumber::V6((0x2001_0db8u128 << 96) | (i * 7919 % 4096) << 80 | i << 32)
                    .to_prefix(96),
                tags: 2,
            }
        }))
        .collect();
    let host = (0x2001_0db8u128 << 96) | (7919 % 4096) << 80 | 0x1234_5678_9abc_def0;
    let shape = |list: &[ListEntry]| {
        let mut image = build_entries(list);
        let bytes = image.bytes().to_vec();
        (v6_shape_layout(&bytes).0, image)
    };
    let (without, _) = shape(&list);
    assert!(without.spills > 0, "{without:?}");
    assert_eq!(without.longs, 0, "{without:?}");
    list.push(ListEntry {
        prefix: IpNumber::V6(host).to_prefix(128),
        tags: 4,
    });
    let (with, mut image) = shape(&list);
    assert_eq!(with.longs, 2, "{with:?}");
    let set = IpSet::load(image.bytes()).unwrap();
    assert_eq!(set.lookup_v6(host), 5);
    assert_eq!(set.lookup_v6(host - 1), 1);
    assert_eq!(set.lookup_v6(host + 1), 1);
    let mut probes = edges(&list);
    for d in [2u128, 1 << 20, 1 << 62, 1 << 63, 1 << 64, 3 << 63] {
        probes.extend([host.wrapping_add(d), host.wrapping_sub(d)].map(IpNumber::V6));
    }
    for addr in probes {
        assert_eq!(set.lookup(addr), oracle(&list, addr), "{addr}");
    }
}

/// A prefix finer than a lead that starts where a lead block starts (a /96 at a /64 here):
/// its start is a short key with its tag, its end a long key, so the block after it needs a
/// short key saying the tag again, or lookups there would take the /96's.
#[test]
fn the_block_after_a_long_key_answers_again() {
    let text =
        "2000::/16 8\n3fff::/16 8\n2001:db8:1:2::/96 1\n2001:db8:1:3::/96 2\n2001:db8:1:3::5 4\n";
    let mut storage = Aligned::new(required_size(text).unwrap());
    let set = build(storage.bytes(), text).unwrap();
    let (shape, _) = v6_shape_layout(set.image());
    assert!(shape.skip < 64 && shape.longs >= 2, "{shape:?}");
    for (addr, want) in [
        ("2000::1", 8),
        ("2001:db8:1:2::", 1),
        ("2001:db8:1:2::ffff:ffff", 1),
        ("2001:db8:1:2:0:1::", 0),
        ("2001:db8:1:2:8000::", 0),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", 0),
        ("2001:db8:1:3::4", 2),
        ("2001:db8:1:3::5", 6),
        ("2001:db8:1:3::6", 2),
        ("2001:db8:1:3:0:1::", 0),
        ("2001:db8:1:3:8000::1", 0),
        ("2001:db8:1:4::", 0),
        ("2001:db9::", 0),
        ("3fff::1", 8),
        ("4000::", 0),
    ] {
        assert_eq!(set.lookup_text(addr), Ok(want), "{addr}");
    }
}

/// IPv6 entries built for long keys: leads from a few values, low halves from lead-block
/// starts, small offsets and random bits, lengths around 64 and finer, beside far-apart
/// entries that keep the window wide.
fn deep_entry() -> impl Strategy<Value = ListEntry> {
    let hi = prop_oneof![
        Just(0x2001_0db8_0000_0001u64),
        Just(0x2001_0db8_0000_0002u64),
        Just(0x2001_0db8_0001_0000u64),
        any::<u64>(),
    ];
    let lo = prop_oneof![
        Just(0u64),
        Just(1u64 << 63),
        0u64..64,
        (0u64..64).prop_map(|v| (1 << 63) | v),
        any::<u64>(),
    ];
    let len = prop_oneof![
        Just(0u8),
        16u8..=48,
        60u8..=70,
        Just(96u8),
        100u8..=128,
        Just(128u8),
    ];
    let tags = prop_oneof![1u32..16, Just(0u32)];
    (hi, lo, len, tags).prop_map(|(hi, lo, len, tags)| {
        let a = (u128::from(hi) << 64 | u128::from(lo)) & prefix::mask_u128(len);
        ListEntry {
            prefix: IpNumber::V6(a).to_prefix(len),
            tags,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Tables with long spill keys against the oracle: every edge, its lead block's
    /// neighbours and random addresses near the entries.
    #[test]
    fn long_keys_match_the_oracle(
        list in prop::collection::vec(deep_entry(), 1..60),
        near in prop::collection::vec((any::<prop::sample::Index>(), any::<u64>()), 0..40),
    ) {
        let mut image = build_entries(&list);
        let set = IpSet::load(image.bytes()).unwrap();
        let mut probes = edges(&list);
        for e in &list {
            if let IpNumber::V6(a) = e.prefix.address() {
                for d in [1u128 << 63, 1 << 64, (1 << 63) - 1, 1 << 62] {
                    probes.extend([a.wrapping_add(d), a.wrapping_sub(d)].map(IpNumber::V6));
                }
            }
        }
        for (i, low) in near {
            if let IpNumber::V6(a) = list[i.index(list.len())].prefix.address() {
                probes.push(IpNumber::V6(a >> 64 << 64 | u128::from(low)));
            }
        }
        let a6: Vec<u128> = probes.iter().filter_map(|p| match p { IpNumber::V6(a) => Some(*a), _ => None }).collect();
        let mut out = vec![0u32; a6.len()];
        set.lookup_v6_batch(&a6, &mut out);
        for (&a, &t) in a6.iter().zip(&out) {
            let want = oracle(&list, IpNumber::V6(a));
            prop_assert_eq!(set.lookup_v6(a), want, "lookup {:#x}", a);
            prop_assert_eq!(t, want, "batch {:#x}", a);
        }
    }
}

#[test]
fn build_checks_storage() {
    let text = "10.0.0.0/8\n";
    let need = required_size(text).unwrap();
    let mut storage = Aligned::new(need + 16);
    assert_eq!(
        build(&mut storage.bytes()[..need - 1], text)
            .unwrap_err()
            .error(),
        Error::BufferTooSmall
    );
    assert_eq!(
        build(&mut storage.bytes()[1..need + 1], text)
            .unwrap_err()
            .error(),
        Error::Misaligned
    );
    assert!(build(&mut storage.bytes()[..need], text).is_ok());
    let e = build(storage.bytes(), "10.0.0.0/8\n10.1.2.3/8\n").unwrap_err();
    assert_eq!((e.line, e.error()), (2, Error::HostBitsSet));
    assert_eq!(
        required_size_for(MAX_PREFIXES_PER_FAMILY + 1, 0),
        Err(Error::TooManyPrefixes)
    );
    // The most of either family still has a layout (IPv4 entries within 28-bit starts).
    assert!(required_size_for(MAX_PREFIXES_PER_FAMILY, MAX_PREFIXES_PER_FAMILY).is_ok());
}

#[test]
fn empty_list_matches_nothing() {
    let mut storage = Aligned::new(required_size("# nothing\n").unwrap());
    let set = build(storage.bytes(), "# nothing\n").unwrap();
    assert_eq!(set.lookup_text("0.0.0.0"), Ok(0));
    assert_eq!(set.lookup_text("::"), Ok(0));
    assert_eq!(set.lookup_bytes(&[1, 2, 3]), 0);
    assert_eq!(IpSet::EMPTY.lookup_v4(1), 0);
    assert_eq!(IpSet::EMPTY.lookup_v6(1), 0);
}

#[test]
fn whole_space_and_single_hosts() {
    let text = "0.0.0.0/0 1\n255.255.255.255 2\n0.0.0.0 4\n::/0 8\n::/128 16\nffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 32\n";
    let mut storage = Aligned::new(required_size(text).unwrap());
    let set = build(storage.bytes(), text).unwrap();
    assert_eq!(set.lookup_v4(0), 5);
    assert_eq!(set.lookup_v4(1), 1);
    assert_eq!(set.lookup_v4(u32::MAX), 3);
    assert_eq!(set.lookup_v4(u32::MAX - 1), 1);
    assert_eq!(set.lookup_v6(0), 24);
    assert_eq!(set.lookup_v6(2), 8);
    assert_eq!(set.lookup_v6(u128::MAX), 40);
    assert_eq!(set.lookup_text("::ffff:0.0.0.0"), Ok(5));
}

#[test]
fn a_large_table_matches_the_oracle_on_samples() {
    // 20,000 pseudo-random prefixes per family (quick enough for CI), checked on samples.
    let mut next = xorshift(0x1234_5678_9abc_def1);
    let mut list = Vec::new();
    for _ in 0..20_000 {
        let l4 = 16 + (next() % 17) as u8;
        let a4 = next() as u32 & prefix::mask_u32(l4);
        list.push(ListEntry {
            prefix: Prefix::new(IpNumber::V4(a4), l4).unwrap(),
            tags: 1 << (next() % 4),
        });
        // Mostly /16 to /64; one in eight a /96 or a /128, finer than a 64-bit lead.
        let l6 = match next() % 16 {
            0 => 128,
            1 => 96,
            _ => 16 + (next() % 49) as u8,
        };
        let a6 = ((0x2000u128 | u128::from(next() as u16 & 0x1fff)) << 112
            | u128::from(next()) << 48
            | u128::from(next() as u16))
            & prefix::mask_u128(l6);
        list.push(ListEntry {
            prefix: Prefix::new(IpNumber::V6(a6), l6).unwrap(),
            tags: 1 << (next() % 4),
        });
    }
    let mut image = build_entries(&list);
    let set = IpSet::load(image.bytes()).unwrap();
    let (i4, i6) = set.interval_counts();
    assert!(i4 > 20_000 && i6 > 20_000, "{i4} {i6}");
    let (shape, _) = v6_shape_layout(set.image());
    assert!(shape.longs > 1000 && shape.spill_index > 4, "{shape:?}");
    for e in list.iter().step_by(97) {
        for addr in edges(core::slice::from_ref(e)) {
            assert_eq!(set.lookup(addr), oracle(&list, addr), "{addr}");
        }
    }
}

/// An IPv4 table with more distinct masks than two-byte codes name keeps its four-byte codes
/// in their own array (the digit entries' code halves stay zero) and still matches the
/// oracle.
#[test]
fn four_byte_v4_codes_match_the_oracle() {
    let mut next = xorshift(0x7a11_c0de_4b1d_0001);
    let list = random_v4_list(&mut next, 70_000, 12, (u32::MAX, 0), |r| r as u32 | 1);
    let mut image = build_entries(&list);
    let set = IpSet::load(image.bytes()).unwrap();
    let word = |at: usize| u32::from_ne_bytes(set.image()[at..at + 4].try_into().unwrap());
    assert_eq!((word(field::V4 + 12) >> 24) & 0xf, 4);
    let l = v4_layout(set.image());
    assert_eq!(l.codes.1 - l.codes.0, 4 * (word(field::V4) as usize + 2));
    for e in list.iter().step_by(500) {
        for addr in edges(core::slice::from_ref(e)) {
            assert_eq!(set.lookup(addr), oracle(&list, addr), "{addr}");
        }
    }
}

/// IPv4 batches of tables past the tiny size (the gathered AVX-512 path on CPUs that have
/// it) answer exactly as single lookups: tables of one-, two- and four-byte codes (a few, some
/// hundreds and some 70,000 distinct masks), pieces, spilled cells, crowded chunks and
/// narrow windows (one with different answers below and above it), probed at every prefix's
/// edges and at random, in batches of every length up to past one vector.
#[test]
fn gathered_v4_batches_match_single_lookups() {
    let mut next = xorshift(0x0bad_5eed_1234_5678);
    // (prefix count, tag choice, address mask, fixed top bits, shortest length)
    type Shape = (usize, fn(u64) -> u32, u32, u32, u8);
    let shapes: [Shape; 7] = [
        (20_000, |r| 1 << (r % 4), u32::MAX, 0, 8),
        // Twenty one-bit tags, 161 entry kinds: 21 mask pairs would widen the 1-byte codes,
        // so the sizes stay in their array.
        (3_000, |r| 1 << (r % 20), u32::MAX, 0, 20),
        (3_000, |r| (r as u32 & 0x3ff) | 1, u32::MAX, 0, 16),
        (70_000, |r| r as u32 | 1, u32::MAX, 0, 12),
        // Crowded: many long prefixes in a few /16s (chunks past the vector search's
        // entries, and cells finer than a digit).
        (4_000, |r| 1 << (r % 3), 0x0003_ffff, 0x0a00_0000, 24),
        // A narrow window: every prefix inside 10.20.0.0/16.
        (2_000, |r| 1 << (r % 5), 0x0000_ffff, 0x0a14_0000, 26),
        // A narrow window inside 255.20.0.0/16, under 255.0.0.0/8 (added below): nothing
        // covers the addresses below it, 255.0.0.0/8 those above it.
        (2_000, |r| 1 << (r % 5), 0x0000_ffff, 0xff14_0000, 26),
    ];
    let mut size_bits = Vec::new();
    for (count, tag, mask, top, shortest) in shapes {
        let cover = (top >> 24 == 0xff).then(|| ListEntry {
            prefix: Prefix::new(IpNumber::V4(0xff00_0000), 8).unwrap(),
            tags: 1 << 6,
        });
        let list: Vec<ListEntry> = cover
            .into_iter()
            .chain(random_v4_list(&mut next, count, shortest, (mask, top), tag))
            .collect();
        let mut image = build_entries(&list);
        let set = IpSet::load(image.bytes()).unwrap();
        // Past the tiny size, so that batches take the gathered path where there is one.
        let cells = u32::from_ne_bytes(set.image()[field::V4..field::V4 + 4].try_into().unwrap());
        assert!(
            cells as usize > TINY_CELLS,
            "{count} prefixes: {cells} cells"
        );
        if cover.is_some() {
            assert_ne!(set.lookup_v4(0x0100_0000), set.lookup_v4(0xff80_0000));
        }
        let shape = u32::from_ne_bytes(set.image()[field::V4 + 12..][..4].try_into().unwrap());
        size_bits.push(shape >> 28);
        let mut probes: Vec<u32> = edges(&list)
            .into_iter()
            .filter_map(|p| match p {
                IpNumber::V4(a) => Some(a),
                IpNumber::V6(_) => None,
            })
            .collect();
        probes.extend((0..4_000).map(|_| next() as u32));
        probes.extend((0..4_000).map(|_| next() as u32 & mask | top));
        let want: Vec<u32> = probes.iter().map(|&a| set.lookup_v4(a)).collect();
        let batch = |a: &[u32], o: &mut [u32]| set.lookup_v4_batch(a, o);
        check_batches(&probes, &want, batch, &format!("{count} prefixes"));
    }
    // Codes holding sizes, and a sizes array.
    assert!(
        size_bits.contains(&4) && size_bits.contains(&0),
        "{size_bits:?}"
    );
}

/// IPv6 batches of tables past the tiny size (the gathered AVX-512 path on CPUs that have
/// it) answer exactly as single lookups: one- and two-byte codes, spilled cells (prefixes
/// past the digits), windows whose leading bits run past 64, IPv4-mapped addresses among
/// the probes, batches of every length up to past one vector.
#[test]
fn gathered_v6_batches_match_single_lookups() {
    let mut next = xorshift(0x5eed_0bad_8765_4321);
    // (prefix count, tag choice, fixed top bits, their length, shortest length)
    type Shape = (usize, fn(u64) -> u32, u128, u8, u8);
    let shapes: [Shape; 4] = [
        (20_000, |r| 1 << (r % 4), 0x2000 << 112, 3, 16),
        (3_000, |r| (r as u32 & 0x3ff) | 1, 0x2001_0db8 << 96, 32, 36),
        (2_000, |r| 1 << (r % 5), 0x2001_0db8_0001_0002 << 64, 64, 70),
        (
            1_000,
            |r| 1 << (r % 3),
            0x2001_0db8_0001_0002_0003 << 48,
            80,
            90,
        ),
    ];
    let mut size_bits = Vec::new();
    for (count, tag, top, fixed, shortest) in shapes {
        let free = !prefix::mask_u128(fixed);
        let random =
            |r: &mut dyn FnMut() -> u64| (u128::from(r()) << 64 | u128::from(r())) & free | top;
        let list: Vec<ListEntry> = (0..count)
            .map(|_| {
                let len = shortest + (next() % u64::from(129 - shortest)) as u8;
                let a = random(&mut next) & prefix::mask_u128(len);
                ListEntry {
                    prefix: Prefix::new(IpNumber::V6(a), len).unwrap(),
                    tags: tag(next()),
                }
            })
            .chain((0..50).map(|i| ListEntry {
                prefix: Prefix::new(IpNumber::V4(0x0a00_0000 | i << 8), 24).unwrap(),
                tags: 1 << 20,
            }))
            .collect();
        let mut image = build_entries(&list);
        let set = IpSet::load(image.bytes()).unwrap();
        let mut probes: Vec<u128> = edges(&list)
            .into_iter()
            .map(|p| match p {
                IpNumber::V6(a) => a,
                IpNumber::V4(a) => 0xffff_0000_0000 | u128::from(a),
            })
            .collect();
        probes.extend((0..4_000).map(|_| u128::from(next()) << 64 | u128::from(next())));
        probes.extend((0..4_000).map(|_| random(&mut next)));
        let want: Vec<u32> = probes.iter().map(|&a| set.lookup_v6(a)).collect();
        let batch = |a: &[u128], o: &mut [u32]| set.lookup_v6_batch(a, o);
        check_batches(&probes, &want, batch, &format!("{count} prefixes"));
        let shape = u32::from_ne_bytes(set.image()[field::V6 + 12..][..4].try_into().unwrap());
        size_bits.push(shape >> 28);
    }
    // Codes holding sizes, and a sizes array.
    assert!(
        size_bits.contains(&5) && size_bits.contains(&0),
        "{size_bits:?}"
    );
}

/// A view rebuilt from the geometry validated at load never reads the header again: after the
/// header and body are rewritten (a memory-mapped file replaced in place), the view keeps the
/// validated length and every lookup stays inside it (the slices it reads are bounds-checked;
/// this test would panic or fault otherwise).
#[test]
fn views_from_geometry_ignore_a_rewritten_image() {
    let text: String = (0..200)
        .map(|i| {
            format!(
                "{}.{}.0.0/16 {}\n2001:db8:{:x}::/48 {}\n",
                10 + i / 256,
                i % 256,
                1 << (i % 5),
                i,
                1 << (i % 7)
            )
        })
        .collect();
    let mut storage = Aligned::new(required_size(&text).unwrap());
    let (geometry, len) = {
        let set = build(storage.bytes(), &text).unwrap();
        let loaded = IpSet::load(set.image()).unwrap();
        assert_eq!(loaded.geometry(), set.geometry());
        (loaded.geometry(), loaded.image().len())
    };
    assert_eq!(geometry.image_len(), len);
    let probes: Vec<IpNumber> = (0..400u32)
        .map(|i| IpNumber::V4(i.wrapping_mul(0x9e37_79b9)))
        .chain(
            (0..400u128)
                .map(|i| IpNumber::V6(i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834))),
        )
        .collect();
    let before: Vec<u32> = {
        let view = IpSet::from_geometry(&storage.bytes()[..len], &geometry);
        probes.iter().map(|&a| view.lookup(a)).collect()
    };
    let bytes = storage.bytes();
    // Rewrite the header: a far longer image with huge counts and other index shapes.
    bytes[field::TOTAL_LEN..field::TOTAL_LEN + 8].copy_from_slice(&u64::MAX.to_ne_bytes());
    bytes[field::V4..field::V4 + 12].fill(0xff);
    bytes[field::V6..field::V6 + 12].fill(0x7f);
    bytes[field::V6_LONGS..field::V6_LONGS + 4].fill(0x7f);
    // The view still answers exactly as before: nothing it uses came from the header.
    let view = IpSet::from_geometry(&bytes[..len], &geometry);
    assert_eq!(view.image().len(), len);
    let after: Vec<u32> = probes.iter().map(|&a| view.lookup(a)).collect();
    assert_eq!(after, before);
    // Scramble the body too (every index slot and key): wrong answers are allowed, reads
    // outside the validated bytes are not.
    for round in 0..16u32 {
        for (i, b) in bytes[HEADER_LEN..len].iter_mut().enumerate() {
            *b = (i as u32).wrapping_mul(37).wrapping_add(round * 101) as u8;
        }
        let view = IpSet::from_geometry(&bytes[..len], &geometry);
        let mut out = vec![0u32; 64];
        for &a in &probes {
            let _ = view.lookup(a);
        }
        view.lookup_v4_batch(&[0, 1, u32::MAX, 0x0a00_0001], &mut out);
        let v4: Vec<u32> = probes
            .iter()
            .filter_map(|p| match p {
                IpNumber::V4(a) => Some(*a),
                IpNumber::V6(_) => None,
            })
            .collect();
        let mut all = vec![0u32; v4.len()];
        view.lookup_v4_batch(&v4, &mut all);
        let v6: Vec<u128> = probes
            .iter()
            .filter_map(|p| match p {
                IpNumber::V6(a) => Some(*a),
                IpNumber::V4(_) => None,
            })
            .collect();
        let mut all = vec![0u32; v6.len()];
        view.lookup_v6_batch(&v6, &mut all);
        view.lookup_v6_batch(&[0, 1, u128::MAX, 0x2001_0db8 << 96], &mut out);
    }
    // A geometry whose image is longer than the bytes given matches nothing.
    let short = IpSet::from_geometry(&bytes[..len - 16], &geometry);
    assert_eq!(short.image().len(), 0);
    assert_eq!(short.lookup_v4(0x0a00_0001), 0);
}
