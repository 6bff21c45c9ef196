"""The ctypes binding of libtollgate's C ABI: loading the library and every prototype, in one
place. Private: the public API lives in the other modules of the package.

Objects the C side treats as opaque (key sets, policies, IP and host-name sets) are passed as ``c_void_p`` so
any suitably aligned buffer can be handed over. Every function returning a status returns a
plain ``c_uint32``; :func:`status_name` turns it into the stable error name.
"""
from __future__ import annotations

import ctypes
import os
from typing import Any, Optional, Tuple

_HERE = os.path.dirname(os.path.abspath(__file__))
#: Where the library is loaded from: ``$TOLLGATE_LIB`` when set, else the copy bundled in the
#: package at install time.
LIB_PATH = os.environ.get("TOLLGATE_LIB") or os.path.join(_HERE, "libtollgate.so")

OK = 0

u32 = ctypes.c_uint32
u64 = ctypes.c_uint64
size_t = ctypes.c_size_t
vp = ctypes.c_void_p
cp = ctypes.c_char_p
size_p = ctypes.POINTER(ctypes.c_size_t)
vp_p = ctypes.POINTER(ctypes.c_void_p)


class TollgateStr(ctypes.Structure):
    """``tollgate_str`` as an input: a borrowed (pointer, length) string."""

    _fields_ = [("ptr", ctypes.c_char_p), ("len", ctypes.c_size_t)]


class Str(ctypes.Structure):
    """``tollgate_str`` as an output (a raw pointer: the bytes may contain NUL)."""

    _fields_ = [("ptr", ctypes.c_void_p), ("len", ctypes.c_size_t)]

    def bytes(self) -> Optional[bytes]:
        """The bytes pointed to, or None for a NULL pointer."""
        return None if self.ptr is None else ctypes.string_at(self.ptr, self.len)


SKIP_REASON_SLOTS = 16
JWKS_REPORT_LISTED = 16


class JwksReport(ctypes.Structure):
    """``tollgate_jwks_report``: what a JWKS parse loaded and why it skipped the rest."""

    _fields_ = [
        ("loaded", ctypes.c_uint32),
        ("skipped", ctypes.c_uint32),
        ("skipped_for", ctypes.c_uint32 * SKIP_REASON_SLOTS),
        ("listed_len", ctypes.c_uint32),
        ("listed", (ctypes.c_uint32 * 2) * JWKS_REPORT_LISTED),
    ]


class Claims(ctypes.Structure):
    """``tollgate_claims``: the registered claims of a verified token (pointing into scratch)."""

    _fields_ = [
        ("iss", Str),
        ("aud", Str),
        ("aud_index", ctypes.c_size_t),
        ("sub", Str),
        ("jti", Str),
        ("exp", ctypes.c_uint64),
        ("nbf", ctypes.c_uint64),
        ("iat", ctypes.c_uint64),
        ("has_sub", ctypes.c_bool),
        ("has_jti", ctypes.c_bool),
        ("has_exp", ctypes.c_bool),
        ("has_nbf", ctypes.c_bool),
        ("has_iat", ctypes.c_bool),
        ("json", Str),
    ]


