//! The C ABI of host-name tables (`tollgate_hostset_*`) and the built-in ACS host names
//! (`tollgate_acs_hostset`). A `tollgate_hostset` is a small caller-placed handle holding the
//! image pointer and the geometry validated when the table was built or loaded, like
//! `tollgate_ipset`: lookups never re-read the image header.

use crate::status::tollgate_status;
use crate::util;
use core::ffi::{c_char, c_void};
use core::ptr::{addr_of, addr_of_mut};
use tollgate_core::host::{self, HostSet, HostSetGeometry};
use tollgate_core::Error;

/// Size in bytes of a `tollgate_hostset` (also `tollgate_hostset_size()`).
pub const TOLLGATE_HOSTSET_SIZE: usize = 64;
/// The alignment, in bytes, that host-name build storage and loaded images need.
pub const TOLLGATE_HOSTSET_ALIGN: usize = 8;

/// A built or loaded host-name table: a handle placed by the caller (8-byte aligned, which the
/// `uint64_t` array gives) that `tollgate_hostset_build` or `tollgate_hostset_load` fills.
/// Opaque: never read or write its bytes. Valid as long as the image memory it refers to;
/// lookups read only the bytes validated at load (an image rewritten later answers wrongly
/// until reloaded, never out of bounds). Immutable once filled, safe to share between threads,
/// copyable with `memcpy`.
#[repr(C)]
pub struct tollgate_hostset {
    /// Opaque storage; do not touch.
    pub opaque: [u64; 8],
}

/// Marks a handle filled by a successful build or load ("tghost01").
const MAGIC: u64 = u64::from_le_bytes(*b"tghost01");
/// Marks the built-in ACS handle ("tghsacs1").
const ACS_MAGIC: u64 = u64::from_le_bytes(*b"tghsacs1");

/// What `tollgate_hostset` really holds.
#[repr(C)]
struct HostsetHandle {
    magic: u64,
    image: *const u8,
    image_len: usize,
    geometry: HostSetGeometry,
}

const _: () = assert!(core::mem::size_of::<tollgate_hostset>() == TOLLGATE_HOSTSET_SIZE);
const _: () = assert!(core::mem::size_of::<HostsetHandle>() <= TOLLGATE_HOSTSET_SIZE);
const _: () = assert!(core::mem::align_of::<HostsetHandle>() <= 8);
const _: () = assert!(TOLLGATE_HOSTSET_ALIGN == host::HOST_IMAGE_ALIGN);

/// The handle `tollgate_acs_hostset` returns.
static ACS_HANDLE: tollgate_hostset = {
    let mut opaque = [0u64; 8];
    opaque[0] = ACS_MAGIC;
    tollgate_hostset { opaque }
};

/// An out-pointer: `null_pointer` when NULL, `misaligned` when not aligned for `T`.
fn check_out<T>(ptr: *const T) -> Result<(), Error> {
    if ptr.is_null() {
        Err(Error::NullPointer)
    } else if !ptr.is_aligned() {
        Err(Error::Misaligned)
    } else {
        Ok(())
    }
}

fn status<T>(r: Result<T, Error>, write: impl FnOnce(T)) -> tollgate_status {
    match r {
        Ok(v) => {
            write(v);
            tollgate_status::Ok
        }
        Err(e) => e.into(),
    }
}

/// Fill a handle for a validated table (magic last).
///
/// # Safety
/// `out` is non-NULL, aligned and writable.
unsafe fn fill(out: *mut tollgate_hostset, set: HostSet<'_>) {
    let h = out.cast::<HostsetHandle>();
    // SAFETY: the caller guarantees `out` is a writable, aligned `tollgate_hostset`, at least
    // as large as `HostsetHandle` (asserted above).
    unsafe {
        addr_of_mut!((*h).magic).write(0);
        addr_of_mut!((*h).image).write(set.image().as_ptr());
        addr_of_mut!((*h).image_len).write(set.image().len());
        addr_of_mut!((*h).geometry).write(set.geometry());
        addr_of_mut!((*h).magic).write(MAGIC);
    }
}

