"""Garbage through every binding: random bytes, random text (lone surrogates included) and
mutations of valid inputs fed to every function of the package and to the C functions through
tollgate._ffi. Each call either succeeds or raises TollgateError whose name is one of the
stable names in core/src/error.rs (or the guard's own address_not_allowed /
missing_authorization); no other exception, no crash. Seeded and bounded."""
import ctypes
import os
import random
import time
import unittest

import tollgate
from helpers import PYJWT, ROOT, load, read
from test_package import ACS_AUD, ACS_ISS, mint
from test_pyjwt_fixtures import error_names

ROUNDS = 300
NAMES = error_names()


def garbage_bytes(rng, valid=None):
    """Random bytes, or ``valid`` with a few bytes flipped, cut or inserted."""
    if valid is None or rng.random() < 0.3:
        alphabet = [rng.randrange(256) for _ in range(8)] + list(b'{}[]":,.\\/ 0aZ-_=%+#\n')
        return bytes(rng.choice(alphabet) if rng.random() < 0.7 else rng.randrange(256)
                     for _ in range(rng.randrange(0, 200)))
    b = bytearray(valid)
    for _ in range(rng.randint(1, 4)):
        op, i = rng.random(), rng.randrange(len(b) + 1)
        if op < 0.4 and b:
            b[min(i, len(b) - 1)] = rng.randrange(256)
        elif op < 0.7:
            del b[i:i + rng.randint(1, 8)]
        else:
            b[i:i] = bytes([rng.randrange(256)])
    return bytes(b)


def garbage_text(rng, valid=None):
    """Random text, possibly with lone surrogates, or a mutated ``valid`` decoded leniently."""
    if valid is not None and rng.random() < 0.6:
        return garbage_bytes(rng, valid.encode()).decode("utf-8", "surrogateescape")
    pool = "aZ09.:/-_ {}[]\"\\%\x00\u00e9\u4e2d\U0001f600\udc80\ud800"
    return "".join(rng.choice(pool) for _ in range(rng.randrange(0, 60)))


