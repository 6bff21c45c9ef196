//! Strict text parsing of IPv4 and IPv6 addresses (no allocation, no locale, no leniency).
//!
//! IPv4: dotted decimal, exactly four parts of 1–3 digits, no leading zeros, each at most 255.
//! Octal, hex, short (`10.1`) and padded forms are rejected. IPv6: RFC 4291 text — groups of
//! 1–4 hex digits, at most one `::`, an optional embedded IPv4 address in the last 32 bits;
//! zone ids (`%eth0`), brackets and whitespace are rejected.

use crate::Error;

/// An IP address as a number: IPv4 as `u32`, IPv6 as `u128` (both in host order of the value,
/// i.e. `10.0.0.1` is `0x0a00_0001`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpNumber {
    /// An IPv4 address.
    V4(u32),
    /// An IPv6 address.
    V6(u128),
}

impl IpNumber {
    /// The address as [`core::net::IpAddr`] (for display).
    pub fn to_ip_addr(self) -> core::net::IpAddr {
        match self {
            IpNumber::V4(a) => core::net::IpAddr::V4(core::net::Ipv4Addr::from(a)),
            IpNumber::V6(a) => core::net::IpAddr::V6(core::net::Ipv6Addr::from(a)),
        }
    }

    /// The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) stands for, else self.
    pub fn unmap(self) -> IpNumber {
        match self {
            IpNumber::V6(a) => match ipv4_mapped(a) {
                Some(v4) => IpNumber::V4(v4),
                None => self,
            },
            v4 => v4,
        }
    }
}

/// The same text as `core::net::IpAddr`'s `Display` (RFC 5952 for IPv6, `::ffff:a.b.c.d` for
/// IPv4-mapped), written here because that implementation keeps panic paths (an `unwrap` and
/// slice bounds for padded output) that the shipped library must not contain. Ignores width.
impl core::fmt::Display for IpNumber {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            IpNumber::V4(a) => write_ipv4(a, f),
            IpNumber::V6(a) => match ipv4_mapped(a) {
                Some(v4) => {
                    f.write_str("::ffff:")?;
                    write_ipv4(v4, f)
                }
                None => write_ipv6(a, f),
            },
        }
    }
}

fn write_ipv4(a: u32, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
    let [b0, b1, b2, b3] = a.to_be_bytes();
    write!(f, "{b0}.{b1}.{b2}.{b3}")
}

/// Lowercase hex groups; the longest run of two or more zero groups (the first on a tie)
/// becomes `::` (RFC 5952, 4.2).
fn write_ipv6(a: u128, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
    let groups = (0..8u32).map(|i| (a >> (112 - 16 * i)) as u16);
    let (mut best_start, mut best_len, mut run_start, mut run_len) = (0usize, 0usize, 0, 0);
    for (i, group) in groups.clone().enumerate() {
        if group != 0 {
            run_len = 0;
            continue;
        }
        if run_len == 0 {
            run_start = i;
        }
        run_len += 1;
        if run_len > best_len {
            (best_start, best_len) = (run_start, run_len);
        }
    }
    if best_len < 2 {
        best_len = 0;
    }
    let mut colon = false;
    for (i, group) in groups.enumerate() {
        if best_len > 0 && i >= best_start && i < best_start + best_len {
            if i == best_start {
                f.write_str("::")?;
                colon = false;
            }
            continue;
        }
        if colon {
            f.write_str(":")?;
        }
        write!(f, "{group:x}")?;
        colon = true;
    }
    Ok(())
}

/// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), if it is one.
#[inline]
pub const fn ipv4_mapped(a: u128) -> Option<u32> {
    if (a >> 32) == 0xffff {
        Some(a as u32)
    } else {
        None
    }
}

/// Parse an IPv4 or IPv6 address in strict text form (the family is chosen by the presence of
/// a `:`).
pub fn parse_ip(text: &str) -> Result<IpNumber, Error> {
    if text.as_bytes().contains(&b':') {
        parse_ipv6(text).map(IpNumber::V6)
    } else {
        parse_ipv4(text).map(IpNumber::V4)
    }
}

/// Parse a dotted-decimal IPv4 address strictly (`192.0.2.1`; not `0300.0.2.1`, `192.0.2`,
/// `0xc0.0.2.1`, ` 192.0.2.1`).
pub fn parse_ipv4(text: &str) -> Result<u32, Error> {
    parse_ipv4_bytes(text.as_bytes())
}

fn parse_ipv4_bytes(bytes: &[u8]) -> Result<u32, Error> {
    let mut value: u32 = 0;
    let mut parts = 0u32;
    for part in bytes.split(|&b| b == b'.') {
        parts += 1;
        if parts > 4 {
            return Err(Error::InvalidAddress);
        }
        let octet = parse_octet(part).ok_or(Error::InvalidAddress)?;
        value = (value << 8) | u32::from(octet);
    }
    if parts != 4 {
        return Err(Error::InvalidAddress);
    }
    Ok(value)
}

