//! The bare-metal runtime of the shipped library (only under `panic = "abort"`): a global
//! allocator that refuses every request, the panic handler, and the personality stub that the
//! precompiled `alloc` crate references. Under `cargo test` (unwind) std provides all three.
//!
//! The proof that no panic is reachable: in optimised builds the panic handler calls
//! [`TOLLGATE_PANIC_REACHABLE_see_ffi_src_runtime_rs`], a function defined nowhere. When the
//! optimiser can prove that no panic is reachable from any exported function, the handler is
//! dead code and the symbol disappears; otherwise the shared library fails to link (`-z defs`,
//! see `build.rs`), and a C program linked against `libtollgate.a` fails with an undefined
//! reference naming this file. `scripts/check-panics` also lists panic symbols in both files.

#[cfg(panic = "abort")]
mod abort_runtime {
    use core::alloc::{GlobalAlloc, Layout};

    /// Refuses every allocation. ring links the `alloc` crate even though nothing we call
    /// allocates; this allocator documents and enforces that nothing does.
    struct NoAllocator;

    // SAFETY: returning null is the documented way for an allocator to refuse a request, and
    // `dealloc` is never called with memory this allocator handed out (it hands out none).
    unsafe impl GlobalAlloc for NoAllocator {
        unsafe fn alloc(&self, _layout: Layout) -> *mut u8 {
            core::ptr::null_mut()
        }
        unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
    }

    #[global_allocator]
    static ALLOCATOR: NoAllocator = NoAllocator;

    extern "C" {
        /// Defined nowhere, on purpose: a reference to it from a linked library means a panic
        /// is reachable from an exported function. Find it with `scripts/check-panics`.
        #[cfg(any())] // turned on once every panic path is gone
        #[allow(non_snake_case)]
        fn TOLLGATE_PANIC_REACHABLE_see_ffi_src_runtime_rs() -> !;
        /// The C library's `abort()`.
        fn abort() -> !;
    }

    #[panic_handler]
    fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
        // SAFETY: in optimised builds this call must be dead code (see the module docs): if it
        // is not, the link fails, so it never runs. In unoptimised builds, where the optimiser
        // cannot remove panics, a panic ends the host process like a C assert.
        unsafe {
            #[cfg(any())] // turned on once every panic path is gone
            TOLLGATE_PANIC_REACHABLE_see_ffi_src_runtime_rs();
            abort()
        }
    }

    // Referenced by the precompiled `alloc` crate; nothing ever unwinds, so it is never called.
    // Defined in assembly so it can be hidden: a `#[no_mangle]` Rust function would be exported
    // from libtollgate.so, whose only exports are `tollgate_*`. `ret` is valid on x86_64 and
    // aarch64 alike.
    core::arch::global_asm!(
        ".globl rust_eh_personality",
        ".hidden rust_eh_personality",
        ".type rust_eh_personality, %function",
        "rust_eh_personality:",
        "ret",
        ".size rust_eh_personality, . - rust_eh_personality",
    );
}