/// The table a handle designates: `null_pointer`, `misaligned`, or `image_corrupt` for a
/// handle no build or load filled.
///
/// # Safety
/// `set` is NULL or points to a readable `tollgate_hostset` whose image is still alive.
unsafe fn view<'a>(set: *const tollgate_hostset) -> Result<HostSet<'a>, Error> {
    if set.is_null() {
        return Err(Error::NullPointer);
    }
    if !set.is_aligned() {
        return Err(Error::Misaligned);
    }
    let h = set.cast::<HostsetHandle>();
    // SAFETY: `set` is non-NULL, aligned and readable (caller); any u64 is a valid value.
    let magic = unsafe { addr_of!((*h).magic).read() };
    if magic == ACS_MAGIC {
        return Ok(host::acs_hostset());
    }
    if magic != MAGIC {
        return Err(Error::ImageCorrupt);
    }
    // SAFETY: a handle with MAGIC was filled by `fill` from a validated table: `image` points
    // to `image_len` bytes that stay alive while the handle is used (caller's contract).
    let (image, geometry) = unsafe {
        let image = addr_of!((*h).image).read();
        let len = addr_of!((*h).image_len).read();
        (
            core::slice::from_raw_parts(image, len),
            addr_of!((*h).geometry).read(),
        )
    };
    Ok(HostSet::from_geometry(image, &geometry))
}

/// Size in bytes of `tollgate_hostset` (`TOLLGATE_HOSTSET_SIZE`), for callers that cannot
/// read macros (ctypes, dlopen).
#[no_mangle]
pub extern "C" fn tollgate_hostset_size() -> usize {
    TOLLGATE_HOSTSET_SIZE
}

/// The alignment host-name build storage and images need: [`TOLLGATE_HOSTSET_ALIGN`].
#[no_mangle]
pub extern "C" fn tollgate_hostset_align() -> usize {
    TOLLGATE_HOSTSET_ALIGN
}

/// Check a host-name list and write the bytes of storage [`tollgate_hostset_build`] needs.
///
/// The list: one name per line, `*.` before a name for a wildcard (matches every name at least
/// one label deeper, never the name itself), optionally followed by whitespace and a decimal
/// tag mask (default 1); `#` starts a comment; blank lines and CRLF are fine. Errors:
/// `invalid_host_name`, `invalid_list_line` (bad tag mask), `too_many_host_names`,
/// `invalid_text`, `null_pointer` ([`tollgate_hostset_explain`] says which line).
///
/// # Safety
/// `text` points to `text_len` readable bytes (NULL only with 0); `out_size` is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_hostset_required_size(
    text: *const c_char,
    text_len: usize,
    out_size: *mut usize,
) -> tollgate_status {
    let r = (|| {
        check_out(out_size)?;
        // SAFETY: (caller) `text` points to `text_len` readable bytes or is NULL with 0.
        let text = unsafe { util::text(text, text_len) }?;
        host::host_required_size(text).map_err(Error::from)
    })();
    // SAFETY: `out_size` was checked non-NULL and aligned; the caller guarantees writable.
    status(r, |size| unsafe { *out_size = size })
}

/// Build a host-name table from a list into caller storage and fill the handle `*out`.
///
/// `storage` must be aligned to [`TOLLGATE_HOSTSET_ALIGN`] (8) bytes and at least the size
/// [`tollgate_hostset_required_size`] reported; the table is its first
/// [`tollgate_hostset_image_len`] bytes, a relocatable image (write it to a file, load it with
/// [`tollgate_hostset_load`]). Nothing is allocated. Errors: those of
/// [`tollgate_hostset_required_size`], `buffer_too_small`, `misaligned`, `null_pointer`.
/// `*out` is written only on success.
///
/// # Safety
/// `storage` points to `storage_len` writable bytes not used for anything else while the set
/// lives; `text` to `text_len` readable bytes (NULL only with 0); `out` to a writable
/// `tollgate_hostset` no other thread is using.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_hostset_build(
    storage: *mut c_void,
    storage_len: usize,
    text: *const c_char,
    text_len: usize,
    out: *mut tollgate_hostset,
) -> tollgate_status {
    let r = (|| {
        check_out(out)?;
        if storage.is_null() {
            return Err(Error::NullPointer);
        }
        // SAFETY: (caller) readable text, writable storage not aliased while the set lives.
        let (text, storage) = unsafe {
            (
                util::text(text, text_len)?,
                util::bytes_mut(storage.cast(), storage_len)?,
            )
        };
        host::build_hostset(storage, text).map_err(Error::from)
    })();
    // SAFETY: `out` was checked non-NULL and aligned; the caller guarantees it is writable.
    status(r, |set| unsafe { fill(out, set) })
}

