"""Loads target/release/libtollgate.so through ctypes, as Python users of the C ABI do."""
import ctypes
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LIB_PATH = os.environ.get("TOLLGATE_LIB", os.path.join(ROOT, "target", "release", "libtollgate.so"))


class TollgateStr(ctypes.Structure):
    """`tollgate_str`: a borrowed (pointer, length) string."""

    _fields_ = [("ptr", ctypes.c_char_p), ("len", ctypes.c_size_t)]


def load():
    lib = ctypes.CDLL(LIB_PATH)
    lib.tollgate_version.restype = ctypes.c_char_p
    lib.tollgate_version.argtypes = []
    lib.tollgate_status_str.restype = ctypes.c_char_p
    lib.tollgate_status_str.argtypes = [ctypes.c_uint32]
    return lib
