"""WSGI middleware (Flask, Django, any WSGI app) applying a :class:`tollgate.Guard`.

Wrap the app: ``app.wsgi_app = tollgate.wsgi.GuardMiddleware(app.wsgi_app, guard)``. Refused
requests never reach it; allowed ones carry the verified claims (a dict; empty when no JWT is
required) in ``environ["tollgate.claims"]`` (Flask: ``request.environ["tollgate.claims"]``).
The peer address is ``REMOTE_ADDR``: behind a reverse proxy, put a proxy-fix middleware that
you trust (e.g. werkzeug's ``ProxyFix``) outside this one.
"""
from typing import Any, Callable, Dict, Iterable

from ._guard import CLAIMS_KEY, Denied, Guard

__all__ = ["GuardMiddleware", "CLAIMS_KEY"]


def _raw(value: str) -> bytes:
    """The raw bytes of a WSGI environ string (latin-1 by PEP 3333); a server that broke the
    rule gets UTF-8, which tollgate then refuses by name rather than with a 500."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass")


class GuardMiddleware:
    """A WSGI app that checks each request to a guarded path with ``guard`` before passing it to
    ``app``: 403 for a refused address, 401 for a bad API key or token."""

    def __init__(self, app: Callable[..., Iterable[bytes]], guard: Guard) -> None:
        if not isinstance(guard, Guard):
            raise TypeError("guard must be a tollgate.Guard")
        self.app = app
        self.guard = guard

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ.pop(CLAIMS_KEY, None)
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if not self.guard.guards(path):
            return self.app(environ, start_response)
        # WSGI carries raw header bytes as latin-1 strings.
        auth = environ.get("HTTP_AUTHORIZATION")
        verdict = self.guard.check(
            remote_addr=environ.get("REMOTE_ADDR"),
            query=_raw(environ.get("QUERY_STRING", "")),
            authorization=None if auth is None else [_raw(auth)],
        )
        if isinstance(verdict, Denied):
            start_response(f"{verdict.status} {verdict.reason}", verdict.headers)
            return [verdict.body]
        environ[CLAIMS_KEY] = verdict
        return self.app(environ, start_response)
