//! The one error type of tollgate: every failure in every capability, with a stable number
//! (the C `tollgate_status` value) and a stable snake_case name (used by the CLI, the docs
//! and `tollgate_status_str`). Numbers are never reused; a retired variant keeps its number.

use core::fmt;

macro_rules! errors {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal, $name:literal; )+) => {
        /// Why an operation failed. `code()` is the C status number, `name()` its stable name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum Error {
            $( $(#[doc = $doc])* $variant = $code, )+
        }

        impl Error {
            /// Every error, in code order (for tests, tables and documentation).
            pub const ALL: &'static [Error] = &[ $( Error::$variant, )+ ];

            /// The stable snake_case name, e.g. `"expired"`.
            pub const fn name(self) -> &'static str {
                match self { $( Error::$variant => $name, )+ }
            }

            /// The error with this C status number, if any (`0` is success, not an error).
            pub const fn from_code(code: u32) -> Option<Error> {
                match code { $( $code => Some(Error::$variant), )+ _ => None }
            }

            /// A one-sentence description of the error (its documentation).
            pub const fn description(self) -> &'static str {
                match self { $( Error::$variant => concat!($($doc),*), )+ }
            }

            /// The error with this stable name, if any.
            pub fn from_name(name: &str) -> Option<Error> {
                match name { $( $name => Some(Error::$variant), )+ _ => None }
            }
        }
    };
}

