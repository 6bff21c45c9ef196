"""The public API of the tollgate package: KeySet, Policy and verify over every PyJWT fixture
(claims compared with PyJWT's own decoding of the same token), tokens PyJWT mints here for the
policy knobs, IpSet, bearer_token and check_api_key, and where the installed package loads its
library from."""
import gc
import ipaddress
import json
import os
import time
import unittest

import jwt
from jwt.algorithms import RSAAlgorithm

import tollgate
from helpers import PYJWT, ROOT, manifest, read

ACS_ISS = "https://acscallautomation.communication.azure.com"
ACS_AUD = "6a3b8f0e-2c1d-4e5f-9a7b-3c2d1e0f4a5b"


def mint(claims, key="acs-2048", headers=None, kid=True):
    """An RS256 token signed by PyJWT with one of the fixture keys."""
    m = manifest()["keys"][key]
    h = {"kid": m["kid"]} if kid else {}
    h.update(headers or {})
    return jwt.encode(claims, read(os.path.join(PYJWT, m["private_key"])), algorithm="RS256",
                      headers=h)


class Package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.manifest = manifest()
        cls.acs_doc = read(os.path.join(PYJWT, "jwks", "acs.json"))
        cls.acs = tollgate.KeySet.from_jwks(cls.acs_doc)
        cls.policy = tollgate.Policy(issuer=ACS_ISS, audiences=[ACS_AUD], leeway=60)

    def test_library_is_the_bundled_one(self):
        lib = os.path.realpath(tollgate._ffi.LIB_PATH)
        if not os.environ.get("TOLLGATE_LIB"):
            self.assertEqual(os.path.dirname(lib), os.path.dirname(os.path.realpath(tollgate.__file__)))
        self.assertFalse(os.path.realpath(tollgate.__file__).startswith(os.path.join(ROOT, "python")),
                         "tests must run against the installed package")
        with open(os.path.join(ROOT, "Cargo.toml")) as f:
            self.assertIn(f'version = "{tollgate.__version__}"', f.read())

    def test_every_manifest_case_and_pyjwt_agrees_on_the_claims(self):
        keysets = {}
        for case in self.manifest["tokens"]:
            doc = case["jwks"]
            if doc not in keysets:
                keysets[doc] = tollgate.KeySet.from_jwks(read(os.path.join(PYJWT, doc)).decode())
            pol = case["policy"]
            policy = tollgate.Policy(pol["issuer"], pol["audiences"], leeway=pol["leeway"])
            try:
                claims = tollgate.verify(keysets[doc], policy, case["token"], now=case["now"])
                got = "ok"
            except tollgate.TokenError as e:
                self.assertIsInstance(e, tollgate.TollgateError)
                got, claims = e.name, None
            self.assertEqual(got, case["expect"], case["name"])
            if claims is None:
                continue
            want = case["claims"]
            for name in ("iss", "sub", "jti", "exp", "nbf", "iat"):
                if want[name] is not None:
                    self.assertEqual(int(claims[name]) if name in ("exp", "nbf", "iat") else claims[name],
                                     want[name], (case["name"], name))
            # The oracle: PyJWT verifies the same token with the same JWK and decodes it
            # (time checks off: the fixtures are dated).
            kid = jwt.get_unverified_header(case["token"]).get("kid")
            jwks = json.loads(read(os.path.join(PYJWT, doc)))["keys"]
            jwk = next(k for k in jwks if kid is None or k.get("kid") == kid)
            oracle = jwt.decode(case["token"], RSAAlgorithm.from_jwk(jwk), algorithms=["RS256"],
                                options={"verify_exp": False, "verify_nbf": False,
                                         "verify_iat": False, "verify_aud": False})
            self.assertEqual(claims, oracle, case["name"])

    def test_keyset(self):
        self.assertEqual(len(self.acs), 3)
        in_acs = {k["kid"] for k in self.manifest["keys"].values() if "jwks/acs.json" in k["in_jwks"]}
        self.assertEqual(set(self.acs.kids), in_acs)
        self.assertEqual(self.acs.skipped, [])
        mixed = tollgate.KeySet.from_jwks(read(os.path.join(ROOT, "tests", "fixtures", "jwt", "jwks-mixed.json")))
        self.assertEqual(len(mixed), 1)
        self.assertEqual({r for _, r in mixed.skipped},
                         {"not_rsa", "not_for_signature", "not_rs256", "no_verify_operation",
                          "unsupported_key_size", "bad_encoding", "kid_too_long"})
        self.assertEqual(mixed.report.loaded, 1)
        self.assertEqual(mixed.report.skipped, len(mixed.skipped))
        self.assertEqual(list(mixed.report.listed), mixed.skipped)
        self.assertEqual(self.acs.report, tollgate.JwksReport(3, 0, {}, ()))
        nothing = tollgate.JwksReport(loaded=0, skipped=0, skipped_for={}, listed=())
        for doc, name in [(b'{"keys":[]}', "no_usable_key"), (b"", "invalid_jwks"),
                          (b'{"keys":[],"keys":[]}', "invalid_jwks"), ("[1]", "invalid_jwks")]:
            with self.assertRaises(tollgate.TollgateError) as cm:
                tollgate.KeySet.from_jwks(doc)
            self.assertEqual(cm.exception.name, name, doc)
            self.assertNotIsInstance(cm.exception, tollgate.TokenError)
            self.assertEqual(cm.exception.report, nothing, doc)
        # The failure that most needs the reasons: no usable key says why for each entry.
        with self.assertRaises(tollgate.TollgateError) as cm:
            tollgate.KeySet.from_jwks('{"keys":[{"kty":"EC"},{"kty":"RSA","use":"enc"},7]}')
        self.assertEqual(cm.exception.name, "no_usable_key")
        self.assertEqual(cm.exception.report, tollgate.JwksReport(
            loaded=0, skipped=3,
            skipped_for={"not_rsa": 1, "not_for_signature": 1, "bad_encoding": 1},
            listed=((0, "not_rsa"), (1, "not_for_signature"), (2, "bad_encoding")),
            listed_kids=(None, None, None)))
        # Duplicate kid: the entries before the repeat.
        acs = json.loads(self.acs_doc)
        keys = acs["keys"] + [{"kty": "oct"}, acs["keys"][1], {"kty": "EC"}]
        with self.assertRaises(tollgate.TollgateError) as cm:
            tollgate.KeySet.from_jwks(json.dumps({"keys": keys}))
        self.assertEqual(cm.exception.name, "duplicate_kid")
        self.assertEqual(cm.exception.report,
                         tollgate.JwksReport(3, 1, {"not_rsa": 1}, ((3, "not_rsa"),), (None,)))
        # More usable keys than a set holds: the report names the ones left out by kid.
        many = [dict(acs["keys"][0], kid="k%d" % i) for i in range(18)]
        many[17]["kid"] = "\u00e9/\"q"
        big = tollgate.KeySet.from_jwks(json.dumps({"keys": many}))
        self.assertEqual(len(big), 16)
        self.assertEqual(big.report.listed, ((16, "over_capacity"), (17, "over_capacity")))
        self.assertEqual(big.report.listed_kids, ("k16", "\u00e9/\"q"))
        # Other errors carry no report.
        self.assertIsNone(tollgate.TollgateError("x").report)
        with self.assertRaises(TypeError):
            tollgate.KeySet.from_jwks(None)
        with self.assertRaises(TypeError):
            tollgate.KeySet()

    def test_policy_knobs_with_tokens_minted_now(self):
        now = int(time.time())
        base = {"iss": ACS_ISS, "aud": ACS_AUD, "iat": now - 10, "exp": now + 300, "sub": "s"}

        def check(token, policy=None, when=None):
            try:
                tollgate.verify(self.acs, policy or self.policy, token, now=when)
                return "ok"
            except tollgate.TokenError as e:
                return e.name

        self.assertEqual(check(mint(base)), "ok")  # now=None: the system clock
        self.assertEqual(check(mint(base), when=now + 400), "expired")
        self.assertEqual(check(mint(base), when=float(now)), "ok")
        typed = tollgate.Policy(ACS_ISS, ACS_AUD, typ="jwt")
        self.assertEqual(check(mint(base, headers={"typ": "JWT"}), typed), "ok")
        self.assertEqual(check(mint(base, headers={"typ": "dpop+jwt"}), typed), "wrong_type")
        aged = tollgate.Policy(ACS_ISS, [ACS_AUD], max_age=30, leeway=0)
        self.assertEqual(check(mint(base), aged), "ok")
        self.assertEqual(check(mint(dict(base, iat=now - 100)), aged), "too_old")
        no_exp = {k: v for k, v in base.items() if k != "exp"}
        self.assertEqual(check(mint(no_exp)), "missing_claim")
        lax = tollgate.Policy(ACS_ISS, [ACS_AUD], require_exp=False)
        self.assertEqual(check(mint(no_exp), lax), "ok")
        big = mint(dict(base, pad="x" * 3000))
        self.assertEqual(check(big), "ok")
        small = tollgate.Policy(ACS_ISS, [ACS_AUD], max_token_len=len(big) - 1)
        self.assertEqual(check(big, small), "too_large")
        self.assertEqual(check(big, tollgate.Policy(ACS_ISS, [ACS_AUD], max_token_len=len(big))), "ok")
        self.assertEqual(check(mint(dict(base, aud=["x", ACS_AUD]))), "ok")
        self.assertEqual(check(mint(base), tollgate.Policy(ACS_ISS, ["other", "x"])), "wrong_audience")
        self.assertEqual(check(mint(base, key="attacker-2048", kid=False)), "missing_kid")
        # Claims come back as JSON parsed them: nested values and non-ASCII text intact.
        rich = dict(base, sub="caf\u00e9 \U0001f600", n={"a": [1, 2.5, None, True]})
        claims = tollgate.verify(self.acs, self.policy, mint(rich))
        self.assertEqual(claims, rich)
        self.assertEqual(tollgate.verify(self.acs, self.policy, mint(rich).encode()), rich)

    def test_threads_share_keys_and_policy(self):
        import threading
        now = int(time.time())
        good = mint({"iss": ACS_ISS, "aud": ACS_AUD, "exp": now + 300, "n": 1})
        bad = mint({"iss": ACS_ISS, "aud": "other", "exp": now + 300})
        errors = []

        def worker(i):
            for _ in range(50):
                try:
                    self.assertEqual(tollgate.verify(self.acs, self.policy, good)["n"], 1)
                    with self.assertRaises(tollgate.TokenError) as cm:
                        tollgate.verify(self.acs, self.policy, bad)
                    self.assertEqual(cm.exception.name, "wrong_audience")
                except Exception as e:  # reported below: assertions in threads do not fail tests
                    errors.append(e)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])

    def test_policy_rules(self):
        for kwargs, name in [
            (dict(issuer="", audiences=["a"]), "invalid_policy"),
            (dict(issuer="i", audiences=[]), "invalid_policy"),
            (dict(issuer="i", audiences=["a"] * 9), "invalid_policy"),
            (dict(issuer="i\0", audiences=["a"]), "invalid_text"),
            (dict(issuer="\udc80", audiences=["a"]), "invalid_text"),
            (dict(issuer=b"i\xff", audiences=["a"]), "invalid_text"),
            (dict(issuer="i", audiences=["a"], max_depth=0), "invalid_policy"),
            (dict(issuer="i", audiences=["a"], max_token_len=0), "invalid_policy"),
            (dict(issuer="i", audiences=["a"], typ="t" * 65), "invalid_policy"),
            (dict(issuer="i", audiences=["a"], leeway=-1), "invalid_argument"),
            (dict(issuer="i", audiences=["a"], max_age=2 ** 64), "invalid_argument"),
        ]:
            with self.assertRaises(tollgate.TollgateError) as cm:
                tollgate.Policy(**kwargs)
            self.assertEqual(cm.exception.name, name, kwargs)
        for bad in [dict(leeway="60"), dict(require_exp=1), dict(max_age=1.5)]:
            with self.assertRaises(TypeError):
                tollgate.Policy("i", ["a"], **bad)
        p = tollgate.Policy("i", "a")
        self.assertEqual(p.audiences, ("a",))
        self.assertIn("'i'", repr(p))

    def test_verify_argument_errors(self):
        token = mint({"iss": ACS_ISS, "aud": ACS_AUD, "exp": 2 ** 40})
        with self.assertRaises(TypeError):
            tollgate.verify(self.acs_doc, self.policy, token)
        with self.assertRaises(TypeError):
            tollgate.verify(self.acs, None, token)
        with self.assertRaises(TypeError):
            tollgate.verify(self.acs, self.policy, 42)
        for now in (-1, float("nan"), 2 ** 64):
            with self.assertRaises(tollgate.TollgateError) as cm:
                tollgate.verify(self.acs, self.policy, token, now=now)
            self.assertEqual(cm.exception.name, "invalid_argument")

    def test_ipset(self):
        acs = tollgate.IpSet.acs()
        self.assertEqual(acs.lookup("52.112.0.1"), tollgate.ACS_MEDIA | tollgate.ACS_CALLBACK)
        self.assertEqual(acs.lookup("2603:1027::1"), tollgate.ACS_CALLBACK)
        self.assertEqual(acs.lookup("1.1.1.1"), 0)
        self.assertEqual(acs.lookup(ipaddress.ip_address("52.112.0.1")), 3)
        self.assertEqual(acs.lookup(bytes([52, 112, 0, 1])), 3)
        self.assertEqual(acs.lookup("::ffff:52.112.0.1"), 3)
        s = tollgate.IpSet.from_list("# comment\n10.0.0.0/8 1\n10.1.0.0/16 4\n2001:db8::/32 2\n")
        self.assertEqual(s.lookup("10.1.2.3"), 5)
        self.assertEqual(s.lookup("10.2.0.0"), 1)
        self.assertEqual(s.lookup("2001:db8::1"), 2)
        self.assertEqual(s.lookup(b"\x20\x01\x0d\xb8" + bytes(12)), 2)
        again = tollgate.IpSet.load(s.image)
        self.assertEqual(again.lookup("10.1.2.3"), 5)
        self.assertEqual(again.image, s.image)
        for addr in ["1.1.1.01", "", "10.0.0.1%eth0", "fe80::1%1", "x", "\udc80"]:
            with self.assertRaises(tollgate.TollgateError) as cm:
                s.lookup(addr)
            self.assertEqual(cm.exception.name, "invalid_address", addr)
        with self.assertRaises(tollgate.TollgateError) as cm:
            s.lookup(b"\x01\x02\x03")
        self.assertEqual(cm.exception.name, "invalid_address")
        for text, name in [("10.1.2.3/8\n", "host_bits_set"), ("10.0.0.0/33\n", "invalid_prefix_length"),
                           ("10.0.0.0/8 zz\n", "invalid_list_line")]:
            with self.assertRaises(tollgate.TollgateError) as cm:
                tollgate.IpSet.from_list("# ranges\n" + text)
            self.assertEqual(cm.exception.name, name, text)
            self.assertIn("line 2: " + name, str(cm.exception), text)
        with self.assertRaises(tollgate.TollgateError) as cm:
            tollgate.IpSet.from_list("10.1.2.3/8\n")
        self.assertIn("did you mean 10.0.0.0/8?", str(cm.exception))
        image = bytearray(s.image)
        with self.assertRaises(tollgate.TollgateError) as cm:
            tollgate.IpSet.load(image[:-1])
        self.assertEqual(cm.exception.name, "image_truncated")
        image[-3] ^= 0x55
        with self.assertRaises(tollgate.TollgateError):
            tollgate.IpSet.load(image)

    def test_ipset_outlives_its_builder(self):
        """The handle and the image it points to live as long as the IpSet (nothing dangles
        once the temporaries of the call that made it are gone)."""
        def make():
            built = tollgate.IpSet.from_list("10.0.0.0/8 1\n2001:db8::/32 2\n")
            image = bytearray(built.image)
            loaded = tollgate.IpSet.load(image)
            image[:] = bytes(len(image))  # the caller's bytes are copied, not referred to
            return built, loaded

        built, loaded = make()
        gc.collect()
        junk = [bytearray(4096) for _ in range(256)]  # reuse freed memory
        for s in (built, loaded):
            self.assertEqual(s.lookup("10.9.9.9"), 1)
            self.assertEqual(s.lookup("2001:db8::7"), 2)
            self.assertEqual(s.lookup("11.0.0.1"), 0)
        self.assertEqual(built.image, loaded.image)
        del junk

    def test_bearer_and_api_key(self):
        self.assertEqual(tollgate.bearer_token("Bearer eyJh.eyJp.c2ln"), "eyJh.eyJp.c2ln")
        self.assertEqual(tollgate.bearer_token(b"bEaReR    abc=="), "abc==")
        for value in ["", "Bearer", "Basic abc", "Bearer a b", "Bearer a\x00", "Bearer \u00e9", "Bearer \udc80"]:
            with self.assertRaises(tollgate.TokenError) as cm:
                tollgate.bearer_token(value)
            self.assertEqual(cm.exception.name, "invalid_authorization", value)
        keys = ["retiring-key", b"8f2d9c63a7b14d32b53c9e12a1f47fcb"]
        self.assertIsNone(tollgate.check_api_key("/hook?token=8f2d9c63a7b14d32b53c9e12a1f47fcb", keys=keys))
        self.assertIsNone(tollgate.check_api_key("/hook?k=retiring%2dkey", keys=keys, param="k"))
        for uri, name in [("/hook?token=retiring+key", "key_mismatch"), ("/hook?x=1", "missing_parameter"),
                          ("/hook?token=a&token=a", "duplicate_parameter"), ("/hook?token=%2", "invalid_uri")]:
            with self.assertRaises(tollgate.ApiKeyError) as cm:
                tollgate.check_api_key(uri, keys=keys)
            self.assertEqual(cm.exception.name, name, uri)
        with self.assertRaises(tollgate.ApiKeyError) as cm:
            tollgate.check_api_key("/hook?token=x", keys=[])
        self.assertEqual(cm.exception.name, "invalid_argument")
        with self.assertRaises(TypeError):
            tollgate.check_api_key("/hook?token=x", keys="x")


if __name__ == "__main__":
    unittest.main()
