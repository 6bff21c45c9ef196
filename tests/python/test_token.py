"""Token verification through the C ABI (tollgate._ffi), as a Python host calls the shared
library: key sets and policies placed in buffers sized by tollgate_keyset_size()/tollgate_policy_size(), every case
of the PyJWT-minted manifest verified (claims compared with the manifest), claim getters,
OIDC discovery, and the failure rules (statuses, outputs untouched)."""
import ctypes
import json
import os
import unittest

from helpers import ROOT, TollgateStr, load
from tollgate._ffi import Claims, JwksReport

PYJWT = os.path.join(ROOT, "tests", "fixtures", "pyjwt")


def read(path):
    with open(path, "rb") as f:
        return f.read()


class Token(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lib = load()
        with open(os.path.join(PYJWT, "manifest.json")) as f:
            cls.manifest = json.load(f)

    def name(self, status):
        return self.lib.tollgate_status_str(status).decode()

    # The opaque objects: plain byte buffers of the advertised size (ctypes buffers are
    # malloc'd, so 8-byte aligned).
    def keyset(self, doc):
        ks = ctypes.create_string_buffer(self.lib.tollgate_keyset_size())
        report = JwksReport()
        st = self.lib.tollgate_keyset_parse(ks, doc, len(doc), ctypes.byref(report))
        self.assertEqual(self.name(st), "ok")
        return ks, report

    def policy(self, issuer, audiences, leeway=None):
        p = ctypes.create_string_buffer(self.lib.tollgate_policy_size())
        auds = (TollgateStr * len(audiences))(*[TollgateStr(a, len(a)) for a in audiences])
        st = self.lib.tollgate_policy_init(p, issuer, len(issuer), auds, len(audiences))
        if st:
            return self.name(st)
        if leeway is not None:
            self.assertEqual(self.lib.tollgate_policy_set_leeway(p, leeway), 0)
        return p

    def verify(self, ks, p, token, now, scratch_len=None):
        need = self.lib.tollgate_verify_scratch_size(len(token))
        scratch = ctypes.create_string_buffer(need if scratch_len is None else scratch_len)
        claims = Claims()
        ctypes.memset(ctypes.byref(claims), 0x5C, ctypes.sizeof(claims))
        st = self.lib.tollgate_verify(ks, p, token, len(token), now, scratch, len(scratch),
                                      ctypes.byref(claims))
        if st:
            untouched = bytes(ctypes.string_at(ctypes.addressof(claims), ctypes.sizeof(claims)))
            self.assertEqual(untouched, b"\x5c" * ctypes.sizeof(claims), "output written on failure")
            return self.name(st), None, scratch
        return "ok", claims, scratch

    def test_every_manifest_case(self):
        keysets = {}
        verdicts = {}
        for case in self.manifest["tokens"]:
            if case["jwks"] not in keysets:
                keysets[case["jwks"]] = self.keyset(read(os.path.join(PYJWT, case["jwks"])))[0]
            pol = case["policy"]
            p = self.policy(pol["issuer"].encode(), [a.encode() for a in pol["audiences"]],
                            pol["leeway"])
            got, claims, scratch = self.verify(keysets[case["jwks"]], p, case["token"].encode(),
                                               case["now"])
            self.assertEqual(got, case["expect"], case["name"])
            verdicts[got] = verdicts.get(got, 0) + 1
            if claims is None:
                continue
            want = case["claims"]
            text = lambda s: None if s.bytes() is None else s.bytes().decode()
            self.assertEqual(text(claims.iss), want["iss"], case["name"])
            self.assertEqual(text(claims.aud), want["aud"], case["name"])
            self.assertEqual(text(claims.sub), want["sub"], case["name"])
            self.assertEqual(text(claims.jti), want["jti"], case["name"])
            self.assertEqual(claims.has_jti, want["jti"] is not None)
            for t in ("exp", "nbf", "iat"):
                self.assertEqual(getattr(claims, t) if getattr(claims, "has_" + t) else None,
                                 want[t], (case["name"], t))
            self.assertEqual(json.loads(claims.json.bytes())["iss"], want["iss"])
            del scratch
        self.assertEqual(verdicts.get("ok"), 8)
        self.assertEqual(sum(verdicts.values()), len(self.manifest["tokens"]))

    def acs(self, name):
        case = next(t for t in self.manifest["tokens"] if t["name"] == name)
        ks, report = self.keyset(read(os.path.join(PYJWT, "jwks", "acs.json")))
        p = self.policy(case["policy"]["issuer"].encode(),
                        [a.encode() for a in case["policy"]["audiences"]])
        return ks, report, p, case

    def test_keyset_report_and_kids(self):
        ks, report, _, _ = self.acs("acs_webhook")
        self.assertEqual((report.loaded, report.skipped), (3, 0))
        self.assertEqual(self.lib.tollgate_keyset_len(ks), 3)
        kids = []
        for i in range(3):
            ptr, n = ctypes.c_void_p(), ctypes.c_size_t()
            self.assertEqual(self.lib.tollgate_keyset_kid(ks, i, ctypes.byref(ptr), ctypes.byref(n)), 0)
            kids.append(ctypes.string_at(ptr.value, n.value).decode())
        in_acs = {k["kid"] for k in self.manifest["keys"].values() if "jwks/acs.json" in k["in_jwks"]}
        self.assertEqual(set(kids), in_acs)
        mixed = read(os.path.join(ROOT, "tests", "fixtures", "jwt", "jwks-mixed.json"))
        _, report = self.keyset(mixed)
        self.assertEqual(report.loaded, 1)
        reasons = {self.lib.tollgate_skip_reason_str(report.listed[i][1]).decode()
                   for i in range(report.listed_len)}
        self.assertEqual(reasons, {"not_rsa", "not_for_signature", "not_rs256",
                                   "no_verify_operation", "unsupported_key_size",
                                   "bad_encoding", "kid_too_long"})
        # Seventeen usable keys: the first sixteen load, the last is skipped (over_capacity).
        acs = json.loads(read(os.path.join(PYJWT, "jwks", "acs.json")))
        many = {"keys": [dict(acs["keys"][0], kid="k%d" % i) for i in range(17)]}
        big, big_report = self.keyset(json.dumps(many).encode())
        self.assertEqual((big_report.loaded, big_report.skipped), (16, 1))
        self.assertEqual(self.lib.tollgate_keyset_len(big), 16)
        self.assertEqual(list(big_report.listed[0]), [16, 8])
        self.assertEqual(self.lib.tollgate_skip_reason_str(8).decode(), "over_capacity")
        # A failed parse leaves the set as it was.
        before = ks.raw
        bad = JwksReport()
        bad.loaded = bad.skipped = bad.listed_len = 99
        st = self.lib.tollgate_keyset_parse(ks, b'{"keys":[]}', 11, ctypes.byref(bad))
        self.assertEqual(self.name(st), "no_usable_key")
        self.assertEqual(ks.raw, before)
        self.assertEqual((bad.loaded, bad.skipped, bad.listed_len), (0, 0, 0))
        # ... and its report says why no key was usable (written on failure too).
        none = b'{"keys":[{"kty":"EC"},{"kty":"RSA","alg":"RS512"}]}'
        st = self.lib.tollgate_keyset_parse(ks, none, len(none), ctypes.byref(bad))
        self.assertEqual(self.name(st), "no_usable_key")
        self.assertEqual(ks.raw, before)
        self.assertEqual((bad.loaded, bad.skipped, bad.listed_len), (0, 2, 2))
        self.assertEqual([list(bad.listed[i]) for i in range(2)], [[0, 1], [1, 3]])
        self.assertEqual(self.lib.tollgate_skip_reason_str(3).decode(), "not_rs256")
        self.assertEqual((bad.skipped_for[1], bad.skipped_for[3]), (1, 1))
        bad.loaded = 99
        st = self.lib.tollgate_keyset_parse(ks, b"not json", 8, ctypes.byref(bad))
        self.assertEqual(self.name(st), "invalid_jwks")
        self.assertEqual((bad.loaded, bad.skipped, bad.listed_len), (0, 0, 0))
        st = self.lib.tollgate_keyset_parse(ks, None, 5, None)
        self.assertEqual(self.name(st), "null_pointer")
        # A set never parsed is refused, not read.
        never = ctypes.create_string_buffer(self.lib.tollgate_keyset_size())
        _, _, p, case = self.acs("acs_webhook")
        self.assertEqual(self.verify(never, p, case["token"].encode(), case["now"])[0],
                         "invalid_argument")

    def test_policy_rules(self):
        self.assertEqual(self.policy(b"", [b"a"]), "invalid_policy")
        self.assertEqual(self.policy(b"i", []), "invalid_policy")
        self.assertEqual(self.policy(b"i", [b"a"] * 9), "invalid_policy")
        self.assertEqual(self.policy(b"i" * 257, [b"a"]), "invalid_policy")
        self.assertEqual(self.policy(b"i\0", [b"a"]), "invalid_text")
        self.assertEqual(self.policy(b"i\xff", [b"a"]), "invalid_text")
        ks, _, p, case = self.acs("acs_webhook")
        token, now = case["token"].encode(), case["now"]
        self.assertEqual(self.verify(ks, p, token, now)[0], "ok")
        self.assertEqual(self.lib.tollgate_policy_set_typ(p, b"JWT", 3), 0)
        self.assertEqual(self.verify(ks, p, token, now)[0], "ok")
        self.assertEqual(self.lib.tollgate_policy_set_typ(p, b"dpop+jwt", 8), 0)
        self.assertEqual(self.verify(ks, p, token, now)[0], "wrong_type")
        self.assertEqual(self.lib.tollgate_policy_set_typ(p, None, 0), 0)
        before = p.raw
        self.assertEqual(self.name(self.lib.tollgate_policy_set_max_depth(p, 0)), "invalid_policy")
        self.assertEqual(p.raw, before)
        # iat is 60 s before now: a 1 s maximum age is still inside the 60 s leeway.
        self.assertEqual(self.lib.tollgate_policy_set_max_age(p, 1), 0)
        self.assertEqual(self.verify(ks, p, token, now + 1)[0], "ok")
        self.assertEqual(self.verify(ks, p, token, now + 2)[0], "too_old")
        # 0 turns the maximum age off.
        self.assertEqual(self.lib.tollgate_policy_set_max_age(p, 0), 0)
        self.assertEqual(self.verify(ks, p, token, now + 2)[0], "ok")
        self.assertEqual(self.lib.tollgate_policy_set_leeway(p, 3600), 0)
        self.assertEqual(self.name(self.lib.tollgate_policy_set_leeway(p, 3601)), "invalid_argument")
        self.assertEqual(self.lib.tollgate_policy_set_leeway(p, 60), 0)

    def test_scratch_and_getters(self):
        ks, _, p, case = self.acs("acs_webhook")
        token, now = case["token"].encode(), case["now"]
        need = self.lib.tollgate_verify_scratch_size(len(token))
        self.assertEqual(self.verify(ks, p, token, now, need - 1)[0], "buffer_too_small")
        got, claims, scratch = self.verify(ks, p, token, now, need)
        self.assertEqual(got, "ok")
        start = ctypes.addressof(scratch)
        self.assertTrue(start <= claims.json.ptr < start + need)
        ptr, n = ctypes.c_void_p(), ctypes.c_size_t()
        self.assertEqual(self.lib.tollgate_claims_get(ctypes.byref(claims), b"callConnectionId", 16,
                                                      ctypes.byref(ptr), ctypes.byref(n)), 0)
        raw = ctypes.string_at(ptr.value, n.value)
        payload = json.loads(claims.json.bytes())
        self.assertEqual(json.loads(raw), payload["callConnectionId"])
        buf = ctypes.create_string_buffer(n.value)
        out = ctypes.c_size_t(999)
        st = self.lib.tollgate_claims_get_str(ctypes.byref(claims), b"callConnectionId", 16, buf,
                                              len(buf), ctypes.byref(out))
        self.assertEqual(st, 0)
        self.assertEqual(buf.raw[:out.value].decode(), payload["callConnectionId"])
        out = ctypes.c_size_t(999)
        st = self.lib.tollgate_claims_get_str(ctypes.byref(claims), b"exp", 3, buf, len(buf),
                                              ctypes.byref(out))
        self.assertEqual((self.name(st), out.value), ("invalid_claim", 999))
        st = self.lib.tollgate_claims_get(ctypes.byref(claims), b"nope", 4, ctypes.byref(ptr),
                                          ctypes.byref(n))
        self.assertEqual(self.name(st), "claim_not_found")

    def test_abi_version_and_sizes(self):
        self.assertEqual(self.lib.tollgate_abi_version(), 1)
        self.assertEqual(self.lib.tollgate_claims_size(), ctypes.sizeof(Claims))
        self.assertEqual(self.lib.tollgate_jwks_report_size(), ctypes.sizeof(JwksReport))

    def test_typed_getters(self):
        case = next(t for t in self.manifest["tokens"] if t["name"] == "entra_event_grid")
        ks = self.keyset(read(os.path.join(PYJWT, case["jwks"])))[0]
        pol = case["policy"]
        p = self.policy(pol["issuer"].encode(), [a.encode() for a in pol["audiences"]])
        got, claims, scratch = self.verify(ks, p, case["token"].encode(), case["now"])
        self.assertEqual(got, "ok")
        payload = json.loads(claims.json.bytes())
        c = ctypes.byref(claims)
        i, d, b, n = ctypes.c_int64(7), ctypes.c_double(), ctypes.c_bool(), ctypes.c_size_t(9)
        self.assertEqual(self.lib.tollgate_claims_get_i64(c, b"iat", 3, ctypes.byref(i)), 0)
        self.assertEqual(i.value, payload["iat"])
        self.assertEqual(self.lib.tollgate_claims_get_f64(c, b"exp", 3, ctypes.byref(d)), 0)
        self.assertEqual(d.value, float(payload["exp"]))
        i = ctypes.c_int64(7)
        st = self.lib.tollgate_claims_get_i64(c, b"ver", 3, ctypes.byref(i))
        self.assertEqual((self.name(st), i.value), ("invalid_claim", 7))
        st = self.lib.tollgate_claims_get_bool(c, b"ver", 3, ctypes.byref(b))
        self.assertEqual(self.name(st), "invalid_claim")
        # roles is an array of strings; aud a single string (a list of one).
        for name, want in ((b"roles", payload["roles"]), (b"aud", [payload["aud"]])):
            self.assertEqual(self.lib.tollgate_claims_get_str_count(c, name, len(name),
                                                                    ctypes.byref(n)), 0)
            self.assertEqual(n.value, len(want))
            got = []
            for k in range(n.value):
                buf, out = ctypes.create_string_buffer(256), ctypes.c_size_t()
                st = self.lib.tollgate_claims_get_str_at(c, name, len(name), k, buf, len(buf),
                                                         ctypes.byref(out))
                self.assertEqual(st, 0)
                got.append(buf.raw[:out.value].decode())
            self.assertEqual(got, want)
            buf, out = ctypes.create_string_buffer(256), ctypes.c_size_t(5)
            st = self.lib.tollgate_claims_get_str_at(c, name, len(name), n.value, buf, len(buf),
                                                     ctypes.byref(out))
            self.assertEqual((self.name(st), out.value), ("invalid_argument", 5))
        st = self.lib.tollgate_claims_get_str_count(c, b"exp", 3, ctypes.byref(n))
        self.assertEqual(self.name(st), "invalid_claim")
        del scratch

    def test_require_exp_takes_bool(self):
        _, _, p, _ = self.acs("acs_webhook")
        self.assertEqual(self.lib.tollgate_policy_set_require_exp(p, False), 0)
        self.assertEqual(self.lib.tollgate_policy_set_require_exp(p, True), 0)

    def test_oidc(self):
        doc = read(os.path.join(ROOT, "tests", "fixtures", "sample", "acs-openid-configuration.json"))
        iss, uri = ctypes.create_string_buffer(len(doc)), ctypes.create_string_buffer(len(doc))
        il, ul = ctypes.c_size_t(), ctypes.c_size_t()
        st = self.lib.tollgate_oidc_parse(doc, len(doc), iss, len(iss), ctypes.byref(il), uri,
                                          len(uri), ctypes.byref(ul))
        self.assertEqual(st, 0)
        self.assertEqual(iss.raw[:il.value], b"https://acscallautomation.communication.azure.com")
        self.assertEqual(uri.raw[:ul.value],
                         b"https://acscallautomation.communication.azure.com/calling/keys")
        bad = b'{"issuer":"i","jwks_uri":"http://h/k"}'
        st = self.lib.tollgate_oidc_parse(bad, len(bad), iss, len(iss), ctypes.byref(il), uri,
                                          len(uri), ctypes.byref(ul))
        self.assertEqual(self.name(st), "insecure_jwks_uri")


if __name__ == "__main__":
    unittest.main()