errors! {
    // -- Calling convention (1..=19) --
    /// A required pointer argument was NULL (or NULL with a non-zero length).
    NullPointer = 1, "null_pointer";
    /// The caller's buffer is smaller than required.
    BufferTooSmall = 2, "buffer_too_small";
    /// The caller's buffer is not aligned as documented.
    Misaligned = 3, "misaligned";
    /// An argument is outside its documented range (an unknown enum value, a bad option).
    InvalidArgument = 4, "invalid_argument";
    /// Text that must be UTF-8 (or ASCII) is not, or contains a NUL byte.
    InvalidText = 5, "invalid_text";

    // -- Addresses, prefixes, lists, tables (20..=39) --
    /// Not a valid IPv4 or IPv6 address in strict text form.
    InvalidAddress = 20, "invalid_address";
    /// A CIDR prefix length is missing, malformed or too long for the family.
    InvalidPrefixLength = 21, "invalid_prefix_length";
    /// A CIDR has bits set after the prefix length (e.g. `10.1.2.3/8`).
    HostBitsSet = 22, "host_bits_set";
    /// A list line has a malformed tag mask or trailing garbage.
    InvalidListLine = 23, "invalid_list_line";
    /// The table would exceed the format's limits.
    TooManyPrefixes = 24, "too_many_prefixes";
    /// A table image is shorter than its header says (or than a header).
    ImageTruncated = 25, "image_truncated";
    /// A table image has a wrong magic number or byte order.
    ImageBadMagic = 26, "image_bad_magic";
    /// A table image has a format version this build does not read.
    ImageUnsupportedVersion = 27, "image_unsupported_version";
    /// A table image's checksum does not match its contents.
    ImageBadChecksum = 28, "image_bad_checksum";
    /// A table image is internally inconsistent (offsets, counts or order).
    ImageCorrupt = 29, "image_corrupt";
    /// An unknown transport protocol number was given for a port check.
    UnknownProtocol = 30, "unknown_protocol";

    // -- RSA keys and signatures (40..=49) --
    /// The modulus is not 2048 to 4096 bits, is even, or is not minimally encoded.
    InvalidModulus = 40, "invalid_modulus";
    /// The public exponent is even, below 3, at least 2^33, or not minimally encoded.
    InvalidExponent = 41, "invalid_exponent";

    // -- Token verification (50..=79) --
    /// The token is not three canonical base64url segments of valid JSON.
    Malformed = 50, "malformed";
    /// The token is longer than the policy's maximum.
    TooLarge = 51, "too_large";
    /// The header's `alg` is not exactly `RS256`.
    UnsupportedAlg = 52, "unsupported_alg";
    /// The header has a `crit` member (no extensions are understood).
    UnsupportedCrit = 53, "unsupported_crit";
    /// The header has no `kid` and the key set has more than one key.
    MissingKid = 54, "missing_kid";
    /// No key in the set has the header's `kid` (refresh the JWKS, with a cooldown).
    UnknownKid = 55, "unknown_kid";
    /// The signature does not verify.
    BadSignature = 56, "bad_signature";
    /// `now` is at or after `exp` plus leeway.
    Expired = 57, "expired";
    /// `now` is before `nbf` minus leeway.
    NotYetValid = 58, "not_yet_valid";
    /// `iss` is not exactly the expected issuer.
    WrongIssuer = 59, "wrong_issuer";
    /// `aud` contains none of the expected audiences.
    WrongAudience = 60, "wrong_audience";
    /// A claim the policy requires is absent.
    MissingClaim = 61, "missing_claim";
    /// A claim has the wrong JSON type or an out-of-range value.
    InvalidClaim = 62, "invalid_claim";
    /// The header's `typ` is not the one the policy expects.
    WrongType = 63, "wrong_type";
    /// `iat` is older than the policy's maximum age (or in the future beyond leeway).
    TooOld = 64, "too_old";
    /// The requested claim is not present in the verified token.
    ClaimNotFound = 65, "claim_not_found";
    /// The token's header decodes to more than 4 KiB (checked before decoding) or has more than 16 members.
    HeaderTooLarge = 66, "header_too_large";

    // -- Key sets, discovery, policy (80..=99) --
    /// The JWKS document is not valid JSON of the expected shape.
    InvalidJwks = 80, "invalid_jwks";
    /// Two usable keys in the JWKS share a `kid`.
    DuplicateKid = 81, "duplicate_kid";
    /// The JWKS has no key tollgate can use for RS256.
    NoUsableKey = 82, "no_usable_key";
    /// Retired (no longer returned): a JWKS with more usable keys than the key set holds now loads the first ones and reports the rest as skipped (`over_capacity`).
    KeysetFull = 83, "keyset_full";
    /// The OpenID configuration document is not valid or lacks `issuer`/`jwks_uri`.
    InvalidDiscovery = 84, "invalid_discovery";
    /// The discovery document's `jwks_uri` is not an https URL with a valid host (and port) and no userinfo.
    InsecureJwksUri = 85, "insecure_jwks_uri";
    /// The verification policy is incomplete or inconsistent.
    InvalidPolicy = 86, "invalid_policy";
    /// The discovery document's issuer is not an https URL with a host and without query, fragment or userinfo.
    InvalidIssuer = 87, "invalid_issuer";
    /// The discovery document's issuer is not exactly the expected issuer (OpenID Connect Discovery 4.3).
    IssuerMismatch = 88, "issuer_mismatch";

    // -- HTTP helpers and API keys (100..=119) --
    /// The `Authorization` value is not `Bearer` followed by a token68 token.
    InvalidAuthorization = 100, "invalid_authorization";
    /// The query parameter carrying the API key is absent.
    MissingParameter = 101, "missing_parameter";
    /// The API key parameter appears more than once (parameter pollution).
    DuplicateParameter = 102, "duplicate_parameter";
    /// The request target or its percent-encoding is malformed.
    InvalidUri = 103, "invalid_uri";
    /// The API key matches none of the accepted keys.
    KeyMismatch = 104, "key_mismatch";

    // -- Host names (120..=139) --
    /// Not a valid host name: labels of letters, digits and inner hyphens, 1-63 bytes each, at
    /// most 253 in total, one optional trailing dot; no `*` (in a query), port or space.
    InvalidHostName = 120, "invalid_host_name";
    /// A host-name list has more names than a table holds.
    TooManyHostNames = 121, "too_many_host_names";

    // -- Endpoint feeds (140..=149) --
    /// A Microsoft 365 endpoints or Azure service tags feed is not the published JSON shape.
    InvalidFeed = 140, "invalid_feed";
    /// A service area, category or service tag asked for is not in the feed.
    UnknownFeedSelector = 141, "unknown_feed_selector";
}

impl Error {
    /// The C status number of this error (never 0).
    pub const fn code(self) -> u32 {
        self as u32
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn codes_and_names_round_trip_and_are_unique() {
        for (i, e) in Error::ALL.iter().enumerate() {
            assert_ne!(e.code(), 0);
            assert_eq!(Error::from_code(e.code()), Some(*e));
            assert_eq!(Error::from_name(e.name()), Some(*e));
            assert!(e
                .name()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_'));
            for other in &Error::ALL[i + 1..] {
                assert_ne!(e.code(), other.code());
                assert_ne!(e.name(), other.name());
            }
        }
        assert_eq!(Error::from_code(0), None);
    }
}
