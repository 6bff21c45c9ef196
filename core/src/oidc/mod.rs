//! (oidc) — filled in by issue 4.
