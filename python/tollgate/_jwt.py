"""JWT verification: ``KeySet`` (a parsed JWKS), ``Policy`` (issuer, audiences and the other
rules) and ``verify`` (a token to a dict of claims), over the C functions in ``_ffi``."""
from __future__ import annotations

import ctypes
import json
import time
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from . import _ffi
from ._convert import Text, to_bytes, to_uint
from ._errors import TokenError, TollgateError

_lib = _ffi.lib
_KEYSET_SIZE = _lib.tollgate_keyset_size()
_POLICY_SIZE = _lib.tollgate_policy_size()
#: The policy's default longest token (bytes), as the C ABI documents.
DEFAULT_MAX_TOKEN_LEN = 16384


@dataclass(frozen=True)
class JwksReport:
    """What parsing a JWKS did with its entries (the C ABI's ``tollgate_jwks_report``).

    After a successful :meth:`KeySet.from_jwks` (:attr:`KeySet.report`) it covers every entry.
    After a failed one (``TollgateError.report``) it covers the entries judged before the
    failure was found, and nothing was loaded (``loaded`` then counts usable keys found):

    - ``no_usable_key``: every entry, each skipped with its reason, ``loaded == 0``;
    - ``duplicate_kid``: the entries before the one whose ``kid`` repeats an earlier usable
      key's (that entry and later ones are not counted);
    - ``invalid_jwks`` (not JSON, no ``keys`` array, duplicate member names): nothing judged,
      all zero and empty.
    """

    #: Usable keys (loaded, on success).
    loaded: int
    #: Entries skipped (not usable for RS256 verification).
    skipped: int
    #: Skipped entries per reason name (``"not_rsa"``, ...), only reasons that occurred.
    skipped_for: Dict[str, int]
    #: The first 16 skipped entries in document order: (index in ``keys``, reason name).
    listed: Tuple[Tuple[int, str], ...]
    #: The ``kid`` of each entry of ``listed`` (None for an entry without a string ``kid``),
    #: e.g. to name the keys left out as ``over_capacity``.
    listed_kids: Tuple[Optional[str], ...] = ()


def _reason(number: int) -> str:
    name: bytes = _lib.tollgate_skip_reason_str(number)
    return name.decode()


def _entry_kid(doc: bytes, index: int) -> Optional[str]:
    """``tollgate_jwks_entry_kid``: the kid of entry ``index`` (None if it has none)."""
    need = ctypes.c_size_t()
    status = _lib.tollgate_jwks_entry_kid(doc, len(doc), index, None, 0, ctypes.byref(need))
    if status == _ffi.OK:
        return ""
    if _ffi.status_name(status) != "buffer_too_small":
        return None
    buf = ctypes.create_string_buffer(need.value)
    status = _lib.tollgate_jwks_entry_kid(doc, len(doc), index, buf, need.value,
                                          ctypes.byref(need))
    return buf.raw[:need.value].decode() if status == _ffi.OK else None


def _report_of(raw: _ffi.JwksReport, doc: bytes) -> JwksReport:
    listed = min(raw.listed_len, _ffi.JWKS_REPORT_LISTED)
    return JwksReport(
        loaded=raw.loaded,
        skipped=raw.skipped,
        skipped_for={_reason(i): raw.skipped_for[i]
                     for i in range(1, _ffi.SKIP_REASON_SLOTS) if raw.skipped_for[i]},
        listed=tuple((raw.listed[i][0], _reason(raw.listed[i][1])) for i in range(listed)),
        listed_kids=tuple(_entry_kid(doc, raw.listed[i][0]) for i in range(listed)),
    )