/// Validate a host-name table image completely (alignment, magic, version, length, checksum,
/// every slot and name) and fill the handle `*out`. Errors: `image_truncated`,
/// `image_bad_magic`, `image_unsupported_version`, `image_bad_checksum`, `image_corrupt`,
/// `misaligned`, `null_pointer`. `image_len` may exceed the image. `*out` is written only on
/// success and stays valid while the image memory does.
///
/// # Safety
/// `image` points to `image_len` readable bytes that stay mapped while the set is used; `out`
/// to a writable `tollgate_hostset` no other thread is using.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_hostset_load(
    image: *const c_void,
    image_len: usize,
    out: *mut tollgate_hostset,
) -> tollgate_status {
    let r = (|| {
        check_out(out)?;
        if image.is_null() {
            return Err(Error::NullPointer);
        }
        // SAFETY: (caller) `image` points to `image_len` readable bytes.
        HostSet::load(unsafe { util::bytes(image.cast(), image_len) }?)
    })();
    // SAFETY: `out` was checked non-NULL and aligned; the caller guarantees it is writable.
    status(r, |set| unsafe { fill(out, set) })
}

/// The length in bytes of the set's image; 0 for NULL or a handle never filled.
///
/// # Safety
/// `set` is NULL or a live set from this library.
#[no_mangle]
pub unsafe extern "C" fn tollgate_hostset_image_len(set: *const tollgate_hostset) -> usize {
    // SAFETY: as the caller guarantees.
    unsafe { view(set) }.map_or(0, |s| s.image().len())
}

/// The first byte of the set's image; NULL for NULL or a handle never filled.
///
/// # Safety
/// `set` is NULL or a live set from this library.
#[no_mangle]
pub unsafe extern "C" fn tollgate_hostset_image(set: *const tollgate_hostset) -> *const c_void {
    // SAFETY: as the caller guarantees.
    unsafe { view(set) }.map_or(core::ptr::null(), |s| s.image().as_ptr().cast())
}

/// Look up a host name (`name`/`name_len`, not NUL-terminated) and write its tag mask to
/// `*out_tags`: the OR of the tags of every entry matching it (0 when none). ASCII
/// case-insensitive; one trailing dot is ignored. Errors: `invalid_host_name` (not a valid
/// host name: empty labels, `*`, a port, spaces, labels over 63 bytes, over 253 in all, ...),
/// `null_pointer`, `misaligned`, `image_corrupt` (a handle never filled). `*out_tags` is
/// written only on success.
///
/// # Safety
/// `set` is a live set; `name` points to `name_len` readable bytes; `out_tags` is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_hostset_lookup(
    set: *const tollgate_hostset,
    name: *const c_char,
    name_len: usize,
    out_tags: *mut u32,
) -> tollgate_status {
    let r = (|| {
        check_out(out_tags)?;
        // SAFETY: (caller) a live set, and `name_len` readable bytes at `name`.
        let (s, name) = unsafe { (view(set)?, util::bytes(name.cast(), name_len)?) };
        s.lookup_bytes(name)
    })();
    // SAFETY: `out_tags` was checked non-NULL and aligned; the caller guarantees writable.
    status(r, |tags| unsafe { *out_tags = tags })
}

/// Describe what is wrong with a host-name list, e.g. `line 3: invalid_host_name`, as
/// NUL-terminated text in `buf` (empty when the list is valid) and its length without the NUL
/// in `*out_len`. Errors: `buffer_too_small` (nothing written), `invalid_text`,
/// `null_pointer`. 64 bytes always suffice.
///
/// # Safety
/// `text` points to `text_len` readable bytes; `buf` to `buf_len` writable bytes; `out_len`
/// is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn tollgate_hostset_explain(
    text: *const c_char,
    text_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> tollgate_status {
    let checked = (|| {
        check_out(out_len)?;
        if buf.is_null() {
            return Err(Error::NullPointer);
        }
        // SAFETY: (caller) `text` points to `text_len` readable bytes.
        let text = unsafe { util::text(text, text_len) }?;
        Ok(host::host_required_size(text).err())
    })();
    let mut message = util::FixedText::<64>::new();
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
        // SAFETY: `buf` is non-NULL with `buf_len > bytes.len()` writable bytes (caller and
        // the check above); `out_len` is non-NULL and writable.
        unsafe {
            let out = core::slice::from_raw_parts_mut(buf.cast::<u8>(), bytes.len() + 1);
            if let Some((nul, text)) = out.split_last_mut() {
                text.copy_from_slice(bytes);
                *nul = 0;
            }
            *out_len = bytes.len();
        }
    })
}

/// The built-in ACS host names from the guide (read-only data): `*.lync.com`,
/// `*.teams.cloud.microsoft`, `*.teams.microsoft.com`, `teams.cloud.microsoft`,
/// `teams.microsoft.com`, each with [`TOLLGATE_ACS_CALLBACK`](crate::TOLLGATE_ACS_CALLBACK)
/// (the same tag bits as `tollgate_acs_ipset`; the guide names no media host names).
#[no_mangle]
pub extern "C" fn tollgate_acs_hostset() -> *const tollgate_hostset {
    &ACS_HANDLE
}
