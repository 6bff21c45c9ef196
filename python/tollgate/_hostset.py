"""``HostSet``: a host-name table with a tag mask per entry (exact names and ``*.`` wildcards;
built from a list, loaded from an image, or the ACS names compiled into the library),
answering host-name lookups."""
from __future__ import annotations

import ctypes

from . import _ffi
from ._convert import Text, to_bytes
from ._errors import TollgateError
from ._table import Table

_lib = _ffi.lib


class HostSet(Table):
    """An immutable table of host names, each with a 32-bit tag mask: ``name`` matches itself,
    ``*.name`` every name at least one label below it (never ``name`` itself). A lookup returns
    the OR of the tags of every matching entry (0: no match), ASCII case-insensitive, one
    trailing dot ignored. Safe to share between threads.

    Lists (:meth:`from_list`) have one ``name [tags]`` or ``*.name [tags]`` per line;
    :meth:`acs` holds the guide's names (``*.lync.com``, ``teams.microsoft.com``, ...), each
    tagged :data:`ACS_CALLBACK`."""

    __slots__ = ()
    _KIND = "hostset"

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
