"""A real nginx with ngx_http_tollgate_module on 127.0.0.1: tokens minted by PyJWT at test
time, API keys, client addresses through realip, key rotation by atomic rename, a corrupt
JWKS, `nginx -s reload`, a WebSocket upgrade through proxy_pass, the variables in headers and
the access log, and configurations that `nginx -t` must refuse.

Run: python3 -m unittest discover -s tests/nginx -v (after integrations/nginx/build).
TOLLGATE_NGINX names another nginx binary or wrapper (e.g. one running nginx under valgrind).
Each server has its own prefix, config, pid and logs in a temporary folder, a master and one
worker, a free port, and is stopped at the end; every wait is bounded.
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import jwt  # PyJWT: an independent implementation mints every token

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODULE = os.environ.get(
    "TOLLGATE_NGINX_MODULE", os.path.join(ROOT, "target", "nginx", "ngx_http_tollgate_module.so")
)
NGINX = os.environ.get("TOLLGATE_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
CLI = os.environ.get("TOLLGATE_CLI", os.path.join(ROOT, "target", "debug", "tollgate"))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "pyjwt")

ISSUER = "https://acscallautomation.communication.azure.com"
AUDIENCE = "6a3b8f0e-2c1d-4e5f-9a7b-3c2d1e0f4a5b"
OTHER_AUDIENCE = "0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e"
INTERVAL = 1  # tollgate_jwks_check_interval in the test config, seconds
API_KEYS = ["old-key-being-retired", "new/key=2"]

with open(os.path.join(FIXTURES, "manifest.json")) as f:
    KEYS = json.load(f)["keys"]
with open(os.path.join(FIXTURES, "jwks", "acs.json")) as f:
    JWK_BY_KID = {k["kid"]: k for k in json.load(f)["keys"]}


def kid(name):
    return KEYS[name]["kid"]


def jwks(*names):
    """A JWKS document with the public keys of the named fixture keys."""
    return json.dumps({"keys": [JWK_BY_KID[kid(n)] for n in names]}).encode()


def mint(key="acs-2048", key_id=None, aud=AUDIENCE, iss=ISSUER, exp_in=300, sub="acs-call-1"):
    now = int(time.time())
    payload = {"iss": iss, "aud": aud, "sub": sub, "iat": now, "nbf": now, "exp": now + exp_in}
    with open(os.path.join(FIXTURES, KEYS[key]["private_key"]), "rb") as f:
        pem = f.read()
    return jwt.encode(payload, pem, algorithm="RS256", headers={"kid": key_id or kid(key)})


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(predicate, timeout=5.0, step=0.05):
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)


def write_atomic(path, data):
    tmp = path + ".new"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class UpgradeBackend:
    """A tiny 127.0.0.1 backend: answers 101 to an upgrade request, then echoes one message.
    Records each request's headers. Stops by itself after `lifetime` seconds."""

    def __init__(self, lifetime=120.0):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.stop = threading.Event()
        self.deadline = time.monotonic() + lifetime
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(3)
                try:
                    head = b""
                    while b"\r\n\r\n" not in head and len(head) < 65536:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        head += chunk
                    lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
                    headers = {}
                    for line in lines[1:]:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                    self.requests.append((lines[0], headers))
                    conn.sendall(
                        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        b"Connection: Upgrade\r\n\r\n"
                    )
                    data = conn.recv(4096)
                    if data:
                        conn.sendall(b"echo:" + data)
                except OSError:
                    pass
        self.sock.close()

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)


