"""ASGI middleware (Starlette, FastAPI, any ASGI app) applying a :class:`tollgate.Guard`.

Starlette/FastAPI: ``app.add_middleware(tollgate.asgi.GuardMiddleware, guard=guard)``. Refused
HTTP requests get 401/403 and never reach the app; refused WebSocket connections are closed
(code 1008) before the app sees them; other scopes (lifespan) pass through. Allowed requests
carry the verified claims (a dict; empty when no JWT is required) in
``scope["tollgate.claims"]`` (Starlette: ``request.scope["tollgate.claims"]``). The peer
address is ``scope["client"]``: behind a reverse proxy, let the server fill it from trusted
proxy headers (uvicorn ``--proxy-headers --forwarded-allow-ips``).

The check runs inline: a verification takes tens of microseconds; a :class:`tollgate.JwksCache`
refetch (at most once per cooldown) blocks the event loop while ``fetch`` runs.
"""
from typing import Any, Awaitable, Callable, Dict, MutableMapping

from ._guard import CLAIMS_KEY, Denied, Guard

__all__ = ["GuardMiddleware", "CLAIMS_KEY"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]


class GuardMiddleware:
    """An ASGI app that checks each HTTP request or WebSocket connection to a guarded path with
    ``guard`` before passing it to ``app``."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]],
                 guard: Guard) -> None:
        if not isinstance(guard, Guard):
            raise TypeError("guard must be a tollgate.Guard")
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        scope.pop(CLAIMS_KEY, None)
        # Servers differ on whether "path" includes "root_path": guard if either form matches.
        path = scope.get("path", "")
        if not (self.guard.guards(path) or self.guard.guards(scope.get("root_path", "") + path)):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        auth = [v for k, v in scope.get("headers", []) if k.lower() == b"authorization"]
        verdict = self.guard.check(
            remote_addr=None if not client else client[0],
            query=scope.get("query_string", b""),
            authorization=auth,
        )
        if isinstance(verdict, Denied):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": verdict.name})
                return
            await send({
                "type": "http.response.start",
                "status": verdict.status,
                "headers": [(k.lower().encode("latin-1"), v.encode("latin-1"))
                            for k, v in verdict.headers],
            })
            await send({"type": "http.response.body", "body": verdict.body})
            return
        scope[CLAIMS_KEY] = verdict
        await self.app(scope, receive, send)