class KeySet:
    """The RS256 keys of a JWKS document, parsed once and shared freely (immutable, safe to use
    from many threads). Build it with :meth:`from_jwks`."""

    __slots__ = ("_buf", "_report", "_doc")
    _buf: ctypes.Array[ctypes.c_uint64]
    _report: _ffi.JwksReport
    _doc: bytes

    def __init__(self) -> None:
        raise TypeError("use KeySet.from_jwks(document)")

    @classmethod
    def from_jwks(cls, jwks: Text) -> "KeySet":
        """Parse a JWKS document (``bytes`` or ``str``). Keys tollgate cannot use are skipped
        (see :attr:`skipped`); raises :class:`TollgateError` (``invalid_jwks``,
        ``no_usable_key``, ``duplicate_kid``) when the document is unusable, with ``.report``
        (a :class:`JwksReport`) saying why each entry judged was skipped."""
        doc = to_bytes(jwks, "jwks")
        buf = _ffi.words(_KEYSET_SIZE)
        report = _ffi.JwksReport()
        status = _lib.tollgate_keyset_parse(buf, doc, len(doc), ctypes.byref(report))
        if status != _ffi.OK:
            error = TollgateError(_ffi.status_name(status))
            error.report = _report_of(report, doc)
            raise error
        self = object.__new__(cls)
        self._buf = buf
        self._report = report
        self._doc = doc
        return self

    def __len__(self) -> int:
        n: int = _lib.tollgate_keyset_len(self._buf)
        return n

    @property
    def kids(self) -> List[Optional[str]]:
        """The ``kid`` of each loaded key in document order (None for a key without one)."""
        out: List[Optional[str]] = []
        for i in range(len(self)):
            ptr, n = ctypes.c_void_p(), ctypes.c_size_t()
            status = _lib.tollgate_keyset_kid(self._buf, i, ctypes.byref(ptr), ctypes.byref(n))
            if status != _ffi.OK:
                raise TollgateError(_ffi.status_name(status))
            out.append(None if ptr.value is None else ctypes.string_at(ptr.value, n.value).decode())
        return out

    @property
    def skipped(self) -> List[Tuple[int, str]]:
        """The entries of the document that were skipped: (index in ``keys``, reason name such
        as ``"not_rsa"``); at most the first 16 are listed."""
        r = self._report
        return [(r.listed[i][0], _lib.tollgate_skip_reason_str(r.listed[i][1]).decode())
                for i in range(min(r.listed_len, _ffi.JWKS_REPORT_LISTED))]

    @property
    def report(self) -> JwksReport:
        """What the parse did with every entry of the document (see :class:`JwksReport`)."""
        return _report_of(self._report, self._doc)

    def __repr__(self) -> str:
        return f"<tollgate.KeySet kids={self.kids!r}>"


