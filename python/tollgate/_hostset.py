"""``HostSet``: a host-name table with a tag mask per entry (exact names and ``*.`` wildcards;
built from a list, loaded from an image, or the ACS names compiled into the library),
answering host-name lookups."""
from __future__ import annotations

import ctypes
from typing import Any, Optional, Tuple, Union

from . import _ffi
from ._convert import Text, to_bytes
from ._errors import TollgateError

_lib = _ffi.lib
_ALIGN = _lib.tollgate_hostset_align()
_HANDLE_SIZE = _lib.tollgate_hostset_size()
_EXPLAIN_LEN = 64  # the C ABI promises 64 bytes always suffice


def _explain(data: bytes) -> str:
    """``tollgate_hostset_explain``'s account of a bad list (e.g. ``line 3: invalid_host_name``),
    or "" when it cannot say."""
    buf = ctypes.create_string_buffer(_EXPLAIN_LEN)
    written = ctypes.c_size_t(0)
    status = _lib.tollgate_hostset_explain(data, len(data), buf, len(buf), ctypes.byref(written))
    if status != _ffi.OK:
        return ""
    return buf.raw[: written.value].decode("utf-8", "replace")


class HostSet:
    """An immutable table of host names, each with a 32-bit tag mask: ``name`` matches itself,
    ``*.name`` every name at least one label below it (never ``name`` itself). A lookup returns
    the OR of the tags of every matching entry (0: no match), ASCII case-insensitive, one
    trailing dot ignored. Safe to share between threads."""

    __slots__ = ("_keep", "_ptr")
    # The image memory and the ``tollgate_hostset`` handle referring to it, kept alive together
    # (None for the library's static ACS table); ``_ptr`` is the handle's address.
    _keep: Optional[Tuple[Any, ctypes.Array[ctypes.c_uint64]]]
    _ptr: int

    def __init__(self) -> None:
        raise TypeError("use HostSet.from_list(text), HostSet.load(image) or HostSet.acs()")

    @classmethod
    def _wrap(cls, keep: Optional[Tuple[Any, ctypes.Array[ctypes.c_uint64]]],
              ptr: Optional[int]) -> HostSet:
        if ptr is None:
            raise TollgateError("null_pointer", "the library returned no table")
        self = object.__new__(cls)
        self._keep = keep
        self._ptr = ptr
        return self

    @classmethod
    def _filled(cls, storage: Any, handle: ctypes.Array[ctypes.c_uint64]) -> HostSet:
        """Wrap a handle a build or load filled, keeping it and the image memory alive."""
        return cls._wrap((storage, handle), ctypes.addressof(handle))

    @classmethod
    def from_list(cls, text: Text) -> "HostSet":
        """Build from a list: one ``name [tags]`` or ``*.name [tags]`` per line (tags a decimal
        mask, default 1), ``#`` comments and blank lines allowed. Raises
        :class:`TollgateError` (``invalid_host_name``, ``invalid_list_line``,
        ``too_many_host_names``, ...) whose message names the line."""
        data = to_bytes(text, "text")
        size = ctypes.c_size_t(0)
        status = _lib.tollgate_hostset_required_size(data, len(data), ctypes.byref(size))
        if status != _ffi.OK:
            raise TollgateError(_ffi.status_name(status), _explain(data))
        keep, address = _ffi.aligned_buffer(size.value, _ALIGN)
        handle = _ffi.words(_HANDLE_SIZE)
        status = _lib.tollgate_hostset_build(address, size.value, data, len(data), handle)
        if status != _ffi.OK:
            raise TollgateError(_ffi.status_name(status))
        return cls._filled(keep, handle)

    @classmethod
    def load(cls, image: Union[bytes, bytearray, memoryview]) -> "HostSet":
        """Load a table image (from :attr:`image` or ``tollgate compile-hostset``), validated
        completely first: raises :class:`TollgateError` (``image_truncated``,
        ``image_bad_checksum``, ``image_corrupt``, ...) for a bad one."""
        if not isinstance(image, (bytes, bytearray, memoryview)):
            raise TypeError(f"image must be bytes, not {type(image).__name__}")
        data = bytes(image)
        keep, address = _ffi.aligned_buffer(len(data), _ALIGN)
        ctypes.memmove(address, data, len(data))
        handle = _ffi.words(_HANDLE_SIZE)
        status = _lib.tollgate_hostset_load(address, len(data), handle)
        if status != _ffi.OK:
            raise TollgateError(_ffi.status_name(status))
        return cls._filled(keep, handle)

    @classmethod
    def acs(cls) -> "HostSet":
        """The Azure Communication Services host names compiled into the library
        (``*.lync.com``, ``teams.microsoft.com``, ...), each tagged :data:`ACS_CALLBACK`."""
        return cls._wrap(None, _lib.tollgate_acs_hostset())

    @property
    def image(self) -> bytes:
        """The table's image: bytes :meth:`load` accepts (e.g. to cache a compiled list)."""
        start = _lib.tollgate_hostset_image(self._ptr)
        if start is None:
            raise TollgateError("null_pointer", "the set has no image")
        return ctypes.string_at(start, _lib.tollgate_hostset_image_len(self._ptr))

    def lookup(self, name: Text) -> int:
        """The tag mask of host name ``name`` (0: no entry matches). Raises
        :class:`TollgateError` (``invalid_host_name``) for anything that is not a host name:
        empty labels, ``*``, a port, spaces, over-long labels or names, non-ASCII text."""
        data = to_bytes(name, "name")
        tags = ctypes.c_uint32(0)
        status = _lib.tollgate_hostset_lookup(self._ptr, data, len(data), ctypes.byref(tags))
        if status != _ffi.OK:
            raise TollgateError(_ffi.status_name(status))
        return tags.value

    def __repr__(self) -> str:
        return f"<tollgate.HostSet {len(self.image)} bytes>"
