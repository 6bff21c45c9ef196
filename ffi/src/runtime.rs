//! The bare-metal runtime of the shipped library (only under `panic = "abort"`): a global
//! allocator that refuses every request, the panic handler, and the personality stub that the
//! precompiled `alloc` crate references. Under `cargo test` (unwind) std provides all three.

#[cfg(panic = "abort")]
mod abort_runtime {
    use core::alloc::{GlobalAlloc, Layout};

    /// Refuses every allocation. ring links the `alloc` crate even though nothing we call
    /// allocates; this allocator documents and enforces that nothing does.
    struct NoAllocator;

    // SAFETY: `alloc` always reports failure (NULL), which the `GlobalAlloc` contract allows,
    // and `dealloc` is never given a pointer this allocator returned (there are none).
    unsafe impl GlobalAlloc for NoAllocator {
        unsafe fn alloc(&self, _layout: Layout) -> *mut u8 {
            core::ptr::null_mut()
        }
        unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
    }

    #[global_allocator]
    static ALLOCATOR: NoAllocator = NoAllocator;

    extern "C" {
        fn abort() -> !;
    }

    #[panic_handler]
    fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
        // No panic is reachable by design; if one were, end the host process like a C assert.
        // SAFETY: the C library's `abort` takes no arguments and never returns.
        unsafe { abort() }
    }

    /// Referenced by the precompiled `alloc` crate; nothing ever unwinds.
    #[no_mangle]
    extern "C" fn rust_eh_personality() {}
}
