//! The built-in Azure Communication Services ranges and ports (the Call Automation guide's
//! table), as compile-time data: [`acs_ipset`] views a read-only image generated from
//! [`ACS_LIST`] (see `acs_image.rs`), so nothing is built at run time.

use super::acs_image::ACS_IMAGE;
use super::addr::IpNumber;
use super::table::IpSet;
use crate::Error;

/// Tag of the Call Automation media ranges (reach the appliance on UDP 3478–3481).
pub const ACS_MEDIA: u32 = 1;
/// Tag of the Call Automation callback ranges (reach it on TCP 443 and 80, UDP 443).
pub const ACS_CALLBACK: u32 = 2;

/// The ACS ranges as list text: media prefixes carry tag 1, callback prefixes tag 2, prefixes
/// in both categories tag 3. The built-in image is generated from exactly this text.
pub const ACS_LIST: &str = "\
# Azure Communication Services, Call Automation: media (1), callback URLs (2), both (3).
52.112.0.0/14     3
52.122.0.0/15     3
2603:1063::/38    3
2603:1027::/48    2
2603:1037::/48    2
2603:1047::/48    2
2603:1057::/48    2
2620:1ec:6::/48   2
2620:1ec:40::/42  2
";

/// The built-in ACS table (tags [`ACS_MEDIA`], [`ACS_CALLBACK`]).
pub fn acs_ipset() -> IpSet<'static> {
    IpSet::from_trusted_image(acs_image())
}

/// The bytes of the built-in ACS table image.
pub fn acs_image() -> &'static [u8] {
    &ACS_IMAGE.0
}

/// A transport protocol, by its IANA number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// TCP (6).
    Tcp = 6,
    /// UDP (17).
    Udp = 17,
}

impl Protocol {
    /// The protocol with this IANA number; [`Error::UnknownProtocol`] for any but 6 and 17.
    pub fn from_number(number: u32) -> Result<Protocol, Error> {
        match number {
            6 => Ok(Protocol::Tcp),
            17 => Ok(Protocol::Udp),
            _ => Err(Error::UnknownProtocol),
        }
    }
}

/// The ACS categories (a tag mask) whose traffic may arrive on this protocol and port: media
/// on UDP 3478–3481, callback on TCP 443 and 80 and UDP 443.
pub fn acs_categories_for_port(protocol: Protocol, port: u16) -> u32 {
    let media = matches!((protocol, port), (Protocol::Udp, 3478..=3481));
    let callback = matches!(
        (protocol, port),
        (Protocol::Tcp, 443 | 80) | (Protocol::Udp, 443)
    );
    (if media { ACS_MEDIA } else { 0 }) | (if callback { ACS_CALLBACK } else { 0 })
}

/// Whether ACS traffic from `addr` may reach an appliance on this protocol and port: the
/// address is in a category's ranges and the port is one of that category's.
pub fn acs_allows(addr: IpNumber, protocol: Protocol, port: u16) -> bool {
    acs_ipset().lookup(addr) & acs_categories_for_port(protocol, port) != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aligned::AlignedBlock;
    use crate::generated_image::ImageFile;
    use crate::net::{build, parse_ip};
    use std::vec;

    fn built_image() -> std::vec::Vec<u8> {
        let size = crate::net::required_size(ACS_LIST).unwrap();
        let mut blocks = vec![AlignedBlock::ZERO; AlignedBlock::count_for(size)];
        let bytes = AlignedBlock::as_bytes_mut(&mut blocks);
        build(bytes, ACS_LIST).unwrap().image().to_vec()
    }

    /// The committed file's description.
    const IMAGE_FILE: ImageFile<'static> = ImageFile {
        path: "src/net/acs_image.rs",
        summary: "The built-in ACS table image: `ACS_LIST` (acs.rs) compiled by `build`.",
        test: "net::acs::tests::image_is_fresh",
        kind: "a table image",
        align: 16,
        name: "ACS_IMAGE",
    };

    #[test]
    fn image_is_fresh() {
        IMAGE_FILE.check_fresh(&built_image());
    }

    #[test]
    fn builtin_image_is_valid_and_matches_the_list() {
        let set = IpSet::load(acs_image()).unwrap();
        assert_eq!(set.image(), &built_image()[..]);
        assert_eq!(set.prefix_count(), 9);
    }

    #[test]
    fn categories_of_addresses() {
        let set = acs_ipset();
        for (addr, want) in [
            ("52.112.0.0", 3),
            ("52.115.255.255", 3),
            ("52.116.0.0", 0),
            ("52.111.255.255", 0),
            ("52.122.0.1", 3),
            ("52.123.255.255", 3),
            ("52.124.0.0", 0),
            ("::ffff:52.113.1.1", 3),
            ("2603:1063::1", 3),
            ("2603:1063:3ff:ffff:ffff:ffff:ffff:ffff", 3),
            ("2603:1063:400::", 0),
            ("2603:1027::5", 2),
            ("2603:1027:1::", 0),
            ("2603:1037:0:ffff::", 2),
            ("2603:1047::", 2),
            ("2603:1057::", 2),
            ("2620:1ec:6::1", 2),
            ("2620:1ec:7::", 0),
            ("2620:1ec:40::", 2),
            ("2620:1ec:7f:ffff::", 2),
            ("2620:1ec:80::", 0),
            ("8.8.8.8", 0),
            ("::", 0),
        ] {
            assert_eq!(set.lookup_text(addr), Ok(want), "{addr}");
        }
    }

    #[test]
    fn ports_per_category() {
        let media = parse_ip("2603:1063::1").unwrap();
        let callback_only = parse_ip("2620:1ec:6::1").unwrap();
        let outside = parse_ip("8.8.8.8").unwrap();
        for port in 3478..=3481 {
            assert!(acs_allows(media, Protocol::Udp, port));
            assert!(!acs_allows(media, Protocol::Tcp, port));
            assert!(!acs_allows(callback_only, Protocol::Udp, port));
        }
        assert!(!acs_allows(media, Protocol::Udp, 3477));
        assert!(!acs_allows(media, Protocol::Udp, 3482));
        for (proto, port) in [
            (Protocol::Tcp, 443),
            (Protocol::Tcp, 80),
            (Protocol::Udp, 443),
        ] {
            assert!(acs_allows(callback_only, proto, port));
            assert!(acs_allows(media, proto, port));
            assert!(!acs_allows(outside, proto, port));
        }
        assert!(!acs_allows(callback_only, Protocol::Udp, 80));
        assert!(!acs_allows(callback_only, Protocol::Tcp, 8080));
        assert_eq!(Protocol::from_number(6), Ok(Protocol::Tcp));
        assert_eq!(Protocol::from_number(17), Ok(Protocol::Udp));
        assert_eq!(Protocol::from_number(1), Err(Error::UnknownProtocol));
    }
}
