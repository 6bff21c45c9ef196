//! The C ABI of CIDR tables (`tollgate_ipset_*`) and the built-in ACS ranges and ports
//! (`tollgate_acs_*`). A `tollgate_ipset` is a small caller-placed handle holding the image
//! pointer and the geometry validated when the table was built or loaded: lookups read only
//! the handle and the validated bytes, never the image header again.

use crate::status::tollgate_status;
use crate::util;
use core::ffi::{c_char, c_void};
use core::ptr::{addr_of, addr_of_mut};
use tollgate_core::net::{self, IpSet, IpSetGeometry, Protocol};
use tollgate_core::Error;

/// Size in bytes of a `tollgate_ipset` (also `tollgate_ipset_size()`).
pub const TOLLGATE_IPSET_SIZE: usize = 96;

/// A built or loaded CIDR table: a handle placed by the caller (static, stack, heap; 8-byte
/// aligned, which the `uint64_t` array gives) that `tollgate_ipset_build` or
/// `tollgate_ipset_load` fills. Opaque: never read or write its bytes. It refers to the image
/// (build storage or loaded bytes) and is valid as long as that memory is; it holds the
/// geometry validated at load, so lookups never re-read the image header: an image rewritten
/// after loading (a memory-mapped file replaced in place) gives wrong answers until reloaded,
/// never a read outside the validated bytes. Immutable once filled and safe to share between
/// threads; it may be copied with `memcpy`.
#[repr(C)]
pub struct tollgate_ipset {
    /// Opaque storage; do not touch.
    pub opaque: [u64; 12],
}

/// Marks a handle filled by a successful build or load ("tgipset1").
const MAGIC: u64 = u64::from_le_bytes(*b"tgipset1");
/// Marks the built-in ACS handle ("tgipacs1"), whose image is compiled into the library.
const ACS_MAGIC: u64 = u64::from_le_bytes(*b"tgipacs1");

/// What `tollgate_ipset` really holds.
#[repr(C)]
struct IpsetHandle {
    magic: u64,
    image: *const u8,
    image_len: usize,
    geometry: IpSetGeometry,
}

const _: () = assert!(core::mem::size_of::<tollgate_ipset>() == TOLLGATE_IPSET_SIZE);
const _: () = assert!(core::mem::size_of::<IpsetHandle>() <= TOLLGATE_IPSET_SIZE);
const _: () = assert!(core::mem::align_of::<IpsetHandle>() <= 8);

/// The handle `tollgate_acs_ipset` returns (the image is found by the magic).
static ACS_HANDLE: tollgate_ipset = {
    let mut opaque = [0u64; 12];
    opaque[0] = ACS_MAGIC;
    tollgate_ipset { opaque }
};

/// Fill a handle for a validated table (magic last, so a half-written handle is never valid).
///
/// # Safety
/// `out` is non-NULL, aligned and writable.
unsafe fn fill(out: *mut tollgate_ipset, set: IpSet<'_>) {
    let h = out.cast::<IpsetHandle>();
    // SAFETY: the caller guarantees `out` is a writable, aligned `tollgate_ipset`, which is
    // at least as large as `IpsetHandle` (asserted above).
    unsafe {
        addr_of_mut!((*h).magic).write(0);
        addr_of_mut!((*h).image).write(set.image().as_ptr());
        addr_of_mut!((*h).image_len).write(set.image().len());
        addr_of_mut!((*h).geometry).write(set.geometry());
        addr_of_mut!((*h).magic).write(MAGIC);
    }
}

/// The alignment, in bytes, that build storage and loaded images need (malloc on 64-bit
/// platforms, mmap and `_Alignas(16)` buffers satisfy it).
pub const TOLLGATE_IPSET_ALIGN: usize = 16;
/// Tag of the ACS media ranges in [`tollgate_acs_ipset`] (UDP 3478–3481).
pub const TOLLGATE_ACS_MEDIA: u32 = 1;
/// Tag of the ACS callback ranges in [`tollgate_acs_ipset`] (TCP 443 and 80, UDP 443).
pub const TOLLGATE_ACS_CALLBACK: u32 = 2;
/// IANA protocol number of TCP, for [`tollgate_acs_allows`].
pub const TOLLGATE_PROTOCOL_TCP: u32 = 6;
/// IANA protocol number of UDP, for [`tollgate_acs_allows`].
pub const TOLLGATE_PROTOCOL_UDP: u32 = 17;

