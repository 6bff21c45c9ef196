//! Shared helpers for the benches (deterministic inputs, machine description).
