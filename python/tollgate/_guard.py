"""``Guard``: the framework-neutral decision the WSGI and ASGI middleware apply to a request —
source address, then query API key, then Bearer JWT — as an allow (with the verified claims)
or a deny (status, headers, body)."""
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from ._cache import JwksCache
from ._convert import Text, to_bytes
from ._errors import ApiKeyError, TokenError, TollgateError
from ._http import bearer_token, check_api_key
from ._ipset import IpSet
from ._jwt import KeySet, Policy, verify

#: The WSGI environ key and ASGI scope key under which the verified claims are handed on.
CLAIMS_KEY = "tollgate.claims"

Headers = List[Tuple[str, str]]


class Denied:
    """A refusal: HTTP ``status`` (401, 403, or 503 when a :class:`JwksCache` has no keys at
    all), the response ``headers``, a short plain-text ``body``, and ``name``, the error name
    behind it (tollgate's stable names, or ``address_not_allowed``, ``missing_authorization``,
    ``keys_unavailable``)."""

    __slots__ = ("status", "reason", "headers", "body", "name")

    def __init__(self, status: int, name: str, headers: Optional[Headers] = None) -> None:
        self.status = status
        self.reason = {401: "Unauthorized", 403: "Forbidden"}.get(status, "Service Unavailable")
        self.name = name
        self.body = (name + "\n").encode()
        self.headers: Headers = list(headers or []) + [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(self.body))),
            ("Cache-Control", "no-store"),
        ]


class Guard:
    """Which requests may reach the guarded routes. Any combination of:

    * ``ipset`` (+ ``ip_tags``, a mask): the peer address must be in the set with one of those
      tags (default: any tag), else 403. E.g. ``IpSet.acs()`` with ``ACS_CALLBACK``.
    * ``api_keys`` (+ ``api_key_param``, default ``"token"``): the query parameter must hold one
      of the keys, else 401.
    * ``keys`` (a :class:`KeySet` or :class:`JwksCache`) and ``policy``: the request must carry
      ``Authorization: Bearer <JWT>`` that verifies, else 401 with ``WWW-Authenticate: Bearer``
      (no header) or ``Bearer error="invalid_token", error_description="<name>"``.

    ``paths``: URL path prefixes to guard (whole segments: ``/api`` guards ``/api`` and
    ``/api/x``, not ``/apix``); None guards every path. ``clock`` returns Unix seconds (None:
    the system clock), for tests.
    """

    def __init__(self, *, keys: Union[KeySet, JwksCache, None] = None,
                 policy: Optional[Policy] = None, api_keys: Optional[Iterable[Text]] = None,
                 api_key_param: Text = "token", ipset: Optional[IpSet] = None,
                 ip_tags: int = 0xFFFFFFFF, paths: Optional[Sequence[str]] = None,
                 clock: Any = None) -> None:
        if (keys is None) != (policy is None):
            raise ValueError("keys and policy go together")
        if keys is not None and not isinstance(keys, (KeySet, JwksCache)):
            raise TypeError("keys must be a tollgate.KeySet or tollgate.JwksCache")
        if policy is not None and not isinstance(policy, Policy):
            raise TypeError("policy must be a tollgate.Policy")
        if ipset is not None and not isinstance(ipset, IpSet):
            raise TypeError("ipset must be a tollgate.IpSet")
        if isinstance(api_keys, (str, bytes)):
            raise TypeError("api_keys must be a list of keys")
        self.api_keys = None if api_keys is None else [to_bytes(k, "key") for k in api_keys]
        if self.api_keys is not None and not self.api_keys:
            raise ValueError("api_keys must not be empty (use None for no API key check)")
        if keys is None and api_keys is None and ipset is None:
            raise ValueError("a Guard needs keys+policy, api_keys or ipset")
        self.keys = keys
        self.policy = policy
        self.api_key_param = to_bytes(api_key_param, "api_key_param")
        self.ipset = ipset
        self.ip_tags = ip_tags
        self.paths = None if paths is None else [p.rstrip("/") for p in paths]
        self.clock = clock

    def guards(self, path: str) -> bool:
        """Whether requests to ``path`` are checked."""
        if self.paths is None:
            return True
        return any(path == p or path.startswith(p + "/") for p in self.paths)

    def check(self, *, remote_addr: Optional[str], query: bytes,
              authorization: Optional[List[bytes]]) -> Union[Denied, Dict[str, Any]]:
        """Decide on one request: ``remote_addr`` the peer address (text), ``query`` the raw
        query string (bytes, without ``?``), ``authorization`` every ``Authorization`` header
        value (raw bytes; None or empty when absent). Returns the verified claims (an empty
        dict when no JWT is required) or a :class:`Denied`."""
        if self.ipset is not None:
            try:
                tags = 0 if remote_addr is None else self.ipset.lookup(remote_addr)
            except TollgateError:
                tags = 0
            if not tags & self.ip_tags:
                return Denied(403, "address_not_allowed")
        if self.api_keys is not None:
            try:
                check_api_key(b"/?" + query, self.api_keys, self.api_key_param)
            except ApiKeyError as e:
                return Denied(401, e.name)
        if self.keys is None or self.policy is None:
            return {}
        if not authorization:
            return Denied(401, "missing_authorization", [("WWW-Authenticate", "Bearer")])
        try:
            if len(authorization) != 1:
                raise TokenError("invalid_authorization")
            token = bearer_token(authorization[0])
            now = None if self.clock is None else self.clock()
            if isinstance(self.keys, JwksCache):
                try:
                    self.keys.keys
                except Exception:
                    # The first fetch failed (the error is in last_error): not the client's
                    # fault, and nothing to verify with.
                    return Denied(503, "keys_unavailable", [("Retry-After", "30")])
                return self.keys.verify(self.policy, token, now)
            return verify(self.keys, self.policy, token, now)
        except TokenError as e:
            challenge = f'Bearer error="invalid_token", error_description="{e.name}"'
            return Denied(401, e.name, [("WWW-Authenticate", challenge)])
