"""``IpSet``: a CIDR table with a tag mask per prefix (built from a list, loaded from an image,
or the ACS ranges compiled into the library), answering address lookups."""
from __future__ import annotations

import ctypes
import ipaddress
from typing import Any, Optional, Tuple, Union

from . import _ffi
from ._convert import Text, to_bytes
from ._errors import TollgateError

_lib = _ffi.lib
_ALIGN = _lib.tollgate_ipset_align()
_HANDLE_SIZE = _lib.tollgate_ipset_size()

#: Tag of the ACS media ranges in :meth:`IpSet.acs`.
ACS_MEDIA = 1
#: Tag of the ACS callback (webhook source) ranges in :meth:`IpSet.acs`.
ACS_CALLBACK = 2

Address = Union[str, bytes, bytearray, ipaddress.IPv4Address, ipaddress.IPv6Address]


class IpSet:
    """An immutable table of IPv4/IPv6 prefixes, each with a 32-bit tag mask; a lookup returns
    the OR of the tags of every prefix containing the address (0: no match). IPv4-mapped IPv6
    addresses match IPv4 prefixes. Safe to share between threads."""

    __slots__ = ("_keep", "_ptr")
    # The image memory and the ``tollgate_ipset`` handle referring to it, kept alive together
    # (None for the library's static ACS table); ``_ptr`` is the handle's address.
    _keep: Optional[Tuple[Any, ctypes.Array[ctypes.c_uint64]]]
    _ptr: int

    def __init__(self) -> None:
        raise TypeError("use IpSet.from_list(text), IpSet.load(image) or IpSet.acs()")

    @classmethod
    def _wrap(cls, keep: Optional[Tuple[Any, ctypes.Array[ctypes.c_uint64]]],
              ptr: Optional[int]) -> IpSet:
        if ptr is None:
            raise TollgateError("null_pointer", "the library returned no table")
        self = object.__new__(cls)
        self._keep = keep
        self._ptr = ptr
        return self

    @classmethod
    def _filled(cls, storage: Any, handle: ctypes.Array[ctypes.c_uint64]) -> IpSet:
        """Wrap a handle a build or load filled, keeping it and the image memory alive."""
        return cls._wrap((storage, handle), ctypes.addressof(handle))

    @classmethod
    def from_list(cls, text: Text) -> "IpSet":
        """Build from a list: one ``CIDR [tags]`` per line (tags a decimal mask, default 1),
        ``#`` comments and blank lines allowed. Raises :class:`TollgateError`
        (``invalid_address``, ``host_bits_set``, ``invalid_list_line``, ...)."""
        data = to_bytes(text, "text")
        size = ctypes.c_size_t(0)
        status = _lib.tollgate_ipset_required_size(data, len(data), ctypes.byref(size))
        if status != _ffi.OK:
            raise TollgateError(_ffi.status_name(status))
        keep, address = _ffi.aligned_buffer(size.value, _ALIGN)
        handle = _ffi.words(_HANDLE_SIZE)
        status = _lib.tollgate_ipset_build(address, size.value, data, len(data), handle)
        if status != _ffi.OK:
            raise TollgateError(_ffi.status_name(status))
        return cls._filled(keep, handle)

    @classmethod
    def load(cls, image: Union[bytes, bytearray, memoryview]) -> "IpSet":
        """Load a table image (from :attr:`image` or ``tollgate ipset compile``), validated
        first: raises :class:`TollgateError` (``image_truncated``, ``image_bad_checksum``,
        ...) for a bad one."""
        if not isinstance(image, (bytes, bytearray, memoryview)):
            raise TypeError(f"image must be bytes, not {type(image).__name__}")
        data = bytes(image)
        keep, address = _ffi.aligned_buffer(len(data), _ALIGN)
        ctypes.memmove(address, data, len(data))
        handle = _ffi.words(_HANDLE_SIZE)
        status = _lib.tollgate_ipset_load(address, len(data), handle)
        if status != _ffi.OK:
            raise TollgateError(_ffi.status_name(status))
        return cls._filled(keep, handle)

    @classmethod
    def acs(cls) -> "IpSet":
        """The Azure Communication Services ranges compiled into the library, tagged
        :data:`ACS_MEDIA` and :data:`ACS_CALLBACK`."""
        return cls._wrap(None, _lib.tollgate_acs_ipset())

    @property
    def image(self) -> bytes:
        """The table's image: bytes :meth:`load` accepts (e.g. to cache a compiled list)."""
        start = _lib.tollgate_ipset_image(self._ptr)
        if start is None:
            raise TollgateError("null_pointer", "the set has no image")
        return ctypes.string_at(start, _lib.tollgate_ipset_image_len(self._ptr))

    def lookup(self, address: Address) -> int:
        """The tag mask of ``address`` (0: in no prefix). ``address`` is text in strict form
        (``"52.112.0.1"``, ``"2603:1027::1"``; no leading zeros, no zone), packed bytes (4 or
        16), or an :mod:`ipaddress` address. Raises :class:`TollgateError`
        (``invalid_address``) for anything else that is text or bytes."""
        if isinstance(address, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
            address = address.packed
        if isinstance(address, (bytes, bytearray)):
            packed = bytes(address)
            if len(packed) not in (4, 16):
                raise TollgateError("invalid_address", "packed addresses are 4 or 16 bytes")
            found: int = _lib.tollgate_ipset_lookup(self._ptr, packed, len(packed))
            return found
        data = to_bytes(address, "address")
        tags = ctypes.c_uint32(0)
        status = _lib.tollgate_ipset_lookup_text(self._ptr, data, len(data), ctypes.byref(tags))
        if status != _ffi.OK:
            raise TollgateError(_ffi.status_name(status))
        return tags.value

    def __repr__(self) -> str:
        return f"<tollgate.IpSet {len(self.image)} bytes>"
