//! The built-in ACS host names (the Call Automation guide's callback URLs), as compile-time
//! data: [`acs_hostset`] views a read-only image generated from [`ACS_HOST_LIST`] (see
//! `acs_image.rs`), so nothing is built at run time.

use super::acs_image::ACS_HOST_IMAGE;
use super::table::HostSet;

/// The guide's callback host names, each with the callback tag
/// ([`ACS_CALLBACK`](crate::net::ACS_CALLBACK), as in the ACS address table). The guide names
/// no media host names. The built-in image is generated from exactly this text.
pub const ACS_HOST_LIST: &str = "\
# Azure Communication Services, Call Automation callback URLs (tag 2 = callback).
*.lync.com               2
*.teams.cloud.microsoft  2
*.teams.microsoft.com    2
teams.cloud.microsoft    2
teams.microsoft.com      2
";

/// The built-in ACS host-name table (tag [`ACS_CALLBACK`](crate::net::ACS_CALLBACK)).
pub fn acs_hostset() -> HostSet<'static> {
    HostSet::from_trusted_image(&ACS_HOST_IMAGE.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aligned::AlignedBlock;
    use crate::generated_image::ImageFile;
    use crate::host::{build_hostset, host_required_size};
    use crate::net::ACS_CALLBACK;
    use std::vec;
    use std::vec::Vec;

    fn built_image() -> Vec<u8> {
        let size = host_required_size(ACS_HOST_LIST).unwrap();
        let mut blocks = vec![AlignedBlock::ZERO; AlignedBlock::count_for(size)];
        let storage = AlignedBlock::as_bytes_mut(&mut blocks);
        build_hostset(storage, ACS_HOST_LIST)
            .unwrap()
            .image()
            .to_vec()
    }

    /// The committed file's description.
    const IMAGE_FILE: ImageFile<'static> = ImageFile {
        path: "src/host/acs_image.rs",
        summary: "The built-in ACS host-name image: `ACS_HOST_LIST` (acs.rs) compiled by `build_hostset`.",
        test: "host::acs::tests::image_is_fresh",
        kind: "a host-name image",
        align: 8,
        name: "ACS_HOST_IMAGE",
    };

    #[test]
    fn image_is_fresh() {
        IMAGE_FILE.check_fresh(&built_image());
    }

    #[test]
    fn builtin_image_is_valid_and_matches_the_list() {
        let set = HostSet::load(&ACS_HOST_IMAGE.0).unwrap();
        assert_eq!(set.image(), &built_image()[..]);
        assert_eq!(set.entry_count(), 5);
        assert_eq!(set.name_count(), 3); // lync.com, teams.cloud.microsoft, teams.microsoft.com
    }

    #[test]
    fn guide_names() {
        let set = acs_hostset();
        for (name, want) in [
            ("teams.microsoft.com", ACS_CALLBACK),
            ("TEAMS.microsoft.com.", ACS_CALLBACK),
            ("api.teams.microsoft.com", ACS_CALLBACK),
            ("a.b.c.teams.cloud.microsoft", ACS_CALLBACK),
            ("teams.cloud.microsoft", ACS_CALLBACK),
            ("x.lync.com", ACS_CALLBACK),
            ("lync.com", 0),
            ("microsoft.com", 0),
            ("cloud.microsoft", 0),
            ("evilteams.microsoft.com", 0),
            ("teams.microsoft.com.evil.example", 0),
            ("notlync.com", 0),
        ] {
            assert_eq!(set.lookup(name), Ok(want), "{name}");
        }
    }
}
