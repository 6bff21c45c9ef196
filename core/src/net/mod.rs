//! Addresses, prefixes, CIDR lists and lookup tables — filled in by issue 2.
