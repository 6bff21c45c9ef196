//! (jwk) — filled in by issue 4.