const _: () = assert!(TOLLGATE_IPSET_ALIGN == net::IMAGE_ALIGN);
const _: () = assert!(TOLLGATE_ACS_MEDIA == net::ACS_MEDIA);
const _: () = assert!(TOLLGATE_ACS_CALLBACK == net::ACS_CALLBACK);
const _: () = assert!(TOLLGATE_PROTOCOL_TCP == Protocol::Tcp as u32);
const _: () = assert!(TOLLGATE_PROTOCOL_UDP == Protocol::Udp as u32);

fn status<T>(r: Result<T, Error>, write: impl FnOnce(T)) -> tollgate_status {
    match r {
        Ok(v) => {
            write(v);
            tollgate_status::Ok
        }
        Err(e) => e.into(),
    }
}

/// The table a handle designates: `null_pointer` for NULL, `misaligned` for a handle not
/// 8-byte aligned, `image_corrupt` for a handle no build or load filled.
///
/// # Safety
/// `set` is NULL or points to a readable `tollgate_ipset` whose image is still alive.
unsafe fn view<'a>(set: *const tollgate_ipset) -> Result<IpSet<'a>, Error> {
    if set.is_null() {
        return Err(Error::NullPointer);
    }
    if !set.is_aligned() {
        return Err(Error::Misaligned);
    }
    let h = set.cast::<IpsetHandle>();
    // SAFETY: `set` is non-NULL, aligned and readable (caller); every bit pattern of the
    // fields read is a valid value.
    let magic = unsafe { addr_of!((*h).magic).read() };
    if magic == ACS_MAGIC {
        return Ok(net::acs_ipset());
    }
    if magic != MAGIC {
        return Err(Error::ImageCorrupt);
    }
    // SAFETY: a handle with MAGIC was filled by `fill` from a validated table: `image` points
    // to `image_len` bytes that live as long as the handle is used (caller's contract).
    let (image, geometry) = unsafe {
        let image = addr_of!((*h).image).read();
        let len = addr_of!((*h).image_len).read();
        (
            core::slice::from_raw_parts(image, len),
            addr_of!((*h).geometry).read(),
        )
    };
    Ok(IpSet::from_geometry(image, &geometry))
}

/// Size in bytes of `tollgate_ipset` (`TOLLGATE_IPSET_SIZE`), for callers that cannot read
/// macros (ctypes, dlopen).
#[no_mangle]
pub extern "C" fn tollgate_ipset_size() -> usize {
    TOLLGATE_IPSET_SIZE
}

/// The alignment build storage and images need: [`TOLLGATE_IPSET_ALIGN`] (for callers that
/// cannot read macros, such as ctypes).
#[no_mangle]
pub extern "C" fn tollgate_ipset_align() -> usize {
    TOLLGATE_IPSET_ALIGN
}

/// Check a CIDR list and write the bytes of storage [`tollgate_ipset_build`] needs for it.
///
/// The list: one entry per line, `CIDR` or a bare address (= /32 or /128), optionally followed
/// by whitespace and a decimal tag mask (default 1); `#` starts a comment; blank lines and CRLF
/// are fine. Errors: `invalid_address`, `invalid_prefix_length`, `host_bits_set`,
/// `invalid_list_line`, `too_many_prefixes`, `invalid_text`, `null_pointer`
/// ([`tollgate_ipset_explain`] says which line and why).
///
/// # Safety
/// `text` points to `text_len` readable bytes (NULL only with 0); `out_size` is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_ipset_required_size(
    text: *const c_char,
    text_len: usize,
    out_size: *mut usize,
) -> tollgate_status {
    let r = (|| {
        util::check_ptr(out_size)?;
        // SAFETY: `text` points to `text_len` readable bytes (caller).
        let text = unsafe { util::text(text, text_len) }?;
        net::required_size(text).map_err(Error::from)
    })();
    // SAFETY: non-NULL (checked above), writable (caller).
    status(r, |size| unsafe { *out_size = size })
}

