"""The exceptions of the package: every failure carries the stable error name tollgate uses
everywhere (C status names, CLI, docs)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from ._jwt import JwksReport


class TollgateError(Exception):
    """A tollgate call failed. ``name`` is the stable snake_case error name (``"invalid_jwks"``,
    ``"invalid_address"``, ...), the same ``tollgate_status_str`` gives in C. ``report`` is set
    only by :meth:`KeySet.from_jwks <tollgate.KeySet.from_jwks>`: the
    :class:`~tollgate.JwksReport` of the failed parse (why each entry was skipped)."""

    def __init__(self, name: str, detail: str = "") -> None:
        super().__init__(f"{name}: {detail}" if detail else name)
        #: The stable error name.
        self.name: str = name
        #: For a failed :meth:`KeySet.from_jwks <tollgate.KeySet.from_jwks>`, what the parse
        #: judged before it failed (see :class:`~tollgate.JwksReport`); otherwise None.
        self.report: Optional[JwksReport] = None


class TokenError(TollgateError):
    """A token (or the ``Authorization`` header carrying it) was rejected: ``name`` is e.g.
    ``"expired"``, ``"bad_signature"``, ``"unknown_kid"``, ``"invalid_authorization"``."""


class ApiKeyError(TollgateError):
    """A query-parameter API key was rejected: ``name`` is e.g. ``"key_mismatch"``,
    ``"missing_parameter"``, ``"duplicate_parameter"``, ``"invalid_uri"``."""
