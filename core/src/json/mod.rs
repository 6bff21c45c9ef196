//! (json) — filled in by issue 4.
