//! Shared helpers for the benches (deterministic inputs, machine description).

pub mod ip_inputs;
