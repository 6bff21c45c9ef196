//! (jwt) — filled in by issue 4.
