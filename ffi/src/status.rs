//! The C status codes, one per `tollgate_core::Error` plus `Ok`.
//!
//! Generated from core's error list by ffi/tests/generated.rs; do not edit. Refresh with
//! `TOLLGATE_BLESS=1 cargo test -p tollgate-ffi --test generated`.

use tollgate_core::Error;

/// The result of every fallible call: `TOLLGATE_STATUS_OK` (0) or why it failed.
/// Values are stable; a retired value is never reused. Functions return it as this
/// enum type (so a C or C++ `switch` over it can warn about missing cases) and are
/// must-use; functions that take a status take it as `uint32_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tollgate_status {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL (or NULL with a non-zero length).
    NullPointer = 1,
    /// The caller's buffer is smaller than required.
    BufferTooSmall = 2,
    /// The caller's buffer is not aligned as documented.
    Misaligned = 3,
    /// An argument is outside its documented range (an unknown enum value, a bad option).
    InvalidArgument = 4,
    /// Text that must be UTF-8 (or ASCII) is not, or contains a NUL byte.
    InvalidText = 5,
    /// Not a valid IPv4 or IPv6 address in strict text form.
    InvalidAddress = 20,
    /// A CIDR prefix length is missing, malformed or too long for the family.
    InvalidPrefixLength = 21,
    /// A CIDR has bits set after the prefix length (e.g. `10.1.2.3/8`).
    HostBitsSet = 22,
    /// A list line has a malformed tag mask or trailing garbage.
    InvalidListLine = 23,
    /// The table would exceed the format's limits.
    TooManyPrefixes = 24,
    /// A table image is shorter than its header says (or than a header).
    ImageTruncated = 25,
    /// A table image has a wrong magic number or byte order.
    ImageBadMagic = 26,
    /// A table image has a format version this build does not read.
    ImageUnsupportedVersion = 27,
    /// A table image's checksum does not match its contents.
    ImageBadChecksum = 28,
    /// A table image is internally inconsistent (offsets, counts or order).
    ImageCorrupt = 29,
    /// An unknown transport protocol number was given for a port check.
    UnknownProtocol = 30,
    /// The modulus is not 2048 to 4096 bits, is even, or is not minimally encoded.
    InvalidModulus = 40,
    /// The public exponent is even, below 3, at least 2^33, or not minimally encoded.
    InvalidExponent = 41,
    /// The token is not three canonical base64url segments of valid JSON.
    Malformed = 50,
    /// The token is longer than the policy's maximum.
    TooLarge = 51,
    /// The header's `alg` is not exactly `RS256`.
    UnsupportedAlg = 52,
    /// The header has a `crit` member (no extensions are understood).
    UnsupportedCrit = 53,
    /// The header has no `kid` and the key set has more than one key.
    MissingKid = 54,
    /// No key in the set has the header's `kid` (refresh the JWKS, with a cooldown).
    UnknownKid = 55,
    /// The signature does not verify.
    BadSignature = 56,
    /// `now` is at or after `exp` plus leeway.
    Expired = 57,
    /// `now` is before `nbf` minus leeway.
    NotYetValid = 58,
    /// `iss` is not exactly the expected issuer.
    WrongIssuer = 59,
    /// `aud` contains none of the expected audiences.
    WrongAudience = 60,
    /// A claim the policy requires is absent.
    MissingClaim = 61,
    /// A claim has the wrong JSON type or an out-of-range value.
    InvalidClaim = 62,
    /// The header's `typ` is not the one the policy expects.
    WrongType = 63,
    /// `iat` is older than the policy's maximum age (or in the future beyond leeway).
    TooOld = 64,
    /// The requested claim is not present in the verified token.
    ClaimNotFound = 65,
    /// The token's header decodes to more than 4 KiB (checked before decoding) or has more than 16 members.
    HeaderTooLarge = 66,
    /// The JWKS document is not valid JSON of the expected shape.
    InvalidJwks = 80,
    /// Two usable keys in the JWKS share a `kid`.
    DuplicateKid = 81,
    /// The JWKS has no key tollgate can use for RS256.
    NoUsableKey = 82,
    /// Retired (no longer returned): a JWKS with more usable keys than the key set holds now loads the first ones and reports the rest as skipped (`over_capacity`).
    KeysetFull = 83,
    /// The OpenID configuration document is not valid or lacks `issuer`/`jwks_uri`.
    InvalidDiscovery = 84,
    /// The discovery document's `jwks_uri` is not an https URL with a valid host (and port) and no userinfo.
    InsecureJwksUri = 85,
    /// The verification policy is incomplete or inconsistent.
    InvalidPolicy = 86,
    /// The discovery document's issuer is not an https URL with a host and without query, fragment or userinfo.
    InvalidIssuer = 87,
    /// The discovery document's issuer is not exactly the expected issuer (OpenID Connect Discovery 4.3).
    IssuerMismatch = 88,
    /// The `Authorization` value is not `Bearer` followed by a token68 token.
    InvalidAuthorization = 100,
    /// The query parameter carrying the API key is absent.
    MissingParameter = 101,
    /// The API key parameter appears more than once (parameter pollution).
    DuplicateParameter = 102,
    /// The request target or its percent-encoding is malformed.
    InvalidUri = 103,
    /// The API key matches none of the accepted keys.
    KeyMismatch = 104,
    /// Not a valid host name: labels of letters, digits and inner hyphens, 1-63 bytes each, at most 253 in total, one optional trailing dot; no `*` (in a query), port or space.
    InvalidHostName = 120,
    /// A host-name list has more names than a table holds.
    TooManyHostNames = 121,
    /// A Microsoft 365 endpoints or Azure service tags feed is not the published JSON shape.
    InvalidFeed = 140,
    /// A service area, category or service tag asked for is not in the feed.
    UnknownFeedSelector = 141,
}