/// One decimal octet: 1–3 digits, no leading zero unless it is `0`, at most 255.
fn parse_octet(part: &[u8]) -> Option<u8> {
    match part {
        [] => None,
        [b'0', _, ..] => None,
        _ if part.len() > 3 => None,
        _ => {
            let mut v: u32 = 0;
            for &b in part {
                if !b.is_ascii_digit() {
                    return None;
                }
                v = v * 10 + u32::from(b - b'0');
            }
            u8::try_from(v).ok()
        }
    }
}

/// Parse an IPv6 address in RFC 4291 text form (`2001:db8::1`, `::ffff:192.0.2.1`); zone ids
/// and brackets are rejected.
pub fn parse_ipv6(text: &str) -> Result<u128, Error> {
    let bytes = text.as_bytes();
    // `::` at most once; split into the groups before and after it.
    let (head, tail) = match find_double_colon(bytes) {
        Some(at) => {
            let (h, rest) = bytes.split_at_checked(at).ok_or(Error::InvalidAddress)?;
            let t = rest.get(2..).ok_or(Error::InvalidAddress)?;
            if find_double_colon(t).is_some() {
                return Err(Error::InvalidAddress);
            }
            (h, Some(t))
        }
        None => (bytes, None),
    };
    let mut groups = [0u16; 8];
    let head_len = parse_groups(head, &mut groups, tail.is_none())?;
    match tail {
        None => {
            if head_len != 8 {
                return Err(Error::InvalidAddress);
            }
        }
        Some(t) => {
            let mut tail_groups = [0u16; 8];
            let tail_len = parse_groups(t, &mut tail_groups, true)?;
            // `::` stands for at least one zero group.
            if head_len + tail_len > 7 {
                return Err(Error::InvalidAddress);
            }
            let start = 8 - tail_len;
            for (dst, src) in groups
                .iter_mut()
                .skip(start)
                .zip(tail_groups.iter().take(tail_len))
            {
                *dst = *src;
            }
        }
    }
    Ok(groups
        .iter()
        .fold(0u128, |acc, &g| (acc << 16) | u128::from(g)))
}

fn find_double_colon(bytes: &[u8]) -> Option<usize> {
    bytes.windows(2).position(|w| w == b"::")
}

/// Parse `:`-separated groups (empty input = no groups) into `out`, returning how many groups
/// were written. When `may_end_with_ipv4`, the last part may be a dotted IPv4 address (two
/// groups).
fn parse_groups(bytes: &[u8], out: &mut [u16; 8], may_end_with_ipv4: bool) -> Result<usize, Error> {
    if bytes.is_empty() {
        return Ok(0);
    }
    let mut n = 0usize;
    let mut parts = bytes.split(|&b| b == b':').peekable();
    while let Some(part) = parts.next() {
        let last = parts.peek().is_none();
        if last && may_end_with_ipv4 && part.contains(&b'.') {
            let v4 = parse_ipv4_bytes(part)?;
            for half in [(v4 >> 16) as u16, v4 as u16] {
                *out.get_mut(n).ok_or(Error::InvalidAddress)? = half;
                n += 1;
            }
        } else {
            let g = parse_hex_group(part).ok_or(Error::InvalidAddress)?;
            *out.get_mut(n).ok_or(Error::InvalidAddress)? = g;
            n += 1;
        }
    }
    Ok(n)
}

