//! Building a host-name table and every lookup path allocate nothing (core and C ABI alike).

#[global_allocator]
static ALLOC: tollgate_tests::CountingAllocator = tollgate_tests::CountingAllocator;

use tollgate_core::host::{acs_hostset, build_hostset, host_required_size, HostSet};
use tollgate_tests::allocations_during;

const LIST: &str = "*.lync.com 2\nteams.microsoft.com 2\n*.teams.microsoft.com 4\nexample.org\n";

#[test]
fn build_and_lookups_allocate_nothing() {
    let size = host_required_size(LIST).unwrap();
    let mut words = vec![0u64; size.div_ceil(8)];
    // SAFETY: u64 storage viewed as bytes (8-byte aligned as builds require).
    let storage =
        unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 8) };
    let (n, set) = allocations_during(|| build_hostset(storage, LIST).unwrap());
    assert_eq!(n, 0, "build allocated");
    let (n, tags) = allocations_during(|| {
        let loaded = HostSet::load(set.image()).unwrap();
        (
            set.lookup("a.B.lync.com.").unwrap(),
            loaded.lookup("x.teams.microsoft.com").unwrap(),
            acs_hostset().lookup("teams.cloud.microsoft").unwrap(),
            set.lookup("bad..name").is_err(),
        )
    });
    assert_eq!(n, 0, "lookups allocated");
    assert_eq!(tags, (2, 4, 2, true));
}

#[test]
fn c_abi_lookups_allocate_nothing() {
    let (n, tags) = allocations_during(|| unsafe {
        let acs = tollgate::tollgate_acs_hostset();
        let mut t = 0u32;
        let st = tollgate::tollgate_hostset_lookup(acs, "a.lync.com".as_ptr().cast(), 10, &mut t);
        assert_eq!(st, tollgate::tollgate_status::Ok);
        t
    });
    assert_eq!(n, 0);
    assert_eq!(tags, 2);
}
