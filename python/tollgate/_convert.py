"""Conversions of Python arguments into what the C ABI takes (bytes, bounded integers), with
the package's rules: ``str`` is encoded as UTF-8 (lone surrogates pass through as the invalid
bytes they are, for tollgate to reject by name), other types raise ``TypeError``."""
from typing import Union

from ._errors import TollgateError

BytesLike = Union[bytes, bytearray, memoryview]
Text = Union[str, bytes, bytearray, memoryview]


def to_bytes(value: Text, what: str) -> bytes:
    """``value`` as bytes: UTF-8 for ``str``; ``TypeError`` for anything not text or bytes."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")


def to_uint(value: int, bits: int, what: str) -> int:
    """``value`` checked to be an ``int`` in ``0 .. 2**bits - 1``; outside it the stable
    ``invalid_argument`` (rather than ctypes' silent wrap-around)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if not 0 <= value < (1 << bits):
        raise TollgateError("invalid_argument", f"{what} out of range: {value}")
    return value
