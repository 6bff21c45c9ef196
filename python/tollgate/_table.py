"""What :class:`~tollgate.IpSet` and :class:`~tollgate.HostSet` share: a table image in aligned
memory and the C handle that reads it (built from a list, loaded from an image, or the ACS
table compiled into the library). Each subclass names its C functions by ``_KIND``."""
from __future__ import annotations

import ctypes
from typing import Any, ClassVar, Optional, Tuple, Type, TypeVar, Union

from . import _ffi
from ._convert import Text, to_bytes
from ._errors import TollgateError

_lib = _ffi.lib
_EXPLAIN_LEN = 128  # the C ABI promises 128 bytes always suffice (64 for host names)

T = TypeVar("T", bound="Table")


class Table:
    """An immutable table behind a ``tollgate_<kind>`` handle. Safe to share between threads."""

    __slots__ = ("_keep", "_ptr")
    #: ``"ipset"`` or ``"hostset"``: the C functions are ``tollgate_<kind>_build``, ...
    _KIND: ClassVar[str]
    # The image memory and the handle referring to it, kept alive together (None for the
    # library's static ACS table); ``_ptr`` is the handle's address.
    _keep: Optional[Tuple[Any, ctypes.Array[ctypes.c_uint64]]]
    _ptr: int

    def __init__(self) -> None:
        name = type(self).__name__
        raise TypeError(f"use {name}.from_list(text), {name}.load(image) or {name}.acs()")

    @classmethod
    def _c(cls, name: str) -> Any:
        """The C function ``tollgate_<kind>_<name>``."""
        return getattr(_lib, f"tollgate_{cls._KIND}_{name}")

    @classmethod
    def _wrap(cls: Type[T], keep: Optional[Tuple[Any, ctypes.Array[ctypes.c_uint64]]],
              ptr: Optional[int]) -> T:
        if ptr is None:
            raise TollgateError("null_pointer", "the library returned no table")
        self = object.__new__(cls)
        self._keep = keep
        self._ptr = ptr
        return self

    @classmethod
    def _filled(cls: Type[T], storage: Any, handle: ctypes.Array[ctypes.c_uint64]) -> T:
        """Wrap a handle a build or load filled, keeping it and the image memory alive."""
        return cls._wrap((storage, handle), ctypes.addressof(handle))

    @classmethod
    def _new_handle(cls) -> ctypes.Array[ctypes.c_uint64]:
        return _ffi.words(cls._c("size")())

    @classmethod
    def _explain(cls, data: bytes) -> str:
        """``tollgate_<kind>_explain``'s account of a bad list (e.g. ``line 3:
        host_bits_set: did you mean 10.0.0.0/8?``), or "" when it cannot say."""
        buf = ctypes.create_string_buffer(_EXPLAIN_LEN)
        written = ctypes.c_size_t(0)
        status = cls._c("explain")(data, len(data), buf, len(buf), ctypes.byref(written))
        if status != _ffi.OK:
            return ""
        return buf.raw[: written.value].decode("utf-8", "replace")

    @classmethod
    def from_list(cls: Type[T], text: Text) -> T:
        """Build from a list (the line format is the class's), ``#`` comments and blank lines
        allowed, tags a decimal mask (default 1). Raises :class:`TollgateError` (for example
        ``invalid_address``, ``host_bits_set``, ``invalid_host_name``,
        ``invalid_list_line``) whose message names the line."""
        data = to_bytes(text, "text")
        size = ctypes.c_size_t(0)
        status = cls._c("required_size")(data, len(data), ctypes.byref(size))
        if status != _ffi.OK:
            raise TollgateError(_ffi.status_name(status), cls._explain(data))
        keep, address = _ffi.aligned_buffer(size.value, cls._c("align")())
        handle = cls._new_handle()
        status = cls._c("build")(address, size.value, data, len(data), handle)
        if status != _ffi.OK:
            raise TollgateError(_ffi.status_name(status))
        return cls._filled(keep, handle)

    @classmethod
    def load(cls: Type[T], image: Union[bytes, bytearray, memoryview]) -> T:
        """Load a table image (from :attr:`image`, ``tollgate compile-ipset`` or
        ``compile-hostset``), validated completely first: raises :class:`TollgateError`
        (``image_truncated``, ``image_bad_checksum``, ``image_corrupt``, ...) for a bad one."""
        if not isinstance(image, (bytes, bytearray, memoryview)):
            raise TypeError(f"image must be bytes, not {type(image).__name__}")
        data = bytes(image)
        keep, address = _ffi.aligned_buffer(len(data), cls._c("align")())
        ctypes.memmove(address, data, len(data))
        handle = cls._new_handle()
        status = cls._c("load")(address, len(data), handle)
        if status != _ffi.OK:
            raise TollgateError(_ffi.status_name(status))
        return cls._filled(keep, handle)

    @classmethod
    def acs(cls: Type[T]) -> T:
        """The Azure Communication Services table compiled into the library."""
        return cls._wrap(None, getattr(_lib, f"tollgate_acs_{cls._KIND}")())

    @property
    def image(self) -> bytes:
        """The table's image: bytes :meth:`load` accepts (e.g. to cache a compiled list)."""
        start = self._c("image")(self._ptr)
        if start is None:
            raise TollgateError("null_pointer", "the set has no image")
        return ctypes.string_at(start, self._c("image_len")(self._ptr))

    def __repr__(self) -> str:
        return f"<tollgate.{type(self).__name__} {len(self.image)} bytes>"