/// Build a table from a CIDR list into caller storage and fill the handle `*out` for it.
///
/// `storage` must be aligned to [`TOLLGATE_IPSET_ALIGN`] (16) bytes and at least the size
/// [`tollgate_ipset_required_size`] reported; the table is its first
/// [`tollgate_ipset_image_len`] bytes (at [`tollgate_ipset_image`]), a relocatable image that
/// may be copied, written to a file and loaded with [`tollgate_ipset_load`]. Nothing is
/// allocated. Errors: those of [`tollgate_ipset_required_size`], `buffer_too_small`,
/// `misaligned` (storage, or `out` not 8-byte aligned), `null_pointer`. `*out` is written
/// only on success and stays valid while `storage` does.
///
/// # Safety
/// `storage` points to `storage_len` writable bytes not used for anything else while the set
/// lives; `text` to `text_len` readable bytes (NULL only with 0); `out` to a writable
/// `tollgate_ipset` no other thread is using.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_ipset_build(
    storage: *mut c_void,
    storage_len: usize,
    text: *const c_char,
    text_len: usize,
    out: *mut tollgate_ipset,
) -> tollgate_status {
    let r = (|| {
        util::check_ptr(out)?;
        if !out.is_aligned() {
            return Err(Error::Misaligned);
        }
        if storage.is_null() {
            return Err(Error::NullPointer);
        }
        // SAFETY: `text` points to `text_len` readable bytes (caller).
        let text = unsafe { util::text(text, text_len) }?;
        // SAFETY: `storage` points to `storage_len` writable bytes used for nothing else
        // (caller).
        let storage = unsafe { util::bytes_mut(storage.cast(), storage_len) }?;
        net::build(storage, text).map_err(Error::from)
    })();
    // SAFETY: `out` was checked non-NULL and aligned; the caller guarantees it is writable.
    status(r, |set| unsafe { fill(out, set) })
}

/// Validate a table image completely (alignment, magic, version, length, checksum, structure)
/// and fill the handle `*out` for it. Errors: `image_truncated`, `image_bad_magic`,
/// `image_unsupported_version`, `image_bad_checksum`, `image_corrupt`, `misaligned` (image
/// not 16-byte or `out` not 8-byte aligned), `null_pointer`. `image_len` may exceed the image.
/// `*out` is written only on success and stays valid while the image memory does. Lookups read
/// only the bytes validated here: if the image is rewritten later (a memory-mapped file
/// replaced in place), answers may be wrong until it is loaded again, but no read leaves them.
///
/// # Safety
/// `image` points to `image_len` readable bytes that stay mapped while the set is used;
/// `out` to a writable `tollgate_ipset` no other thread is using.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_ipset_load(
    image: *const c_void,
    image_len: usize,
    out: *mut tollgate_ipset,
) -> tollgate_status {
    let r = (|| {
        util::check_ptr(out)?;
        if !out.is_aligned() {
            return Err(Error::Misaligned);
        }
        if image.is_null() {
            return Err(Error::NullPointer);
        }
        // SAFETY: `image` points to `image_len` readable bytes (caller).
        IpSet::load(unsafe { util::bytes(image.cast(), image_len) }?)
    })();
    // SAFETY: `out` was checked non-NULL and aligned; the caller guarantees it is writable.
    status(r, |set| unsafe { fill(out, set) })
}

/// The length in bytes of the set's image (what to copy or write to a file); 0 for NULL or a
/// handle never filled.
///
/// # Safety
/// `set` is NULL or a live set from this library.
#[no_mangle]
pub unsafe extern "C" fn tollgate_ipset_image_len(set: *const tollgate_ipset) -> usize {
    // SAFETY: `set` is NULL or a live set (caller).
    unsafe { view(set) }.map_or(0, |s| s.image().len())
}

/// The first byte of the set's image (build storage, the loaded bytes, or the built-in ACS
/// data); NULL for NULL or a handle never filled.
///
/// # Safety
/// `set` is NULL or a live set from this library.
#[no_mangle]
pub unsafe extern "C" fn tollgate_ipset_image(set: *const tollgate_ipset) -> *const c_void {
    // SAFETY: `set` is NULL or a live set (caller).
    unsafe { view(set) }.map_or(core::ptr::null(), |s| s.image().as_ptr().cast())
}

/// The tag mask of an address given as 4 (IPv4) or 16 (IPv6) bytes in network order: the OR
/// of the tags of every prefix containing it, 0 when none. IPv4-mapped IPv6 addresses
/// (`::ffff:a.b.c.d`) are looked up as their IPv4 address. Returns 0 for a NULL, misaligned or
/// unfilled set, a NULL address, or any other length.
///
/// # Safety
/// `set` is NULL or a live set; `addr` points to `addr_len` readable bytes (or is NULL).
#[no_mangle]
pub unsafe extern "C" fn tollgate_ipset_lookup(
    set: *const tollgate_ipset,
    addr: *const u8,
    addr_len: usize,
) -> u32 {
    if addr.is_null() || (addr_len != 4 && addr_len != 16) {
        return 0;
    }
    // SAFETY: `addr` is non-NULL and (caller) points to `addr_len` readable bytes.
    let addr = unsafe { core::slice::from_raw_parts(addr, addr_len) };
    // SAFETY: `set` is NULL or a live set (caller).
    unsafe { view(set) }.map_or(0, |s| s.lookup_bytes(addr))
}