class Garbage(unittest.TestCase):
    def setUp(self):
        self.rng = random.Random(20261130)
        self.jwks = read(os.path.join(PYJWT, "jwks", "acs.json"))
        self.keys = tollgate.KeySet.from_jwks(self.jwks)
        self.policy = tollgate.Policy(ACS_ISS, [ACS_AUD])
        self.token = mint({"iss": ACS_ISS, "aud": ACS_AUD, "exp": int(time.time()) + 300})
        self.names = {"ok": 0}

    def survive(self, fn, *args, **kwargs):
        """Call ``fn``; it may succeed or raise TollgateError with a stable name."""
        try:
            fn(*args, **kwargs)
            self.names["ok"] += 1
        except tollgate.TollgateError as e:
            self.assertIn(e.name, NAMES, (fn, args, kwargs))
            self.names[e.name] = self.names.get(e.name, 0) + 1

    def either(self, valid: str):
        return (garbage_bytes(self.rng, valid.encode()) if self.rng.random() < 0.5
                else garbage_text(self.rng, valid))

    def test_package_functions(self):
        acs = tollgate.IpSet.acs()
        listed = tollgate.IpSet.from_list("10.0.0.0/8 1\n2001:db8::/32 2\n")
        hosts = tollgate.HostSet.from_list("*.lync.com 2\nteams.microsoft.com 1\n")
        for _ in range(ROUNDS):
            self.survive(tollgate.KeySet.from_jwks, self.either(self.jwks.decode()))
            self.survive(tollgate.Policy, self.either(ACS_ISS), [self.either(ACS_AUD)],
                         typ=self.either("JWT"))
            self.survive(tollgate.verify, self.keys, self.policy, self.either(self.token))
            self.survive(tollgate.IpSet.from_list, self.either("10.0.0.0/8 1\n::/0 2\n"))
            self.survive(tollgate.IpSet.load, garbage_bytes(self.rng, listed.image))
            self.survive(acs.lookup, self.either("52.112.0.1"))
            self.survive(listed.lookup, garbage_bytes(self.rng, bytes(16)))
            self.survive(tollgate.HostSet.from_list, self.either("*.lync.com 2\na.b 1\n"))
            self.survive(tollgate.HostSet.load, garbage_bytes(self.rng, hosts.image))
            self.survive(hosts.lookup, self.either("x.lync.com"))
            self.survive(tollgate.bearer_token, self.either("Bearer " + self.token))
            param = "token" if self.rng.random() < 0.5 else self.either("token")
            self.survive(tollgate.check_api_key, self.either("/h?token=k1"),
                         keys=[self.either("k1"), "k2"], param=param)
        # The mutations reached deep enough to produce a spread of verdicts.
        self.assertGreater(self.names["ok"], ROUNDS // 10)
        for name in ("malformed", "bad_signature", "invalid_jwks", "invalid_address",
                     "invalid_host_name",
                     "invalid_authorization", "key_mismatch", "invalid_uri", "invalid_text"):
            self.assertIn(name, self.names)

    def test_guard(self):
        g = tollgate.Guard(keys=self.keys, policy=self.policy, api_keys=["k1"],
                           ipset=tollgate.IpSet.acs())
        outcomes = set()
        for _ in range(ROUNDS):
            # Each part is valid half of the time, so every stage is reached.
            keep = lambda: self.rng.random() < 0.5  # noqa: E731
            addr = "52.112.0.1" if keep() else garbage_text(self.rng, "52.112.0.1")
            bearer = b"Bearer " + self.token.encode()
            auth = [bearer if keep() else garbage_bytes(self.rng, bearer)
                    for _ in range(self.rng.choice([0, 1, 1, 1, 2]))]
            query = b"token=k1" if keep() else garbage_bytes(self.rng, b"token=k1")
            got = g.check(remote_addr=None if addr == "" else addr, query=query,
                          authorization=auth)
            if isinstance(got, tollgate.Denied):
                self.assertIn(got.status, (401, 403))
                self.assertTrue(got.name in NAMES or got.name in
                                ("address_not_allowed", "missing_authorization"), got.name)
                outcomes.add(got.status)
            else:
                self.assertIsInstance(got, dict)
                outcomes.add(200)
        self.assertEqual(outcomes, {200, 401, 403})

    def test_wrong_types_raise_type_error(self):
        calls = [
            lambda v: tollgate.KeySet.from_jwks(v),
            lambda v: tollgate.Policy(v, ["a"]),
            lambda v: tollgate.Policy("i", [v]),
            lambda v: tollgate.verify(self.keys, self.policy, v),
            lambda v: tollgate.IpSet.from_list(v),
            lambda v: tollgate.IpSet.load(v),
            lambda v: tollgate.IpSet.acs().lookup(v),
            lambda v: tollgate.HostSet.from_list(v),
            lambda v: tollgate.HostSet.load(v),
            lambda v: tollgate.HostSet.acs().lookup(v),
            lambda v: tollgate.bearer_token(v),
            lambda v: tollgate.check_api_key(v, keys=["k"]),
            lambda v: tollgate.check_api_key("/?token=k", keys=[v]),
        ]
        for call in calls:
            for value in (None, 42, 1.5, object(), ["x"]):
                with self.assertRaises(TypeError, msg=(call, value)):
                    call(value)

    def test_c_functions_directly(self):
        """Random bytes with their true lengths into each C entry point: a known status."""
        lib = load()
        ks = (ctypes.c_uint64 * (lib.tollgate_keyset_size() // 8))()
        pol = (ctypes.c_uint64 * (lib.tollgate_policy_size() // 8))()
        aud = tollgate._ffi.TollgateStr(b"a", 1)
        self.assertEqual(lib.tollgate_policy_init(pol, b"i", 1, ctypes.byref(aud), 1), 0)
        self.assertEqual(lib.tollgate_keyset_parse(ks, self.jwks, len(self.jwks), None), 0)
        claims = tollgate._ffi.Claims()
        out_p, out_n, tags = ctypes.c_void_p(), ctypes.c_size_t(), ctypes.c_uint32()
        statuses = set()
        for _ in range(ROUNDS):
            b = garbage_bytes(self.rng)
            n = len(b)
            scratch = ctypes.create_string_buffer(2 * n + 64)
            buf = ctypes.create_string_buffer(n + 1)
            for st in (
                lib.tollgate_keyset_parse(ks, b, n, None),
                lib.tollgate_verify(ks, pol, b, n, 0, scratch, len(scratch), ctypes.byref(claims)),
                lib.tollgate_bearer_token(b, n, ctypes.byref(out_p), ctypes.byref(out_n)),
                lib.tollgate_apikey_check(b, n, b"t", 1, ctypes.byref(aud), 1),
                lib.tollgate_ipset_required_size(b, n, ctypes.byref(out_n)),
                lib.tollgate_ipset_lookup_text(lib.tollgate_acs_ipset(), b, n, ctypes.byref(tags)),
                lib.tollgate_oidc_parse(b, n, buf, n + 1, ctypes.byref(out_n), buf, n + 1,
                                        ctypes.byref(out_n)),
                lib.tollgate_policy_set_typ(pol, b, n),
            ):
                name = lib.tollgate_status_str(st).decode()
                self.assertTrue(name == "ok" or name in NAMES, name)
                statuses.add(name)
        self.assertGreater(len(statuses), 5)


if __name__ == "__main__":
    unittest.main()
