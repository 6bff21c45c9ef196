//! The bare-metal runtime of the shipped library (only under `panic = "abort"`): a global
//! allocator that refuses every request, the panic handler, and the personality stub that the
//! precompiled `alloc` crate references. Under `cargo test` (unwind) std provides all three.
//!
//! The proof that no panic is reachable: in optimised builds the panic handler calls
//! `TOLLGATE_PANIC_REACHABLE_see_ffi_src_runtime_rs`. When the optimiser can prove that no
//! panic is reachable from any exported function, the handler is dead code in the shared
//! library and the reference disappears; otherwise the .so link fails, because `build.rs`
//! links it with `--wrap` for that symbol (making the reference undefined) and `-z defs`.
//! `libtollgate.a` always keeps the handler (precompiled `core` members may call it), so it
//! bundles a C definition that calls `abort`; `scripts/check-panics` proves the .a by linking
//! a program rooted at every export with section GC and the same `--wrap`, and lists the
//! panic functions of both files (there must be none).

#[cfg(panic = "abort")]
mod abort_runtime {
    use core::alloc::{GlobalAlloc, Layout};

    /// Refuses every allocation: it documents and enforces that nothing allocates, should a
    /// dependency ever link the `alloc` crate again (ring did, until core stopped using it).
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

    // The library needs the C library's memcpy, memmove, memset and bcmp (which the compiler
    // emits calls to) and abort. Nothing else pulls libc in, and the shared library is linked
    // with `-z defs` (build.rs), so name it here; `--print native-static-libs` lists it too.
    #[link(name = "c")]
    extern "C" {}

    #[cfg(debug_assertions)]
    extern "C" {
        /// The C library's `abort()`.
        fn abort() -> !;
    }

    #[panic_handler]
    fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
        #[cfg(not(debug_assertions))]
        {
            // Declared here, inside the function, so that cbindgen does not put it in the
            // header. Unresolvable in the .so link (see build.rs): a reference to it means a
            // panic is reachable. Find it with `scripts/check-panics`.
            extern "C" {
                #[allow(non_snake_case)]
                fn TOLLGATE_PANIC_REACHABLE_see_ffi_src_runtime_rs() -> !;
            }
            // SAFETY: this call must be dead code (see the module docs): if the optimiser
            // cannot remove it, the shared library fails to link, so it never runs. In
            // libtollgate.a it resolves to a C function that calls abort().
            unsafe { TOLLGATE_PANIC_REACHABLE_see_ffi_src_runtime_rs() }
        }
        // SAFETY: abort() takes no arguments and never returns. In unoptimised builds, where
        // the optimiser cannot remove panics, a panic ends the host process like a C assert.
        #[cfg(debug_assertions)]
        unsafe {
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
