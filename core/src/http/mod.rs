//! HTTP request helpers: the bearer token carried by an `Authorization` field value.
//!
//! See [`bearer_token`] for the exact grammar accepted and why.

mod bearer;

pub use bearer::bearer_token;
