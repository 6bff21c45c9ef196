//! The counting allocator itself must see allocations, or every "0 allocations" test is empty.

#[global_allocator]
static ALLOC: tollgate_tests::CountingAllocator = tollgate_tests::CountingAllocator;

#[test]
fn counts_a_real_allocation() {
    let (n, v) = tollgate_tests::allocations_during(|| std::hint::black_box(vec![1u8; 100]));
    assert!(n >= 1, "a Vec allocation was not counted");
    drop(v);
    let (n, _) = tollgate_tests::allocations_during(|| std::hint::black_box(1 + 1));
    assert_eq!(n, 0);
}