# name: (restype, argtypes)
PROTOTYPES = {
    "tollgate_version": (cp, []),
    "tollgate_status_str": (cp, [u32]),
    "tollgate_bearer_token": (u32, [cp, size_t, vp_p, size_p]),
    "tollgate_apikey_check": (u32, [cp, size_t, cp, size_t, ctypes.POINTER(TollgateStr), size_t]),
    "tollgate_ipset_size": (size_t, []),
    "tollgate_ipset_align": (size_t, []),
    "tollgate_ipset_required_size": (u32, [cp, size_t, size_p]),
    "tollgate_ipset_build": (u32, [vp, size_t, cp, size_t, vp]),
    "tollgate_ipset_load": (u32, [vp, size_t, vp]),
    "tollgate_ipset_image_len": (size_t, [vp]),
    "tollgate_ipset_image": (vp, [vp]),
    "tollgate_ipset_lookup": (u32, [vp, cp, size_t]),
    "tollgate_ipset_lookup_text": (u32, [vp, cp, size_t, ctypes.POINTER(u32)]),
    "tollgate_ipset_explain": (u32, [cp, size_t, vp, size_t, size_p]),
    "tollgate_acs_ipset": (vp, []),
    "tollgate_hostset_size": (size_t, []),
    "tollgate_hostset_align": (size_t, []),
    "tollgate_hostset_required_size": (u32, [cp, size_t, size_p]),
    "tollgate_hostset_build": (u32, [vp, size_t, cp, size_t, vp]),
    "tollgate_hostset_load": (u32, [vp, size_t, vp]),
    "tollgate_hostset_image_len": (size_t, [vp]),
    "tollgate_hostset_image": (vp, [vp]),
    "tollgate_hostset_lookup": (u32, [vp, cp, size_t, ctypes.POINTER(u32)]),
    "tollgate_hostset_explain": (u32, [cp, size_t, vp, size_t, size_p]),
    "tollgate_acs_hostset": (vp, []),
    "tollgate_keyset_size": (size_t, []),
    "tollgate_keyset_parse": (u32, [vp, cp, size_t, ctypes.POINTER(JwksReport)]),
    "tollgate_keyset_len": (size_t, [vp]),
    "tollgate_keyset_kid": (u32, [vp, size_t, vp_p, size_p]),
    "tollgate_jwks_entry_kid": (u32, [cp, size_t, u32, vp, size_t, size_p]),
    "tollgate_skip_reason_str": (cp, [u32]),
    "tollgate_oidc_parse": (u32, [cp, size_t, vp, size_t, size_p, vp, size_t, size_p]),
    "tollgate_policy_size": (size_t, []),
    "tollgate_policy_init": (u32, [vp, cp, size_t, ctypes.POINTER(TollgateStr), size_t]),
    "tollgate_policy_set_leeway": (u32, [vp, u64]),
    "tollgate_policy_set_max_token_len": (u32, [vp, size_t]),
    "tollgate_policy_set_require_exp": (u32, [vp, ctypes.c_bool]),
    "tollgate_policy_set_typ": (u32, [vp, cp, size_t]),
    "tollgate_policy_set_max_age": (u32, [vp, u64]),
    "tollgate_policy_set_max_depth": (u32, [vp, u32]),
    "tollgate_verify_scratch_size": (size_t, [size_t]),
    "tollgate_verify": (u32, [vp, vp, cp, size_t, u64, vp, size_t, ctypes.POINTER(Claims)]),
    "tollgate_claims_get": (u32, [ctypes.POINTER(Claims), cp, size_t, vp_p, size_p]),
    "tollgate_claims_get_str": (u32, [ctypes.POINTER(Claims), cp, size_t, vp, size_t, size_p]),
    "tollgate_claims_get_i64": (u32, [ctypes.POINTER(Claims), cp, size_t,
                                      ctypes.POINTER(ctypes.c_int64)]),
    "tollgate_claims_get_f64": (u32, [ctypes.POINTER(Claims), cp, size_t,
                                      ctypes.POINTER(ctypes.c_double)]),
    "tollgate_claims_get_bool": (u32, [ctypes.POINTER(Claims), cp, size_t,
                                       ctypes.POINTER(ctypes.c_bool)]),
    "tollgate_claims_get_str_count": (u32, [ctypes.POINTER(Claims), cp, size_t, size_p]),
    "tollgate_claims_get_str_at": (u32, [ctypes.POINTER(Claims), cp, size_t, size_t, vp, size_t,
                                         size_p]),
    "tollgate_abi_version": (u32, []),
    "tollgate_claims_size": (size_t, []),
    "tollgate_jwks_report_size": (size_t, []),
}


def load(path: str = LIB_PATH) -> ctypes.CDLL:
    """Open the shared library at ``path`` and declare every prototype on it."""
    lib = ctypes.CDLL(path)
    for name, (restype, argtypes) in PROTOTYPES.items():
        f = getattr(lib, name)
        f.restype = restype
        f.argtypes = argtypes
    return lib


#: The library the package uses, loaded once on import.
lib = load()


def status_name(status: int) -> str:
    """The stable name of a status (``"ok"``, ``"expired"``, ... or ``"unknown_status"``)."""
    name: bytes = lib.tollgate_status_str(status)
    return name.decode("ascii")


def aligned_buffer(size: int, align: int) -> Tuple[ctypes.Array[ctypes.c_char], int]:
    """A zeroed buffer with ``size`` bytes at an address that is a multiple of ``align``: the
    buffer (keep it alive) and that address."""
    raw = ctypes.create_string_buffer(size + align)
    address = ctypes.addressof(raw)
    return raw, address + (-address) % align


def words(size: int) -> ctypes.Array[ctypes.c_uint64]:
    """A zeroed, 8-byte-aligned buffer of at least ``size`` bytes (for ``uint64_t opaque[N]``
    objects such as key sets and policies)."""
    return (ctypes.c_uint64 * ((size + 7) // 8))()