def config(prefix, port, backend_port, extra_locations=""):
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
load_module {MODULE};
{user}
worker_processes 1;
daemon off;
master_process on;
pid {prefix}/logs/nginx.pid;
error_log {prefix}/logs/error.log info;
events {{ worker_connections 64; }}
http {{
    default_type text/plain;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    log_format tg '$remote_addr $status tollgate=$tollgate_status sub=$tollgate_claim_sub';
    access_log {prefix}/logs/access.log tg;
    root {prefix}/html;

    tollgate_jwks {prefix}/keys/acs.json;
    tollgate_jwks_check_interval {INTERVAL}s;
    tollgate_issuer {ISSUER};
    tollgate_audience {AUDIENCE};
    add_header X-Tollgate-Status $tollgate_status always;
    add_header X-Tollgate-Sub $tollgate_claim_sub always;
    add_header X-Tollgate-Exp $tollgate_claim_exp always;
    add_header X-Tollgate-Aud $tollgate_claim_aud always;

    large_client_header_buffers 4 64k;
    server {{
        listen 127.0.0.1:{port};
        location /open/ {{ }}
        location /jwt/ {{ tollgate_jwt on; }}
        location /other/ {{ tollgate_jwt on; tollgate_audience {OTHER_AUDIENCE}; }}
        location /churn/ {{
            tollgate_jwt on;
            tollgate_jwks {prefix}/keys/churn.json;
            tollgate_jwks_check_interval 0;
        }}
        location /strict/ {{ tollgate_jwt on; tollgate_leeway 0; }}
        location /all/ {{
            tollgate_jwt on;
            tollgate_apikey_param code;
            tollgate_apikey_file {prefix}/keys/apikeys.txt;
            set_real_ip_from 127.0.0.1;
            real_ip_header X-Forwarded-For;
            tollgate_ipset {prefix}/keys/ranges.txt;
        }}
        location /rot/ {{ tollgate_jwt on; tollgate_jwks {prefix}/keys/rot.json; }}
        location /any/ {{ satisfy any; allow 127.0.0.1; deny all; tollgate_jwt on; }}
        location /apikey/ {{
            tollgate_apikey_param code;
            tollgate_apikey_file {prefix}/keys/apikeys.txt;
        }}
        location /ip/ {{
            set_real_ip_from 127.0.0.1;
            real_ip_header X-Forwarded-For;
            tollgate_ipset {prefix}/keys/ranges.txt;
        }}
        location /ip-untrusted/ {{
            set_real_ip_from 10.0.0.0/8;
            real_ip_header X-Forwarded-For;
            tollgate_ipset {prefix}/keys/ranges.txt;
        }}
        location /apikey-rot/ {{
            tollgate_apikey_param code;
            tollgate_apikey_file {prefix}/keys/apikeys-rot.txt;
        }}
        location /image/ {{
            set_real_ip_from 127.0.0.1;
            real_ip_header X-Forwarded-For;
            tollgate_ipset {prefix}/keys/ranges.img;
        }}
        location /acs/ {{
            set_real_ip_from 127.0.0.1;
            real_ip_header X-Forwarded-For;
            tollgate_ipset acs;
        }}
        location /ws/ {{
            tollgate_jwt on;
            proxy_pass http://127.0.0.1:{backend_port};
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header X-Tollgate-Sub $tollgate_claim_sub;
            proxy_read_timeout 5s;
        }}
        {extra_locations}
    }}
}}
"""


class Nginx:
    """One nginx (master + 1 worker, daemon off) in its own prefix."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.conf = os.path.join(prefix, "conf", "nginx.conf")
        self.error_log = os.path.join(prefix, "logs", "error.log")
        self.proc = None

    def args(self, *extra):
        return [NGINX, "-p", self.prefix + "/", "-c", self.conf, "-e", self.error_log, *extra]

    def start(self, port):
        self.proc = subprocess.Popen(
            self.args(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

        def listening():
            if self.proc.poll() is not None:
                return True
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return True
            except OSError:
                return False

        if not wait_until(listening, timeout=10) or self.proc.poll() is not None:
            err = self.proc.stderr.read().decode() if self.proc.poll() is not None else ""
            self.stop()
            raise RuntimeError("nginx did not start: " + err + self.log())

    def signal(self, name):
        return subprocess.run(self.args("-s", name), capture_output=True, text=True, timeout=10)

    def log(self):
        try:
            with open(self.error_log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()


def make_prefix():
    prefix = tempfile.mkdtemp(prefix="tollgate-nginx-")
    for d in ("conf", "logs", "keys", "tmp", "html"):
        os.mkdir(os.path.join(prefix, d))
    for loc in ("open", "jwt", "other", "rot", "any", "apikey", "ip", "ip-untrusted", "acs", "reloaded",
                "apikey-rot", "image", "strict", "all", "churn"):
        os.mkdir(os.path.join(prefix, "html", loc))
        with open(os.path.join(prefix, "html", loc, "ok"), "w") as f:
            f.write("ok\n")
    shutil.copy(os.path.join(FIXTURES, "jwks", "acs.json"), os.path.join(prefix, "keys", "acs.json"))
    write_atomic(os.path.join(prefix, "keys", "rot.json"), jwks("acs-2048"))
    write_atomic(os.path.join(prefix, "keys", "churn.json"), jwks("acs-2048"))
    with open(os.path.join(prefix, "keys", "apikeys.txt"), "w") as f:
        f.write("# accepted keys, two during a rotation\n" + "\n".join(API_KEYS) + "\n")
    with open(os.path.join(prefix, "keys", "apikeys-rot.txt"), "w") as f:
        f.write("\n".join(API_KEYS) + "\n")
    with open(os.path.join(prefix, "keys", "ranges.txt"), "w") as f:
        f.write("203.0.113.0/24\n2001:db8::/32\n")
    # the same list compiled to an image by the tollgate command
    subprocess.run([CLI, "compile-ipset", os.path.join(prefix, "keys", "ranges.txt"),
                    "-o", os.path.join(prefix, "keys", "ranges.img")], check=True, timeout=30)
    return prefix


class NginxModuleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(MODULE):
            raise RuntimeError(f"{MODULE} missing: run integrations/nginx/build")
        cls.prefix = make_prefix()
        cls.port = free_port()
        cls.backend = UpgradeBackend()
        with open(os.path.join(cls.prefix, "conf", "nginx.conf"), "w") as f:
            f.write(config(cls.prefix, cls.port, cls.backend.port))
        cls.nginx = Nginx(cls.prefix)
        try:
            cls.nginx.start(cls.port)
        except Exception:
            cls.backend.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop()
        cls.backend.close()
        shutil.rmtree(cls.prefix, ignore_errors=True)

    def get(self, path, token=None, headers=None):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = "Bearer " + token
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", path, headers=h)
            resp = conn.getresponse()
            resp.body = resp.read()
            return resp
        finally:
            conn.close()

    def assertRejected(self, resp, status, name, challenge=True):
        self.assertEqual(resp.status, status, resp.body)
        self.assertEqual(resp.getheader("X-Tollgate-Status"), name)
        if challenge:
            self.assertEqual(
                resp.getheader("WWW-Authenticate"),
                f'Bearer error="invalid_token", error_description="{name}"',
            )

    # --- tokens ---------------------------------------------------------------------------

    def test_valid_token(self):
        token = mint(sub="call-valid")
        r = self.get("/jwt/ok", token)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body, b"ok\n")
        self.assertEqual(r.getheader("X-Tollgate-Status"), "ok")
        self.assertEqual(r.getheader("X-Tollgate-Sub"), "call-valid")
        exp = jwt.decode(token, options={"verify_signature": False})["exp"]
        self.assertEqual(r.getheader("X-Tollgate-Exp"), str(exp))
        self.assertIsNone(r.getheader("WWW-Authenticate"))

    def test_matched_audience_variable(self):
        r = self.get("/jwt/ok", mint(aud=["api://someone-else", AUDIENCE]))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("X-Tollgate-Aud"), AUDIENCE)
        self.assertIsNone(self.get("/jwt/ok", mint(exp_in=-3600)).getheader("X-Tollgate-Aud"))

    def test_expired_token(self):
        self.assertRejected(self.get("/jwt/ok", mint(exp_in=-3600)), 401, "expired")

    def test_leeway(self):
        late = mint(exp_in=-30)  # expired 30 s ago: inside the default 60 s leeway
        self.assertEqual(self.get("/jwt/ok", late).status, 200)
        self.assertRejected(self.get("/strict/ok", late), 401, "expired")
        self.assertEqual(self.get("/strict/ok", mint()).status, 200)

    def test_every_configured_check_must_pass(self):
        xff = {"X-Forwarded-For": "203.0.113.9"}
        key = "?code=old-key-being-retired"
        r = self.get("/all/ok" + key, mint(), headers=xff)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("X-Tollgate-Status"), "ok")
        r = self.get("/all/ok" + key, mint())  # from 127.0.0.1
        self.assertEqual((r.status, r.getheader("X-Tollgate-Status")), (403, "address_not_allowed"))
        r = self.get("/all/ok", mint(), headers=xff)
        self.assertEqual((r.status, r.getheader("X-Tollgate-Status")), (401, "missing_parameter"))
        r = self.get("/all/ok" + key, headers=xff)
        self.assertEqual((r.status, r.getheader("X-Tollgate-Status")), (401, "missing_authorization"))
        self.assertRejected(self.get("/all/ok" + key, mint(exp_in=-3600), headers=xff), 401, "expired")

    def test_wrong_audience(self):
        self.assertRejected(self.get("/jwt/ok", mint(aud=OTHER_AUDIENCE)), 401, "wrong_audience")

    def test_location_audience_overrides_inherited(self):
        self.assertRejected(self.get("/other/ok", mint()), 401, "wrong_audience")
        self.assertEqual(self.get("/other/ok", mint(aud=OTHER_AUDIENCE)).status, 200)

    def test_wrong_issuer(self):
        self.assertRejected(self.get("/jwt/ok", mint(iss=ISSUER + "/")), 401, "wrong_issuer")

    def test_forged_token(self):
        # the attacker signs with its own key under the kid of a published key
        forged = mint(key="attacker-2048", key_id=kid("acs-2048"))
        self.assertRejected(self.get("/jwt/ok", forged), 401, "bad_signature")
        head, payload, sig = mint().split(".")
        tampered = ".".join([head, mint(sub="admin").split(".")[1], sig])
        self.assertRejected(self.get("/jwt/ok", tampered), 401, "bad_signature")

    def test_missing_authorization(self):
        r = self.get("/jwt/ok")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.getheader("WWW-Authenticate"), "Bearer")
        self.assertEqual(r.getheader("X-Tollgate-Status"), "missing_authorization")

    def test_malformed_authorization(self):
        for value in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Bearer a,b"):
            r = self.get("/jwt/ok", headers={"Authorization": value})
            self.assertEqual(r.status, 401, value)
            self.assertEqual(r.getheader("WWW-Authenticate"), "Bearer", value)
            self.assertEqual(r.getheader("X-Tollgate-Status"), "invalid_authorization", value)
        self.assertRejected(self.get("/jwt/ok", "abc.def.ghi"), 401, "malformed")

    def test_oversized_token(self):
        # a well-formed token over 16 KiB is refused before any work
        big = mint(sub="x" * 17000)
        self.assertRejected(self.get("/jwt/ok", big), 401, "too_large")

    def test_claim_with_control_characters_is_not_exposed(self):
        r = self.get("/jwt/ok", mint(sub="a\r\nX-Injected: 1"))
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.getheader("X-Injected"))
        self.assertIsNone(r.getheader("X-Tollgate-Sub"))

    def test_unguarded_location(self):
        r = self.get("/open/ok")
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.getheader("X-Tollgate-Status"))

    def test_satisfy_any_with_allow(self):
        # allow 127.0.0.1 grants access alone; the module's challenge is withdrawn
        r = self.get("/any/ok")
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.getheader("WWW-Authenticate"))

    # --- API keys -------------------------------------------------------------------------

    def test_api_keys(self):
        for key in ("old-key-being-retired", "new%2Fkey%3D2"):  # the second percent-encoded
            r = self.get("/apikey/ok?code=" + key)
            self.assertEqual(r.status, 200, key)
            self.assertEqual(r.getheader("X-Tollgate-Status"), "ok")
        cases = [
            ("/apikey/ok?code=wrong", "key_mismatch"),
            ("/apikey/ok?code=new%2Fkey%3D3", "key_mismatch"),
            ("/apikey/ok", "missing_parameter"),
            ("/apikey/ok?other=old-key-being-retired", "missing_parameter"),
            ("/apikey/ok?code=old-key-being-retired&code=old-key-being-retired", "duplicate_parameter"),
            ("/apikey/ok?code=old-key-being-retired&c%6Fde=x", "duplicate_parameter"),
        ]
        for path, name in cases:
            r = self.get(path)
            self.assertEqual(r.status, 401, path)
            self.assertEqual(r.getheader("X-Tollgate-Status"), name, path)

    def test_api_key_file_rotation(self):
        path = os.path.join(self.prefix, "keys", "apikeys-rot.txt")
        self.assertEqual(self.get("/apikey-rot/ok?code=old-key-being-retired").status, 200)
        self.assertEqual(self.get("/apikey-rot/ok?code=third-key").status, 401)
        write_atomic(path, b"new/key=2\nthird-key\n")
        self.assertTrue(wait_until(lambda: self.get("/apikey-rot/ok?code=third-key").status == 200,
                                   timeout=INTERVAL + 4))
        self.assertEqual(self.get("/apikey-rot/ok?code=old-key-being-retired").status, 401)
        # a file without keys is refused; the last good keys stay
        write_atomic(path, b"# emptied by mistake\n")
        try:
            marker = f'tollgate: cannot load API key file "{path}": no keys; keeping the previous keys'
            self.assertTrue(wait_until(
                lambda: self.get("/apikey-rot/ok?code=third-key").status == 200
                and marker in self.nginx.log(), timeout=INTERVAL + 4))
        finally:
            # a later `nginx -s reload` (test_reload) would rightly refuse the bad file
            write_atomic(path, b"new/key=2\nthird-key\n")

    # --- addresses ------------------------------------------------------------------------

    def test_addresses_via_realip(self):
        for addr, status in [
            ("203.0.113.7", 200),
            ("2001:db8::5", 200),
            ("198.51.100.1", 403),
            ("2001:db9::1", 403),
        ]:
            r = self.get("/ip/ok", headers={"X-Forwarded-For": addr})
            self.assertEqual(r.status, status, addr)
        r = self.get("/ip/ok")  # 127.0.0.1 itself is not in the set
        self.assertEqual(r.status, 403)
        self.assertEqual(r.getheader("X-Tollgate-Status"), "address_not_allowed")

    def test_compiled_image(self):
        for addr, status in [("203.0.113.7", 200), ("2001:db8::5", 200), ("198.51.100.1", 403)]:
            r = self.get("/image/ok", headers={"X-Forwarded-For": addr})
            self.assertEqual(r.status, status, addr)

    def test_forwarded_for_from_untrusted_peer_is_ignored(self):
        r = self.get("/ip-untrusted/ok", headers={"X-Forwarded-For": "203.0.113.7"})
        self.assertEqual(r.status, 403)

    def test_builtin_acs_set(self):
        self.assertEqual(self.get("/acs/ok", headers={"X-Forwarded-For": "52.112.10.20"}).status, 200)
        self.assertEqual(self.get("/acs/ok", headers={"X-Forwarded-For": "198.51.100.1"}).status, 403)

    # --- key rotation ---------------------------------------------------------------------

    def test_jwks_rotation_and_corrupt_file(self):
        rot = os.path.join(self.prefix, "keys", "rot.json")
        current, nxt = mint("acs-2048"), mint("acs-2048-next")
        self.assertEqual(self.get("/rot/ok", current).status, 200)
        self.assertRejected(self.get("/rot/ok", nxt), 401, "unknown_kid")

        # the new key is published: accepted within the check interval
        write_atomic(rot, jwks("acs-2048", "acs-2048-next"))
        start = time.monotonic()
        self.assertTrue(wait_until(lambda: self.get("/rot/ok", nxt).status == 200, timeout=INTERVAL + 4))
        self.assertLess(time.monotonic() - start, INTERVAL + 2)

        # a corrupt file keeps the last good keys and logs an error naming tollgate and the file
        self.addCleanup(write_atomic, rot, jwks("acs-2048-next"))  # test_reload re-reads it
        write_atomic(rot, b'{"keys": [{"kty": "RSA", "n": ')
        marker = f'tollgate: cannot load JWKS file "{rot}": invalid_jwks; keeping the previous keys'
        self.assertTrue(
            wait_until(lambda: self.get("/rot/ok", nxt).status == 200 and marker in self.nginx.log(),
                       timeout=INTERVAL + 4),
            self.nginx.log()[-2000:],
        )
        self.assertEqual(self.get("/rot/ok", current).status, 200)

        # the next good file is picked up: the old key is retired
        write_atomic(rot, jwks("acs-2048-next"))
        self.assertTrue(wait_until(lambda: self.get("/rot/ok", current).status == 401, timeout=INTERVAL + 4))
        self.assertRejected(self.get("/rot/ok", current), 401, "unknown_kid")
        self.assertEqual(self.get("/rot/ok", nxt).status, 200)

    def test_rotation_under_load(self):
        # the file is replaced (good and corrupt versions) as fast as possible while requests
        # run, with a check on every request: each one must still see a whole key set
        path = os.path.join(self.prefix, "keys", "churn.json")
        docs = [jwks("acs-2048", "acs-2048-next"), b'{"keys": [', jwks("acs-2048-next", "acs-2048"),
                jwks("acs-2048")]
        deadline = time.monotonic() + 2.0
        rewrites = []

        def churn():
            i = 0
            while time.monotonic() < deadline:
                write_atomic(path, docs[i % len(docs)])
                i += 1
                time.sleep(0.002)
            write_atomic(path, docs[0])  # good at the end: test_reload re-reads every file
            rewrites.append(i)

        thread = threading.Thread(target=churn)
        thread.start()
        token, statuses = mint(), {}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            while time.monotonic() < deadline:
                conn.request("GET", "/churn/ok", headers={"Authorization": "Bearer " + token})
                resp = conn.getresponse()
                resp.read()
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
        finally:
            conn.close()
            thread.join(timeout=5)
        self.assertEqual(list(statuses), [200], statuses)
        self.assertGreater(rewrites[0], 50)
        log = self.nginx.log()
        self.assertNotIn("exited on signal", log)
        self.assertIn(f'tollgate: reloaded JWKS file "{path}"', log)
        self.assertIn(f'tollgate: cannot load JWKS file "{path}"', log)

    # --- variables in the log -------------------------------------------------------------

    def test_access_log_variables(self):
        self.get("/jwt/ok", mint(sub="logged-call"))
        self.get("/jwt/ok", mint(sub="late-call", exp_in=-3600))
        path = os.path.join(self.prefix, "logs", "access.log")

        def logged():
            with open(path) as f:
                text = f.read()
            return "200 tollgate=ok sub=logged-call" in text and "401 tollgate=expired sub=-" in text

        self.assertTrue(wait_until(logged, timeout=5))

    # --- WebSocket ------------------------------------------------------------------------

    def upgrade(self, token):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        try:
            req = (
                "GET /ws/media HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                "Sec-WebSocket-Version: 13\r\n"
            )
            if token:
                req += f"Authorization: Bearer {token}\r\n"
            s.sendall((req + "\r\n").encode())
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = s.recv(4096)
                if not chunk:
                    break
                head += chunk
            status_line = head.split(b"\r\n")[0].decode()
            echoed = b""
            if " 101 " in status_line:
                s.sendall(b"media-frame")
                while len(echoed) < len(b"echo:media-frame"):
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    echoed += chunk
            return status_line, echoed
        finally:
            s.close()

    def test_websocket_upgrade(self):
        before = len(self.backend.requests)
        status_line, _ = self.upgrade(None)
        self.assertIn(" 401 ", status_line)
        status_line, _ = self.upgrade(mint(exp_in=-3600))
        self.assertIn(" 401 ", status_line)
        self.assertEqual(len(self.backend.requests), before, "a rejected upgrade reached the backend")

        status_line, echoed = self.upgrade(mint(sub="media-stream-1", exp_in=86400))
        self.assertIn(" 101 ", status_line)
        self.assertEqual(echoed, b"echo:media-frame")
        self.assertTrue(wait_until(lambda: len(self.backend.requests) == before + 1, timeout=3))
        line, headers = self.backend.requests[-1]
        self.assertEqual(line, "GET /ws/media HTTP/1.1")
        self.assertEqual(headers.get("upgrade"), "websocket")
        self.assertEqual(headers.get("x-tollgate-sub"), "media-stream-1")

    # --- reload ---------------------------------------------------------------------------

    def test_reload(self):
        self.assertEqual(self.get("/reloaded/ok").status, 200)
        extra = f"location /reloaded/ {{ tollgate_jwt on; tollgate_jwks {self.prefix}/keys/acs.json; }}"
        with open(self.nginx.conf, "w") as f:
            f.write(config(self.prefix, self.port, self.backend.port, extra))
        try:
            result = self.nginx.signal("reload")
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertTrue(wait_until(lambda: self.get("/reloaded/ok").status == 401, timeout=10))
            self.assertEqual(self.get("/reloaded/ok", mint()).status, 200)
            self.assertEqual(self.get("/jwt/ok", mint()).status, 200)
            self.assertIsNone(self.nginx.proc.poll(), "the master exited on reload")
        finally:
            with open(self.nginx.conf, "w") as f:
                f.write(config(self.prefix, self.port, self.backend.port))


