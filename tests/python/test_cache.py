"""JwksCache: lazy first fetch, refetch on unknown_kid at most once per cooldown, old keys kept
when a refetch fails or returns a bad document, and one fetch for many threads at once."""
import json
import os
import threading
import time
import unittest

import tollgate
from helpers import PYJWT, manifest, read
from test_package import ACS_AUD, ACS_ISS, mint


def jwks_with(*names):
    """A JWKS document holding the fixture keys ``names`` (from jwks/acs.json)."""
    keys = json.loads(read(os.path.join(PYJWT, "jwks", "acs.json")))["keys"]
    kids = {manifest()["keys"][n]["kid"] for n in names}
    return json.dumps({"keys": [k for k in keys if k["kid"] in kids]})


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


class Fetcher:
    """Returns the queued documents in turn (the last one repeats); an Exception is raised."""

    def __init__(self, *docs):
        self.docs = list(docs)
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            self.calls += 1
            doc = self.docs[0] if len(self.docs) == 1 else self.docs.pop(0)
        if isinstance(doc, Exception):
            raise doc
        return doc


class Cache(unittest.TestCase):
    def setUp(self):
        now = int(time.time())
        claims = {"iss": ACS_ISS, "aud": ACS_AUD, "exp": now + 300}
        self.old = mint(claims, key="acs-2048-prev")
        self.new = mint(claims, key="acs-2048-next")
        self.policy = tollgate.Policy(ACS_ISS, [ACS_AUD])
        self.clock = Clock()

    def verdict(self, cache, token):
        try:
            cache.verify(self.policy, token)
            return "ok"
        except tollgate.TokenError as e:
            return e.name

    def test_rotation_refetches_once_per_cooldown(self):
        fetch = Fetcher(jwks_with("acs-2048-prev"), jwks_with("acs-2048-prev", "acs-2048-next"))
        cache = tollgate.JwksCache(fetch, cooldown=300, clock=self.clock)
        self.assertEqual(fetch.calls, 0)  # lazy
        self.assertEqual(self.verdict(cache, self.old), "ok")
        self.assertEqual(fetch.calls, 1)
        # Within the cooldown an unknown kid does not refetch.
        self.assertEqual(self.verdict(cache, self.new), "unknown_kid")
        self.assertEqual(fetch.calls, 1)
        self.clock.t += 300
        self.assertEqual(self.verdict(cache, self.new), "ok")  # refetched, then verified
        self.assertEqual(fetch.calls, 2)
        self.assertEqual(self.verdict(cache, self.new), "ok")
        self.assertEqual(self.verdict(cache, self.old), "ok")
        self.assertEqual(fetch.calls, 2)
        # A forged kid refetches at most once per cooldown.
        forged = mint({"iss": ACS_ISS, "aud": ACS_AUD, "exp": 2 ** 40}, key="attacker-2048",
                      headers={"kid": "forged"}, kid=False)
        self.clock.t += 300
        for _ in range(5):
            self.assertEqual(self.verdict(cache, forged), "unknown_kid")
        self.assertEqual(fetch.calls, 3)
        # Other failures never refetch.
        self.clock.t += 300
        self.assertEqual(self.verdict(cache, "garbage"), "malformed")
        self.assertEqual(fetch.calls, 3)

    def test_failed_refetch_keeps_the_old_keys(self):
        fetch = Fetcher(jwks_with("acs-2048-prev"), OSError("endpoint down"), '{"keys":[]}', "{",
                        jwks_with("acs-2048-next"))
        cache = tollgate.JwksCache(fetch, cooldown=10, clock=self.clock)
        first = cache.keys
        for want in ("endpoint down", "no_usable_key", "invalid_jwks"):
            self.clock.t += 10
            self.assertEqual(self.verdict(cache, self.new), "unknown_kid")
            self.assertIs(cache.keys, first)
            self.assertIn(want, str(cache.last_error))
            self.assertEqual(self.verdict(cache, self.old), "ok")
        self.clock.t += 10
        self.assertEqual(self.verdict(cache, self.new), "ok")
        self.assertIsNone(cache.last_error)
        self.assertEqual(self.verdict(cache, self.old), "unknown_kid")  # the new set replaced it

    def test_a_failing_first_fetch_raises(self):
        cache = tollgate.JwksCache(Fetcher('{"keys":[]}'), clock=self.clock)
        with self.assertRaises(tollgate.TollgateError) as cm:
            cache.keys
        self.assertEqual(cm.exception.name, "no_usable_key")
        with self.assertRaises(OSError):
            tollgate.JwksCache(Fetcher(OSError("down")), clock=self.clock).verify(self.policy, self.old)

    def test_threads_share_one_refetch(self):
        gate = threading.Event()
        docs = [jwks_with("acs-2048-prev"), jwks_with("acs-2048-next")]
        calls = []

        def slow_fetch():
            calls.append(1)
            if len(calls) > 1:
                gate.wait(5)
            return docs[min(len(calls), 2) - 1]

        cache = tollgate.JwksCache(slow_fetch, cooldown=0, clock=self.clock)
        cache.keys
        results = []

        def worker():
            results.append(self.verdict(cache, self.new))

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.2)
        gate.set()
        for t in threads:
            t.join(10)
        self.assertEqual(results, ["ok"] * 8)
        # cooldown 0 allows a refetch per unknown kid, but threads that waited for the fetch in
        # progress use its result instead of fetching again.
        self.assertEqual(len(calls), 2)


if __name__ == "__main__":
    unittest.main()