class Policy:
    """What a token must satisfy beyond its signature. Immutable once built.

    ``issuer``: the exact ``iss``; ``audiences``: ``aud`` must contain one of them (a single
    ``str`` counts as one audience); ``leeway``: clock skew in seconds for ``exp``/``nbf``/
    ``iat``, at most 3600 (``TOLLGATE_POLICY_MAX_LEEWAY``); ``typ``: the header ``typ``
    required (ASCII case ignored), None for any;
    ``max_age``: reject tokens whose ``iat`` is older (seconds), None or 0 for no limit;
    ``max_token_len``: longest token in bytes; ``require_exp``: reject tokens without ``exp``;
    ``max_depth``: JSON nesting limit (1..128). Raises :class:`TollgateError`
    (``invalid_policy``, ``invalid_text``, ``invalid_argument``) for values tollgate refuses.
    """

    __slots__ = ("_buf", "issuer", "audiences", "leeway", "typ", "max_age", "max_token_len",
                 "require_exp", "max_depth")

    def __init__(self, issuer: Text, audiences: Union[Text, Iterable[Text]], *,
                 leeway: int = 60, typ: Optional[Text] = None, max_age: Optional[int] = None,
                 max_token_len: int = DEFAULT_MAX_TOKEN_LEN, require_exp: bool = True,
                 max_depth: int = 32) -> None:
        iss = to_bytes(issuer, "issuer")
        if isinstance(audiences, (str, bytes, bytearray, memoryview)):
            audiences = [audiences]
        auds = [to_bytes(a, "audience") for a in audiences]
        buf = _ffi.words(_POLICY_SIZE)
        arr = (_ffi.TollgateStr * len(auds))(*[_ffi.TollgateStr(a, len(a)) for a in auds])
        self._check(_lib.tollgate_policy_init(buf, iss, len(iss), arr, len(auds)))
        self._check(_lib.tollgate_policy_set_leeway(buf, to_uint(leeway, 64, "leeway")))
        self._check(_lib.tollgate_policy_set_max_token_len(
            buf, to_uint(max_token_len, 8 * ctypes.sizeof(ctypes.c_size_t), "max_token_len")))
        if not isinstance(require_exp, bool):
            raise TypeError("require_exp must be a bool")
        self._check(_lib.tollgate_policy_set_require_exp(buf, require_exp))
        self._check(_lib.tollgate_policy_set_max_depth(buf, to_uint(max_depth, 32, "max_depth")))
        if typ is not None:
            t = to_bytes(typ, "typ")
            self._check(_lib.tollgate_policy_set_typ(buf, t, len(t)))
        if max_age is not None:
            self._check(_lib.tollgate_policy_set_max_age(buf, to_uint(max_age, 64, "max_age")))
        self._buf = buf
        self.issuer = iss.decode()
        self.audiences = tuple(a.decode() for a in auds)
        self.leeway = leeway
        self.typ = typ
        self.max_age = max_age
        self.max_token_len = max_token_len
        self.require_exp = require_exp
        self.max_depth = max_depth

    @staticmethod
    def _check(status: int) -> None:
        if status != _ffi.OK:
            raise TollgateError(_ffi.status_name(status))

    def __repr__(self) -> str:
        return (f"<tollgate.Policy issuer={self.issuer!r} audiences={list(self.audiences)!r} "
                f"leeway={self.leeway}>")


def _now(now: Optional[float]) -> int:
    if now is None:
        return int(time.time())
    if isinstance(now, float):
        if now != now or now in (float("inf"), float("-inf")):
            raise TollgateError("invalid_argument", "now is not finite")
        now = int(now)
    return to_uint(now, 64, "now")


def verify(keys: KeySet, policy: Policy, token: Text, now: Optional[float] = None) -> Dict[str, Any]:
    """Verify the compact JWS ``token`` (without ``Bearer ``; see :func:`bearer_token`) with
    ``keys`` and ``policy`` at Unix time ``now`` (seconds; None: the system clock). Returns the
    claims as a dict (the payload parsed with :mod:`json` after tollgate verified it). Raises
    :class:`TokenError` whose ``name`` says why (``expired``, ``bad_signature``,
    ``unknown_kid``, ...)."""
    if not isinstance(keys, KeySet):
        hint = " (use cache.verify(policy, token))" if type(keys).__name__ == "JwksCache" else ""
        raise TypeError(f"keys must be a tollgate.KeySet, not {type(keys).__name__}{hint}")
    if not isinstance(policy, Policy):
        raise TypeError(f"policy must be a tollgate.Policy, not {type(policy).__name__}")
    tok = to_bytes(token, "token")
    when = _now(now)
    # A token over the policy's limit is refused (too_large) before the scratch is looked at,
    # so the scratch never needs to grow past what the limit allows.
    need = _lib.tollgate_verify_scratch_size(min(len(tok), policy.max_token_len))
    scratch = ctypes.create_string_buffer(need)
    claims = _ffi.Claims()
    status = _lib.tollgate_verify(keys._buf, policy._buf, tok, len(tok), when, scratch, need,
                                  ctypes.byref(claims))
    if status != _ffi.OK:
        raise TokenError(_ffi.status_name(status))
    payload = claims.json.bytes()
    result: Dict[str, Any] = json.loads(payload)
    return result