class NginxConfigTest(unittest.TestCase):
    """Configuration errors fail `nginx -t` with a message naming the problem."""

    @classmethod
    def setUpClass(cls):
        cls.prefix = make_prefix()
        cls.nginx = Nginx(cls.prefix)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.prefix, ignore_errors=True)

    def check(self, location_body, http_extra=""):
        p = self.prefix
        with open(self.nginx.conf, "w") as f:
            f.write(f"""
load_module {MODULE};
pid {p}/logs/nginx.pid;
error_log {p}/logs/error.log;
events {{ }}
http {{
    {http_extra}
    server {{ listen 127.0.0.1:{free_port()}; location / {{ {location_body} }} }}
}}
""")
        return subprocess.run(self.nginx.args("-t"), capture_output=True, text=True, timeout=30)

    def jwt_conf(self, jwks_path=None, issuer=ISSUER):
        jwks_path = jwks_path or f"{self.prefix}/keys/acs.json"
        return (f"tollgate_jwt on; tollgate_jwks {jwks_path}; tollgate_issuer {issuer}; "
                f"tollgate_audience {AUDIENCE};")

    def assertRefused(self, result, *fragments):
        self.assertNotEqual(result.returncode, 0, result.stderr)
        for fragment in fragments:
            self.assertIn(fragment, result.stderr)

    def test_valid_configuration_passes(self):
        result = self.check(self.jwt_conf() + f" tollgate_ipset acs-media; tollgate_apikey_param k; "
                            f"tollgate_apikey_file {self.prefix}/keys/apikeys.txt;")
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_missing_jwks_file(self):
        missing = f"{self.prefix}/keys/nope.json"
        self.assertRefused(self.check(self.jwt_conf(missing)),
                           f'tollgate: cannot load JWKS file "{missing}": cannot open it')

    def test_corrupt_jwks_file(self):
        bad = f"{self.prefix}/keys/bad.json"
        with open(bad, "w") as f:
            f.write('{"keys": 1}')
        self.assertRefused(self.check(self.jwt_conf(bad)), "tollgate: cannot load JWKS file", "invalid_jwks")

    def test_bad_issuer(self):
        self.assertRefused(self.check(self.jwt_conf(issuer="acscallautomation")),
                           'tollgate: issuer "acscallautomation" is not an https:// URL')
        self.assertRefused(self.check(self.jwt_conf(issuer="https://" + "x" * 300)),
                           "tollgate: invalid issuer", "invalid_policy")

    def test_unknown_set(self):
        self.assertRefused(self.check("tollgate_ipset acs-everything;"),
                           'tollgate: unknown set "acs-everything"')

    def test_bad_cidr_list(self):
        path = f"{self.prefix}/keys/bad-ranges.txt"
        with open(path, "w") as f:
            f.write("203.0.113.0/24\n10.1.2.3/8\n")
        self.assertRefused(self.check(f"tollgate_ipset {path};"), "tollgate: bad CIDR list",
                           "line 2", "10.0.0.0/8")

    def test_jwt_without_issuer(self):
        self.assertRefused(self.check(f"tollgate_jwt on; tollgate_jwks {self.prefix}/keys/acs.json; "
                                      f"tollgate_audience {AUDIENCE};"),
                           '"tollgate_jwt on" needs', "missing: tollgate_issuer")

    def test_apikey_param_without_file(self):
        self.assertRefused(self.check("tollgate_apikey_param code;"), "go together")

    def test_empty_apikey_file(self):
        path = f"{self.prefix}/keys/empty-keys.txt"
        with open(path, "w") as f:
            f.write("# nothing yet\n")
        self.assertRefused(self.check(f"tollgate_apikey_param code; tollgate_apikey_file {path};"),
                           "tollgate: cannot load API key file", "no keys")


if __name__ == "__main__":
    unittest.main()