/// One group: 1–4 hex digits.
fn parse_hex_group(part: &[u8]) -> Option<u16> {
    if part.is_empty() || part.len() > 4 {
        return None;
    }
    let mut v: u16 = 0;
    for &b in part {
        let d = (b as char).to_digit(16)?;
        v = (v << 4) | d as u16;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::string::ToString;

    #[test]
    fn ipv4_accepts_dotted_decimal() {
        assert_eq!(parse_ipv4("0.0.0.0"), Ok(0));
        assert_eq!(parse_ipv4("255.255.255.255"), Ok(u32::MAX));
        assert_eq!(parse_ipv4("52.112.0.1"), Ok(0x3470_0001));
        assert_eq!(parse_ipv4("10.0.100.9"), Ok(0x0a00_6409));
    }

    #[test]
    fn ipv4_rejects_lenient_forms() {
        for bad in [
            "",
            "1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1.2.3.04",
            "00.1.1.1",
            "0x1.2.3.4",
            "1.2.3.256",
            "1.2.3.4 ",
            " 1.2.3.4",
            "1..3.4",
            "1.2.3.",
            ".1.2.3",
            "+1.2.3.4",
            "1.2.3.1000",
            "1.2.3.4/8",
            "1.2.3.a",
            "１.2.3.4",
            "4294967295",
            "1.2.3.-4",
        ] {
            assert_eq!(parse_ipv4(bad), Err(Error::InvalidAddress), "{bad:?}");
        }
    }

    #[test]
    fn ipv6_accepts_rfc4291_forms() {
        assert_eq!(parse_ipv6("::"), Ok(0));
        assert_eq!(parse_ipv6("::1"), Ok(1));
        assert_eq!(parse_ipv6("1::"), Ok(1 << 112));
        assert_eq!(
            parse_ipv6("2001:db8::ff00:42:8329"),
            Ok(0x2001_0db8_0000_0000_0000_ff00_0042_8329)
        );
        assert_eq!(
            parse_ipv6("2001:0DB8:0000:0000:0000:FF00:0042:8329"),
            Ok(0x2001_0db8_0000_0000_0000_ff00_0042_8329)
        );
        assert_eq!(parse_ipv6("::ffff:52.112.0.1"), Ok(0xffff_3470_0001));
        assert_eq!(parse_ipv6("::52.112.0.1"), Ok(0x3470_0001));
        assert_eq!(
            parse_ipv6("1:2:3:4:5:6:1.2.3.4"),
            Ok(0x0001_0002_0003_0004_0005_0006_0102_0304)
        );
        assert_eq!(
            parse_ipv6("1:2:3:4:5::1.2.3.4"),
            Ok(0x0001_0002_0003_0004_0005_0000_0102_0304)
        );
        assert_eq!(
            parse_ipv6("1:2:3:4:5:6:7::"),
            Ok(0x0001_0002_0003_0004_0005_0006_0007_0000)
        );
        assert_eq!(
            parse_ipv6("::2:3:4:5:6:7:8"),
            Ok(0x0000_0002_0003_0004_0005_0006_0007_0008)
        );
    }

    #[test]
    fn ipv6_rejects_malformed_text() {
        for bad in [
            "",
            ":",
            ":::",
            "1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            "fe80::1%eth0",
            "[::1]",
            "::1 ",
            " ::1",
            "12345::",
            "g::",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::8",
            ":1::",
            "1::2:",
            "::ffff:1.2.3",
            "::ffff:01.2.3.4",
            "::1.2.3.4:1",
            "1.2.3.4::",
            "1:2:3:4:5:6:7:1.2.3.4",
            "::ffff:1.2.3.4.5",
            "1:",
            ":1",
            "::1:",
            "2001:db8::/32",
        ] {
            assert_eq!(parse_ipv6(bad), Err(Error::InvalidAddress), "{bad:?}");
        }
    }

    #[test]
    fn mapped_addresses_unmap_to_ipv4() {
        assert_eq!(
            parse_ip("::ffff:10.0.0.1").map(IpNumber::unmap),
            Ok(IpNumber::V4(0x0a00_0001))
        );
        assert_eq!(
            parse_ip("::10.0.0.1").map(IpNumber::unmap),
            Ok(IpNumber::V6(0x0a00_0001))
        );
        assert_eq!(ipv4_mapped(0xffff_0000_0000), Some(0));
        assert_eq!(ipv4_mapped(0x1_ffff_0000_0000), None);
    }

    proptest! {
        #[test]
        fn display_is_std_display(
            groups in proptest::array::uniform8(prop_oneof![Just(0u16), Just(1u16), any::<u16>()]),
            v4: u32,
        ) {
            let a = groups.iter().fold(0u128, |acc, &g| acc << 16 | u128::from(g));
            prop_assert_eq!(IpNumber::V6(a).to_string(), std::net::Ipv6Addr::from(a).to_string());
            let mapped = 0xffff_0000_0000 | u128::from(v4);
            prop_assert_eq!(IpNumber::V6(mapped).to_string(), std::net::Ipv6Addr::from(mapped).to_string());
            prop_assert_eq!(IpNumber::V4(v4).to_string(), std::net::Ipv4Addr::from(v4).to_string());
        }

        #[test]
        fn ipv4_round_trips_through_display(a: u32) {
            let text = std::net::Ipv4Addr::from(a).to_string();
            prop_assert_eq!(parse_ipv4(&text), Ok(a));
        }

        #[test]
        fn ipv6_round_trips_through_display(a: u128, full: bool) {
            let addr = std::net::Ipv6Addr::from(a);
            let text = if full {
                let s = addr.segments();
                std::format!("{:x}:{:X}:{:04x}:{:x}:{:x}:{:x}:{:x}:{:x}", s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7])
            } else {
                addr.to_string()
            };
            prop_assert_eq!(parse_ipv6(&text), Ok(a));
        }

        #[test]
        fn agrees_with_std_on_valid_text(s in "[0-9a-fA-F:.]{0,45}") {
            // Anything we accept, std accepts with the same value (std is our oracle for
            // meaning; we are stricter, e.g. on IPv4 parts inside IPv6).
            if let Ok(v) = parse_ipv6(&s) {
                let std_value = s.parse::<std::net::Ipv6Addr>().map(u128::from);
                prop_assert_eq!(std_value, Ok(v), "{}", s);
            }
            if let Ok(v) = parse_ipv4(&s) {
                let std_value = s.parse::<std::net::Ipv4Addr>().map(u32::from);
                prop_assert_eq!(std_value, Ok(v), "{}", s);
            }
        }
    }
}
