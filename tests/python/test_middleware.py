"""The WSGI middleware under Flask's test client and the ASGI middleware under Starlette's
TestClient: address (403), API key (401), Bearer JWT (401 with the RFC 6750 challenge), the
verified claims handed to the route, unguarded paths, and the guard's configuration rules."""
import json
import os
import time
import unittest

import tollgate
import tollgate.asgi
import tollgate.wsgi
from helpers import PYJWT, read
from test_package import ACS_AUD, ACS_ISS, mint

ACS_ADDR = "52.112.0.1"
KEY = "8f2d9c63a7b14d32b53c9e12a1f47fcb"


def claims(**extra):
    now = int(time.time())
    c = {"iss": ACS_ISS, "aud": ACS_AUD, "iat": now, "exp": now + 300, "sub": "acs"}
    c.update(extra)
    return c


def guard(**kwargs):
    keys = tollgate.KeySet.from_jwks(read(os.path.join(PYJWT, "jwks", "acs.json")))
    args = dict(keys=keys, policy=tollgate.Policy(ACS_ISS, [ACS_AUD]), api_keys=[KEY],
                ipset=tollgate.IpSet.acs(), ip_tags=tollgate.ACS_CALLBACK, paths=["/api/callbacks"])
    args.update(kwargs)
    return tollgate.Guard(**args)


def flask_app(g):
    import flask
    app = flask.Flask("t")

    @app.post("/api/callbacks")
    def callbacks():
        return flask.jsonify(flask.request.environ["tollgate.claims"])

    @app.get("/health")
    def health():
        return {"leaked": "tollgate.claims" in flask.request.environ}

    app.wsgi_app = tollgate.wsgi.GuardMiddleware(app.wsgi_app, g)
    return app.test_client()


def starlette_app(g, addr=ACS_ADDR):
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.testclient import TestClient

    async def callbacks(request):
        return JSONResponse(request.scope["tollgate.claims"])

    async def health(request):
        return JSONResponse({"leaked": "tollgate.claims" in request.scope})

    async def ws(websocket):
        await websocket.accept()
        await websocket.send_json(websocket.scope["tollgate.claims"])
        await websocket.close()

    app = Starlette(routes=[Route("/api/callbacks", callbacks, methods=["POST"]),
                            Route("/health", health),
                            WebSocketRoute("/api/callbacks/ws", ws)])
    app.add_middleware(tollgate.asgi.GuardMiddleware, guard=g)
    return TestClient(app, client=(addr, 4711))


class Shared:
    """The same cases for both frameworks: subclasses provide ``client(guard, addr)`` and
    ``post(client, path, headers)`` returning (status, headers, body bytes)."""

    def request(self, path="/api/callbacks?token=" + KEY, token="good", addr=ACS_ADDR, g=None,
                headers=None):
        h = dict(headers or {})
        if token == "good":
            token = mint(claims())
        if token is not None:
            h["Authorization"] = "Bearer " + token
        return self.post(self.client(g or guard(), addr), path, h)

    def test_allowed_request_gets_the_claims(self):
        c = claims(callConnectionId="abc")
        status, _, body = self.request(token=mint(c))
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), c)

    def test_token_failures(self):
        status, headers, body = self.request(token=None)
        self.assertEqual((status, headers.get("www-authenticate")), (401, "Bearer"))
        self.assertEqual(body, b"missing_authorization\n")
        for token, name in [(mint(claims(exp=int(time.time()) - 100)), "expired"),
                            (mint(claims(aud="other")), "wrong_audience"),
                            (mint(claims())[:-4] + "AAAA", "bad_signature"),
                            ("not a token", "invalid_authorization"),
                            ("x.y.z", "malformed")]:
            status, headers, body = self.request(token=token)
            self.assertEqual(status, 401, name)
            self.assertEqual(headers.get("www-authenticate"),
                             f'Bearer error="invalid_token", error_description="{name}"')
            self.assertEqual(body, (name + "\n").encode())
        status, headers, _ = self.request(token=None, headers={"Authorization": "Basic abc"})
        self.assertIn('error_description="invalid_authorization"', headers.get("www-authenticate"))

    def test_api_key_failures(self):
        for path, name in [("/api/callbacks", "missing_parameter"),
                           ("/api/callbacks?token=nope", "key_mismatch"),
                           (f"/api/callbacks?token={KEY}&token={KEY}", "duplicate_parameter")]:
            status, headers, body = self.request(path=path)
            self.assertEqual((status, body), (401, (name + "\n").encode()), path)
            self.assertIsNone(headers.get("www-authenticate"))

    def test_address_failures(self):
        for addr in ["1.1.1.1", "52.112.0.1.5", "2603:1027::1"]:
            status, _, body = self.request(addr=addr, g=guard(ip_tags=tollgate.ACS_MEDIA))
            self.assertEqual((status, body), (403, b"address_not_allowed\n"), addr)
        # The address is checked first: no key, no token, still 403.
        status, _, _ = self.request(path="/api/callbacks", token=None, addr="1.1.1.1")
        self.assertEqual(status, 403)
        status, _, _ = self.request(addr="2603:1027::1")  # in the callback ranges
        self.assertEqual(status, 200)

    def test_each_check_alone(self):
        no_jwt = guard(keys=None, policy=None)
        status, _, body = self.request(token=None, g=no_jwt)
        self.assertEqual((status, json.loads(body)), (200, {}))
        status, _, _ = self.request(path="/api/callbacks", g=guard(api_keys=None, ipset=None),
                                    addr="1.1.1.1")
        self.assertEqual(status, 200)

    def test_unguarded_paths_pass_and_claims_cannot_be_injected(self):
        status, _, body = self.get(self.client(guard(), "1.1.1.1"), "/health")
        self.assertEqual(status, 200)
        self.assertIn(b"false", body)
        status, _, _ = self.request(path="/api/callbacks/ws?token=" + KEY, addr="1.1.1.1")
        self.assertEqual(status, 403)  # under the guarded prefix: refused before routing
        status, _, _ = self.request(path="/api/callbacksX", token=None, addr="1.1.1.1")
        self.assertEqual(status, 404)  # not under the prefix: not guarded, not routed


