"""``IpSet``: a CIDR table with a tag mask per prefix (built from a list, loaded from an image,
or the ACS ranges compiled into the library), answering address lookups."""
from __future__ import annotations

import ctypes
import ipaddress
from typing import Union

from . import _ffi
from ._convert import to_bytes
from ._errors import TollgateError
from ._table import Table

_lib = _ffi.lib

#: Tag of the ACS media ranges in :meth:`IpSet.acs`.
ACS_MEDIA = 1
#: Tag of the ACS callback (webhook source) ranges in :meth:`IpSet.acs`.
ACS_CALLBACK = 2

Address = Union[str, bytes, bytearray, ipaddress.IPv4Address, ipaddress.IPv6Address]


class IpSet(Table):
    """An immutable table of IPv4/IPv6 prefixes, each with a 32-bit tag mask; a lookup returns
    the OR of the tags of every prefix containing the address (0: no match). IPv4-mapped IPv6
    addresses match IPv4 prefixes. Safe to share between threads.

    Lists (:meth:`from_list`) have one ``CIDR [tags]`` per line; :meth:`acs` tags the media
    ranges :data:`ACS_MEDIA` and the callback ranges :data:`ACS_CALLBACK`."""

    __slots__ = ()
    _KIND = "ipset"

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
