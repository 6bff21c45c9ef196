//! Host-name tables against a naive oracle (property tests), the matching rules one by one,
//! and images: truncated, mutated and rewritten-after-load.

use super::image::field;
use super::*;
use crate::net::image::checksum;
use crate::Error;
use proptest::prelude::*;
use std::format;
use std::string::String;
use std::vec;
use std::vec::Vec;

/// 8-byte aligned bytes.
struct Aligned(Vec<u64>, usize);

impl Aligned {
    fn new(len: usize) -> Self {
        Aligned(vec![0; len.div_ceil(8)], len)
    }
    fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: u64 storage viewed as bytes.
        unsafe { std::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast::<u8>(), self.1) }
    }
}

fn built(list: &str) -> Aligned {
    let mut storage = Aligned::new(host_required_size(list).unwrap());
    let len = build_hostset(storage.bytes(), list).unwrap().image().len();
    let mut image = Aligned::new(len);
    image.bytes().copy_from_slice(&storage.bytes()[..len]);
    image
}

/// The naive rule: an exact entry matches the name; `*.d` matches names ending in `.d`.
fn oracle(list: &[(String, bool, u32)], query: &str) -> u32 {
    let q = query
        .strip_suffix('.')
        .unwrap_or(query)
        .to_ascii_lowercase();
    list.iter()
        .filter(|(name, wild, _)| {
            let name = name.to_ascii_lowercase();
            if *wild {
                q.ends_with(&format!(".{name}"))
            } else {
                q == name
            }
        })
        .fold(0, |t, (_, _, tags)| t | tags)
}

fn list_text(list: &[(String, bool, u32)]) -> String {
    list.iter()
        .map(|(n, w, t)| format!("{}{n} {t}\n", if *w { "*." } else { "" }))
        .collect()
}

fn label() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "A", "xn--c", "d-e", "0", "teams", "Lync"])
        .prop_map(String::from)
}