impl From<Error> for tollgate_status {
    fn from(e: Error) -> Self {
        match e {
            Error::NullPointer => tollgate_status::NullPointer,
            Error::BufferTooSmall => tollgate_status::BufferTooSmall,
            Error::Misaligned => tollgate_status::Misaligned,
            Error::InvalidArgument => tollgate_status::InvalidArgument,
            Error::InvalidText => tollgate_status::InvalidText,
            Error::InvalidAddress => tollgate_status::InvalidAddress,
            Error::InvalidPrefixLength => tollgate_status::InvalidPrefixLength,
            Error::HostBitsSet => tollgate_status::HostBitsSet,
            Error::InvalidListLine => tollgate_status::InvalidListLine,
            Error::TooManyPrefixes => tollgate_status::TooManyPrefixes,
            Error::ImageTruncated => tollgate_status::ImageTruncated,
            Error::ImageBadMagic => tollgate_status::ImageBadMagic,
            Error::ImageUnsupportedVersion => tollgate_status::ImageUnsupportedVersion,
            Error::ImageBadChecksum => tollgate_status::ImageBadChecksum,
            Error::ImageCorrupt => tollgate_status::ImageCorrupt,
            Error::UnknownProtocol => tollgate_status::UnknownProtocol,
            Error::InvalidModulus => tollgate_status::InvalidModulus,
            Error::InvalidExponent => tollgate_status::InvalidExponent,
            Error::Malformed => tollgate_status::Malformed,
            Error::TooLarge => tollgate_status::TooLarge,
            Error::UnsupportedAlg => tollgate_status::UnsupportedAlg,
            Error::UnsupportedCrit => tollgate_status::UnsupportedCrit,
            Error::MissingKid => tollgate_status::MissingKid,
            Error::UnknownKid => tollgate_status::UnknownKid,
            Error::BadSignature => tollgate_status::BadSignature,
            Error::Expired => tollgate_status::Expired,
            Error::NotYetValid => tollgate_status::NotYetValid,
            Error::WrongIssuer => tollgate_status::WrongIssuer,
            Error::WrongAudience => tollgate_status::WrongAudience,
            Error::MissingClaim => tollgate_status::MissingClaim,
            Error::InvalidClaim => tollgate_status::InvalidClaim,
            Error::WrongType => tollgate_status::WrongType,
            Error::TooOld => tollgate_status::TooOld,
            Error::ClaimNotFound => tollgate_status::ClaimNotFound,
            Error::HeaderTooLarge => tollgate_status::HeaderTooLarge,
            Error::InvalidJwks => tollgate_status::InvalidJwks,
            Error::DuplicateKid => tollgate_status::DuplicateKid,
            Error::NoUsableKey => tollgate_status::NoUsableKey,
            Error::KeysetFull => tollgate_status::KeysetFull,
            Error::InvalidDiscovery => tollgate_status::InvalidDiscovery,
            Error::InsecureJwksUri => tollgate_status::InsecureJwksUri,
            Error::InvalidPolicy => tollgate_status::InvalidPolicy,
            Error::InvalidIssuer => tollgate_status::InvalidIssuer,
            Error::IssuerMismatch => tollgate_status::IssuerMismatch,
            Error::InvalidAuthorization => tollgate_status::InvalidAuthorization,
            Error::MissingParameter => tollgate_status::MissingParameter,
            Error::DuplicateParameter => tollgate_status::DuplicateParameter,
            Error::InvalidUri => tollgate_status::InvalidUri,
            Error::KeyMismatch => tollgate_status::KeyMismatch,
            Error::InvalidHostName => tollgate_status::InvalidHostName,
            Error::TooManyHostNames => tollgate_status::TooManyHostNames,
            Error::InvalidFeed => tollgate_status::InvalidFeed,
            Error::UnknownFeedSelector => tollgate_status::UnknownFeedSelector,
        }
    }
}

