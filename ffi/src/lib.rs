//! tollgate-ffi: the C ABI of tollgate, built as `libtollgate.a` and `libtollgate.so`.
//!
//! This crate is thin: it checks pointers and lengths, converts, calls `tollgate-core` and maps
//! the error to a [`tollgate_status`]. Nothing here allocates, and no panic is reachable; in the
//! shipped (`panic = "abort"`) build the crate is `no_std`, installs an allocator that refuses
//! every request, and a panic handler that aborts the process.
//!
//! Conventions for every function: object first, then inputs, then outputs; every buffer
//! pointer is followed by its length; NULL is accepted only with length 0; outputs are written
//! only on success.
#![cfg_attr(panic = "abort", no_std)]
#![allow(non_camel_case_types)]
#![deny(missing_docs)]
// The audited unsafe boundary: every unsafe operation sits in its own block with a
// `// SAFETY:` line, and no panic is reachable outside tests.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

// The shipped library must never unwind: release builds are required to use panic = "abort".
#[cfg(all(not(panic = "abort"), not(debug_assertions)))]
compile_error!("tollgate-ffi release builds must use panic = \"abort\" (see Cargo.toml profiles)");

mod hostset;
pub mod http;
mod ipset;
mod runtime;
mod status;
pub mod token;
pub mod types;
mod util;

pub use hostset::*;
pub use ipset::*;
pub use status::tollgate_status;

const _: () = assert!(core::mem::size_of::<tollgate_status>() == 4);

/// The ABI version of this header and library: raised whenever a change could break a caller
/// built against an older header (a layout, a signature, a meaning). Compare
/// `tollgate_abi_version()` with `TOLLGATE_ABI_VERSION` at start-up.
pub const TOLLGATE_ABI_VERSION: u32 = 1;

/// The ABI version the library was built with (`TOLLGATE_ABI_VERSION` of its header); a
/// caller built against a header with another value must not use it.
#[no_mangle]
pub extern "C" fn tollgate_abi_version() -> u32 {
    TOLLGATE_ABI_VERSION
}

/// The library version as static NUL-terminated text, e.g. `"0.1.0"`.
#[no_mangle]
pub extern "C" fn tollgate_version() -> *const core::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Static NUL-terminated text naming any status value: `"ok"`, the stable error name
/// (`"expired"`, `"wrong_audience"`, ...) or `"unknown_status"` for numbers never assigned.
#[no_mangle]
pub extern "C" fn tollgate_status_str(status: u32) -> *const core::ffi::c_char {
    status::status_cstr(status).as_ptr().cast()
}
