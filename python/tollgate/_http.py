"""Request helpers: the token in an ``Authorization: Bearer`` header, and the query-parameter
API key check (constant time, several keys during a rotation)."""
import ctypes
from typing import Iterable

from . import _ffi
from ._convert import Text, to_bytes
from ._errors import ApiKeyError, TokenError

_lib = _ffi.lib


def bearer_token(header_value: Text) -> str:
    """The token of an ``Authorization`` header value ``Bearer <token68>`` (scheme in any case,
    surrounding blanks ignored). Raises :class:`TokenError` (``invalid_authorization``) for
    anything else."""
    value = to_bytes(header_value, "header_value")
    ptr, n = ctypes.c_void_p(), ctypes.c_size_t()
    status = _lib.tollgate_bearer_token(value, len(value), ctypes.byref(ptr), ctypes.byref(n))
    if status != _ffi.OK:
        raise TokenError(_ffi.status_name(status))
    # Success always sets the pointer (into `value`); token68 is ASCII, checked by tollgate.
    return ctypes.string_at(ptr.value or 0, n.value).decode("ascii")


def check_api_key(uri: Text, keys: Iterable[Text], param: Text = "token") -> None:
    """Check that query parameter ``param`` of request target ``uri`` (``/path?a=b`` or an
    absolute URI) appears exactly once and, percent-decoded, equals one of ``keys``. Every key
    is compared, in constant time. Returns None when it does; raises :class:`ApiKeyError`
    (``key_mismatch``, ``missing_parameter``, ``duplicate_parameter``, ``invalid_uri``,
    ``invalid_argument`` for no keys or an empty one)."""
    if isinstance(keys, (str, bytes)):
        raise TypeError("keys must be a list of keys, not a single key")
    u = to_bytes(uri, "uri")
    p = to_bytes(param, "param")
    ks = [to_bytes(k, "key") for k in keys]
    arr = (_ffi.TollgateStr * len(ks))(*[_ffi.TollgateStr(k, len(k)) for k in ks])
    status = _lib.tollgate_apikey_check(u, len(u), p, len(p), arr, len(ks))
    if status != _ffi.OK:
        raise ApiKeyError(_ffi.status_name(status))
