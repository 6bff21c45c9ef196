"""Consistency of the PyJWT-minted fixtures (tests/fixtures/pyjwt), with the standard library
only: the manifest's fields agree with the tokens, every expected result is a stable error
name, accepted tokens are inside their validity window, and each RS256 signature verifies
(or, for the bad_signature cases, does not) under the JWKS key its kid names — checked with
a textbook RSASSA-PKCS1-v1_5 verification, independent of PyJWT and of tollgate."""
import base64
import hashlib
import json
import os
import re
import unittest

from helpers import ROOT

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "pyjwt")
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
# Results whose signature is valid (everything wrong is elsewhere).
SIGNED_BY_THE_NAMED_KEY = {"ok", "expired", "not_yet_valid", "wrong_issuer", "wrong_audience",
                           "missing_claim", "invalid_claim", "malformed", "unsupported_crit"}


def b64url_decode(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def error_names():
    with open(os.path.join(ROOT, "core", "src", "error.rs")) as f:
        return set(re.findall(r'^\s*[A-Z][A-Za-z]+ = \d+, "([a-z_]+)";', f.read(), re.M))


def rs256_verifies(jwk: dict, signing_input: bytes, signature: bytes) -> bool:
    n = int.from_bytes(b64url_decode(jwk["n"]), "big")
    e = int.from_bytes(b64url_decode(jwk["e"]), "big")
    k = (n.bit_length() + 7) // 8
    if len(signature) != k:
        return False
    em = pow(int.from_bytes(signature, "big"), e, n).to_bytes(k, "big")
    t = SHA256_DIGEST_INFO + hashlib.sha256(signing_input).digest()
    return em == b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t


class PyjwtFixtures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(FIXTURES, "manifest.json")) as f:
            cls.manifest = json.load(f)
        cls.jwks = {}
        for t in cls.manifest["tokens"]:
            if t["jwks"] not in cls.jwks:
                with open(os.path.join(FIXTURES, t["jwks"])) as f:
                    cls.jwks[t["jwks"]] = json.load(f)

    def test_expectations_are_stable_names(self):
        names = error_names()
        self.assertIn("bad_signature", names)
        seen = set()
        for t in self.manifest["tokens"]:
            self.assertTrue(t["expect"] == "ok" or t["expect"] in names, t["name"])
            self.assertNotIn(t["name"], seen)
            seen.add(t["name"])
        # Every rejection rule the fixtures are meant to cover is there.
        wanted = {"ok", "expired", "not_yet_valid", "wrong_issuer", "wrong_audience",
                  "unsupported_alg", "unsupported_crit", "unknown_kid", "missing_kid",
                  "bad_signature", "missing_claim", "invalid_claim", "malformed"}
        self.assertEqual(wanted - {t["expect"] for t in self.manifest["tokens"]}, set())

    def test_key_sets_have_unique_kids_and_the_promised_sizes(self):
        for name, doc in self.jwks.items():
            kids = [k["kid"] for k in doc["keys"]]
            self.assertEqual(len(kids), len(set(kids)), name)
        for name, key in self.manifest["keys"].items():
            self.assertTrue(os.path.exists(os.path.join(FIXTURES, key["private_key"])), name)
            for doc in key["in_jwks"]:
                jwk = next(k for k in self.jwks[doc]["keys"] if k["kid"] == key["kid"])
                self.assertEqual(len(b64url_decode(jwk["n"])) * 8, key["bits"], name)
        bits = {k["bits"] for k in self.manifest["keys"].values()}
        self.assertTrue({2048, 4096} <= bits)
        entra = self.jwks["jwks/entra.json"]["keys"]
        self.assertTrue(all("x5c" in k and "x5t" in k and "issuer" in k for k in entra))

    def test_fields_agree_with_the_tokens(self):
        for t in self.manifest["tokens"]:
            parts = t["token"].split(".")
            self.assertEqual(len(parts), 3, t["name"])
            self.assertEqual(json.loads(b64url_decode(parts[0])), t["header"], t["name"])
            self.assertEqual(len(b64url_decode(parts[1])), t["payload_bytes"], t["name"])

    def test_accepted_tokens_are_inside_their_window_and_claims_match(self):
        for t in self.manifest["tokens"]:
            if t["expect"] != "ok":
                self.assertIsNone(t["claims"], t["name"])
                continue
            payload = json.loads(b64url_decode(t["token"].split(".")[1]))
            claims, policy, now = t["claims"], t["policy"], t["now"]
            self.assertEqual(claims["iss"], policy["issuer"])
            self.assertIn(claims["aud"], policy["audiences"])
            aud = payload["aud"] if isinstance(payload["aud"], list) else [payload["aud"]]
            self.assertIn(claims["aud"], aud)
            self.assertEqual(claims["exp"], int(payload["exp"]))
            self.assertLess(now, claims["exp"] + policy["leeway"], t["name"])
            if claims["nbf"] is not None:
                self.assertGreaterEqual(now, claims["nbf"] - policy["leeway"], t["name"])
            for name in ("sub", "jti"):
                self.assertEqual(claims[name], payload.get(name), t["name"])

    def test_signatures_are_what_the_expectation_says(self):
        checked = 0
        for t in self.manifest["tokens"]:
            header = t["header"]
            if header.get("alg") not in ("RS256", "rs256") or t["expect"] in ("unknown_kid",):
                continue
            keys = self.jwks[t["jwks"]]["keys"]
            if "kid" in header:
                jwk = next(k for k in keys if k["kid"] == header["kid"])
            elif len(keys) == 1:
                jwk = keys[0]
            else:
                continue  # missing_kid: no key to try
            h, p, s = t["token"].split(".")
            valid = rs256_verifies(jwk, f"{h}.{p}".encode(), b64url_decode(s))
            want = t["expect"] in SIGNED_BY_THE_NAMED_KEY or header["alg"] == "rs256"
            self.assertEqual(valid, want, t["name"])
            checked += 1
        self.assertGreaterEqual(checked, 25)


if __name__ == "__main__":
    unittest.main()