fn name(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 1..=max).prop_map(|l| l.join("."))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn lookups_match_the_oracle(
        list in prop::collection::vec((name(3), any::<bool>(), 1u32..64), 0..40),
        queries in prop::collection::vec((name(6), any::<bool>()), 1..60),
    ) {
        let mut image = built(&list_text(&list));
        let set = HostSet::load(image.bytes()).unwrap();
        for (q, dot) in &queries {
            let q = if *dot { format!("{q}.") } else { q.clone() };
            prop_assert_eq!(set.lookup(&q), Ok(oracle(&list, &q)), "{}", q);
        }
        // Every entry's own name and one level under it.
        for (n, _, _) in &list {
            prop_assert_eq!(set.lookup(n), Ok(oracle(&list, n)));
            let under = format!("x.{n}");
            prop_assert_eq!(set.lookup(&under), Ok(oracle(&list, &under)));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_invalid_is_never_a_match(q in prop::collection::vec(any::<u8>(), 0..80)) {
        let mut image = built("*.a 1\nb 2\n");
        let set = HostSet::load(image.bytes()).unwrap();
        match set.lookup_bytes(&q) {
            Ok(_) => prop_assert!(check_name(&q).is_ok()),
            Err(e) => prop_assert_eq!(e, Error::InvalidHostName),
        }
    }
}

#[test]
fn matching_rules() {
    let mut image =
        built("*.lync.com 1\nteams.microsoft.com 2\n*.teams.microsoft.com 4\n*.com 8\n");
    let set = HostSet::load(image.bytes()).unwrap();
    for (q, want) in [
        ("lync.com", 8),             // a wildcard never matches its own apex (but *.com does)
        ("a.lync.com", 9),           // one label deeper
        ("a.b.c.lync.com", 9),       // any depth
        ("A.LYNC.COM", 9),           // case
        ("a.lync.com.", 9),          // one trailing dot
        ("teams.microsoft.com", 10), // exact, and *.com
        ("x.teams.microsoft.com", 12),
        ("microsoft.com", 8),
        ("com", 0),
        ("alync.com", 8), // label boundary, not a string suffix
        ("lync.com.evil", 0),
        ("example.org", 0),
    ] {
        assert_eq!(set.lookup(q), Ok(want), "{q}");
    }
    for q in [
        "a.lync.com..",
        "*.lync.com",
        "a.lync.com:443",
        "a lync.com",
        " a.lync.com",
        "",
        ".",
        "a..lync.com",
        "-a.lync.com",
        "a_b.lync.com",
        "xn--a-.lync.com",
    ] {
        assert_eq!(set.lookup(q), Err(Error::InvalidHostName), "{q:?}");
    }
    let long = format!("{}.lync.com", vec!["a".repeat(63); 4].join("."));
    assert_eq!(set.lookup(&long), Err(Error::InvalidHostName));
    assert_eq!(
        set.lookup(&format!("{}.lync.com", "b".repeat(64))),
        Err(Error::InvalidHostName)
    );
}

#[test]
fn duplicates_merge_and_tags_union() {
    let mut image = built("a.b 1\nA.B. 2\n*.a.b 4\n*.A.b 8\n");
    let set = HostSet::load(image.bytes()).unwrap();
    assert_eq!(set.name_count(), 1);
    assert_eq!(set.entry_count(), 4);
    assert_eq!(set.lookup("a.b"), Ok(3));
    assert_eq!(set.lookup("c.a.b"), Ok(12));
}

#[test]
fn empty_list_matches_nothing() {
    let mut image = built("# nothing\n");
    let set = HostSet::load(image.bytes()).unwrap();
    assert_eq!(set.lookup("a.b"), Ok(0));
    assert_eq!(set.name_count(), 0);
}

#[test]
fn build_checks_storage() {
    let list = "a.b 1\n*.c.d 2\n";
    let size = host_required_size(list).unwrap();
    let mut storage = Aligned::new(size + 8);
    assert_eq!(
        build_hostset(&mut storage.bytes()[..size - 1], list)
            .unwrap_err()
            .error,
        Error::BufferTooSmall
    );
    assert_eq!(
        build_hostset(&mut storage.bytes()[1..], list)
            .unwrap_err()
            .error,
        Error::Misaligned
    );
    let e = host_required_size("a.b\nbad..name\n").unwrap_err();
    assert_eq!((e.line, e.error), (2, Error::InvalidHostName));
}

fn reseal(image: &mut [u8]) {
    let sum = checksum(image);
    image[field::CHECKSUM..field::CHECKSUM + 8].copy_from_slice(&sum.to_ne_bytes());
}

fn sample() -> Aligned {
    built("*.lync.com 2\nteams.microsoft.com 2\n*.teams.microsoft.com 2\nexample.org 1\na.b.c 4\n")
}

/// Whether byte `i` is part of a used slot's tag masks (data: any value is valid).
fn is_tag_byte(image: &[u8], i: usize) -> bool {
    let slots_end = HOST_HEADER_LEN
        + 24 * 1usize
            .checked_shl(image[field::SLOT_BITS].into())
            .unwrap_or(0);
    (HOST_HEADER_LEN..slots_end).contains(&i) && (i - HOST_HEADER_LEN) % 24 >= 16
}

#[test]
fn truncated_and_mutated_images_are_rejected() {
    let mut image = sample();
    let bytes = image.bytes();
    let len = bytes.len();
    assert!(HostSet::load(bytes).is_ok());
    for cut in 0..len {
        assert_eq!(
            HostSet::load(&bytes[..cut]).unwrap_err(),
            Error::ImageTruncated,
            "cut {cut}"
        );
    }
    // Every single-bit change is refused (checksum, or the structure when resealed).
    for i in 0..len {
        for bit in [0, 3, 7] {
            bytes[i] ^= 1 << bit;
            assert!(HostSet::load(bytes).is_err(), "byte {i} bit {bit}");
            // (entry_count is informational, like an ipset's prefix_count.)
            if !(field::CHECKSUM..field::CHECKSUM + 8).contains(&i)
                && !(field::ENTRY_COUNT..field::ENTRY_COUNT + 8).contains(&i)
                && !is_tag_byte(bytes, i)
            {
                reseal(bytes);
                let r = HostSet::load(bytes);
                // A resealed change may only be accepted if it changes nothing a lookup sees:
                // none can, since every byte is checked (slots, names, padding, header).
                assert!(r.is_err(), "resealed byte {i} bit {bit}");
            }
            bytes[i] ^= 1 << bit;
            reseal(bytes);
        }
    }
    assert!(HostSet::load(bytes).is_ok());
}

#[test]
fn structural_corruptions_are_rejected_even_when_resealed() {
    let base = {
        let mut s = sample();
        s.bytes().to_vec()
    };
    let set_of = |f: &dyn Fn(&mut [u8])| {
        let mut a = Aligned::new(base.len());
        a.bytes().copy_from_slice(&base);
        f(a.bytes());
        reseal(a.bytes());
        HostSet::load(a.bytes()).map(|_| ())
    };
    assert_eq!(set_of(&|_| {}), Ok(()));
    // Header fields.
    assert_eq!(
        set_of(&|b| b[field::SLOT_BITS] += 1),
        Err(Error::ImageCorrupt)
    );
    assert_eq!(
        set_of(&|b| b[field::MAX_PROBE] += 1),
        Err(Error::ImageCorrupt)
    );
    assert_eq!(
        set_of(&|b| b[field::NAME_COUNT] += 1),
        Err(Error::ImageCorrupt)
    );
    assert_eq!(
        set_of(&|b| b[field::STRINGS_LEN] += 8),
        Err(Error::ImageCorrupt)
    );
    assert_eq!(
        set_of(&|b| b[field::RESERVED] = 1),
        Err(Error::ImageCorrupt)
    );
    assert_eq!(
        set_of(&|b| b[field::VERSION] = 2),
        Err(Error::ImageUnsupportedVersion)
    );
    assert_eq!(set_of(&|b| b[field::MAGIC] ^= 1), Err(Error::ImageBadMagic));
    // A name's bytes upper-cased, or turned invalid.
    let names = base.len() - 8;
    let at = (HOST_HEADER_LEN..names).find(|&i| base[i] == b'.').unwrap() + 1;
    assert_eq!(
        set_of(&|b| b[at] = b[at].to_ascii_uppercase()),
        Err(Error::ImageCorrupt)
    );
    assert_eq!(set_of(&|b| b[at] = b'_'), Err(Error::ImageCorrupt));
}

#[test]
fn views_from_geometry_ignore_a_rewritten_image() {
    let list: String = (0..500)
        .map(|i| format!("*.n{i}.example 1\nh{i}.example 2\n"))
        .collect();
    let mut storage = Aligned::new(host_required_size(&list).unwrap());
    let (geometry, len) = {
        let set = build_hostset(storage.bytes(), &list).unwrap();
        let loaded = HostSet::load(set.image()).unwrap();
        assert_eq!(loaded.geometry(), set.geometry());
        (loaded.geometry(), loaded.image().len())
    };
    let queries: Vec<String> = (0..600)
        .map(|i| format!("a.n{i}.example"))
        .chain((0..600).map(|i| format!("h{i}.example")))
        .collect();
    let before: Vec<_> = {
        let view = HostSet::from_geometry(&storage.bytes()[..len], &geometry);
        queries.iter().map(|q| view.lookup(q)).collect()
    };
    assert_eq!(before[3], Ok(1));
    let bytes = storage.bytes();
    bytes[field::TOTAL_LEN..field::TOTAL_LEN + 8].copy_from_slice(&u64::MAX.to_ne_bytes());
    bytes[field::SLOT_BITS..field::SLOT_BITS + 8].fill(0xff);
    bytes[field::STRINGS_LEN..field::STRINGS_LEN + 8].fill(0x7f);
    let view = HostSet::from_geometry(&bytes[..len], &geometry);
    assert_eq!(view.image().len(), len);
    let after: Vec<_> = queries.iter().map(|q| view.lookup(q)).collect();
    assert_eq!(after, before);
    for round in 0..8u32 {
        for (i, b) in bytes[HOST_HEADER_LEN..len].iter_mut().enumerate() {
            *b = (i as u32).wrapping_mul(31).wrapping_add(round * 77) as u8;
        }
        let view = HostSet::from_geometry(&bytes[..len], &geometry);
        for q in &queries {
            let _ = view.lookup(q);
        }
    }
    assert_eq!(
        HostSet::from_geometry(&bytes[..len - 8], &geometry)
            .image()
            .len(),
        0
    );
}

#[test]
fn lookups_stay_correct_with_many_names() {
    let list: String = (0..20_000)
        .map(|i| format!("*.s{i}.example.com {}\n", 1 << (i % 8)))
        .collect();
    let mut image = built(&list);
    let set = HostSet::load(image.bytes()).unwrap();
    for i in (0..20_000).step_by(997) {
        assert_eq!(
            set.lookup(&format!("x.y.s{i}.example.com")),
            Ok(1 << (i % 8))
        );
        assert_eq!(set.lookup(&format!("s{i}.example.com")), Ok(0));
    }
    assert!(set.geometry().image_len() > 0);
}
