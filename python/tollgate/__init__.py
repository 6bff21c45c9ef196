"""tollgate for Python: RS256 JWT verification against a JWKS, CIDR and host-name tables,
Bearer and API key checks — the tollgate C library (bundled as ``libtollgate.so``) through
ctypes — plus a JWKS cache and WSGI/ASGI middleware that guard webhook routes.

>>> import tollgate
>>> keys = tollgate.KeySet.from_jwks(jwks_document)
>>> policy = tollgate.Policy(issuer=ISS, audiences=[AUD], leeway=60)
>>> claims = tollgate.verify(keys, policy, token)   # dict, or raises tollgate.TokenError

Every failure is a :class:`TollgateError` whose ``name`` is tollgate's stable error name.
"""
from . import _ffi
from ._cache import JwksCache
from ._errors import ApiKeyError, TokenError, TollgateError
from ._guard import CLAIMS_KEY, Denied, Guard
from ._hostset import HostSet
from ._http import bearer_token, check_api_key
from ._ipset import ACS_CALLBACK, ACS_MEDIA, IpSet
from ._jwt import DEFAULT_MAX_TOKEN_LEN, JwksReport, KeySet, Policy, verify

#: The version of the loaded library (equal to the package's).
__version__: str = _ffi.lib.tollgate_version().decode("ascii")

__all__ = [
    "ACS_CALLBACK", "ACS_MEDIA", "CLAIMS_KEY", "DEFAULT_MAX_TOKEN_LEN", "ApiKeyError", "Denied",
    "Guard", "HostSet", "IpSet", "JwksCache", "JwksReport", "KeySet", "Policy", "TokenError",
    "TollgateError",
    "bearer_token", "check_api_key", "verify", "__version__",
]