/// Look up many addresses of one family: `addrs` holds `count` addresses of `addr_len` bytes
/// (4 or 16) each, in network order, back to back; `out_tags[i]` receives the tag mask of the
/// i-th. Much faster than one `tollgate_ipset_lookup` per address: the lookups of a call
/// overlap (AVX-512 gathers where the CPU has them). Errors: `null_pointer`, `misaligned`
/// (`out_tags` not 4-byte aligned, `set` not 8-byte aligned), `invalid_argument` (other
/// lengths, size overflow, `out_tags` overlapping `addrs`), `image_corrupt` (a handle no
/// build or load filled). `out_tags` is written only on success.
///
/// # Safety
/// `set` is a live set; `addrs` points to `count * addr_len` readable bytes and `out_tags` to
/// `count` writable `uint32_t` (each may be NULL only when `count` is 0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_ipset_lookup_many(
    set: *const tollgate_ipset,
    addrs: *const u8,
    addr_len: usize,
    count: usize,
    out_tags: *mut u32,
) -> tollgate_status {
    let r = (|| {
        // SAFETY: `set` is a live set (caller).
        let s = unsafe { view(set) }?;
        if addr_len != 4 && addr_len != 16 {
            return Err(Error::InvalidArgument);
        }
        let total = count.checked_mul(addr_len).ok_or(Error::InvalidArgument)?;
        let out_bytes = count.checked_mul(4).ok_or(Error::InvalidArgument)?;
        // SAFETY: `addrs` points to `count * addr_len` readable bytes (caller).
        let input = unsafe { util::bytes(addrs, total) }?;
        if count == 0 {
            return Ok((s, input, &mut [][..]));
        }
        if out_tags.is_null() {
            return Err(Error::NullPointer);
        }
        if !out_tags.is_aligned() {
            return Err(Error::Misaligned);
        }
        if out_bytes > isize::MAX as usize {
            return Err(Error::InvalidArgument);
        }
        // The output may not share a byte with the input (it is written while the input is
        // read). Addresses compared as integers: no pointer arithmetic past either buffer.
        let (a0, o0) = (addrs as usize, out_tags as usize);
        if a0 < o0.wrapping_add(out_bytes) && o0 < a0.wrapping_add(total) {
            return Err(Error::InvalidArgument);
        }
        // SAFETY: `out_tags` is non-NULL, aligned, and (caller) points to `count` writable
        // u32 that do not overlap `input` (checked just above).
        let out = unsafe { core::slice::from_raw_parts_mut(out_tags, count) };
        Ok((s, input, out))
    })();
    status(r, |(s, input, out)| {
        if addr_len == 4 {
            lookup_chunks(
                input,
                out,
                |b: [u8; 4]| u32::from_be_bytes(b),
                |a, o| s.lookup_v4_batch(a, o),
            );
        } else {
            lookup_chunks(
                input,
                out,
                |b: [u8; 16]| u128::from_be_bytes(b),
                |a, o| s.lookup_v6_batch(a, o),
            );
        }
    })
}

/// Addresses converted to native integers per call of the core's batch lookup (a stack
/// buffer: 2 KiB for IPv6).
const BATCH: usize = 128;

/// Answer `input` (addresses of `N` bytes in network order, back to back) into `out` through
/// `batch`, [`BATCH`] addresses at a time: the core's batch lookups overlap many lookups
/// (and use AVX-512 where the CPU has it), which one call per address cannot.
fn lookup_chunks<const N: usize, A: Copy + Default>(
    input: &[u8],
    out: &mut [u32],
    native: impl Fn([u8; N]) -> A,
    batch: impl Fn(&[A], &mut [u32]),
) {
    let mut addrs = [A::default(); BATCH];
    for (o, bytes) in out.chunks_mut(BATCH).zip(input.chunks(N * BATCH)) {
        for (a, b) in addrs.iter_mut().zip(bytes.chunks_exact(N)) {
            if let Ok(b) = <[u8; N]>::try_from(b) {
                *a = native(b);
            }
        }
        if let Some(a) = addrs.get(..o.len()) {
            batch(a, o);
        }
    }
}

