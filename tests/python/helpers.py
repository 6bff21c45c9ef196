"""Shared by the Python tests: the repository root, the fixtures, and the package's private
ctypes binding (``tollgate._ffi``: the library bundled in the installed package, or
``$TOLLGATE_LIB``) for the tests that drive the C ABI directly."""
import json
import os

from tollgate import _ffi
from tollgate._ffi import TollgateStr  # noqa: F401  (re-exported for the C ABI tests)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PYJWT = os.path.join(ROOT, "tests", "fixtures", "pyjwt")


def load():
    """The loaded library with every prototype declared (by ``tollgate._ffi``)."""
    return _ffi.lib


def read(path):
    """The bytes of the file at ``path``."""
    with open(path, "rb") as f:
        return f.read()


def manifest():
    """The PyJWT fixture manifest (tests/fixtures/pyjwt/manifest.json)."""
    with open(os.path.join(PYJWT, "manifest.json")) as f:
        return json.load(f)