class Flask(Shared, unittest.TestCase):
    def client(self, g, addr):
        return (flask_app(g), addr)

    def post(self, client, path, headers):
        c, addr = client
        r = c.post(path, headers=headers, environ_base={"REMOTE_ADDR": addr})
        return r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.data

    def get(self, client, path):
        c, addr = client
        r = c.get(path, environ_base={"REMOTE_ADDR": addr})
        return r.status_code, dict(r.headers), r.data


class Starlette(Shared, unittest.TestCase):
    def client(self, g, addr):
        return starlette_app(g, addr)

    def post(self, client, path, headers):
        r = client.post(path, headers=headers)
        return r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content

    def get(self, client, path):
        r = client.get(path)
        return r.status_code, dict(r.headers), r.content

    def test_websocket(self):
        from starlette.websockets import WebSocketDisconnect
        g = guard()
        c = starlette_app(g)
        token = mint(claims(sub="ws"))
        with c.websocket_connect("/api/callbacks/ws?token=" + KEY,
                                 headers={"Authorization": "Bearer " + token}) as ws:
            self.assertEqual(ws.receive_json()["sub"], "ws")
        with self.assertRaises(WebSocketDisconnect) as cm:
            with c.websocket_connect("/api/callbacks/ws?token=" + KEY) as ws:
                ws.receive_json()
        self.assertEqual(cm.exception.code, 1008)


class GuardRules(unittest.TestCase):
    def test_configuration_errors(self):
        with self.assertRaises(ValueError):
            tollgate.Guard()
        with self.assertRaises(ValueError):
            guard(policy=None)
        with self.assertRaises(ValueError):
            guard(api_keys=[])
        with self.assertRaises(TypeError):
            guard(api_keys=KEY)
        with self.assertRaises(TypeError):
            guard(keys=b"{}")
        with self.assertRaises(TypeError):
            tollgate.wsgi.GuardMiddleware(None, None)

    def test_two_authorization_headers_are_refused(self):
        g = guard(api_keys=None, ipset=None)
        token = mint(claims()).encode()
        got = g.check(remote_addr=None, query=b"", authorization=[b"Bearer " + token] * 2)
        self.assertEqual((got.status, got.name), (401, "invalid_authorization"))
        self.assertEqual(g.check(remote_addr=None, query=b"", authorization=[b"Bearer " + token])["sub"], "acs")

    def test_unreachable_jwks_is_503(self):
        def down():
            raise OSError("endpoint down")

        cache = tollgate.JwksCache(down, cooldown=0)
        g = guard(keys=cache, api_keys=None, ipset=None)
        got = g.check(remote_addr=None, query=b"", authorization=[b"Bearer " + mint(claims()).encode()])
        self.assertEqual((got.status, got.reason, got.name), (503, "Service Unavailable", "keys_unavailable"))
        self.assertIn("endpoint down", str(cache.last_error))
        r = flask_app(g).post("/api/callbacks", headers={"Authorization": "Bearer " + mint(claims())},
                              environ_base={"REMOTE_ADDR": ACS_ADDR})
        self.assertEqual((r.status_code, r.data, r.headers["Retry-After"]), (503, b"keys_unavailable\n", "30"))

    def test_wsgi_environ_outside_latin1_is_refused_by_name(self):
        app = tollgate.wsgi.GuardMiddleware(lambda e, s: [b"reached"], guard(ipset=None))
        seen = []
        body = app({"PATH_INFO": "/api/callbacks", "QUERY_STRING": "token=\u4e2d",
                    "HTTP_AUTHORIZATION": "Bearer \u4e2d"}, lambda status, headers: seen.append(status))
        self.assertEqual((seen, body), (["401 Unauthorized"], [b"invalid_uri\n"]))
        body = app({"PATH_INFO": "/api/callbacks", "QUERY_STRING": "token=" + KEY,
                    "HTTP_AUTHORIZATION": "Bearer \u4e2d"}, lambda status, headers: seen.append(status))
        self.assertEqual(body, [b"invalid_authorization\n"])

    def test_jwks_cache_as_keys(self):
        cache = tollgate.JwksCache(lambda: read(os.path.join(PYJWT, "jwks", "acs.json")))
        g = guard(keys=cache, api_keys=None, ipset=None)
        self.assertEqual(g.check(remote_addr=None, query=b"",
                                 authorization=[b"Bearer " + mint(claims()).encode()])["aud"], ACS_AUD)


if __name__ == "__main__":
    unittest.main()
