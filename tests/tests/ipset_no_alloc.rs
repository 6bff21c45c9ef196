//! Building a table and every lookup path allocate nothing (core and C ABI alike).

#[global_allocator]
static ALLOC: tollgate_tests::CountingAllocator = tollgate_tests::CountingAllocator;

use tollgate_core::aligned::AlignedBlock;
use tollgate_core::net::{acs_ipset, build, required_size, IpSet};
use tollgate_tests::allocations_during;

const LIST: &str = "10.0.0.0/8 1\n10.1.0.0/16 2\n2001:db8::/32 4\n::ffff:192.0.2.0/120 8\n";

#[test]
fn build_and_lookups_allocate_nothing() {
    let size = required_size(LIST).unwrap();
    let mut words = vec![AlignedBlock::ZERO; AlignedBlock::count_for(size)];
    let storage = AlignedBlock::as_bytes_mut(&mut words);
    let (n, set) = allocations_during(|| build(storage, LIST).unwrap());
    assert_eq!(n, 0, "build allocated");
    let (n, tags) = allocations_during(|| {
        let mut out = [0u32; 4];
        set.lookup_v4_batch(&[0x0a01_0203, 0x0a02_0000, 0xc000_0201, 1], &mut out);
        let loaded = IpSet::load(set.image()).unwrap();
        (
            out,
            set.lookup_text("2001:db8::1").unwrap(),
            loaded.lookup_bytes(&[10, 1, 0, 0]),
            acs_ipset().lookup_text("52.112.0.1").unwrap(),
        )
    });
    assert_eq!(n, 0, "lookups allocated");
    assert_eq!(tags, ([3, 1, 8, 0], 4, 3, 3));
}

#[test]
fn c_abi_lookups_allocate_nothing() {
    let (n, tags) = allocations_during(|| unsafe {
        let acs = tollgate::tollgate_acs_ipset();
        let mut t = 0u32;
        let st =
            tollgate::tollgate_ipset_lookup_text(acs, "2603:1063::9".as_ptr().cast(), 12, &mut t);
        assert_eq!(st, tollgate::tollgate_status::Ok);
        (
            t,
            tollgate::tollgate_ipset_lookup(acs, [52u8, 122, 0, 1].as_ptr(), 4),
        )
    });
    assert_eq!(n, 0);
    assert_eq!(tags, (3, 3));
}
