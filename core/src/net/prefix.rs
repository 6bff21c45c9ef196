//! CIDR prefixes: strict parsing (`10.0.0.0/8`, `2603:1063::/38`, a bare address meaning /32 or
//! /128), the canonical form, and the error that names it when host bits are set.

use super::addr::{parse_ip, IpNumber};
use crate::Error;
use core::fmt;

/// A CIDR prefix whose host bits are all zero. IPv4-mapped IPv6 prefixes stay IPv6 here;
/// tables fold them into IPv4 when built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Prefix {
    address: IpNumber,
    length: u8,
}

/// Why a prefix did not parse. For [`Error::HostBitsSet`] it carries the canonical prefix the
/// text probably meant; `Display` says "host_bits_set: did you mean 10.0.0.0/8?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrefixError {
    /// What was wrong.
    pub error: Error,
    /// With [`Error::HostBitsSet`]: the prefix with the host bits cleared.
    pub did_you_mean: Option<Prefix>,
}

impl From<Error> for PrefixError {
    fn from(error: Error) -> Self {
        PrefixError {
            error,
            did_you_mean: None,
        }
    }
}

impl fmt::Display for PrefixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.error.name())?;
        if let Some(p) = self.did_you_mean {
            write!(f, ": did you mean {p}?")?;
        }
        Ok(())
    }
}

impl Prefix {
    /// A prefix from an address and a length; fails when the length is too long for the family
    /// or host bits are set (the error then names the canonical prefix).
    pub fn new(address: IpNumber, length: u8) -> Result<Prefix, PrefixError> {
        let canonical = match address {
            IpNumber::V4(a) if length <= 32 => IpNumber::V4(a & mask_u32(length)),
            IpNumber::V6(a) if length <= 128 => IpNumber::V6(a & mask_u128(length)),
            _ => return Err(Error::InvalidPrefixLength.into()),
        };
        let p = Prefix {
            address: canonical,
            length,
        };
        if canonical != address {
            return Err(PrefixError {
                error: Error::HostBitsSet,
                did_you_mean: Some(p),
            });
        }
        Ok(p)
    }

    /// Parse `ADDRESS/LENGTH` or a bare address (= /32 or /128). The length is decimal without
    /// sign or leading zeros; no whitespace anywhere.
    pub fn parse(text: &str) -> Result<Prefix, PrefixError> {
        let (addr_text, len_text) = match text.split_once(['/']) {
            Some((a, l)) => (a, Some(l)),
            None => (text, None),
        };
        let address = parse_ip(addr_text)?;
        let length = match len_text {
            None => match address {
                IpNumber::V4(_) => 32,
                IpNumber::V6(_) => 128,
            },
            Some(l) => parse_length(l).ok_or(Error::InvalidPrefixLength)?,
        };
        Prefix::new(address, length)
    }

    /// The first address of the prefix.
    pub fn address(&self) -> IpNumber {
        self.address
    }

    /// The prefix length in bits.
    pub fn length(&self) -> u8 {
        self.length
    }

    /// Whether `addr` lies inside this prefix (same family only; no mapping).
    pub fn contains(&self, addr: IpNumber) -> bool {
        match (self.address, addr) {
            (IpNumber::V4(p), IpNumber::V4(a)) => a & mask_u32(self.length) == p,
            (IpNumber::V6(p), IpNumber::V6(a)) => a & mask_u128(self.length) == p,
            _ => false,
        }
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.length)
    }
}

/// Decimal 0..=128, no sign, no leading zeros.
fn parse_length(text: &str) -> Option<u8> {
    let b = text.as_bytes();
    if b.is_empty() || b.len() > 3 || (b.len() > 1 && b.first() == Some(&b'0')) {
        return None;
    }
    let mut v: u32 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    u8::try_from(v).ok()
}

/// The network mask of an IPv4 prefix length (0..=32).
pub(crate) const fn mask_u32(length: u8) -> u32 {
    match u32::MAX.checked_shl(32 - length as u32) {
        Some(m) if length > 0 => m,
        _ => 0,
    }
}

/// The network mask of an IPv6 prefix length (0..=128).
pub(crate) const fn mask_u128(length: u8) -> u128 {
    match u128::MAX.checked_shl(128 - length as u32) {
        Some(m) if length > 0 => m,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn parses_canonical_prefixes() {
        let p = Prefix::parse("10.0.0.0/8").unwrap();
        assert_eq!((p.address(), p.length()), (IpNumber::V4(0x0a00_0000), 8));
        assert_eq!(p.to_string(), "10.0.0.0/8");
        assert_eq!(Prefix::parse("0.0.0.0/0").unwrap().length(), 0);
        assert_eq!(Prefix::parse("1.2.3.4").unwrap().length(), 32);
        assert_eq!(Prefix::parse("::/0").unwrap().length(), 0);
        assert_eq!(Prefix::parse("::1").unwrap().length(), 128);
        assert_eq!(
            Prefix::parse("2603:1063::/38").unwrap().to_string(),
            "2603:1063::/38"
        );
    }

    #[test]
    fn host_bits_set_names_the_canonical_prefix() {
        let e = Prefix::parse("10.1.2.3/8").unwrap_err();
        assert_eq!(e.error, Error::HostBitsSet);
        assert_eq!(e.to_string(), "host_bits_set: did you mean 10.0.0.0/8?");
        let e = Prefix::parse("2001:db8::1/32").unwrap_err();
        assert_eq!(e.to_string(), "host_bits_set: did you mean 2001:db8::/32?");
    }

    #[test]
    fn rejects_bad_lengths_and_addresses() {
        for (text, err) in [
            ("10.0.0.0/33", Error::InvalidPrefixLength),
            ("10.0.0.0/", Error::InvalidPrefixLength),
            ("10.0.0.0/08", Error::InvalidPrefixLength),
            ("10.0.0.0/+8", Error::InvalidPrefixLength),
            ("10.0.0.0/8 ", Error::InvalidPrefixLength),
            ("10.0.0.0/8/8", Error::InvalidPrefixLength),
            ("::/129", Error::InvalidPrefixLength),
            ("::/1000", Error::InvalidPrefixLength),
            ("10.0.0/8", Error::InvalidAddress),
            ("/8", Error::InvalidAddress),
            ("fe80::%1/64", Error::InvalidAddress),
        ] {
            assert_eq!(Prefix::parse(text).unwrap_err().error, err, "{text:?}");
        }
    }

    #[test]
    fn masks() {
        assert_eq!(mask_u32(0), 0);
        assert_eq!(mask_u32(8), 0xff00_0000);
        assert_eq!(mask_u32(32), u32::MAX);
        assert_eq!(mask_u128(0), 0);
        assert_eq!(mask_u128(1), 1 << 127);
        assert_eq!(mask_u128(128), u128::MAX);
    }
}
