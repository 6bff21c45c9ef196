//! (http) — filled in by issue 4.