impl From<Result<(), Error>> for tollgate_status {
    fn from(r: Result<(), Error>) -> Self {
        match r {
            Ok(()) => tollgate_status::Ok,
            Err(e) => e.into(),
        }
    }
}

/// The NUL-terminated name of any status value (`unknown_status` for unassigned ones).
pub(crate) fn status_cstr(status: u32) -> &'static [u8] {
    match status {
        0 => b"ok\0",
        1 => b"null_pointer\0",
        2 => b"buffer_too_small\0",
        3 => b"misaligned\0",
        4 => b"invalid_argument\0",
        5 => b"invalid_text\0",
        20 => b"invalid_address\0",
        21 => b"invalid_prefix_length\0",
        22 => b"host_bits_set\0",
        23 => b"invalid_list_line\0",
        24 => b"too_many_prefixes\0",
        25 => b"image_truncated\0",
        26 => b"image_bad_magic\0",
        27 => b"image_unsupported_version\0",
        28 => b"image_bad_checksum\0",
        29 => b"image_corrupt\0",
        30 => b"unknown_protocol\0",
        40 => b"invalid_modulus\0",
        41 => b"invalid_exponent\0",
        50 => b"malformed\0",
        51 => b"too_large\0",
        52 => b"unsupported_alg\0",
        53 => b"unsupported_crit\0",
        54 => b"missing_kid\0",
        55 => b"unknown_kid\0",
        56 => b"bad_signature\0",
        57 => b"expired\0",
        58 => b"not_yet_valid\0",
        59 => b"wrong_issuer\0",
        60 => b"wrong_audience\0",
        61 => b"missing_claim\0",
        62 => b"invalid_claim\0",
        63 => b"wrong_type\0",
        64 => b"too_old\0",
        65 => b"claim_not_found\0",
        66 => b"header_too_large\0",
        80 => b"invalid_jwks\0",
        81 => b"duplicate_kid\0",
        82 => b"no_usable_key\0",
        83 => b"keyset_full\0",
        84 => b"invalid_discovery\0",
        85 => b"insecure_jwks_uri\0",
        86 => b"invalid_policy\0",
        87 => b"invalid_issuer\0",
        88 => b"issuer_mismatch\0",
        100 => b"invalid_authorization\0",
        101 => b"missing_parameter\0",
        102 => b"duplicate_parameter\0",
        103 => b"invalid_uri\0",
        104 => b"key_mismatch\0",
        120 => b"invalid_host_name\0",
        121 => b"too_many_host_names\0",
        140 => b"invalid_feed\0",
        141 => b"unknown_feed_selector\0",
        _ => b"unknown_status\0",
    }
}
