//! Helpers shared by the cross-crate tests: a counting global allocator that proves hot calls
//! allocate nothing, stack painting that measures a call's deepest stack use
//! ([`stack_used`]), and the path of the shared fixtures.
//!
//! Each test binary that wants counting installs it:
//! ```ignore
//! #[global_allocator]
//! static ALLOC: tollgate_tests::CountingAllocator = tollgate_tests::CountingAllocator;
//! let (n, _) = tollgate_tests::allocations_during(|| { /* the call */ });
//! assert_eq!(n, 0);
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// A global allocator that forwards to the system allocator and counts, per thread, every
/// allocation and reallocation (so tests running in parallel do not disturb each other).
pub struct CountingAllocator;

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

/// How many allocations this thread made while running `f` (needs [`CountingAllocator`]
/// installed as the test binary's global allocator; otherwise always 0).
pub fn allocations_during<R>(f: impl FnOnce() -> R) -> (u64, R) {
    let before = ALLOCATIONS.with(Cell::get);
    let r = f();
    let after = ALLOCATIONS.with(Cell::get);
    (after - before, r)
}

/// The directory of the committed test fixtures (`tests/fixtures`).
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Bytes left unpainted right below the measuring frame by [`stack_used`] (the helpers' own
/// small frames live there); every measurement is at least this much.
pub const STACK_GAP: usize = 2 * 1024;

/// The deepest stack use of `f`, in bytes below a frame just above the call, and its result.
///
/// On a fresh thread with a 4 MiB stack, 512 KiB below the measuring frame (after
/// [`STACK_GAP`]) are painted with a pattern; `f` runs; the lowest word that lost the pattern
/// gives the depth. Memory a call reserves but never writes is not seen. What `f` captures is
/// moved into the measured frames: box large captures. Panics when the painted region was not
/// deep enough to see the bottom.
pub fn stack_used<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> (usize, R) {
    const STACK: usize = 4 << 20;
    const PAINTED: usize = 512 * 1024;
    const PATTERN: u64 = 0xa5c3_5a3c_f00d_d00d;

    #[inline(never)]
    fn paint(end: usize) {
        for addr in (end - PAINTED..end).step_by(8) {
            // SAFETY: [end - PAINTED, end) lies inside this thread's 4 MiB stack, below every
            // live frame (STACK_GAP below the measuring one); nothing else uses that memory.
            unsafe { std::ptr::write_volatile(addr as *mut u64, PATTERN) };
        }
    }

    #[inline(never)]
    fn lowest_touched(end: usize) -> Option<usize> {
        // SAFETY: as in `paint`; words are only read and compared.
        (end - PAINTED..end)
            .step_by(8)
            .find(|&addr| unsafe { std::ptr::read_volatile(addr as *const u64) } != PATTERN)
    }

    #[inline(never)]
    fn call<R>(f: impl FnOnce() -> R) -> R {
        f()
    }

    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let marker = 0u64;
            let top = std::hint::black_box(&marker) as *const u64 as usize & !7;
            let end = top - STACK_GAP;
            paint(end);
            let r = call(f);
            let used = match lowest_touched(end) {
                Some(addr) => {
                    assert!(addr > end - PAINTED, "stack use reached the painted bottom");
                    top - addr
                }
                None => STACK_GAP,
            };
            (used, r)
        })
        .unwrap()
        .join()
        .unwrap()
}
