//! Helpers shared by the cross-crate tests (counting allocator, fixtures).
