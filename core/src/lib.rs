//! tollgate-core: the allocation-free logic behind tollgate.
//!
//! Everything here is `#![no_std]` without `alloc`: callers own all memory, no function
//! reads a clock (time comes in as `now`, Unix seconds), and every type a caller keeps is
//! immutable once built, so one table or key set serves every thread.
//!
//! Capabilities, one module each:
//! - [`net`]: strict IPv4/IPv6 parsing, CIDR lists, precomputed lookup tables, the built-in
//!   ACS ranges and ports.
//! - [`rsa`]: RSASSA-PKCS1-v1_5 / SHA-256 signature verification.
//! - [`json`], [`jwk`], [`oidc`], [`jwt`]: strict JSON, JWKS key sets, OIDC discovery and
//!   RS256 token verification.
//! - [`http`], [`apikey`]: the `Authorization: Bearer` header and the query-string API key.
//!
//! - [`aligned`]: 16-byte aligned byte storage for table images.
//!
//! Every failure is an [`Error`] with a stable numeric code and snake_case name.
#![no_std]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
#![deny(missing_docs)]

#[cfg(test)]
extern crate std;

pub mod aligned;
pub mod apikey;
#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod cpu;
pub mod error;
#[cfg(test)]
mod generated_image;
pub mod host;
pub mod http;
pub mod json;
pub mod jwk;
pub mod jwt;
mod list_lines;
pub mod net;
pub mod oidc;
pub mod rsa;
pub mod sha256;
mod sort;

pub use error::Error;