/// Parse an address strictly (IPv4 dotted decimal without leading zeros; IPv6 RFC 4291 text
/// without zone id) and write its tag mask to `*out_tags` (IPv4-mapped IPv6 addresses are
/// looked up as IPv4). Errors: `invalid_address`, `null_pointer`, `misaligned`,
/// `image_corrupt` (a handle no build or load filled).
///
/// # Safety
/// `set` is a live set; `addr` points to `addr_len` readable bytes; `out_tags` is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_ipset_lookup_text(
    set: *const tollgate_ipset,
    addr: *const c_char,
    addr_len: usize,
    out_tags: *mut u32,
) -> tollgate_status {
    let r = (|| {
        util::check_ptr(out_tags)?;
        if !out_tags.is_aligned() {
            return Err(Error::Misaligned);
        }
        // SAFETY: `set` is a live set (caller).
        let s = unsafe { view(set) }?;
        // SAFETY: `addr` points to `addr_len` readable bytes (caller).
        let text = unsafe { util::text(addr, addr_len) }.map_err(|e| match e {
            Error::InvalidText => Error::InvalidAddress,
            other => other,
        })?;
        s.lookup_text(text)
    })();
    // SAFETY: non-NULL and aligned (checked above), writable (caller).
    status(r, |tags| unsafe { *out_tags = tags })
}

/// Describe what is wrong with a CIDR list, e.g. `line 3: host_bits_set: did you mean
/// 10.0.0.0/8?`, as NUL-terminated text in `buf` (empty when the list is valid), and its
/// length without the NUL in `*out_len`. Errors: `buffer_too_small` (nothing written),
/// `invalid_text`, `null_pointer`. 128 bytes always suffice.
///
/// # Safety
/// `text` points to `text_len` readable bytes; `buf` to `buf_len` writable bytes; `out_len`
/// is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_ipset_explain(
    text: *const c_char,
    text_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> tollgate_status {
    let checked = (|| {
        util::check_ptr(out_len)?;
        if buf.is_null() {
            return Err(Error::NullPointer);
        }
        // SAFETY: `text` points to `text_len` readable bytes (caller).
        Ok(net::required_size(unsafe { util::text(text, text_len) }?).err())
    })();
    let mut message = util::FixedText::<128>::new();
    let r = checked.and_then(|problem| {
        if let Some(e) = problem {
            use core::fmt::Write as _;
            write!(message, "{e}").map_err(|_| Error::BufferTooSmall)?;
        }
        if message.as_bytes().len() >= buf_len {
            return Err(Error::BufferTooSmall);
        }
        Ok(message.as_bytes())
    });
    status(r, |bytes| {
        // SAFETY: `buf` is non-NULL (checked above) with `buf_len` writable bytes (caller), and
        // `bytes.len() < buf_len` (checked above).
        let out = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), bytes.len() + 1) };
        if let Some((nul, text)) = out.split_last_mut() {
            text.copy_from_slice(bytes);
            *nul = 0;
        }
        // SAFETY: non-NULL (checked above), writable (caller).
        unsafe { *out_len = bytes.len() };
    })
}

/// The built-in Azure Communication Services table (read-only data, never built at run time):
/// media ranges carry [`TOLLGATE_ACS_MEDIA`], callback ranges [`TOLLGATE_ACS_CALLBACK`],
/// ranges in both categories both tags.
#[no_mangle]
pub extern "C" fn tollgate_acs_ipset() -> *const tollgate_ipset {
    &ACS_HANDLE
}

/// Whether ACS traffic from an address (4 or 16 bytes, network order) may reach an appliance on
/// this protocol (IANA number: [`TOLLGATE_PROTOCOL_TCP`] or [`TOLLGATE_PROTOCOL_UDP`]) and port:
/// media ranges on UDP 3478–3481, callback ranges on TCP 443 and 80 and UDP 443. Errors:
/// `unknown_protocol`, `invalid_argument` (port above 65535, address length not 4 or 16),
/// `null_pointer`. `*out_allowed` is written only on success.
///
/// # Safety
/// `addr` points to `addr_len` readable bytes; `out_allowed` is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_acs_allows(
    addr: *const u8,
    addr_len: usize,
    protocol: u32,
    port: u32,
    out_allowed: *mut bool,
) -> tollgate_status {
    let r = (|| {
        util::check_ptr(out_allowed)?;
        // SAFETY: `addr` points to `addr_len` readable bytes (caller).
        let addr = unsafe { util::bytes(addr, addr_len) }?;
        let protocol = Protocol::from_number(protocol)?;
        let port = u16::try_from(port).map_err(|_| Error::InvalidArgument)?;
        let address = if let Ok(b) = <[u8; 4]>::try_from(addr) {
            net::IpNumber::V4(u32::from_be_bytes(b))
        } else if let Ok(b) = <[u8; 16]>::try_from(addr) {
            net::IpNumber::V6(u128::from_be_bytes(b))
        } else {
            return Err(Error::InvalidArgument);
        };
        Ok(net::acs_allows(address, protocol, port))
    })();
    // SAFETY: non-NULL (checked above), writable (caller).
    status(r, |allowed| unsafe { *out_allowed = allowed })
}
