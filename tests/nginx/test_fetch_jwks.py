"""`tollgate fetch-jwks` feeding the module's JWKS file: a local HTTPS server on 127.0.0.1
(a CA and certificate made here with `cryptography`) publishes a key set, fetch-jwks replaces
the file nginx watches, and a token signed by the newly published key is accepted within the
check interval. A rejected document leaves the file, and so nginx's keys, as they were.
"""
import datetime
import http.server
import ipaddress
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from test_nginx import (CLI, INTERVAL, ISSUER, AUDIENCE, MODULE, Nginx, free_port, jwks, mint,
                        wait_until)


def make_pki(folder):
    """A test CA and a server certificate for 127.0.0.1 signed by it, as PEM files."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tollgate nginx test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                         critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {name: os.path.join(folder, name) for name in ("ca.pem", "cert.pem", "key.pem")}
    with open(paths["ca.pem"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths["cert.pem"], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["key.pem"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths


class JwksServer:
    """HTTPS on 127.0.0.1 answering GET /jwks.json with `self.body`."""

    def __init__(self, pki):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = server.body
                self.send_response(200 if self.path == "/jwks.json" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.body = b""
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.timeout = 1
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pki["cert.pem"], pki["key.pem"])
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class FetchJwksFeedsNginx(unittest.TestCase):
    def setUp(self):
        self.prefix = tempfile.mkdtemp(prefix="tollgate-nginx-fetch-")
        for d in ("conf", "logs", "keys", "tmp", "html", "html/fetched"):
            os.mkdir(os.path.join(self.prefix, d))
        with open(os.path.join(self.prefix, "html", "fetched", "ok"), "w") as f:
            f.write("ok\n")
        self.pki = make_pki(self.prefix)
        self.server = JwksServer(self.pki)
        self.jwks_file = os.path.join(self.prefix, "keys", "fetched.json")
        self.nginx = None

    def tearDown(self):
        if self.nginx:
            self.nginx.stop()
        self.server.close()
        shutil.rmtree(self.prefix, ignore_errors=True)

    def fetch(self):
        return subprocess.run([CLI, "fetch-jwks", "--jwks-url", self.server.url, "-o", self.jwks_file,
                               "--ca", self.pki["ca.pem"], "--timeout", "10"],
                              capture_output=True, text=True, timeout=30)

    def status(self, token):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/fetched/ok", headers={"Authorization": "Bearer " + token})
            return conn.getresponse().status
        finally:
            conn.close()

    def test_fetch_jwks_feeds_the_module(self):
        self.server.body = jwks("acs-2048")
        result = self.fetch()
        self.assertEqual(result.returncode, 0, result.stderr)

        self.port = free_port()
        user = "user root;" if os.geteuid() == 0 else ""
        p = self.prefix
        with open(os.path.join(p, "conf", "nginx.conf"), "w") as f:
            f.write(f"""
load_module {MODULE};
{user}
worker_processes 1;
daemon off;
pid {p}/logs/nginx.pid;
error_log {p}/logs/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {p}/tmp;
    proxy_temp_path {p}/tmp;
    fastcgi_temp_path {p}/tmp;
    uwsgi_temp_path {p}/tmp;
    scgi_temp_path {p}/tmp;
    root {p}/html;
    server {{
        listen 127.0.0.1:{self.port};
        location /fetched/ {{
            tollgate_jwt on;
            tollgate_jwks {self.jwks_file};
            tollgate_jwks_check_interval {INTERVAL}s;
            tollgate_issuer {ISSUER};
            tollgate_audience {AUDIENCE};
        }}
    }}
}}
""")
        self.nginx = Nginx(p)
        self.nginx.start(self.port)

        current, nxt = mint("acs-2048"), mint("acs-2048-next")
        self.assertEqual(self.status(current), 200)
        self.assertEqual(self.status(nxt), 401)

        # the issuer publishes the next key; the operator's timer runs fetch-jwks
        self.server.body = jwks("acs-2048", "acs-2048-next")
        result = self.fetch()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(wait_until(lambda: self.status(nxt) == 200, timeout=INTERVAL + 4))

        # a broken document is rejected by fetch-jwks: the file and nginx's keys stay
        with open(self.jwks_file, "rb") as f:
            before = f.read()
        self.server.body = b'{"keys": "not a list"}'
        result = self.fetch()
        self.assertEqual(result.returncode, 1, result.stderr)
        with open(self.jwks_file, "rb") as f:
            self.assertEqual(f.read(), before)
        time.sleep(INTERVAL + 0.5)
        self.assertEqual(self.status(nxt), 200)
        self.assertEqual(self.status(current), 200)


if __name__ == "__main__":
    unittest.main()
